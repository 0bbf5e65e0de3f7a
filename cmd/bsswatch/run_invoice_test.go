package main

import (
	"strings"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/check"
)

func TestRunInvoiceStatus(t *testing.T) {
	e, box := setupRunWith(t, sandbox.SiteIntl, `
  invoice:
    accounts: [{profile: partner}]
`)
	config := e.config

	code, stdout, stderr := runCmd(t, "run", "invoice-status", "--config", config, "--dry-run")
	if code != 0 {
		t.Fatalf("dry run: got exit %d, want 0; stderr:\n%s", code, stderr)
	}
	dry := decodeResult(t, stdout)
	if dry.Check != check.Invoice || dry.Findings == 0 || len(dry.Items) != dry.Findings {
		t.Fatalf("dry run: %+v; want every tracked request listed", dry)
	}

	// The first real run records; after the clock moves, the next one tells.
	for i, want := range []int{0, 1} {
		code, stdout, stderr = runCmd(t, "run", "invoice-status", "--config", config)
		if code != 0 {
			t.Fatalf("run %d: got exit %d, want 0; stderr:\n%s", i+1, code, stderr)
		}
		if got := decodeResult(t, stdout).Sent["firing"]; got != want {
			t.Errorf("run %d sent %d new messages, want %d", i+1, got, want)
		}
		box.Advance(24 * time.Hour)
	}
	msgs := e.slack.Messages(runChannel)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Render(), "-> completed (8)") {
		t.Errorf("Slack got %d messages, want one telling a request completed", len(msgs))
	}
}

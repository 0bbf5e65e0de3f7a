package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/functions/internal/artifact"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
)

const channel = "CINVOICES"

// startArtifact serves an international partner whose invoice requests move with the sandbox clock
// (anchored at the real time, which the function's own clock reads).
func startArtifact(t *testing.T, site string, configYAML func(box *sandbox.Server, sandboxURL, slackURL string) string) *artifact.Artifact {
	t.Helper()
	return artifact.Start(t, artifact.Options{Site: site, Seed: 13, Customers: 2, Config: func(w artifact.World) string {
		return configYAML(w.Box, w.Manifest.Endpoint, w.Slack.APIURL())
	}})
}

func config(site string) func(box *sandbox.Server, sandboxURL, slackURL string) string {
	return func(box *sandbox.Server, sandboxURL, slackURL string) string {
		return fmt.Sprintf(`
profiles:
  partner: {role: partner, site: %s, domain_id: %q, ak: env:PARTNER_AK, sk: env:PARTNER_SK, endpoint: %q}
state: {backend: dynamodb}
destinations:
  finance: {type: slack, token: env:SLACK_BOT_TOKEN, channel: %s, api_url: %q}
routes: [{to: [finance]}]
ops: [finance]
checks:
  invoice:
    accounts: [{profile: partner}]
`, site, box.Partner().DomainID, sandboxURL, channel, slackURL)
	}
}

func TestArtifactTellsInvoiceChangesOnce(t *testing.T) {
	a := startArtifact(t, sandbox.SiteIntl, config("intl"))
	scheduled := artifact.Scheduled(t)

	// The first run records every request and tells nothing.
	res := a.Run(t, scheduled)
	if res.Findings == 0 || len(res.CheckErrors) != 0 || len(res.Sent) != 0 {
		t.Fatalf("first run = %+v, want requests recorded and nothing sent", res)
	}
	if n := len(a.Slack.Events()); n != 0 {
		t.Fatalf("first run made %d Slack calls, want none", n)
	}

	// A day later one request was issued and one rejected: one message says so.
	a.Box.Advance(24 * time.Hour)
	res = a.Run(t, scheduled)
	if res.Sent["firing"] != 1 || res.Delivered != 1 {
		t.Fatalf("second run = %+v, want one message delivered", res)
	}
	msgs := a.Slack.Messages(channel)
	if len(msgs) != 1 {
		t.Fatalf("Slack got %d messages, want 1", len(msgs))
	}
	text := msgs[0].Render()
	for _, want := range []string{"pending review (1) -> completed (8), Invoice no. INV",
		"info -> warning, pending review (1) -> rejected: awaiting rejection review (11), Reason The tax ID does not match the invoice title."} {
		if !strings.Contains(text, want) {
			t.Errorf("message lacks %q:\n%s", want, text)
		}
	}

	// The same schedule again tells nothing.
	events := len(a.Slack.Events())
	if res := a.Run(t, scheduled); len(res.Sent) != 0 {
		t.Errorf("third run sent %v, want nothing", res.Sent)
	}
	if n := len(a.Slack.Events()) - events; n != 0 {
		t.Errorf("third run made %d Slack calls, want none", n)
	}

	// A 2xx answer without count changes nothing and tells ops once; the next run says it recovered.
	if err := a.Box.AddFault(sandbox.Fault{API: "ListInvoices", Count: 1, Body: "{}"}); err != nil {
		t.Fatal(err)
	}
	res = a.Run(t, scheduled)
	if len(res.CheckErrors) != 1 || !strings.Contains(res.CheckErrors[0], "no total count") || res.Sent["check_failed"] != 1 {
		t.Errorf("faulty run = %+v, want the malformed answer reported to ops", res)
	}
	res = a.Run(t, scheduled)
	// The result counts a recovery with the resolved messages.
	if len(res.CheckErrors) != 0 || len(res.Sent) != 1 || res.Sent["resolved"] != 1 {
		t.Errorf("next run = %+v, want only the recovery told", res)
	}
	if m, _ := a.Slack.Message(channel, msgs[0].TS); m.Edits != 0 {
		t.Errorf("the digest was edited %d times, want none: missing data changes nothing", m.Edits)
	}
}

func TestArtifactRefusesAChinaSiteProfile(t *testing.T) {
	a := startArtifact(t, sandbox.SiteCN, config("cn"))
	logs := a.RefusesToStart(t, "a China-site profile")
	for _, want := range []string{"checks.invoice.accounts[0].profile", "the China site has no invoice API", "发票管理"} {
		if !strings.Contains(logs, want) {
			t.Errorf("start-up log lacks %q:\n%s", want, logs)
		}
	}
}

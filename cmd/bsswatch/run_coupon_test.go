package main

import (
	"os"
	"strings"
	"testing"

	"github.com/bsswatch/bsswatch/pkg/check"
)

func TestRunCouponExpiry(t *testing.T) {
	e := setupRun(t)
	doc, err := os.ReadFile(e.config)
	if err != nil {
		t.Fatal(err)
	}
	doc = append(doc, "  coupon:\n    watch: [{profile: partner, sources: [quotas, issued, own]}]\n"...)
	if err := os.WriteFile(e.config, doc, 0o600); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runCmd(t, "run", "coupon-expiry", "--config", e.config, "--dry-run")
	if code != 0 {
		t.Fatalf("dry run: got exit %d, want 0; stderr:\n%s", code, stderr)
	}
	dry := decodeResult(t, stdout)
	if dry.Check != check.Coupon || dry.Findings == 0 || len(dry.Items) != dry.Findings || len(e.slack.Events()) != 0 {
		t.Fatalf("dry run: got %+v, want the coupons listed and nothing sent", dry)
	}
	for _, it := range dry.Items {
		f := strings.Join(it.Fields, " | ")
		if !strings.HasPrefix(f, "Unused: ") || !strings.Contains(f, "Expires: ") || !strings.Contains(f, "Tier: ") {
			t.Errorf("item %q: fields %q, want amount, expiry and tier", it.Title, f)
		}
	}

	code, stdout, stderr = runCmd(t, "run", "coupon-expiry", "--config", e.config)
	if code != 0 {
		t.Fatalf("got exit %d, want 0; stderr:\n%s", code, stderr)
	}
	if res := decodeResult(t, stdout); res.Sent["firing"] != 1 || res.Delivered != 1 {
		t.Errorf("got %+v, want one digest delivered", res)
	}
}

package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
)

// runDemoCmd runs `bsswatch demo args...` through the dispatcher with the temporary directory
// pointed at an empty one, and returns the exit code, stdout, stderr and what the demo left there.
func runDemoCmd(t *testing.T, args ...string) (code int, stdout, stderr string, left []os.DirEntry) {
	t.Helper()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"demo"}, args...), &out, &errb)
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String(), left
}

func TestDemo(t *testing.T) {
	code, out, stderr, left := runDemoCmd(t)
	if code != 0 {
		t.Fatalf("got exit %d, want 0; stderr:\n%s\nstdout:\n%s", code, stderr, out)
	}
	if stderr != "" {
		t.Errorf("the demo is quiet by default, but wrote to stderr:\n%s", stderr)
	}
	if len(left) != 0 {
		t.Errorf("the demo left %d entries in the temporary directory, want none (first: %s)", len(left), left[0].Name())
	}
	// Seed 1 with 30 customers: the worst customer (nothing left, ¥661.68 owed) leads the digest
	// and is topped up.
	for _, want := range []string{
		"🔴 balance alerts for partner-cn",
		"10 low balances: 4 critical, 6 warning",
		"🔴 成都长风软件有限公司 (0f2e6aa2852329f8d025ad9f64312e2c) (new)",
		"Critical at: ¥100.00 · Debt: ¥661.68",
		"🔴 balance alerts for customer-suzhou",
		"11 low balances in 2 accounts · Slack: 2 posted, 0 edited, 0 thread replies",
		"11 low balances in 2 accounts · Slack: 0 posted, 0 edited, 0 thread replies",
		"nothing new was sent: the Slack stand-in recorded 2 calls before this run and 2 after.",
		"Top-up: 成都长风软件有限公司 (0f2e6aa2852329f8d025ad9f64312e2c) paid in; balance -¥661.68 → ¥20,000.00",
		"10 low balances in 2 accounts · Slack: 0 posted, 1 edited, 1 thread replies",
		"9 low balances: 3 critical, 6 warning; 1 resolved",
		"↳ ✏️ Changes:",
		"• resolved: 成都长风软件有限公司 (0f2e6aa2852329f8d025ad9f64312e2c)",
		"… 4 more items",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The renewal part: a quote, an approval through the real click handler, one paid order, and
	// the quote's message edited to say so.
	for _, want := range []string{
		"1 quote(s) for 1 account(s) posted to #C0ALERTS",
		"[ Approve ] [ Reject ]",
		"U0DEMOAPPROVER clicks Approve: a signed Slack request to the function URL's handler",
		"answered HTTP 200",
		"paid, ¥1,771.99 for 2 resource(s), 1 month(s)",
		"✅ Renewed for ¥1,771.99, approved by <@U0DEMOAPPROVER>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Slack as a console: a /bsswatch answer read from the store, a snooze, and the reminder only
	// the other digest gets.
	for _, want := range []string{
		"U0DEMOAPPROVER types /bsswatch balance: answered privately from the state store, no call to BSS",
		"*balance: 10 open*",
		"[ Snooze 1 day ] [ Snooze 7 days ]",
		"Snoozed by <@U0DEMOAPPROVER> until 2026-11-29 21:00 CST: 9 finding(s) will not be reminded",
		"[ Unsnooze ]",
		"the snoozed partner digest stays quiet",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The coupon part: a digest with tiers and totals (test coupons apart), a coupon used and a week
	// later the digest edited, its thread saying what moved, expired unused and was used.
	for _, want := range []string{
		"coupon alerts for partner-cn",
		"¥10,000.00 in 2 test coupons expires within 30 days",
		"in 28 coupons issued to customers expires within 30 days",
		"¥32,000.00 in 2 coupon quotas expires within 30 days",
		"⚠️ Test coupon 云软件方案测试券 (CPcca31d4cf7f3d1fcb9e01c) (new)",
		"the sandbox's clock moves a week",
		"Slack: 0 posted, 1 edited, 1 thread replies",
		"info -> warning, expires within 30 days -> expires within 7 days",
		"expires within 7 days -> expired unused, Unused ¥20,000.00",
		"• resolved: Coupon 伙伴代金券 (CP581649d5214ba194a54fcf)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n"); n > 260 {
		t.Errorf("the demo printed %d lines, want at most 260 (about 40 per part)", n)
	}
}

// TestDemoDeterministic runs the demo twice: apart from loopback ports and the time it took, the
// output is the same, so the README can show it.
func TestDemoDeterministic(t *testing.T) {
	// Quote ids are random by design (they are the capability a button carries), order ids carry the
	// wall clock, and the click's answer takes what it takes.
	varying := regexp.MustCompile(`127\.0\.0\.1:\d+|Done in \S+|q[0-9A-Z]{32}|CS\d+|HTTP 200 in \S+`)
	var outs [2]string
	for i := range outs {
		code, out, stderr, _ := runDemoCmd(t, "--customers", "40", "--seed", "3")
		if code != 0 {
			t.Fatalf("run %d: got exit %d, want 0; stderr:\n%s", i, code, stderr)
		}
		outs[i] = varying.ReplaceAllString(out, "…")
	}
	if outs[0] != outs[1] {
		t.Errorf("two demos differ:\n%s\n----\n%s", outs[0], outs[1])
	}
}

func TestDemoVerboseKeepsSecrets(t *testing.T) {
	code, out, stderr, _ := runDemoCmd(t, "--verbose")
	if code != 0 {
		t.Fatalf("got exit %d, want 0; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"msg=run", "check=balance", `path=/v2/accounts/customer-accounts/balances/batch-query`} {
		if !strings.Contains(stderr, want) {
			t.Errorf("verbose log lacks %q:\n%s", want, stderr)
		}
	}
	box, err := sandbox.New(sandbox.Options{Site: sandbox.SiteCN, Seed: 1, Customers: 30})
	if err != nil {
		t.Fatal(err)
	}
	m := box.Manifest("")
	for name, secret := range map[string]string{"partner SK": m.Partner.SK, "customer SK": m.Customers[0].SK, "Slack token": demoSlackToken} {
		if strings.Contains(stderr+out, secret) {
			t.Errorf("the %s reached the output", name)
		}
	}
}

func TestDemoUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
		text string
	}{
		{"no customers", []string{"--customers", "0"}, 2, "--customers must be between 1 and 1000, got 0"},
		{"too many customers", []string{"--customers", "1000000"}, 2, "--customers must be between 1 and 1000"},
		{"stray argument", []string{"now"}, 2, `unexpected arguments ["now"]`},
		{"bad flag", []string{"--seed", "x"}, 2, "invalid value"},
		{"nothing to renew", []string{"--customers", "1"}, 1, "no customer of the generated partner has a resource about to lapse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr, left := runDemoCmd(t, tt.args...)
			if code != tt.want {
				t.Errorf("got exit %d, want %d; stderr:\n%s", code, tt.want, stderr)
			}
			if !strings.Contains(stderr, tt.text) {
				t.Errorf("stderr lacks %q:\n%s", tt.text, stderr)
			}
			if len(left) != 0 {
				t.Errorf("left %d entries in the temporary directory, want none", len(left))
			}
		})
	}
}

// TestDemoHintAgreesWithREADME: what the demo tells a new user to do next is what the README says.
func TestDemoHintAgreesWithREADME(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range nextSteps {
		cmd, _, _ := strings.Cut(l, "#")
		cmd = strings.TrimSpace(cmd)
		if !bytes.Contains(readme, []byte("\n"+cmd)) {
			t.Errorf("README.md has no line starting %q", cmd)
		}
		if first := strings.Fields(cmd)[0]; first == "cp" {
			if _, err := os.Stat("../../" + strings.Fields(cmd)[1]); err != nil {
				t.Errorf("the hint copies %s: %v", strings.Fields(cmd)[1], err)
			}
		}
	}
}

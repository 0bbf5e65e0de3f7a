package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
)

const runChannel = "C0RUN"

type runEnv struct {
	config string // path of the configuration file
	slack  *slacklocal.Server
	sk     string // the partner's secret key, which must never be printed
	box    sandbox.Manifest
}

// setupRun starts the BSS sandbox and the Slack stand-in on loopback and writes a configuration for
// them to a file, its secrets in environment variables as a user running locally would have them.
func setupRun(t *testing.T) *runEnv {
	t.Helper()
	e, _ := setupRunWith(t, sandbox.SiteCN, `
  balance:
    partner:
      profile: partner
      thresholds: {cash: {currency: CNY, warning: "100000000", critical: "1"}}
    customers:
      profile: partner
      default: {currency: CNY, warning: "1000", critical: "100"}
`)
	return e
}

// setupRunWith is setupRun for a partner of the given site and a checks section naming it "partner".
func setupRunWith(t *testing.T, site, checks string) (*runEnv, *sandbox.Server) {
	t.Helper()
	box, err := sandbox.New(sandbox.Options{Site: site, Seed: 7, Customers: 20})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(box)
	t.Cleanup(func() { box.Close(); srv.Close() })
	slack := slacklocal.New(slacklocal.WithToken("xoxb-run-test"))
	t.Cleanup(slack.Close)
	m := box.Manifest(srv.URL)
	t.Setenv("BSSWATCH_TEST_PARTNER_AK", m.Partner.AK)
	t.Setenv("BSSWATCH_TEST_PARTNER_SK", m.Partner.SK)
	t.Setenv("BSSWATCH_TEST_SLACK_TOKEN", "xoxb-run-test")
	dir := t.TempDir()
	doc := fmt.Sprintf(`
profiles:
  partner: {role: partner, site: %s, domain_id: %q, ak: env:BSSWATCH_TEST_PARTNER_AK, sk: env:BSSWATCH_TEST_PARTNER_SK, endpoint: %q}
state: {backend: bolt, path: %q}
destinations:
  alerts: {type: slack, token: env:BSSWATCH_TEST_SLACK_TOKEN, channel: %s, api_url: %q}
routes: [{to: [alerts]}]
ops: [alerts]
checks:%s`, site, m.Partner.DomainID, srv.URL, filepath.Join(dir, "state.db"), runChannel, slack.APIURL(), checks)
	path := filepath.Join(dir, "bsswatch.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return &runEnv{config: path, slack: slack, sk: m.Partner.SK, box: m}, box
}

// runCmd runs `bsswatch args...` through the dispatcher.
func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func decodeResult(t *testing.T, stdout string) app.Result {
	t.Helper()
	var res app.Result
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("stdout is not a Result: %v\n%s", err, stdout)
	}
	return res
}

func TestRunBalanceAlert(t *testing.T) {
	e := setupRun(t)

	// A dry run lists what it found and touches neither Slack nor the state.
	code, stdout, stderr := runCmd(t, "run", "--config", e.config, "balance-alert", "--dry-run")
	if code != 0 {
		t.Fatalf("dry run: got exit %d, want 0; stderr:\n%s", code, stderr)
	}
	dry := decodeResult(t, stdout)
	if !dry.DryRun || dry.Findings < 2 || len(dry.Items) != dry.Findings || len(dry.Sent) != 0 {
		t.Fatalf("dry run: got %d findings, %d items, dry_run %v, sent %v; want at least 2 findings, all listed, nothing sent",
			dry.Findings, len(dry.Items), dry.DryRun, dry.Sent)
	}
	if n := len(e.slack.Events()); n != 0 {
		t.Errorf("dry run: %d Slack calls, want none", n)
	}

	// The real run sends everything as new, which it would not if the dry run had stored state.
	code, stdout, stderr = runCmd(t, "run", "balance-alert", "--config", e.config)
	if code != 0 {
		t.Fatalf("got exit %d, want 0; stderr:\n%s", code, stderr)
	}
	res := decodeResult(t, stdout)
	if res.Check != check.Balance || res.Findings != dry.Findings || res.Sent["firing"] != 1 || res.Delivered != 1 || res.Calls == 0 {
		t.Errorf("got %+v; want %d findings, one firing digest delivered, BSS calls counted", res, dry.Findings)
	}
	msgs := e.slack.Messages(runChannel)
	if len(msgs) != 1 || !strings.Contains(slacklocal.RenderBlocks(msgs[0].Blocks), dry.Items[0].Title) {
		t.Errorf("Slack got %d messages, want one digest naming %q", len(msgs), dry.Items[0].Title)
	}
	if !strings.HasPrefix(stdout, "{\n  \"check\": \"balance\",") {
		t.Errorf("stdout is not indented JSON:\n%s", stdout)
	}
	if !strings.Contains(stderr, "level=INFO msg=metrics") {
		t.Errorf("stderr lacks the text log of the run:\n%s", stderr)
	}
	if strings.Contains(stdout+stderr, e.sk) || strings.Contains(stdout+stderr, "xoxb-run-test") {
		t.Error("a secret reached the output")
	}

	// The state file persists between runs, as DynamoDB does between invocations.
	before := len(e.slack.Events())
	if code, _, stderr := runCmd(t, "run", "balance-alert", "--config", e.config); code != 0 {
		t.Fatalf("second run: got exit %d, want 0; stderr:\n%s", code, stderr)
	}
	if n := len(e.slack.Events()) - before; n != 0 {
		t.Errorf("second run: %d Slack calls with nothing changed, want none", n)
	}
}

func TestRunConfigMistakes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.yaml")
	doc := `
profiles:
  partner: {role: admin, site: cn, domain_id: abc, ak: env:P_AK, sk: plain-secret-key}
state: {backend: bolt, path: state.db}
destinations:
  alerts: {type: slack, token: env:SLACK_TOKEN, channel: C1}
routes: [{to: [nowhere]}]
ops: [alerts]
checks:
  balance:
    customers: {profile: partner, default: {currency: CNY, warning: "5k", critical: "100"}}
`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, "run", "balance-alert", "--config", path)
	if code != 1 {
		t.Errorf("got exit %d, want 1", code)
	}
	if stdout != "" {
		t.Errorf("stdout should be empty when the function cannot start:\n%s", stdout)
	}
	for _, want := range []string{
		"profiles.partner.role:",
		"profiles.partner.sk: a literal secret is not allowed",
		`routes[0].to: unknown destination "nowhere"`,
		`checks.balance.customers.default.warning: not a decimal: "5k"`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "plain-secret-key") {
		t.Error("the error quotes what was written in a secret's place")
	}
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
		text string
	}{
		{"unknown function", []string{"run", "coupon-alert", "--config", "x.yaml"}, 2, `unknown function "coupon-alert" (known: balance-alert, coupon-expiry, invoice-status, renewal-quote)`},
		{"no function", []string{"run", "--config", "x.yaml"}, 2, "name the function to run (known: balance-alert, coupon-expiry, invoice-status, renewal-quote)"},
		{"two functions", []string{"run", "balance-alert", "balance-alert", "--config", "x.yaml"}, 2, "one function at a time"},
		{"no config", []string{"run", "balance-alert"}, 2, "--config is required"},
		{"bad flag", []string{"run", "balance-alert", "--dry-run=maybe"}, 2, "invalid boolean value"},
		{"help", []string{"run", "-h"}, 0, "functions: balance-alert"},
		{"missing file", []string{"run", "balance-alert", "--config", filepath.Join(t.TempDir(), "none.yaml")}, 1, "none.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCmd(t, tt.args...)
			if code != tt.want {
				t.Errorf("got exit %d, want %d; stderr:\n%s", code, tt.want, stderr)
			}
			if !strings.Contains(stderr, tt.text) {
				t.Errorf("stderr lacks %q:\n%s", tt.text, stderr)
			}
		})
	}
}

func TestRunCheckThatCannotRunExitsNonZero(t *testing.T) {
	e := setupRun(t)
	t.Setenv("BSSWATCH_TEST_PARTNER_SK", "a-wrong-secret-key")
	code, stdout, stderr := runCmd(t, "run", "balance-alert", "--config", e.config)
	if code != 1 {
		t.Fatalf("got exit %d, want 1; stderr:\n%s", code, stderr)
	}
	res := decodeResult(t, stdout)
	if len(res.CheckErrors) == 0 || res.Sent["check_failed"] != 1 {
		t.Errorf("result = %+v, want the failure reported and sent to ops", res)
	}
	if strings.Contains(stdout+stderr, "a-wrong-secret-key") {
		t.Error("the output quotes the secret key")
	}
}

func TestRunRenewalWithoutItsSection(t *testing.T) {
	e := setupRun(t)
	code, _, stderr := runCmd(t, "run", "renewal-quote", "--config", e.config, "--dry-run")
	if code != 1 || !strings.Contains(stderr, "no checks.renewal section") {
		t.Errorf("got exit %d, stderr:\n%s\nwant 1 naming the missing section", code, stderr)
	}
	if n := len(e.slack.Events()); n != 0 {
		t.Errorf("made %d Slack calls", n)
	}
}

// TestRunRenewalAccountThatCannotBeScanned gives a renewal account a wrong secret key: the run exits 1
// and ops hears it once; a second run adds nothing; once the key is right again, ops hears that the
// check recovered.
func TestRunRenewalAccountThatCannotBeScanned(t *testing.T) {
	e := setupRun(t)
	c := e.box.Customers[0]
	t.Setenv("BSSWATCH_TEST_CUSTOMER_AK", c.AK)
	t.Setenv("BSSWATCH_TEST_CUSTOMER_SK", "a-wrong-secret-key")
	t.Setenv("BSSWATCH_TEST_SIGNING", "local-signing-secret")
	doc := fmt.Sprintf(`
profiles:
  acme: {role: customer, site: cn, domain_id: %q, ak: env:BSSWATCH_TEST_CUSTOMER_AK, sk: env:BSSWATCH_TEST_CUSTOMER_SK, endpoint: %q}
state: {backend: bolt, path: %q}
destinations:
  quotes: {type: slack, token: env:BSSWATCH_TEST_SLACK_TOKEN, channel: %s, api_url: %q}
  ops: {type: slack, token: env:BSSWATCH_TEST_SLACK_TOKEN, channel: C0OPS, api_url: %q}
routes: [{checks: [renewal], to: [quotes]}]
ops: [ops]
slack_app: {signing_secret: env:BSSWATCH_TEST_SIGNING, team_id: T0ACME, app_id: A0APP, destination: quotes}
approvals: {users: [U0ADA]}
checks:
  renewal: {accounts: [{profile: acme}], within_days: 30, period: {type: month, num: 1}}
`, c.DomainID, e.box.Endpoint, filepath.Join(t.TempDir(), "state.db"), runChannel, e.slack.APIURL(), e.slack.APIURL())
	path := filepath.Join(t.TempDir(), "renewal.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}

	code, stdout, stderr := runCmd(t, "run", "renewal-quote", "--config", path)
	if code != 1 {
		t.Fatalf("got exit %d, want 1; stderr:\n%s", code, stderr)
	}
	ops := e.slack.Messages("C0OPS")
	if len(ops) != 1 || !strings.Contains(ops[0].Render(), "renewal check failing for acme") {
		t.Fatalf("ops got %d messages, want one saying the renewal check fails for acme", len(ops))
	}
	if strings.Contains(stdout+stderr+ops[0].Render(), "a-wrong-secret-key") {
		t.Error("the secret key reached the output or Slack")
	}

	before := len(e.slack.Events())
	if code, _, _ := runCmd(t, "run", "renewal-quote", "--config", path); code != 1 {
		t.Errorf("second run: got exit %d, want 1", code)
	}
	if n := len(e.slack.Events()) - before; n != 0 {
		t.Errorf("second run: %d Slack calls for the same failure, want none", n)
	}

	t.Setenv("BSSWATCH_TEST_CUSTOMER_SK", c.SK)
	if code, _, stderr := runCmd(t, "run", "renewal-quote", "--config", path); code != 0 {
		t.Fatalf("fixed: got exit %d, want 0; stderr:\n%s", code, stderr)
	}
	replies := e.slack.Replies("C0OPS", ops[0].TS)
	if len(e.slack.Messages("C0OPS")) != 1 || len(replies) == 0 || !strings.Contains(replies[len(replies)-1].Text, "Recovered") {
		t.Errorf("ops thread %v, want the failure message closed as recovered", replies)
	}
	if m, _ := e.slack.Message("C0OPS", ops[0].TS); !strings.Contains(m.Render(), "renewal check recovered for acme") {
		t.Errorf("ops message:\n%s\nwant it edited to say the check recovered", m.Render())
	}
}

package app_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/shopspring/decimal"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/config"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
	"github.com/bsswatch/bsswatch/pkg/state/dynamo/dynamotest"
)

const (
	channel    = "CALERTS"
	opsChannel = "COPS"
)

type env struct {
	box   *sandbox.Server
	slack *slacklocal.Server
	app   *app.App
	now   time.Time
}

// setup starts the BSS sandbox and the Slack stand-in on loopback and builds the App from a YAML
// configuration, as a function's cold start does. partnerSK replaces the partner's secret key when set.
func setup(t *testing.T, customers int, partnerSK string) *env {
	t.Helper()
	return setupChecks(t, customers, partnerSK, `
  balance:
    partner:
      profile: partner-cn
      thresholds:
        cash: {currency: CNY, warning: "100000000", critical: "1"}
    customers:
      profile: partner-cn
      default: {currency: CNY, warning: "1000", critical: "100"}
    own:
      - {profile: customer-1, threshold: {currency: CNY, warning: "100000000", critical: "100"}}
`)
}

// setupChecks is setup with the given checks section. State lives in a table of the local
// DynamoDB-API server, as in Lambda.
func setupChecks(t *testing.T, customers int, partnerSK, checks string) *env {
	t.Helper()
	box, err := sandbox.New(sandbox.Options{Site: sandbox.SiteCN, Seed: 7, Customers: customers})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(box)
	t.Cleanup(func() { box.Close(); srv.Close() })
	slack := slacklocal.New(slacklocal.WithToken("xoxb-test"))
	t.Cleanup(slack.Close)

	m := box.Manifest(srv.URL)
	own, ok := m.OwnBalanceCustomer()
	if !ok {
		t.Fatal("no customer with a balance of its own")
	}
	_, table := dynamotest.Start(t)
	secrets := map[string]string{
		"P_AK": m.Partner.AK, "P_SK": m.Partner.SK, "C_AK": own.AK, "C_SK": own.SK, "SLACK_TOKEN": "xoxb-test",
	}
	if partnerSK != "" {
		secrets["P_SK"] = partnerSK
	}
	doc := fmt.Sprintf(`
timezone: Asia/Shanghai
profiles:
  partner-cn: {role: partner, site: cn, domain_id: %q, ak: env:P_AK, sk: env:P_SK, endpoint: %q}
  customer-1: {role: customer, site: cn, domain_id: %q, ak: env:C_AK, sk: env:C_SK, endpoint: %q}
state: {backend: dynamodb, table: %q}
destinations:
  alerts: {type: slack, token: env:SLACK_TOKEN, channel: %s, api_url: %q}
  ops: {type: slack, token: env:SLACK_TOKEN, channel: %s, api_url: %q}
routes: [{to: [alerts]}]
ops: [ops]
checks:%s`, m.Partner.DomainID, srv.URL, own.DomainID, srv.URL, table, channel, slack.APIURL(), opsChannel, slack.APIURL(), checks)
	envf := func(k string) string { return secrets[k] }
	cfg, err := config.Parse([]byte(doc), envf)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Resolve(context.Background(), config.NewResolver(envf, nil)); err != nil {
		t.Fatal(err)
	}
	e := &env{box: box, slack: slack, now: time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)}
	a, err := app.New(context.Background(), cfg, app.Options{
		Now: func() time.Time { return e.now },
		// No retries: one injected failure is one failed call.
		BSS: bss.Options{MaxRetries: -1},
		AWS: func(context.Context) (aws.Config, error) {
			return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(dynamotest.Endpoint(t)),
				Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
					return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
				})}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	e.app = a
	return e
}

// lowCustomers counts the reseller customers at or below the default warning level.
func lowCustomers(box *sandbox.Server) (low []sandbox.Customer) {
	limit := decimal.NewFromInt(1000)
	for _, c := range box.Customers() {
		if c.Reseller && c.Balance.LessThanOrEqual(limit) {
			low = append(low, c)
		}
	}
	return low
}

func (e *env) run(t *testing.T) app.Result {
	t.Helper()
	res, err := e.app.Run(context.Background(), check.Balance, app.Event{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestBalanceLifecycle(t *testing.T) {
	e := setup(t, 60, "")
	low := lowCustomers(e.box)
	if len(low) < 2 {
		t.Fatalf("the generated partner has %d low customers; the test needs at least 2", len(low))
	}

	res := e.run(t)
	// partner cash account + every low reseller customer + the customer's own cash account.
	if want := len(low) + 2; res.Findings != want {
		t.Errorf("findings = %d, want %d (%d low customers, partner cash, own cash)", res.Findings, want, len(low))
	}
	if len(res.CheckErrors) != 0 {
		t.Fatalf("check errors: %v", res.CheckErrors)
	}
	msgs := e.slack.Messages(channel)
	if len(msgs) != 2 {
		t.Fatalf("posted %d messages, want one digest per account (2)", len(msgs))
	}
	digest := ""
	for _, m := range msgs {
		if strings.Contains(m.Text+slacklocal.RenderBlocks(m.Blocks), low[0].ID) {
			digest = m.TS
		}
	}
	if digest == "" {
		t.Fatalf("no digest names customer %s", low[0].ID)
	}
	// 08:00 UTC is 16:00 in the configured zone.
	if m, _ := e.slack.Message(channel, digest); !strings.Contains(slacklocal.RenderBlocks(m.Blocks), "2026-11-21 16:00 CST") {
		t.Errorf("digest does not show the time in the configured zone:\n%s", slacklocal.RenderBlocks(m.Blocks))
	}
	firstCalls := res.Calls

	// A second run with nothing changed sends nothing.
	before := len(e.slack.Events())
	e.now = e.now.Add(time.Hour)
	res = e.run(t)
	if n := len(e.slack.Events()) - before; n != 0 || len(res.Sent) != 0 {
		t.Errorf("second run: %d Slack calls, sent %v; want none", n, res.Sent)
	}
	if res.Calls != firstCalls {
		t.Errorf("second run reports %d BSS calls, first %d: a run counts its own calls", res.Calls, firstCalls)
	}

	// Topping up one customer resolves it: the digest is edited in place and the thread says so.
	if err := e.box.SetCustomerBalance(low[0].ID, decimal.NewFromInt(1_000_000)); err != nil {
		t.Fatal(err)
	}
	e.now = e.now.Add(time.Hour)
	res = e.run(t)
	if res.Sent["update"] != 1 {
		t.Errorf("sent = %v, want one update", res.Sent)
	}
	m, _ := e.slack.Message(channel, digest)
	if m.Edits != 1 {
		t.Errorf("digest edited %d times, want 1", m.Edits)
	}
	replies := e.slack.Replies(channel, digest)
	if len(replies) != 1 || !strings.Contains(replies[0].Text, "resolved") || !strings.Contains(replies[0].Text, low[0].ID) {
		t.Errorf("thread replies = %+v, want one naming the resolved customer", replies)
	}
}

func TestBalanceWrongCredentialsAlertOpsOnce(t *testing.T) {
	e := setup(t, 10, "not-the-secret-key")
	res := e.run(t)
	if len(res.CheckErrors) != 1 || res.Sent["check_failed"] != 1 {
		t.Fatalf("result = %+v, want one check failure sent", res)
	}
	msgs := e.slack.Messages(opsChannel)
	var failure string
	for _, m := range msgs {
		text := m.Text + slacklocal.RenderBlocks(m.Blocks)
		if strings.Contains(text, "APIGW.0301") || strings.Contains(strings.ToLower(text), "credentials") {
			failure = text
		}
		if strings.Contains(text, "not-the-secret-key") {
			t.Errorf("a message carries the secret key: %s", text)
		}
	}
	if failure == "" {
		t.Errorf("no message gives the reason; got %d messages", len(msgs))
	}
	before := len(e.slack.Events())
	e.now = e.now.Add(time.Hour)
	e.run(t)
	if n := len(e.slack.Events()) - before; n != 0 {
		t.Errorf("the same failure sent again (%d Slack calls)", n)
	}
}

func TestDryRunTouchesNothing(t *testing.T) {
	e := setup(t, 20, "")
	res, err := e.app.Run(context.Background(), check.Balance, app.Event{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Findings == 0 || len(res.Items) != res.Findings {
		t.Errorf("dry run listed %d items for %d findings", len(res.Items), res.Findings)
	}
	rank := map[string]int{"critical": 0, "warning": 1, "info": 2}
	for i := 1; i < len(res.Items); i++ {
		if rank[res.Items[i-1].Severity] > rank[res.Items[i].Severity] {
			t.Errorf("item %d (%s) listed after a %s one: want worst first", i-1, res.Items[i-1].Severity, res.Items[i].Severity)
		}
	}
	balance := func(it app.DryFinding) decimal.Decimal {
		if len(it.Fields) == 0 || !strings.HasPrefix(it.Fields[0], "Balance: ¥") {
			t.Fatalf("item fields = %v, want the balance first", it.Fields)
		}
		return decimal.RequireFromString(strings.ReplaceAll(strings.TrimPrefix(it.Fields[0], "Balance: ¥"), ",", ""))
	}
	for i := 1; i < len(res.Items); i++ {
		a, b := res.Items[i-1], res.Items[i]
		if a.Severity == b.Severity && balance(a).GreaterThan(balance(b)) {
			t.Errorf("%s (%s) listed before %s (%s): want the lowest balance first", a.Title, a.Fields[0], b.Title, b.Fields[0])
		}
	}
	if n := len(e.slack.Events()); n != 0 {
		t.Errorf("dry run made %d Slack calls", n)
	}
	recs, err := e.app.Store.List(context.Background(), "alert/balance/partner-cn", "")
	if err != nil || len(recs) != 0 {
		t.Errorf("dry run stored %d records (%v)", len(recs), err)
	}
}

func TestParseEvent(t *testing.T) {
	good := map[string]app.Event{
		``:                 {},
		`null`:             {},
		`{}`:               {},
		`{"dry_run":true}`: {DryRun: true},
		`{"scheduled_time":"2026-11-21T08:00:00Z","execution_id":"x"}`: {ScheduledTime: "2026-11-21T08:00:00Z", ExecutionID: "x"},
	}
	for in, want := range good {
		got, err := app.ParseEvent([]byte(in))
		if err != nil || got != want {
			t.Errorf("ParseEvent(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{`{"dryrun":true}`, `{"dry_run":"yes"}`, `[]`, `{`, `{} {}`, `{"scheduled_time":"yesterday"}`} {
		if _, err := app.ParseEvent([]byte(bad)); err == nil {
			t.Errorf("ParseEvent(%q) succeeded, want an error", bad)
		}
	}
}

// customersOnly watches only the partner's sub-customers: no other section can make the run look
// like it covered something.
const customersOnly = `
  balance:
    customers:
      profile: partner-cn
      default: {currency: CNY, warning: "1000", critical: "100"}
`

func resellers(box *sandbox.Server) int {
	n := 0
	for _, c := range box.Customers() {
		if c.Reseller {
			n++
		}
	}
	return n
}

func TestBalanceEveryBatchFailingTellsOpsAndResolvesNothing(t *testing.T) {
	e := setupChecks(t, 250, "", customersOnly)
	first := e.run(t)
	digest := e.slack.Messages(channel)
	if first.Findings == 0 || len(digest) != 1 {
		t.Fatalf("first run: %d findings, %d messages; want a digest", first.Findings, len(digest))
	}
	n := resellers(e.box)
	batches := (n + 99) / 100
	e.box.FailNext("ListCustomersBalancesDetail", batches, 500, "CBC.0999")
	e.now = e.now.Add(time.Hour)
	res := e.run(t)
	if len(res.CheckErrors) != 1 || res.Sent["check_failed"] != 1 || res.Sent["update"]+res.Sent["resolved"] != 0 {
		t.Fatalf("result %+v, want one ops message and nothing resolved", res)
	}
	if m, _ := e.slack.Message(channel, digest[0].TS); m.Edits != 0 || len(e.slack.Replies(channel, digest[0].TS)) != 0 {
		t.Errorf("the digest was touched (%d edits) while no balance could be read", m.Edits)
	}
	ops := e.slack.Messages(opsChannel)
	if len(ops) != 1 {
		t.Fatalf("ops got %d messages, want 1", len(ops))
	}
	want := fmt.Sprintf("%d of %d customers not checked", n, n)
	if text := ops[0].Render(); !strings.Contains(text, want) || !strings.Contains(text, "CBC.0999") || !strings.Contains(text, "balance check failing") {
		t.Errorf("ops message:\n%s\nwant a failure saying %q with the code", text, want)
	}
}

func TestBalanceSomeBatchesFailingTellsOpsTheCount(t *testing.T) {
	e := setupChecks(t, 250, "", customersOnly)
	e.box.FailNext("ListCustomersBalancesDetail", 1, 500, "CBC.0999")
	res := e.run(t)
	if len(res.CheckErrors) != 1 || res.Sent["check_failed"] != 1 || res.Findings == 0 {
		t.Fatalf("result %+v, want findings for the good batches and one ops message", res)
	}
	n := resellers(e.box)
	ops := e.slack.Messages(opsChannel)
	if len(ops) != 1 {
		t.Fatalf("ops got %d messages, want 1", len(ops))
	}
	// Batches run concurrently, so the failed one is either a full batch of 100 or the remainder.
	text := ops[0].Render()
	if !strings.Contains(text, "balance check incomplete") ||
		!(strings.Contains(text, fmt.Sprintf("100 of %d customers not checked", n)) || strings.Contains(text, fmt.Sprintf("%d of %d customers not checked", n-100*((n-1)/100), n))) {
		t.Errorf("ops message:\n%s\nwant the count of customers not checked", text)
	}
	// The next run covers everyone: ops hears the check recovered.
	e.now = e.now.Add(time.Hour)
	if res := e.run(t); len(res.CheckErrors) != 0 || res.Sent["resolved"] != 1 {
		t.Errorf("next run %+v, want the ops episode closed", res)
	}
}

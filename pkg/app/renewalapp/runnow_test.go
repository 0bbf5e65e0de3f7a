package renewalapp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/app/renewalapp"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/config"
	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
	"github.com/bsswatch/bsswatch/pkg/state/dynamo/dynamotest"
)

const runNowSecret = "whsec_cnVuLW5vdy10ZXN0LXNlY3JldA=="

// console is the renewal function's handler with balance, renewal and run-now configured, state on
// the local DynamoDB-API server.
type console struct {
	handle func(context.Context, json.RawMessage) (any, error)
	runs   *renewalapp.Runs
	slack  *slacklocal.Server
	box    *sandbox.Server
}

// post sends a Function URL request with headers h (lowercased, as Function URLs deliver them) and
// waits for the runs it started.
func (c *console) post(t *testing.T, h http.Header, body string) events.LambdaFunctionURLResponse {
	t.Helper()
	req := events.LambdaFunctionURLRequest{Body: body, Headers: map[string]string{}}
	for k := range h {
		req.Headers[strings.ToLower(k)] = h.Get(k)
	}
	req.RequestContext.HTTP.Method = http.MethodPost
	raw, _ := json.Marshal(req)
	out, err := c.handle(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	c.runs.Wait()
	return out.(events.LambdaFunctionURLResponse)
}

func setupConsole(t *testing.T) *console {
	t.Helper()
	box, srv, slack := world(t, 30, time.Time{}) // the sandbox world starts now
	m := box.Manifest(srv.URL)
	c := m.Customers[0]
	_, table := dynamotest.Start(t)
	secrets := map[string]string{"P_AK": m.Partner.AK, "P_SK": m.Partner.SK, "C_AK": c.AK, "C_SK": c.SK,
		"SLACK_TOKEN": "xoxb-test", "SIGNING": "local-signing-secret", "RUN_NOW": runNowSecret}
	doc := fmt.Sprintf(`
profiles:
  partner-cn: {role: partner, site: cn, domain_id: %q, ak: env:P_AK, sk: env:P_SK, endpoint: %q}
  acme: {role: customer, site: cn, domain_id: %q, ak: env:C_AK, sk: env:C_SK, endpoint: %q}
state: {backend: dynamodb, table: %q}
destinations:
  alerts: {type: slack, token: env:SLACK_TOKEN, channel: CALERTS, api_url: %q}
routes: [{to: [alerts]}]
ops: [alerts]
slack_app: {signing_secret: env:SIGNING, team_id: T0ACME, app_id: A0APP, destination: alerts}
approvals: {users: [U0ADA]}
run_now: {secret: env:RUN_NOW}
checks:
  balance:
    customers: {profile: partner-cn, default: {currency: CNY, warning: "1000", critical: "100"}}
  renewal: {accounts: [{profile: acme}], within_days: 14, period: {type: month, num: 1}}
`, m.Partner.DomainID, srv.URL, c.DomainID, srv.URL, table, slack.APIURL())
	env := func(k string) string { return secrets[k] }
	cfg, err := config.Parse([]byte(doc), env)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Resolve(context.Background(), config.NewResolver(env, nil)); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, app.Options{AWS: func(context.Context) (aws.Config, error) {
		return aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(dynamotest.Endpoint(t)),
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
			})}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	svc, inproc, err := renewalapp.Local(a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(inproc.Wait)
	runs := &renewalapp.Runs{App: a, Service: svc}
	return &console{handle: renewalapp.Handler(a, svc, renewalapp.RunNow(a, runs)), runs: runs, slack: slack, box: box}
}

// runNow sends a run-now request signed with secret.
func (c *console) runNow(t *testing.T, id string, at time.Time, secret, body string) events.LambdaFunctionURLResponse {
	t.Helper()
	h, err := notify.SignWebhook(secret, id, at, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Content-Type", "application/json")
	return c.post(t, h, body)
}

// TestRunNowThroughTheFunctionURL sends run-now requests to the renewal function's handler as a
// Function URL delivers them: a signed one starts the balance check (its digest reaches Slack), and a
// replayed, forged, stale or unknown-check request runs nothing.
func TestRunNowThroughTheFunctionURL(t *testing.T) {
	c := setupConsole(t)
	slack, send := c.slack, c.runNow

	resp := send(t, "msg_1", time.Now(), runNowSecret, `{"check":"balance"}`)
	var got struct {
		RunID string `json:"run_id"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &got); resp.StatusCode != http.StatusAccepted || err != nil || got.RunID == "" {
		t.Fatalf("got %d %s, want 202 with a run id", resp.StatusCode, resp.Body)
	}
	if n := len(slack.Messages("CALERTS")); n != 1 {
		t.Fatalf("the balance run posted %d messages, want its digest", n)
	}

	before := len(slack.Events())
	for name, tt := range map[string]struct {
		id, secret, body string
		at               time.Time
		want             int
	}{
		"replayed":      {"msg_1", runNowSecret, `{"check":"balance"}`, time.Now(), http.StatusUnauthorized},
		"forged":        {"msg_2", "whsec_b3RoZXI=", `{"check":"balance"}`, time.Now(), http.StatusUnauthorized},
		"stale":         {"msg_3", runNowSecret, `{"check":"balance"}`, time.Now().Add(-10 * time.Minute), http.StatusUnauthorized},
		"unknown check": {"msg_4", runNowSecret, `{"check":"coupon"}`, time.Now(), http.StatusBadRequest},
	} {
		t.Run(name, func(t *testing.T) {
			if resp := send(t, tt.id, tt.at, tt.secret, tt.body); resp.StatusCode != tt.want {
				t.Errorf("got %d %s, want %d", resp.StatusCode, resp.Body, tt.want)
			}
		})
	}
	if n := len(slack.Events()) - before; n != 0 {
		t.Errorf("refused requests made %d Slack calls", n)
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/shopspring/decimal"

	"github.com/bsswatch/bsswatch/functions/internal/artifact"
	"github.com/bsswatch/bsswatch/pkg/app/renewalapp"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

const (
	channel       = "CRENEW"
	signingSecret = "artifact-signing-secret"
	teamID        = "T0ACME"
	appID         = "A0BSSWATCH"
	approver      = "U0APPROVER"
	functionName  = "bsswatch-renewal-quote"
)

// lambdaQueue stands in for Lambda's Invoke API: it accepts Event invocations of the function and
// keeps their payloads, which the test then delivers through the Runtime API as Lambda would.
type lambdaQueue struct {
	mu       sync.Mutex
	payloads [][]byte
	refused  []string
}

func (q *lambdaQueue) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	q.mu.Lock()
	defer q.mu.Unlock()
	if r.URL.Path != "/2015-03-31/functions/"+functionName+"/invocations" || r.Header.Get("X-Amz-Invocation-Type") != "Event" {
		q.refused = append(q.refused, r.Method+" "+r.URL.Path+" "+r.Header.Get("X-Amz-Invocation-Type"))
		http.Error(w, `{"message":"not an Event invocation of the function"}`, http.StatusBadRequest)
		return
	}
	q.payloads = append(q.payloads, body)
	w.WriteHeader(http.StatusAccepted)
}

type renewalArtifact struct {
	*artifact.Artifact
	queue  *lambdaQueue
	custID string
}

// startArtifact builds the function as deployed and runs it under the Runtime API with its
// configuration in the environment: the sandbox partner lists, one customer quotes and renews.
func startArtifact(t *testing.T) *renewalArtifact {
	t.Helper()
	queue := &lambdaQueue{}
	lambdaSrv := httptest.NewServer(queue)
	t.Cleanup(lambdaSrv.Close)
	var cust sandbox.ManifestCustomer
	a := artifact.Start(t, artifact.Options{Seed: 11, Customers: 40,
		Config: func(w artifact.World) string {
			m := w.Manifest
			cust = customerToQuote(t, w.Box, m)
			if err := w.Box.SetCustomerBalance(cust.CustomerID, decimal.NewFromInt(10_000_000)); err != nil {
				t.Fatal(err)
			}
			return fmt.Sprintf(`
profiles:
  partner-cn: {role: partner, site: cn, domain_id: %q, ak: env:PARTNER_AK, sk: env:PARTNER_SK, endpoint: %q}
  acme: {role: customer, site: cn, domain_id: %q, ak: env:ACME_AK, sk: env:ACME_SK, endpoint: %q}
state: {backend: dynamodb}
destinations:
  quotes: {type: slack, token: env:SLACK_BOT_TOKEN, channel: %s, api_url: %q}
routes: [{to: [quotes]}]
ops: [quotes]
slack_app: {signing_secret: env:SLACK_SIGNING_SECRET, team_id: %s, app_id: %s, destination: quotes}
approvals: {users: [%s]}
checks:
  renewal:
    accounts: [{profile: acme, list_with: partner-cn}]
    period: {type: month, num: 1}
    auto_pay: true
`, m.Partner.DomainID, m.Endpoint, cust.DomainID, m.Endpoint, channel, w.Slack.APIURL(), teamID, appID, approver)
		},
		Env: func(artifact.World) []string {
			return []string{
				"AWS_ENDPOINT_URL_LAMBDA=" + lambdaSrv.URL, "AWS_REGION=ap-southeast-1",
				"AWS_LAMBDA_FUNCTION_NAME=" + functionName,
				"ACME_AK=" + cust.AK, "ACME_SK=" + cust.SK, "SLACK_SIGNING_SECRET=" + signingSecret,
			}
		},
	})
	return &renewalArtifact{Artifact: a, queue: queue, custID: cust.CustomerID}
}

// customerToQuote picks a customer with a main resource in use, not on auto-renew, expiring within
// 30 days.
func customerToQuote(t *testing.T, box *sandbox.Server, m sandbox.Manifest) sandbox.ManifestCustomer {
	t.Helper()
	// An hour's margin either side: the function's clock is the real one, not this test's.
	for _, c := range m.Customers {
		if len(box.Renewable(c.CustomerID, time.Now().Add(time.Hour), 29*24*time.Hour)) > 0 {
			return c
		}
	}
	t.Fatal("no sandbox customer has a resource to quote")
	return sandbox.ManifestCustomer{}
}

// functionURLEvent is a Slack click as a Function URL delivers it: lower-case headers and a
// base64 body.
func functionURLEvent(t *testing.T, h http.Header, body []byte) []byte {
	t.Helper()
	b, err := json.Marshal(slackapp.FunctionURLRequest(h, body))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func clickBody(quoteID, ts, responseURL string) []byte {
	return slackapp.Body(slackapp.Action{
		ActionID: slackapp.ActionApprove, Value: quoteID, UserID: approver, UserName: "ops", TeamID: teamID,
		APIAppID: appID, ChannelID: channel, MessageTS: ts, ResponseURL: responseURL, ActionTS: "1.2",
	})
}

func TestArtifactQuotesApprovesAndOrders(t *testing.T) {
	a := startArtifact(t)
	r := a.Invoke(t, artifact.Scheduled(t))
	if r.Error != nil {
		t.Fatalf("scan: %+v", r.Error)
	}
	var res renewalapp.Result
	if err := json.Unmarshal(r.Payload, &res); err != nil {
		t.Fatalf("answer %s: %v", r.Payload, err)
	}
	if len(res.Reports) != 1 || len(res.Reports[0].Quoted) == 0 {
		t.Fatalf("scan result %s, want quotes", r.Payload)
	}
	quoteID := res.Reports[0].Quoted[0]
	var msgs []slacklocal.Message
	for _, m := range a.Slack.Messages(channel) {
		if !strings.HasPrefix(m.Text, "Renewal scan:") { // the scan's summary
			msgs = append(msgs, m)
		}
	}
	if len(msgs) != len(res.Reports[0].Quoted) {
		t.Fatalf("%d messages for %d quotes", len(msgs), len(res.Reports[0].Quoted))
	}
	ts := ""
	for _, m := range msgs {
		if strings.Contains(m.Render(), quoteID) {
			ts = m.TS
		}
	}
	if ts == "" {
		t.Fatalf("no message names quote %s", quoteID)
	}

	// The click, as the Function URL delivers it.
	body := clickBody(quoteID, ts, a.Slack.WebhookURL())
	r = a.Invoke(t, functionURLEvent(t, slackapp.Sign(signingSecret, time.Now(), body), body))
	var resp events.LambdaFunctionURLResponse
	if err := json.Unmarshal(r.Payload, &resp); err != nil || r.Error != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("click answered %s %+v, want status 200", r.Payload, r.Error)
	}
	if m, _ := a.Slack.Message(channel, ts); !strings.Contains(m.Render(), "Renewing") {
		t.Errorf("message after the click:\n%s", m.Render())
	}
	a.queue.mu.Lock()
	payloads, refused := a.queue.payloads, a.queue.refused
	a.queue.mu.Unlock()
	if len(payloads) != 1 || len(refused) != 0 {
		t.Fatalf("Lambda got %d Event invocations (refused %v), want 1", len(payloads), refused)
	}
	if len(a.Box.Orders()) != 0 {
		t.Fatal("the click ordered before the worker ran")
	}

	// Lambda delivers the queued invocation to the function: the worker orders.
	if r := a.Invoke(t, payloads[0]); r.Error != nil {
		t.Fatalf("worker: %+v", r.Error)
	}
	if orders := a.Box.Orders(); len(orders) != 1 || orders[0].CustomerID != a.custID {
		t.Fatalf("orders %+v, want one for the customer", orders)
	}
	if m, _ := a.Slack.Message(channel, ts); !strings.Contains(m.Render(), "Renewed") {
		t.Errorf("message after the order:\n%s", m.Render())
	}
	// A retried delivery of the same invocation changes nothing.
	if r := a.Invoke(t, payloads[0]); r.Error != nil || len(a.Box.Orders()) != 1 {
		t.Errorf("repeated worker event: %+v, %d orders", r.Error, len(a.Box.Orders()))
	}

	// A forged click is refused with 401; an event of no known shape is an error.
	forged := functionURLEvent(t, slackapp.Sign("wrong", time.Now(), body), body)
	if r := a.Invoke(t, forged); json.Unmarshal(r.Payload, &resp) != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("forged click answered %s", r.Payload)
	}
	if r := a.Invoke(t, []byte(`{"quote":"x"}`)); r.Error == nil {
		t.Errorf("unknown event answered %s without an error", r.Payload)
	}
}

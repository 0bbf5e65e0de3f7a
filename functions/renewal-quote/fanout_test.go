package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/bsswatch/bsswatch/functions/internal/artifact"
	"github.com/bsswatch/bsswatch/pkg/app/renewalapp"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/renewal"
	"github.com/bsswatch/bsswatch/pkg/workqueue/sqstest"
)

// TestArtifactScanFansOutThroughSQS runs the scheduled scan of a partner's 120 customers (reached
// through their agency) on the built bootstrap: it queues work items to the local SQS server, and
// the queue's messages come back as SQS events through the Runtime API. An item whose every listing
// fails (BSS answers what cannot be read) is answered as a batch item failure and comes back alone; each customer is
// listed once in all, and the channel gets one summary when the last item ends. A message that is
// no work item ends in the dead-letter queue.
func TestArtifactScanFansOutThroughSQS(t *testing.T) {
	q := sqstest.NewQueue(t, renewal.ItemAttempts)
	a := artifact.Start(t, artifact.Options{Seed: 11, Customers: 120,
		Config: func(w artifact.World) string {
			return fmt.Sprintf(`
profiles:
  partner-cn: {role: partner, site: cn, domain_id: %q, ak: env:PARTNER_AK, sk: env:PARTNER_SK, endpoint: %q, rate_per_second: 1000}
state: {backend: dynamodb}
destinations:
  quotes: {type: slack, token: env:SLACK_BOT_TOKEN, channel: %s, api_url: %q}
routes: [{to: [quotes]}]
ops: [quotes]
slack_app: {signing_secret: env:SLACK_SIGNING_SECRET, team_id: %s, app_id: %s, destination: quotes}
approvals: {users: [%s]}
checks:
  renewal:
    accounts: [{customers_of: partner-cn, agency: %s, iam_endpoint: %q}]
    period: {type: year, num: 1}
    post_every: 1ms
`, w.Manifest.Partner.DomainID, w.Manifest.Endpoint, channel, w.Slack.APIURL(), teamID, appID, approver,
				sandbox.DefaultAgency, w.Manifest.Endpoint)
		},
		Env: func(artifact.World) []string {
			return []string{"AWS_REGION=us-east-1", "AWS_LAMBDA_FUNCTION_NAME=" + functionName, "SLACK_SIGNING_SECRET=" + signingSecret,
				"AWS_ENDPOINT_URL_SQS=" + sqstest.Endpoint(t), "BSSWATCH_RENEWAL_QUEUE_URL=" + q.URL, "BSSWATCH_RENEWAL_CONCURRENCY=2"}
		},
	})
	resellers := 0
	for _, c := range a.Manifest.Customers {
		if c.Reseller {
			resellers++
		}
	}
	r := a.Invoke(t, artifact.Scheduled(t))
	var res renewalapp.Result
	if r.Error != nil || json.Unmarshal(r.Payload, &res) != nil {
		t.Fatalf("scheduled scan answered %s %+v", r.Payload, r.Error)
	}
	if want := (resellers + renewal.AccountsPerItem - 1) / renewal.AccountsPerItem; res.Queued != want || want < 2 {
		t.Fatalf("queued %d items for %d reseller customers, want %d", res.Queued, resellers, want)
	}
	if summaries(a) != 0 {
		t.Fatal("a summary before any work item ran")
	}

	deliver := func() (events.SQSEventResponse, int) {
		var resp events.SQSEventResponse
		n := q.Deliver(t, func(ev events.SQSEvent) (events.SQSEventResponse, error) {
			raw, _ := json.Marshal(ev)
			r := a.Invoke(t, raw)
			if r.Error != nil {
				return resp, fmt.Errorf("%+v", r.Error)
			}
			if err := json.Unmarshal(r.Payload, &resp); err != nil {
				t.Fatalf("SQS event answered %s", r.Payload)
			}
			return resp, nil
		})
		return resp, n
	}
	// A listing without its total: BSS answered what cannot be read, which a later attempt may not be.
	if err := a.Box.AddFault(sandbox.Fault{API: "ListPayPerUseCustomerResources", Body: "{}"}); err != nil {
		t.Fatal(err)
	}
	if resp, n := deliver(); n != 1 || len(resp.BatchItemFailures) != 1 {
		t.Fatalf("item with BSS down: %d delivered, answer %+v; want it reported failed", n, resp)
	}
	a.Box.ClearFaults()
	a.Box.ResetCalls()
	for {
		resp, n := deliver()
		if n == 0 {
			break
		}
		if len(resp.BatchItemFailures) != 0 {
			t.Fatalf("item failed again: %+v", resp)
		}
	}
	if got := a.Box.Calls()["ListPayPerUseCustomerResources"]; got != resellers {
		t.Errorf("%d listings after BSS came back, want %d: each reseller customer once", got, resellers)
	}
	if n := summaries(a); n != 1 {
		t.Errorf("%d summaries, want one for the scan", n)
	}

	if _, err := q.Client.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(q.URL),
		MessageBody: aws.String(`{"renewal_scan":{"scan":"x"}}`)}); err != nil {
		t.Fatal(err)
	}
	for deliveries := 0; ; deliveries++ {
		if _, n := deliver(); n == 0 {
			if deliveries != renewal.ItemAttempts {
				t.Errorf("a bad message was delivered %d times, want %d", deliveries, renewal.ItemAttempts)
			}
			break
		}
	}
	if n := q.Count(t, q.DeadLetter); n != 1 {
		t.Errorf("%d messages in the dead-letter queue, want the bad one", n)
	}
}

func summaries(a *artifact.Artifact) int {
	n := 0
	for _, m := range a.Slack.Messages(channel) {
		if strings.HasPrefix(m.Text, "Renewal scan:") {
			n++
		}
	}
	return n
}

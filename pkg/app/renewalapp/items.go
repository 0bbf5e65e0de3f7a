package renewalapp

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/renewal"
)

// item is one work item of a scan run as the renewal check, so the accounts it scanned reach ops
// through the alert engine like those of a scan run in one piece.
type item struct {
	svc     *renewal.Service
	it      renewal.WorkItem
	final   bool
	reports []renewal.Report
	err     error
}

func (*item) Name() string { return check.Renewal }

func (i *item) Run(ctx context.Context, _ check.Env) []alert.Evaluation {
	i.reports, i.err = i.svc.ScanItem(ctx, i.it, i.final)
	return evaluations(i.reports)
}

// workItems runs the work items of an SQS event, one after another, and answers with the messages
// to deliver again (a partial batch response): those that are not work items, whose accounts
// should be tried again, or whose results could not be told. A message SQS has delivered
// renewal.ItemAttempts times is the final attempt: what still fails is recorded as not scanned, so
// the scan ends and ops hears of it. The error is only for an event that is not SQS's at all.
func workItems(ctx context.Context, a *app.App, svc *renewal.Service, raw json.RawMessage) (events.SQSEventResponse, error) {
	var ev events.SQSEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return events.SQSEventResponse{}, fmt.Errorf("event: Records: %w", err)
	}
	var out events.SQSEventResponse
	for _, m := range ev.Records {
		if m.EventSource != "aws:sqs" || m.MessageId == "" {
			return events.SQSEventResponse{}, fmt.Errorf("event: record from %q, not an SQS message", m.EventSource)
		}
		retry := func(msg string, err error) {
			a.Log.WarnContext(ctx, msg, "check", check.Renewal, "message", m.MessageId, "error", err.Error())
			out.BatchItemFailures = append(out.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
		it, err := renewal.ParseWorkItem([]byte(m.Body))
		if err != nil {
			// Delivered again until the queue's redrive moves it to the dead-letter queue, whose
			// alarm tells ops: nothing is dropped unseen.
			retry("bad work item", err)
			continue
		}
		received, _ := strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
		job := &item{svc: svc, it: it, final: received >= renewal.ItemAttempts}
		_, err = a.RunCheck(ctx, job, app.Event{})
		a.Log.InfoContext(ctx, "work item", "check", check.Renewal, "scan", it.Scan, "item", it.Index, "of", it.Of,
			"accounts", len(job.reports), "attempt", received)
		switch {
		case job.err != nil:
			retry("work item", job.err)
		case err != nil:
			retry("work item results", err)
		}
	}
	return out, nil
}

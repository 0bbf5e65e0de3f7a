package workqueue_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/bsswatch/bsswatch/pkg/workqueue"
	"github.com/bsswatch/bsswatch/pkg/workqueue/sqstest"
)

// TestSendQueuesEveryBody sends 25 bodies (three batch calls) to the local SQS server through the
// real client, and each is delivered exactly once.
func TestSendQueuesEveryBody(t *testing.T) {
	q := sqstest.NewQueue(t, 3)
	var want []string
	var bodies [][]byte
	for i := range 25 {
		want = append(want, fmt.Sprintf(`{"n":%d}`, i))
		bodies = append(bodies, []byte(want[i]))
	}
	if err := (workqueue.SQS{Client: q.Client, URL: q.URL}).Send(context.Background(), bodies); err != nil {
		t.Fatal(err)
	}
	var got []string
	for q.Deliver(t, func(ev events.SQSEvent) (events.SQSEventResponse, error) {
		for _, m := range ev.Records {
			got = append(got, m.Body)
		}
		return events.SQSEventResponse{}, nil
	}) > 0 {
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("received %v, want %v", got, want)
	}
}

// TestSendToAMissingQueueFails: SQS refuses the call, and Send says which.
func TestSendToAMissingQueueFails(t *testing.T) {
	q := sqstest.NewQueue(t, 3)
	err := (workqueue.SQS{Client: q.Client, URL: q.URL + "-gone"}).Send(context.Background(), [][]byte{[]byte(`{}`)})
	if err == nil {
		t.Fatal("Send to a queue that does not exist: no error")
	}
	t.Log(err)
}

// TestFailedMessagesComeBackAloneThenDeadLetter: a message the function reports as failed is delivered
// again by itself, and after MaxReceive deliveries it is in the dead-letter queue.
func TestFailedMessagesComeBackAloneThenDeadLetter(t *testing.T) {
	q := sqstest.NewQueue(t, 2)
	if err := (workqueue.SQS{Client: q.Client, URL: q.URL}).Send(context.Background(), [][]byte{[]byte(`good`), []byte(`bad`)}); err != nil {
		t.Fatal(err)
	}
	deliveries := map[string]int{}
	for q.Deliver(t, func(ev events.SQSEvent) (events.SQSEventResponse, error) {
		var res events.SQSEventResponse
		for _, m := range ev.Records {
			deliveries[m.Body]++
			if m.Body == "bad" {
				res.BatchItemFailures = append(res.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			}
		}
		return res, nil
	}) > 0 {
	}
	if deliveries["good"] != 1 || deliveries["bad"] != 2 {
		t.Errorf("deliveries %v, want good once and bad twice", deliveries)
	}
	if n := q.Count(t, q.DeadLetter); n != 1 {
		t.Errorf("%d messages in the dead-letter queue, want 1", n)
	}
}

// Package sqstest starts, for tests, the local SQS-API server (local-aws-sqs, installed by make
// setup), makes queues with a dead-letter queue on it, and delivers their messages to a function the
// way Lambda's SQS event source mapping does: sqslocal's, failing the test where that fails.
package sqstest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/bsswatch/bsswatch/pkg/workqueue/sqslocal"
)

var (
	once     sync.Once
	endpoint string
	startErr error
	queues   atomic.Int64
)

// Endpoint starts the server once per test binary and returns its URL; t fails when it cannot.
func Endpoint(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			startErr = err
			return
		}
		endpoint, startErr = sqslocal.Start(wd)
	})
	if startErr != nil {
		t.Fatal(startErr)
	}
	return endpoint
}

// Client is an SQS client of the local server.
func Client(t testing.TB) *sqs.Client { return sqslocal.Client(Endpoint(t)) }

// Queue is a queue whose messages move to DeadLetter after MaxReceive deliveries.
type Queue struct{ *sqslocal.Queue }

// NewQueue makes a fresh queue, whose failed messages come back after one second, and its
// dead-letter queue.
func NewQueue(t testing.TB, maxReceive int) *Queue {
	t.Helper()
	q, err := sqslocal.NewQueue(context.Background(), Client(t), fmt.Sprintf("q%d", queues.Add(1)), maxReceive, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return &Queue{q}
}

// Deliver is sqslocal's Deliver; t fails where that fails.
func (q *Queue) Deliver(t testing.TB, invoke func(events.SQSEvent) (events.SQSEventResponse, error)) int {
	t.Helper()
	n, err := q.Queue.Deliver(context.Background(), invoke)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Count returns how many messages the queue at url holds, waiting or received and not yet deleted.
func (q *Queue) Count(t testing.TB, url string) int {
	t.Helper()
	n, err := q.Queue.Count(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

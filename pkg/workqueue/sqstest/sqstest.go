// Package sqstest starts, for tests, the local SQS-API server (local-aws-sqs, installed by make
// setup), makes queues with a dead-letter queue on it, and delivers their messages to a function the
// way Lambda's SQS event source mapping does.
package sqstest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/bsswatch/bsswatch/pkg/nodeserver"
)

const (
	serverDir = "pkg/workqueue/testdata/sqs"
	// SetupCommand installs the server.
	SetupCommand = "make setup (npm ci --prefix " + serverDir + ")"
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
		dir, err := nodeserver.Find(wd, serverDir, "local-aws-sqs", SetupCommand)
		if err != nil {
			startErr = fmt.Errorf("sqstest: %w", err)
			return
		}
		if endpoint, err = nodeserver.Start(dir); err != nil {
			startErr = fmt.Errorf("sqstest: local-aws-sqs: %w", err)
		}
	})
	if startErr != nil {
		t.Fatal(startErr)
	}
	return endpoint
}

// Client is an SQS client of the local server.
func Client(t testing.TB) *sqs.Client {
	url := Endpoint(t)
	return sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: aws.AnonymousCredentials{}})
}

// Queue is a queue whose messages move to DeadLetter after MaxReceive deliveries.
type Queue struct {
	Client     *sqs.Client
	URL, ARN   string
	DeadLetter string // its URL
	MaxReceive int
}

// NewQueue makes a fresh queue and its dead-letter queue.
func NewQueue(t testing.TB, maxReceive int) *Queue {
	t.Helper()
	c := Client(t)
	ctx := context.Background()
	name := fmt.Sprintf("q%d", queues.Add(1))
	dlq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-dlq")})
	if err != nil {
		t.Fatal(err)
	}
	dlqARN := arn(t, c, aws.ToString(dlq.QueueUrl))
	redrive, _ := json.Marshal(map[string]string{"deadLetterTargetArn": dlqARN, "maxReceiveCount": strconv.Itoa(maxReceive)})
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name),
		Attributes: map[string]string{"RedrivePolicy": string(redrive), "VisibilityTimeout": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	url := aws.ToString(q.QueueUrl)
	return &Queue{Client: c, URL: url, ARN: arn(t, c, url), DeadLetter: aws.ToString(dlq.QueueUrl), MaxReceive: maxReceive}
}

func arn(t testing.TB, c *sqs.Client, url string) string {
	t.Helper()
	out, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes[string(types.QueueAttributeNameQueueArn)]
}

// Deliver receives one message and hands it to invoke as an SQS event, as an event source mapping
// with template.yaml's BatchSize of 1 does. It deletes those invoke does not return as failures (all of them if
// invoke fails) and leaves the others to come back when the queue's one-second visibility timeout
// ends, or to move to the dead-letter queue after MaxReceive deliveries: the server's own redrive.
// It waits up to two seconds for a message and returns how many the event held: 0 when none came.
// (A visibility change would bring a failed message back at once, but local-aws-sqs counts it as a
// receive, which real SQS does not; and a long poll for several messages may hand one out twice.)
func (q *Queue) Deliver(t testing.TB, invoke func(events.SQSEvent) (events.SQSEventResponse, error)) int {
	t.Helper()
	ctx := context.Background()
	out, err := q.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q.URL), MaxNumberOfMessages: 1,
		WaitTimeSeconds: 2, MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) == 0 {
		return 0
	}
	ev := events.SQSEvent{}
	for _, m := range out.Messages {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle),
			Body: aws.ToString(m.Body), Attributes: m.Attributes, EventSource: "aws:sqs", EventSourceARN: q.ARN, AWSRegion: "us-east-1",
			Md5OfBody: aws.ToString(m.MD5OfBody)})
	}
	res, err := invoke(ev)
	if err != nil {
		return len(out.Messages)
	}
	failed := map[string]bool{}
	for _, f := range res.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	for _, m := range ev.Records {
		if failed[m.MessageId] {
			continue
		}
		if _, err := q.Client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(q.URL), ReceiptHandle: aws.String(m.ReceiptHandle)}); err != nil {
			t.Fatal(err)
		}
	}
	return len(out.Messages)
}

// Count returns how many messages wait in the queue at url (visible ones).
func (q *Queue) Count(t testing.TB, url string) int {
	t.Helper()
	out, err := q.Client.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages}})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)])
	return n
}

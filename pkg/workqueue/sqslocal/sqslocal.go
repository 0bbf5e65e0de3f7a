// Package sqslocal starts the local SQS-API server (local-aws-sqs, installed by make setup), makes
// queues with a dead-letter queue on it, and delivers their messages to a function the way Lambda's
// SQS event source mapping does. Tests reach it through sqstest; the renewal bench, which must not
// link "testing", uses it directly.
package sqslocal

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

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

// Start starts a server from the module that holds dir and returns its URL. The server runs until
// this process ends. It fails when the server is not installed or does not start.
func Start(dir string) (string, error) {
	d, err := nodeserver.Find(dir, serverDir, "local-aws-sqs", SetupCommand)
	if err != nil {
		return "", fmt.Errorf("sqslocal: %w", err)
	}
	url, err := nodeserver.Start(d)
	if err != nil {
		return "", fmt.Errorf("sqslocal: local-aws-sqs: %w", err)
	}
	return url, nil
}

// Client is an SQS client of the server at url.
func Client(url string) *sqs.Client {
	return sqs.New(sqs.Options{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: aws.AnonymousCredentials{}})
}

// Queue is a queue whose messages move to DeadLetter after MaxReceive deliveries.
type Queue struct {
	Client     *sqs.Client
	URL, ARN   string
	DeadLetter string // its URL
	MaxReceive int
}

// NewQueue makes the queue name, whose messages stay hidden for visibility once received, and its
// dead-letter queue name-dlq. It returns the SDK's error.
func NewQueue(ctx context.Context, c *sqs.Client, name string, maxReceive int, visibility time.Duration) (*Queue, error) {
	dlq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-dlq")})
	if err != nil {
		return nil, fmt.Errorf("sqslocal: create %s-dlq: %w", name, err)
	}
	dlqARN, err := arn(ctx, c, aws.ToString(dlq.QueueUrl))
	if err != nil {
		return nil, err
	}
	redrive, _ := json.Marshal(map[string]string{"deadLetterTargetArn": dlqARN, "maxReceiveCount": strconv.Itoa(maxReceive)})
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{
		"RedrivePolicy": string(redrive), "VisibilityTimeout": strconv.Itoa(int(visibility.Seconds()))}})
	if err != nil {
		return nil, fmt.Errorf("sqslocal: create %s: %w", name, err)
	}
	url := aws.ToString(q.QueueUrl)
	a, err := arn(ctx, c, url)
	if err != nil {
		return nil, err
	}
	return &Queue{Client: c, URL: url, ARN: a, DeadLetter: aws.ToString(dlq.QueueUrl), MaxReceive: maxReceive}, nil
}

func arn(ctx context.Context, c *sqs.Client, url string) (string, error) {
	out, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		return "", fmt.Errorf("sqslocal: arn of %s: %w", url, err)
	}
	return out.Attributes[string(types.QueueAttributeNameQueueArn)], nil
}

// Deliver receives one message and hands it to invoke as an SQS event, as an event source mapping
// with template.yaml's BatchSize of 1 does. It deletes those invoke does not return as failures (none
// if invoke fails) and leaves the others to come back when the queue's visibility timeout ends, or
// to move to the dead-letter queue after MaxReceive deliveries: the server's own redrive. It waits up
// to two seconds for a message and returns how many the event held: 0 when none came. Receiving or
// deleting failing is its error; invoke's is not. Several goroutines may deliver from one queue.
// (A visibility change would bring a failed message back at once, but local-aws-sqs counts it as a
// receive, which real SQS does not; and a long poll for several messages may hand one out twice.)
func (q *Queue) Deliver(ctx context.Context, invoke func(events.SQSEvent) (events.SQSEventResponse, error)) (int, error) {
	out, err := q.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q.URL), MaxNumberOfMessages: 1,
		WaitTimeSeconds: 2, MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
	if err != nil {
		return 0, fmt.Errorf("sqslocal: receive: %w", err)
	}
	if len(out.Messages) == 0 {
		return 0, nil
	}
	ev := events.SQSEvent{}
	for _, m := range out.Messages {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle),
			Body: aws.ToString(m.Body), Attributes: m.Attributes, EventSource: "aws:sqs", EventSourceARN: q.ARN, AWSRegion: "us-east-1",
			Md5OfBody: aws.ToString(m.MD5OfBody)})
	}
	res, err := invoke(ev)
	if err != nil {
		return len(out.Messages), nil
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
			return len(out.Messages), fmt.Errorf("sqslocal: delete %s: %w", m.MessageId, err)
		}
	}
	return len(out.Messages), nil
}

// Count returns how many messages the queue at url holds, waiting or received and not yet deleted.
func (q *Queue) Count(ctx context.Context, url string) (int, error) {
	out, err := q.Client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages,
			types.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		return 0, fmt.Errorf("sqslocal: count %s: %w", url, err)
	}
	waiting, _ := strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessages)])
	received, _ := strconv.Atoi(out.Attributes[string(types.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])
	return waiting + received, nil
}

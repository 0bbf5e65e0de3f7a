// Package workqueue sends work items to an SQS queue, whose event source mapping hands them to a
// function a few at a time: ten messages to a SendMessageBatch call, the entries SQS could not take
// sent again, and a clear error for what still was not.
package workqueue

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// batch is SendMessageBatch's most entries per call.
const batch = 10

// attempts is how many times an entry SQS failed on its side (not the sender's fault) is sent.
const attempts = 3

// Sender is the part of the SQS client Send uses.
type Sender interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// SQS sends to the queue at URL.
type SQS struct {
	Client Sender
	URL    string
}

// Send queues every body. A call that fails, or an entry SQS refuses as the sender's fault, fails
// Send at once; an entry SQS failed on its own side is sent again, up to three times in all. On an
// error some bodies may have been queued: the caller's items must bear being sent twice.
func (q SQS) Send(ctx context.Context, bodies [][]byte) error {
	for start := 0; start < len(bodies); start += batch {
		pending := map[string]string{}
		for i, b := range bodies[start:min(start+batch, len(bodies))] {
			pending[strconv.Itoa(start+i)] = string(b)
		}
		for attempt := 1; len(pending) > 0; attempt++ {
			if attempt > attempts {
				return fmt.Errorf("workqueue: SQS answered for none of %d messages", len(pending))
			}
			in := &sqs.SendMessageBatchInput{QueueUrl: aws.String(q.URL)}
			for id, body := range pending {
				in.Entries = append(in.Entries, types.SendMessageBatchRequestEntry{Id: aws.String(id), MessageBody: aws.String(body)})
			}
			out, err := q.Client.SendMessageBatch(ctx, in)
			if err != nil {
				return fmt.Errorf("workqueue: send %d messages: %w", len(in.Entries), err)
			}
			for _, ok := range out.Successful {
				delete(pending, aws.ToString(ok.Id))
			}
			var refused []error
			for _, f := range out.Failed {
				if f.SenderFault || attempt == attempts {
					refused = append(refused, fmt.Errorf("message %s: %s %s", aws.ToString(f.Id), aws.ToString(f.Code), aws.ToString(f.Message)))
				}
			}
			if len(refused) > 0 {
				return fmt.Errorf("workqueue: SQS refused %d messages: %w", len(refused), errors.Join(refused...))
			}
		}
	}
	return nil
}

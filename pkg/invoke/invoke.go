// Package invoke starts Lambda functions asynchronously (InvocationType Event): Lambda queues the
// event, answers 202 at once and retries a failed run before its failure destination. Renewal orders
// and run-now requests leave their HTTP handler this way, because work cannot go on in Lambda after
// the response is returned.
package invoke

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// Invoker is the part of the Lambda API client Async uses.
type Invoker interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, opts ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// Async queues event (encoded as JSON) for function. It returns an error when Lambda does not
// accept the invocation, naming the function but not the event.
func Async(ctx context.Context, c Invoker, function string, event any) error {
	payload, err := json.Marshal(event)
	if err != nil {
		return fmt.Errorf("invoke %s: encode the event: %w", function, err)
	}
	out, err := c.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(function),
		InvocationType: types.InvocationTypeEvent,
		Payload:        payload,
	})
	if err != nil {
		return fmt.Errorf("invoke %s: %w", function, err)
	}
	if out.StatusCode != 202 {
		return fmt.Errorf("invoke %s: answered %d, not 202", function, out.StatusCode)
	}
	return nil
}

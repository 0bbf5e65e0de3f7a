// Command echo is a minimal Lambda function for the runtimeapi tests: it answers its event back, or
// fails when the event asks it to.
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Say  string `json:"say"`
	Fail bool   `json:"fail"`
}

type answer struct {
	Said      string `json:"said"`
	RequestID string `json:"request_id"`
}

func main() {
	lambda.Start(func(ctx context.Context, e event) (answer, error) {
		if e.Fail {
			return answer{}, errors.New("asked to fail")
		}
		lc, _ := lambdacontext.FromContext(ctx)
		return answer{Said: e.Say, RequestID: lc.AwsRequestID}, nil
	})
}

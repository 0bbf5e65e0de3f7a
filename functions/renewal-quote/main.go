// Command renewal-quote is the Lambda function that quotes yearly/monthly resources about to lapse,
// posts each quote to Slack with Approve/Reject buttons, answers the clicks on its Function URL, and
// places the approved order in an asynchronous invocation of itself. A scheduled scan queues its work
// items (50 customers each) to SQS, which hands them back to this function. See template.yaml.
package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	lambdaapi "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/bsswatch/bsswatch/functions/internal/boot"
	"github.com/bsswatch/bsswatch/pkg/app/renewalapp"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/renewal"
	"github.com/bsswatch/bsswatch/pkg/runnow"
	"github.com/bsswatch/bsswatch/pkg/workqueue"
)

func main() {
	log := lambdacontext.NewLogger()
	// The queue's event source mapping runs up to this many work items at once: each invocation takes
	// that share of the partner's BSS rate and of Slack's pace.
	share, err := strconv.Atoi(cmp.Or(os.Getenv("BSSWATCH_RENEWAL_CONCURRENCY"), "1"))
	if err != nil || share < 1 || share > 1000 {
		boot.Fail(log, fmt.Sprintf("BSSWATCH_RENEWAL_CONCURRENCY=%q: want a whole number from 1 to 1000", os.Getenv("BSSWATCH_RENEWAL_CONCURRENCY")))
	}
	a := boot.App(log, share)
	awsCfg, err := a.AWS(context.Background())
	if err != nil {
		boot.Fail(log, "aws configuration: "+err.Error())
	}
	// The order worker is this same function, invoked asynchronously (InvocationType Event).
	self, lam := os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), lambdaapi.NewFromConfig(awsCfg)
	svc, err := renewalapp.New(a, renewal.LambdaDispatcher{Client: lam, Function: self})
	if err != nil {
		boot.Fail(log, err.Error())
	}
	// A scheduled scan queues its work items here; this function consumes them (template.yaml).
	if url := os.Getenv("BSSWATCH_RENEWAL_QUEUE_URL"); url != "" {
		svc.Queue = workqueue.SQS{Client: sqs.NewFromConfig(awsCfg), URL: url}
	}
	// Run-now requests start the other functions by the names the template gives them.
	runs := runnow.Lambda{Client: lam, Functions: map[string]string{}}
	for _, s := range check.Specs {
		runs.Functions[s.Name] = os.Getenv(runnow.FunctionEnv(s.Name))
	}
	runs.Functions[check.Renewal] = self
	lambda.Start(renewalapp.Handler(a, svc, renewalapp.RunNow(a, runs)))
}

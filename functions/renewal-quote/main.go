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

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/app/renewalapp"
	"github.com/bsswatch/bsswatch/pkg/awsenv"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/renewal"
	"github.com/bsswatch/bsswatch/pkg/runnow"
	"github.com/bsswatch/bsswatch/pkg/workqueue"
)

func main() {
	log := lambdacontext.NewLogger()
	ctx := context.Background()
	// The queue's event source mapping runs up to this many work items at once: each invocation takes
	// that share of the partner's BSS rate and of Slack's pace.
	share, err := strconv.Atoi(cmp.Or(os.Getenv("BSSWATCH_RENEWAL_CONCURRENCY"), "1"))
	if err != nil || share < 1 || share > 1000 {
		log.Error("start", "error", fmt.Sprintf("BSSWATCH_RENEWAL_CONCURRENCY=%q: want a whole number from 1 to 1000", os.Getenv("BSSWATCH_RENEWAL_CONCURRENCY")))
		os.Exit(1)
	}
	a, err := app.Start(ctx, os.Getenv("BSSWATCH_CONFIG"), os.Getenv, app.Options{Log: log, AWS: awsenv.Loader(os.Getenv), Share: share})
	if err != nil {
		// Logged once here, with every configuration problem; the runtime then reports the exit.
		log.Error("start", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := a.AWS(ctx)
	if err != nil {
		log.Error("start", "error", "aws configuration: "+err.Error())
		os.Exit(1)
	}
	// The order worker is this same function, invoked asynchronously (InvocationType Event).
	self, lam := os.Getenv("AWS_LAMBDA_FUNCTION_NAME"), lambdaapi.NewFromConfig(awsCfg)
	svc, err := renewalapp.New(a, renewal.LambdaDispatcher{Client: lam, Function: self})
	if err != nil {
		log.Error("start", "error", err.Error())
		os.Exit(1)
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

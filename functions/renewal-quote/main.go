// Command renewal-quote is the Lambda function that quotes yearly/monthly resources about to lapse,
// posts each quote to Slack with Approve/Reject buttons, answers the clicks on its Function URL, and
// places the approved order in an asynchronous invocation of itself. See template.yaml.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	lambdaapi "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/app/renewalapp"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/renewal"
	"github.com/bsswatch/bsswatch/pkg/runnow"
)

func main() {
	log := lambdacontext.NewLogger()
	ctx := context.Background()
	a, err := app.Start(ctx, os.Getenv("BSSWATCH_CONFIG"), os.Getenv, app.Options{Log: log})
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
	// Run-now requests start the other functions by the names the template gives them.
	runs := runnow.Lambda{Client: lam, Functions: map[string]string{}}
	for _, s := range check.Specs {
		runs.Functions[s.Name] = os.Getenv(runnow.FunctionEnv(s.Name))
	}
	runs.Functions[check.Renewal] = self
	lambda.Start(renewalapp.Handler(a, svc, renewalapp.RunNow(a, runs)))
}

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
	"github.com/bsswatch/bsswatch/pkg/renewal"
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
	d := renewal.LambdaDispatcher{Client: lambdaapi.NewFromConfig(awsCfg), Function: os.Getenv("AWS_LAMBDA_FUNCTION_NAME")}
	svc, err := renewalapp.New(a, d)
	if err != nil {
		log.Error("start", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(renewalapp.Handler(a, svc))
}

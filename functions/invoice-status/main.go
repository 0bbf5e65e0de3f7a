// Command invoice-status is the Lambda function that tells finance people when an invoice request of
// an international-site partner or customer changes state (issued, rejected, returned). It runs on an
// EventBridge Scheduler schedule; see template.yaml.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/check"
)

func main() {
	log := lambdacontext.NewLogger()
	a, err := app.Start(context.Background(), os.Getenv("BSSWATCH_CONFIG"), os.Getenv, app.Options{Log: log})
	if err != nil {
		// Logged once here, with every configuration problem; the runtime then reports the exit.
		log.Error("start", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(app.Handler(a, check.Invoice))
}

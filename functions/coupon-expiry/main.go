// Command coupon-expiry is the Lambda function that warns before coupon quotas, coupons issued to
// customers and the partner's own coupons (test coupons among them) expire unused. It runs on an
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
	lambda.Start(app.Handler(a, check.Coupon))
}

// Package boot starts a function from its Lambda environment: the configuration BSSWATCH_CONFIG
// names, AWS from the environment Lambda sets, logs in Lambda's format.
package boot

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/awsenv"
)

// App starts the App, each process taking share of the rates (app.Options.Share). On a configuration
// problem it logs every one of them once and exits; the runtime then reports the exit.
func App(log *slog.Logger, share int) *app.App {
	a, err := app.Start(context.Background(), os.Getenv("BSSWATCH_CONFIG"), os.Getenv, app.Options{Log: log, AWS: awsenv.Loader(os.Getenv), Share: share})
	if err != nil {
		Fail(log, err.Error())
	}
	return a
}

// Fail logs why the function cannot start and exits.
func Fail(log *slog.Logger, why string) {
	log.Error("start", "error", why)
	os.Exit(1)
}

// Check runs the function of one scheduled check.
func Check(name string) {
	log := lambdacontext.NewLogger()
	lambda.Start(app.Handler(App(log, 1), name))
}

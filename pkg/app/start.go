package app

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/bsswatch/bsswatch/pkg/config"
)

// Start is a function's cold start: it loads the configuration from source (a file path, or an
// ssm:/secretsmanager reference holding the YAML), resolves every secret once, and builds the App.
// env looks up environment variables (os.Getenv in main). Every configuration mistake comes back in
// one error, each with its path; no secret value is ever part of it.
func Start(ctx context.Context, source string, env func(string) string, opts Options) (*App, error) {
	if opts.AWS == nil {
		opts.AWS = sharedAWS()
	}
	cfg, err := config.Load(ctx, source, env, config.NewResolver(env, opts.AWS))
	if err != nil {
		return nil, err
	}
	return New(ctx, cfg, opts)
}

// sharedAWS loads the default AWS configuration once, on first use, so a run that needs neither
// DynamoDB nor an AWS secret never looks for AWS credentials.
func sharedAWS() func(context.Context) (aws.Config, error) {
	var (
		once sync.Once
		cfg  aws.Config
		err  error
	)
	return func(ctx context.Context) (aws.Config, error) {
		once.Do(func() { cfg, err = awsconfig.LoadDefaultConfig(ctx) })
		return cfg, err
	}
}

// Handler returns the Lambda handler of a check function: it parses the event strictly and runs the
// check. A malformed event is an error and changes nothing.
func Handler(a *App, check string) func(context.Context, json.RawMessage) (Result, error) {
	return func(ctx context.Context, raw json.RawMessage) (Result, error) {
		ev, err := ParseEvent(raw)
		if err != nil {
			a.Log.ErrorContext(ctx, "bad event", "check", check, "error", err.Error())
			return Result{}, err
		}
		a.Log.InfoContext(ctx, "run", "check", check, "scheduled_time", ev.ScheduledTime, "execution_id", ev.ExecutionID, "run_id", ev.RunID, "dry_run", ev.DryRun)
		return a.Run(ctx, check, ev)
	}
}

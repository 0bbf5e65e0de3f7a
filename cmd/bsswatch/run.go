package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/app/renewalapp"
	"github.com/bsswatch/bsswatch/pkg/check"
)

// functions maps each Lambda function `bsswatch run` can run (check.Specs) to how it runs once,
// locally: renewal-quote's scan posts quotes and orders in process; every other function runs its
// check.
var functions = func() map[string]func(ctx context.Context, a *app.App, dryRun bool) (any, error) {
	m := map[string]func(context.Context, *app.App, bool) (any, error){}
	for _, s := range check.Specs {
		m[s.Function] = runCheck(s.Name)
	}
	m[check.FunctionOf(check.Renewal)] = runRenewalScan
	return m
}()

// runCheck runs a check function. In Lambda a check that cannot reach BSS is an ops alert, not a
// failed invocation; at a terminal or in a script the exit status says it too.
func runCheck(check string) func(context.Context, *app.App, bool) (any, error) {
	return func(ctx context.Context, a *app.App, dryRun bool) (any, error) {
		res, err := a.Run(ctx, check, app.Event{DryRun: dryRun})
		return res, incomplete(res, err)
	}
}

// incomplete turns a run that could not check an account into an error, so the exit status says it.
func incomplete(res app.Result, err error) error {
	if err == nil && len(res.CheckErrors) > 0 {
		err = fmt.Errorf("the check could not run for %d account(s); see check_errors", len(res.CheckErrors))
	}
	return err
}

// runRenewalScan runs renewal-quote's scheduled scan: quotes are posted to Slack as in Lambda. Clicks
// need the deployed Function URL; orders that a scan resumes run in this process before it exits.
func runRenewalScan(ctx context.Context, a *app.App, dryRun bool) (any, error) {
	svc, inproc, err := renewalapp.Local(a)
	if err != nil {
		return nil, err
	}
	defer inproc.Wait()
	ev, err := json.Marshal(app.Event{DryRun: dryRun})
	if err != nil {
		return nil, err
	}
	out, err := renewalapp.Handler(a, svc, nil)(ctx, ev)
	if res, ok := out.(renewalapp.Result); ok {
		return res, incomplete(res.Result, err)
	}
	return out, err
}

func functionNames() string {
	names := make([]string, 0, len(functions))
	for name := range functions {
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// runFunction runs one function once, locally, with the user's configuration: the same cold start
// (app.Start, secrets resolved from the environment or AWS) and the same check as in Lambda. The
// Result goes to stdout as JSON, logs to stderr.
func runFunction(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bsswatch run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: bsswatch run <function> --config FILE [--dry-run]\n\nfunctions: %s\n\nflags:\n", functionNames())
		fs.PrintDefaults()
	}
	source := fs.String("config", "", "configuration file (or ssm:/name, a Secrets Manager ARN, env:NAME holding the YAML)")
	dryRun := fs.Bool("dry-run", false, "evaluate and list the findings; send nothing and write no state")
	// The function name may come before or after the flags.
	var names []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			break
		}
		names = append(names, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case len(names) == 0:
		return usageError{fmt.Sprintf("name the function to run (known: %s)", functionNames())}
	case len(names) > 1:
		return usageError{fmt.Sprintf("one function at a time, got %q", names)}
	case *source == "":
		return usageError{"--config is required"}
	}
	run, ok := functions[names[0]]
	if !ok {
		return usageError{fmt.Sprintf("unknown function %q (known: %s)", names[0], functionNames())}
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	a, err := app.Start(ctx, *source, os.Getenv, app.Options{Log: log})
	if err != nil {
		return err
	}
	defer a.Close()
	res, runErr := run(ctx, a, *dryRun)
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", b); err != nil {
		return err
	}
	return runErr
}

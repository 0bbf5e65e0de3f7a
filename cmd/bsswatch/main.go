// Command bsswatch is the local front door of bsswatch: it serves the BSS sandbox, and runs the
// bundle or one function locally before anything is deployed.
//
//	bsswatch sandbox --addr 127.0.0.1:8080 --customers 100 --site cn --manifest sandbox.json
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand. run gets the arguments after the subcommand's name and returns when
// its work is done or ctx ends (SIGINT or SIGTERM).
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands lists the subcommands; each lives in its own file.
var commands = map[string]command{
	"bench":   {summary: "measure the balance check against a 10,000-customer sandbox partner: calls, time, memory", run: runBench},
	"demo":    {summary: "run balance-alert against a built-in sandbox and a local Slack: no credentials, no network", run: runDemo},
	"run":     {summary: "run one function once with your configuration (--dry-run sends nothing)", run: runFunction},
	"sandbox": {summary: "serve the BSS sandbox (both sites, generated data) until interrupted", run: runSandbox},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand and returns the process exit code: 0 on success (an interrupt is
// a normal end), 1 when the command failed, 2 for a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "bsswatch: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	err := cmd.run(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		fmt.Fprintf(stderr, "bsswatch %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "bsswatch %s: %v\n", args[0], err)
		return 1
	}
}

// usageError is a mistake in the command line rather than a failure of the work.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: bsswatch <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-10s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `run "bsswatch <command> -h" for the flags of a command`)
}

package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/config"
)

// Event is what a schedule, or a person invoking a function by hand, sends to a check function.
// template.yaml sets the scheduler's Input to carry its context attributes; `{}` and
// `{"dry_run": true}` are manual runs.
type Event struct {
	// ScheduledTime and ExecutionID come from EventBridge Scheduler (<aws.scheduler.scheduled-time>,
	// <aws.scheduler.execution-id>) and identify the run in logs.
	ScheduledTime string `json:"scheduled_time,omitempty"`
	ExecutionID   string `json:"execution_id,omitempty"`
	// DryRun evaluates and returns the findings without touching state or sending anything.
	DryRun bool `json:"dry_run,omitempty"`
	// RunID identifies a run someone asked for through the run-now endpoint.
	RunID string `json:"run_id,omitempty"`
}

// ParseEvent reads a check event strictly: unknown fields, trailing data or a malformed scheduled
// time are errors, so a typo in a manual invoke ("dryrun") fails loudly instead of sending alerts.
// An empty body or null is a manual run.
func ParseEvent(raw []byte) (Event, error) {
	var ev Event
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ev, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		return Event{}, fmt.Errorf("event: %w", err)
	}
	if dec.More() {
		return Event{}, errors.New("event: trailing data after the JSON object")
	}
	if ev.ScheduledTime != "" {
		if _, err := time.Parse(time.RFC3339, ev.ScheduledTime); err != nil {
			return Event{}, fmt.Errorf("event: scheduled_time %q is not an RFC 3339 time", ev.ScheduledTime)
		}
	}
	return ev, nil
}

// Result is what a check run returns to its invoker (and what a person sees after a manual invoke).
type Result struct {
	Check       string   `json:"check"`
	DryRun      bool     `json:"dry_run,omitempty"`
	Accounts    int      `json:"accounts"`
	Findings    int      `json:"findings"`
	Skipped     int      `json:"skipped"`
	CheckErrors []string `json:"check_errors,omitempty"`
	// Items lists the findings of a dry run.
	Items []DryFinding `json:"items,omitempty"`
	// Sent counts messages queued this run by kind; Delivered and Failed count deliveries.
	Sent      map[string]int `json:"sent,omitempty"`
	Delivered int            `json:"delivered"`
	Failed    int            `json:"failed"`
	Dropped   int            `json:"dropped"`
	Calls     int64          `json:"bss_calls"`
}

// DryFinding is one finding as a dry run shows it.
type DryFinding struct {
	Account  string   `json:"account"`
	Severity string   `json:"severity"`
	Title    string   `json:"title"`
	Text     string   `json:"text,omitempty"`
	Fields   []string `json:"fields,omitempty"`
}

// checks is the table of the checks App.Run runs, by name, built from the configuration: a check
// whose section is absent is not in it. Renewal is not here: its scan is built with the renewal
// service (pkg/app/renewalapp) and run through RunCheck like the others.
func checks(cfg *config.Config) map[string]check.Check {
	table := map[string]check.Check{}
	if cfg.Checks.Balance != nil {
		table[check.Balance] = check.BalanceCheck{Rules: cfg.Checks.Balance}
	}
	if cfg.Checks.Coupon != nil {
		table[check.Coupon] = check.CouponCheck{Rules: cfg.Checks.Coupon}
	}
	if cfg.Checks.Invoice != nil {
		table[check.Invoice] = check.InvoiceCheck{Rules: cfg.Checks.Invoice}
	}
	return table
}

// Configured lists the checks the configuration has a section for, in check.Specs order.
func (a *App) Configured() []string {
	var out []string
	for _, name := range check.Names() {
		if _, ok := a.checks[name]; ok || (name == check.Renewal && a.Config.Checks.Renewal != nil) {
			out = append(out, name)
		}
	}
	return out
}

// Run runs the named check (see RunCheck). A name that is not a check, or a check the configuration
// has no section for, is an error that changes nothing.
func (a *App) Run(ctx context.Context, name string, ev Event) (Result, error) {
	c, ok := a.checks[name]
	if !ok {
		if slices.Contains(check.Names(), name) {
			return Result{}, fmt.Errorf("app: the configuration has no checks.%s section", name)
		}
		return Result{}, fmt.Errorf("app: unknown check %q (expected one of: %s)", name, strings.Join(check.Names(), ", "))
	}
	return a.RunCheck(ctx, c, ev)
}

// RunCheck runs one check at one clock reading and hands its evaluations to the alert engine (or,
// for a dry run, lists the findings as the digest would). It returns an error only when a retry can
// help: the state store could not be read or written. A check that cannot reach BSS, or a destination
// that fails, is reported through the alert engine (ops alert, retried delivery), in the Result and
// in the CheckFailures metric, not as an error.
func (a *App) RunCheck(ctx context.Context, c check.Check, ev Event) (Result, error) {
	return a.run(ctx, c, ev, true)
}

// Report is RunCheck for evaluations made outside a check's run (a quote the order worker had to
// fail): they reach the alert engine and the metrics the same way, but do not count as the check's
// last run in `/bsswatch status`.
func (a *App) Report(ctx context.Context, c check.Check) (Result, error) {
	return a.run(ctx, c, Event{}, false)
}

func (a *App) run(ctx context.Context, c check.Check, ev Event, record bool) (Result, error) {
	name := c.Name()
	now := a.now()
	// A warm Lambda keeps its clients, so counters are per process: a run reports its own difference.
	before := a.stats()
	evals := c.Run(ctx, check.Env{Now: now, Clients: check.Map(a.Clients)})
	res := Result{Check: name, DryRun: ev.DryRun, Accounts: len(evals)}
	var dry []alert.Finding
	for _, e := range evals {
		res.Findings += len(e.Findings)
		res.Skipped += len(e.Skipped)
		if e.Err != nil {
			res.CheckErrors = append(res.CheckErrors, e.Account+": "+e.Err.Error())
			a.Log.Warn("check failed", "check", name, "account", e.Account, "partial", e.Partial, "error", e.Err.Error())
		}
		dry = append(dry, e.Findings...)
	}
	used := since(before, a.stats())
	res.Calls = used.Attempts
	if ev.DryRun {
		alert.Sort(dry)
		for _, f := range dry {
			d := DryFinding{Account: f.Account, Severity: f.Severity.String(), Title: f.Title, Text: f.Text}
			for _, fl := range f.Fields {
				d.Fields = append(d.Fields, fl.Name+": "+fl.Value)
			}
			res.Items = append(res.Items, d)
		}
		return res, nil
	}
	rep, err := a.Engine.RunAt(ctx, now.In(a.loc), evals)
	res.Sent = map[string]int{}
	for k, n := range map[string]int{"firing": rep.Firing, "update": rep.Updated, "repeat": rep.Repeated,
		"resolved": rep.Resolved, "check_failed": rep.CheckFailed} {
		if n > 0 {
			res.Sent[k] = n
		}
	}
	res.Delivered, res.Failed, res.Dropped = rep.Delivered, rep.Failed, rep.Dropped
	a.metrics(name, res, used)
	if record {
		a.recordRun(ctx, res, now)
	}
	if err != nil {
		return res, fmt.Errorf("app: %s: %w", name, err)
	}
	return res, nil
}

// stats adds up the BSS calls every client has made so far.
func (a *App) stats() bss.Counts {
	var n bss.Counts
	for _, c := range a.Clients {
		for _, s := range c.Stats() {
			n.Attempts += s.Attempts
			n.Retries += s.Retries
			n.Throttles += s.Throttles
			n.Failures += s.Failures
		}
	}
	return n
}

// metrics writes one CloudWatch embedded-metric-format line per run, so alarms and dashboards need
// no PutMetricData permission or call.
func (a *App) metrics(check string, res Result, used bss.Counts) {
	sent := 0
	for _, n := range res.Sent {
		sent += n
	}
	names := []string{"AlertsSent", "Deliveries", "DeliveryFailures", "BSSCalls", "BSSThrottles", "BSSFailures", "CheckFailures"}
	defs := make([]map[string]string, len(names))
	for i, n := range names {
		defs[i] = map[string]string{"Name": n, "Unit": "Count"}
	}
	a.Log.Info("metrics",
		slog.Any("_aws", map[string]any{
			"Timestamp": a.now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace": "bsswatch", "Dimensions": [][]string{{"Check"}}, "Metrics": defs,
			}},
		}),
		slog.String("Check", check),
		slog.Int("AlertsSent", sent),
		slog.Int("Deliveries", res.Delivered),
		slog.Int("DeliveryFailures", res.Failed),
		slog.Int64("BSSCalls", res.Calls),
		slog.Int64("BSSThrottles", used.Throttles),
		slog.Int64("BSSFailures", used.Failures),
		slog.Int("CheckFailures", len(res.CheckErrors)),
	)
}

func since(before, after bss.Counts) bss.Counts {
	return bss.Counts{
		Attempts:  after.Attempts - before.Attempts,
		Retries:   after.Retries - before.Retries,
		Throttles: after.Throttles - before.Throttles,
		Failures:  after.Failures - before.Failures,
	}
}

// Package renewalapp wires the renewal-quote function: the renewal service built from the
// configuration, its scan run as a check through the App (so an account that could not be scanned,
// or a quote the worker had to fail, reaches ops through the alert engine), and the Lambda handler
// that tells a scheduled scan, a Slack click and the worker's own event apart. It lives apart from
// pkg/app so that the other functions do not link renewal, slackapp or the Lambda client.
package renewalapp

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/shopspring/decimal"
	"golang.org/x/time/rate"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/renewal"
	"github.com/bsswatch/bsswatch/pkg/runnow"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// New builds the renewal service from the configuration: the accounts (customer credentials quote
// and renew; an optional partner profile lists) and the partners whose customers are reached
// through their agency (no IAM call is made here), the Slack app's destination for quote messages, the
// signing secret, the approvers and the policy. d hands approved quotes to the order worker. It fails
// when the configuration has no renewal check or names something that is not there.
func New(a *app.App, d renewal.Dispatcher) (*renewal.Service, error) {
	cfg := a.Config
	r := cfg.Checks.Renewal
	switch {
	case r == nil:
		return nil, errors.New("app: the configuration has no checks.renewal section")
	case cfg.SlackApp == nil || cfg.Approvals == nil:
		return nil, errors.New("app: checks.renewal needs slack_app and approvals")
	}
	dest, _ := a.Destination(cfg.SlackApp.Destination)
	out, ok := dest.(*notify.Slack)
	if !ok {
		return nil, fmt.Errorf("app: slack_app.destination: %q is not a slack destination", cfg.SlackApp.Destination)
	}
	accounts := make(map[string]renewal.Account, len(r.Accounts))
	partners := map[string]renewal.Partner{}
	for _, ra := range r.Accounts {
		quoter, ok := a.Clients[ra.Profile]
		if !ok {
			return nil, fmt.Errorf("app: checks.renewal: profile %q has no client", ra.Profile)
		}
		if ag := ra.Agency; ag != nil {
			agency, err := bss.NewAgencyFor(quoter, bss.AgencyConfig{Agency: ag.Name, IAMEndpoint: ag.IAMEndpoint, Duration: ag.Duration})
			if err != nil {
				return nil, fmt.Errorf("app: checks.renewal: customers_of %s: %w", ra.Profile, err)
			}
			partners[ra.Profile] = renewal.Partner{Name: ra.Profile, Lister: quoter, Agency: agency, CustomerIDs: ag.CustomerIDs, Label: ag.Label}
			continue
		}
		acct := renewal.Account{Name: ra.Profile, Quoter: quoter, Lister: quoter}
		if ra.ListWith != "" {
			lister, ok := a.Clients[ra.ListWith]
			if !ok {
				return nil, fmt.Errorf("app: checks.renewal: profile %q has no client", ra.ListWith)
			}
			acct.Lister, acct.CustomerID = lister, cfg.Profiles[ra.Profile].DomainID
		}
		accounts[ra.Profile] = acct
	}
	return &renewal.Service{
		Store: renewal.NewStore(a.Store, a.Now),
		// One new message every post_every in the channel, shared by the invocations posting at once.
		Slack: &renewal.Slack{Out: out, Location: cfg.Location, Pace: rate.NewLimiter(rate.Every(time.Duration(a.Share())*r.PostEvery), 1)},
		Policy: renewal.Policy{
			Within:            time.Duration(r.WithinDays) * 24 * time.Hour,
			PeriodType:        r.PeriodType,
			PeriodNum:         r.PeriodNum,
			AutoPay:           r.AutoPay,
			Lifetime:          r.QuoteLifetime,
			Tolerance:         decimal.Max(r.PriceTolerance, decimal.Zero),
			TwoApproversAbove: cfg.Approvals.TwoApproversAbove,
		},
		Accounts:        accounts,
		Partners:        partners,
		Concurrency:     4,
		ItemConcurrency: 2,
		Verifier:        slackapp.Verifier{SigningSecret: cfg.SlackApp.SigningSecret.Value(), Now: a.Now},
		TeamID:          cfg.SlackApp.TeamID,
		AppID:           cfg.SlackApp.AppID,
		Approvers:       &slackapp.Approvers{Users: cfg.Approvals.Users, Group: cfg.Approvals.Group, Client: out, Now: a.Now},
		Dispatcher:      d,
		HTTPClient:      a.HTTPClient(),
		Now:             a.Now,
		Log:             a.Log.With("check", check.Renewal),
	}, nil
}

// Local is New for local runs and the demo, where no Lambda queues the orders: an approved quote is
// ordered in a goroutine of this process, and a quote it had to fail is reported like in Lambda.
// Call Wait on the returned InProcess before the process exits, so no order is cut off halfway.
func Local(a *app.App) (*renewal.Service, *renewal.InProcess, error) {
	inproc := &renewal.InProcess{}
	svc, err := New(a, inproc)
	if err != nil {
		return nil, nil, err
	}
	inproc.Order = func(ctx context.Context, id string) error {
		if err := svc.Order(ctx, id); err != nil {
			return err
		}
		return settle(ctx, a, svc, id)
	}
	inproc.Done = func(quoteID string, err error) {
		if err != nil {
			a.Log.Warn("order", "check", check.Renewal, "quote", quoteID, "error", err.Error())
		}
	}
	return svc, inproc, nil
}

// Result is what a scheduled or manual renewal scan returns: the pipeline's result (accounts that
// could not be scanned, ops messages), what the scan did for each account it scanned here, and how
// many work items it queued for other invocations.
type Result struct {
	app.Result
	Reports []renewal.Report `json:"reports"`
	Queued  int              `json:"items_queued,omitempty"`
}

// scan is the renewal scan as a check: it quotes and posts as a side effect, and its evaluations
// carry no findings, only whether each account could be scanned. An account that could not is an
// ops alert once per episode; the next scan that reaches it says it recovered.
type scan struct {
	svc     *renewal.Service
	dry     bool
	id      string // the scan's id: the same for a retried run
	reports []renewal.Report
	queued  int
	err     error // the state store or the queue failed: a retry of the run can help
}

func (*scan) Name() string { return check.Renewal }

func (s *scan) Run(ctx context.Context, _ check.Env) []alert.Evaluation {
	if s.dry {
		s.reports, s.err = s.svc.Preview(ctx)
	} else {
		s.reports, s.queued, s.err = s.svc.ScanAs(ctx, s.id)
	}
	return evaluations(s.reports)
}

// evaluations tell the alert engine which accounts could be scanned and which could not.
func evaluations(reports []renewal.Report) []alert.Evaluation {
	evals := make([]alert.Evaluation, len(reports))
	for i, r := range reports {
		evals[i] = alert.Evaluation{Check: check.Renewal, Account: r.Account}
		if r.Err != "" {
			evals[i].Err = errors.New(r.Err)
		}
	}
	return evals
}

// failedQuote reports a quote the worker had to fail as its account's renewal failure.
type failedQuote struct{ q renewal.Quote }

func (failedQuote) Name() string { return check.Renewal }

func (f failedQuote) Run(context.Context, check.Env) []alert.Evaluation {
	return []alert.Evaluation{{Check: check.Renewal, Account: f.q.Account,
		Err: fmt.Errorf("quote %s (%s) was not renewed: %s", f.q.ID, f.q.Amount, f.q.Reason)}}
}

// settle tells ops when the worker ended a quote as failed. Only a failure is reported: the account's
// next scan closes the episode.
func settle(ctx context.Context, a *app.App, svc *renewal.Service, id string) error {
	q, err := svc.Store.Get(ctx, id)
	if err != nil || q.State != renewal.Failed {
		return nil
	}
	_, err = a.Report(ctx, failedQuote{q})
	return err
}

// Handler returns the Lambda handler of the renewal function. It tells its four events apart: a
// Function URL request (a Slack click; it has requestContext.http) is answered with an HTTP
// response, an SQS event (Records) carries a scan's work items, the worker's own asynchronous event
// ({"renewal_order":{"quote_id":...}}) places the order, and anything else must be a check event
// (app.ParseEvent) and runs the scan through the App: with a Queue it plans the scan and queues its
// work items, without one it runs them here.
// An event of none of these shapes is an error that changes nothing. Errors are returned only when a
// retry can help.
//
// A Function URL request that carries a webhook-signature header is a run-now request: rn answers it
// (nil: the configuration has no run_now section, and such requests get 404).
func Handler(a *app.App, svc *renewal.Service, rn *runnow.Handler) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var probe map[string]json.RawMessage
		if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '{' {
			if err := json.Unmarshal(t, &probe); err != nil {
				return nil, fmt.Errorf("event: %w", err)
			}
		}
		switch {
		case probe["requestContext"] != nil:
			return functionURL(ctx, a, svc, rn, raw)
		case probe["Records"] != nil:
			return workItems(ctx, a, svc, raw)
		case probe["renewal_order"] != nil:
			req, err := renewal.ParseOrderEvent(raw)
			if err != nil {
				a.Log.ErrorContext(ctx, "bad event", "check", check.Renewal, "error", err.Error())
				return nil, err
			}
			if err := svc.Order(ctx, req.QuoteID); err != nil {
				a.Log.WarnContext(ctx, "order", "check", check.Renewal, "quote", req.QuoteID, "error", err.Error())
				return nil, err
			}
			if err := settle(ctx, a, svc, req.QuoteID); err != nil {
				return nil, err
			}
			return map[string]string{"quote_id": req.QuoteID}, nil
		}
		ev, err := app.ParseEvent(raw)
		if err != nil {
			a.Log.ErrorContext(ctx, "bad event", "check", check.Renewal, "error", err.Error())
			return nil, err
		}
		a.Log.InfoContext(ctx, "run", "check", check.Renewal, "scheduled_time", ev.ScheduledTime, "execution_id", ev.ExecutionID, "run_id", ev.RunID, "dry_run", ev.DryRun)
		s := &scan{svc: svc, dry: ev.DryRun, id: renewal.ScanID(cmp.Or(ev.ScheduledTime, ev.ExecutionID, ev.RunID))}
		res, err := a.RunCheck(ctx, s, ev)
		out := Result{Result: res, Reports: s.reports, Queued: s.queued}
		if err = errors.Join(s.err, err); err != nil {
			return out, fmt.Errorf("app: %s: %w", check.Renewal, err)
		}
		return out, nil
	}
}

// functionURL answers a Function URL request: a run-now request from another system, a /bsswatch
// slash command or a button click from Slack. Only POST carries any of them.
func functionURL(ctx context.Context, a *app.App, svc *renewal.Service, rn *runnow.Handler, raw json.RawMessage) (events.LambdaFunctionURLResponse, error) {
	var req events.LambdaFunctionURLRequest
	if err := json.Unmarshal(raw, &req); err != nil || req.RequestContext.HTTP.Method == "" {
		return events.LambdaFunctionURLResponse{}, errors.New("event: requestContext without http: not a Function URL request")
	}
	if req.RequestContext.HTTP.Method != http.MethodPost {
		return events.LambdaFunctionURLResponse{StatusCode: http.StatusMethodNotAllowed}, nil
	}
	h, body, err := slackapp.FromFunctionURL(req)
	if err != nil {
		a.Log.WarnContext(ctx, "request refused", "reason", err.Error())
		return events.LambdaFunctionURLResponse{StatusCode: http.StatusBadRequest}, nil
	}
	if h.Get("webhook-signature") != "" || h.Get("webhook-id") != "" {
		if rn == nil {
			return events.LambdaFunctionURLResponse{StatusCode: http.StatusNotFound}, nil
		}
		status, out := rn.Handle(ctx, h, body)
		return events.LambdaFunctionURLResponse{StatusCode: status, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(out)}, nil
	}
	if isSnooze(body) {
		return events.LambdaFunctionURLResponse{StatusCode: snoozeClick(ctx, a, svc, h, body)}, nil
	}
	if slackapp.IsCommand(body) {
		status, out := command(ctx, a, svc, h, body)
		return events.LambdaFunctionURLResponse{StatusCode: status, Headers: map[string]string{"Content-Type": "application/json"}, Body: out}, nil
	}
	status, out := svc.HandleClick(ctx, h, body)
	a.Log.InfoContext(ctx, "click", "check", check.Renewal, "status", status, "outcome", out)
	return events.LambdaFunctionURLResponse{StatusCode: status}, nil
}

// RunNow builds the run-now handler of the configuration's run_now section, or nil without one.
// d starts the runs: runnow.Lambda in AWS, Runs locally.
func RunNow(a *app.App, d runnow.Dispatcher) *runnow.Handler {
	if a.Config.RunNow == nil {
		return nil
	}
	return &runnow.Handler{Secret: a.Config.RunNow.Secret.Value(), Checks: a.Configured(), Store: a.Store,
		Dispatcher: d, Now: a.Now, Log: a.Log}
}

// Runs starts run-now runs in goroutines of this process, for local runs and the demo, where no
// Lambda queues them: a check through the App, renewal through its scan. Wait blocks until every run
// started so far has finished.
type Runs struct {
	App     *app.App
	Service *renewal.Service
	wg      sync.WaitGroup
}

// Dispatch starts the run and returns at once; a run's failure is logged and reported like any run's.
func (r *Runs) Dispatch(ctx context.Context, name string, ev runnow.Event) error {
	ctx = context.WithoutCancel(ctx)
	r.wg.Go(func() {
		raw, _ := json.Marshal(app.Event{RunID: ev.RunID, DryRun: ev.DryRun})
		var err error
		if name == check.Renewal {
			_, err = Handler(r.App, r.Service, nil)(ctx, raw)
		} else {
			_, err = app.Handler(r.App, name)(ctx, raw)
		}
		if err != nil {
			r.App.Log.Warn("run now", "check", name, "run_id", ev.RunID, "error", err.Error())
		}
	})
	return nil
}

// Wait blocks until every run started so far has finished.
func (r *Runs) Wait() { r.wg.Wait() }

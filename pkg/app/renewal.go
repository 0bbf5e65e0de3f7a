package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/shopspring/decimal"
	"github.com/slack-go/slack"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/renewal"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// CheckRenewal names the renewal check.
const CheckRenewal = "renewal"

// Renewal builds the renewal service from the configuration: the accounts (customer credentials
// quote and renew; an optional partner profile lists), the Slack app's destination for quote
// messages, the signing secret, the approvers and the policy. d hands approved quotes to the order
// worker; hc carries Slack calls and response_url answers (nil: http.DefaultClient). It fails when
// the configuration has no renewal check or names something that is not there.
func (a *App) Renewal(d renewal.Dispatcher, hc *http.Client) (*renewal.Service, error) {
	cfg := a.Config
	r := cfg.Checks.Renewal
	switch {
	case r == nil:
		return nil, errors.New("app: the configuration has no checks.renewal section")
	case cfg.SlackApp == nil || cfg.Approvals == nil:
		return nil, errors.New("app: checks.renewal needs slack_app and approvals")
	}
	dest, ok := cfg.Destinations[cfg.SlackApp.Destination]
	if !ok {
		return nil, fmt.Errorf("app: slack_app.destination: unknown destination %q", cfg.SlackApp.Destination)
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	// Quote messages go out in bursts (one per quote), and chat.postMessage takes about one a second
	// per channel: 429s are waited out (Retry-After) a few times; a click's budget still bounds them.
	opts := []slack.Option{slack.OptionHTTPClient(hc), slack.OptionRetry(3)}
	if dest.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(strings.TrimSuffix(dest.APIURL, "/")+"/"))
	}
	api := slack.New(dest.Token.Value(), opts...)
	accounts := make(map[string]renewal.Account, len(r.Accounts))
	for _, ra := range r.Accounts {
		quoter, ok := a.Clients[ra.Profile]
		if !ok {
			return nil, fmt.Errorf("app: checks.renewal: profile %q has no client", ra.Profile)
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
		Store: renewal.NewStore(a.Store, a.now),
		Slack: &renewal.Slack{API: api, Channel: dest.Channel, Location: cfg.Location},
		Policy: renewal.Policy{
			Within:            time.Duration(r.WithinDays) * 24 * time.Hour,
			PeriodType:        bss.PeriodType(r.PeriodType),
			PeriodNum:         r.PeriodNum,
			AutoPay:           r.AutoPay,
			Lifetime:          r.QuoteLifetime,
			Tolerance:         decimal.Max(r.PriceTolerance, decimal.Zero),
			TwoApproversAbove: cfg.Approvals.TwoApproversAbove,
		},
		Accounts:    accounts,
		Concurrency: 4,
		Verifier:    slackapp.Verifier{SigningSecret: cfg.SlackApp.SigningSecret.Value(), Now: a.now},
		TeamID:      cfg.SlackApp.TeamID,
		AppID:       cfg.SlackApp.AppID,
		Approvers:   &slackapp.Approvers{Users: cfg.Approvals.Users, Group: cfg.Approvals.Group, Client: api, Now: a.now},
		Dispatcher:  d,
		HTTPClient:  hc,
		Now:         a.now,
		Log:         a.Log.With("check", CheckRenewal),
	}, nil
}

// RenewalResult is what a scheduled or manual renewal run returns.
type RenewalResult struct {
	Check   string           `json:"check"`
	DryRun  bool             `json:"dry_run,omitempty"`
	Reports []renewal.Report `json:"accounts"`
}

// RenewalHandler returns the Lambda handler of the renewal function. It tells its three events
// apart: a Function URL request (a Slack click; it has requestContext.http) is answered with an HTTP
// response, the worker's own asynchronous event ({"renewal_order":{"quote_id":...}}) places the
// order, and anything else must be a check event (app.ParseEvent) and runs the scan. An event of none
// of these shapes is an error that changes nothing. Errors are returned only when a retry can help.
func RenewalHandler(a *App, svc *renewal.Service) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, raw json.RawMessage) (any, error) {
		var probe map[string]json.RawMessage
		if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '{' {
			if err := json.Unmarshal(t, &probe); err != nil {
				return nil, fmt.Errorf("event: %w", err)
			}
		}
		switch {
		case probe["requestContext"] != nil:
			return click(ctx, a, svc, raw)
		case probe["renewal_order"] != nil:
			req, err := renewal.ParseOrderEvent(raw)
			if err != nil {
				a.Log.ErrorContext(ctx, "bad event", "check", CheckRenewal, "error", err.Error())
				return nil, err
			}
			if err := svc.Order(ctx, req.QuoteID); err != nil {
				a.Log.WarnContext(ctx, "order", "check", CheckRenewal, "quote", req.QuoteID, "error", err.Error())
				return nil, err
			}
			return map[string]string{"quote_id": req.QuoteID}, nil
		}
		ev, err := ParseEvent(raw)
		if err != nil {
			a.Log.ErrorContext(ctx, "bad event", "check", CheckRenewal, "error", err.Error())
			return nil, err
		}
		a.Log.InfoContext(ctx, "run", "check", CheckRenewal, "scheduled_time", ev.ScheduledTime, "execution_id", ev.ExecutionID, "dry_run", ev.DryRun)
		var reps []renewal.Report
		if ev.DryRun {
			reps, err = svc.Preview(ctx)
		} else {
			reps, err = svc.Scan(ctx)
		}
		res := RenewalResult{Check: CheckRenewal, DryRun: ev.DryRun, Reports: reps}
		if err != nil {
			return res, fmt.Errorf("app: %s: %w", CheckRenewal, err)
		}
		return res, nil
	}
}

// click answers a Function URL request from Slack. Only POST carries clicks.
func click(ctx context.Context, a *App, svc *renewal.Service, raw json.RawMessage) (events.LambdaFunctionURLResponse, error) {
	var req events.LambdaFunctionURLRequest
	if err := json.Unmarshal(raw, &req); err != nil || req.RequestContext.HTTP.Method == "" {
		return events.LambdaFunctionURLResponse{}, errors.New("event: requestContext without http: not a Function URL request")
	}
	if req.RequestContext.HTTP.Method != http.MethodPost {
		return events.LambdaFunctionURLResponse{StatusCode: http.StatusMethodNotAllowed}, nil
	}
	h, body, err := slackapp.FromFunctionURL(req)
	if err != nil {
		a.Log.WarnContext(ctx, "click refused", "check", CheckRenewal, "reason", err.Error())
		return events.LambdaFunctionURLResponse{StatusCode: http.StatusBadRequest}, nil
	}
	status, out := svc.HandleClick(ctx, h, body)
	a.Log.InfoContext(ctx, "click", "check", CheckRenewal, "status", status, "outcome", out)
	return events.LambdaFunctionURLResponse{StatusCode: status}, nil
}

// LocalRenewal is Renewal for local runs and the demo, where no Lambda queues the orders: an approved
// quote is ordered in a goroutine of this process. Call Wait on the returned InProcess before the
// process exits, so no order is cut off halfway. Its errors are Renewal's.
func (a *App) LocalRenewal(hc *http.Client) (*renewal.Service, *renewal.InProcess, error) {
	inproc := &renewal.InProcess{}
	svc, err := a.Renewal(inproc, hc)
	if err != nil {
		return nil, nil, err
	}
	inproc.Order = svc.Order
	inproc.Done = func(quoteID string, err error) {
		if err != nil {
			a.Log.Warn("order", "check", CheckRenewal, "quote", quoteID, "error", err.Error())
		}
	}
	return svc, inproc, nil
}

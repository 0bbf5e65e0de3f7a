package renewal

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// Account is one customer account whose resources are quoted and renewed. Quoter holds the
// customer's own credentials (BSS refuses partner credentials for quotes and orders), or is nil
// until first needed when Agency gives them; Lister lists the resources, and may be a partner's
// client, in which case CustomerID names the customer.
type Account struct {
	Name       string
	Quoter     *bss.Client
	Agency     *bss.Agency
	Lister     *bss.Client
	CustomerID string
}

// Policy is what the configuration decides about renewals.
type Policy struct {
	// Within is how far ahead of expiry a resource is quoted.
	Within time.Duration
	// PeriodType and PeriodNum are the renewal period (bss.Month 1-11, bss.Year 1-3).
	PeriodType bss.PeriodType
	PeriodNum  int
	// AutoPay pays the order from balance and coupons at once; without it the order waits unpaid.
	AutoPay bool
	// Lifetime bounds how long a quote can be approved (its first resource's expiry may end it sooner).
	Lifetime time.Duration
	// Tolerance is the fraction (0.02 = 2%) by which the price may rise between quote and order.
	Tolerance decimal.Decimal
	// TwoApproversAbove, when set, is the amount above which two different people must approve.
	TwoApproversAbove *money.Amount
}

// Dispatcher hands an approved quote to the order worker without waiting for the order: an
// asynchronous invocation of the same function in Lambda, a goroutine in a local run.
type Dispatcher interface {
	Dispatch(ctx context.Context, quoteID string) error
}

// Queue takes a scan's work items (JSON bodies, one WorkItemEvent each) to run in other invocations:
// an SQS queue whose event source mapping hands them back to this function (workqueue.SQS).
type Queue interface {
	Send(ctx context.Context, bodies [][]byte) error
}

// Approver decides whether a Slack user may approve or reject quotes (slackapp.Approvers).
type Approver interface {
	Allowed(ctx context.Context, userID string) (bool, error)
}

// Defaults of the Service's timing.
const (
	// DefaultClickBudget bounds the outside calls of a click, so Slack hears back within its 3 s.
	DefaultClickBudget = 2500 * time.Millisecond
	// DefaultOrderingGrace is how long after approving -> ordering a second worker waits before it
	// checks and resumes: a first worker may still be waiting for RenewalResources' answer.
	DefaultOrderingGrace = 90 * time.Second
	// DefaultStaleAfter is how long a quote may sit in approving or ordering before a scan resumes it
	// (a lost asynchronous invocation, retries used up).
	DefaultStaleAfter = 15 * time.Minute
)

// Service quotes, answers clicks and orders. Scan, HandleClick and Order are its three entry points;
// the fields are set once at cold start and not changed afterwards.
type Service struct {
	Store    *Store
	Slack    *Slack
	Policy   Policy
	Accounts map[string]Account
	// Partners are partners whose customers are found at each scan and reached through their agency.
	Partners map[string]Partner
	// Verifier checks Slack's signature; TeamID and AppID are the workspace and app a click must
	// come from.
	Verifier      slackapp.Verifier
	TeamID, AppID string
	Approvers     Approver
	Dispatcher    Dispatcher
	// Queue, when set, takes a scheduled scan's work items; nil runs them in this process.
	Queue Queue
	// HTTPClient carries response_url answers; nil means http.DefaultClient.
	HTTPClient *http.Client
	Now        func() time.Time
	Log        *slog.Logger
	// Concurrency is how many accounts a work item scans at once (at least 1); ItemConcurrency how
	// many items a scan run in this process (RunItems) works on at once.
	Concurrency     int
	ItemConcurrency int
	// ClickBudget, OrderingGrace and StaleAfter default to the constants above when zero.
	ClickBudget   time.Duration
	OrderingGrace time.Duration
	StaleAfter    time.Duration

	// afterOrdering, when set, runs right after approving -> ordering is written and before the order
	// is placed; an error stops the worker there, as a crash would.
	afterOrdering func(Quote) error
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// summarize posts the scan's one summary to the quotes' channel (nothing when it has nothing to say).
func (s *Service) summarize(ctx context.Context, t tally) {
	text := t.text()
	if text == "" {
		return
	}
	if _, err := s.Slack.post(ctx, text, nil); err != nil {
		s.log().WarnContext(ctx, "slack summary", "error", err.Error())
	}
}

// audit records one step; a failure is logged, not returned: the step itself already happened.
func (s *Service) audit(ctx context.Context, q *Quote, actor, action, detail string) {
	err := s.Store.Audit(context.WithoutCancel(ctx), Entry{QuoteID: q.ID, At: s.now(), Actor: actor, Action: action, Detail: detail})
	if err != nil {
		s.log().ErrorContext(ctx, "audit", "quote", q.ID, "action", action, "error", err.Error())
	}
}

// show updates a quote's message to its current state, and replies in its thread with reply (if
// any). Slack failures are logged: the state store, not the message, is the record.
func (s *Service) show(ctx context.Context, q *Quote, reply string) {
	if text, blocks, ok := s.message(ctx, q); ok {
		if err := s.Slack.Out.Update(ctx, q.Message, text, blocks); err != nil {
			s.log().WarnContext(ctx, "slack update", "quote", q.ID, "state", q.State, "error", err.Error())
		}
	}
	if reply == "" {
		return
	}
	if err := s.Slack.Out.Reply(ctx, q.Message, threadText(q, reply)); err != nil {
		s.log().WarnContext(ctx, "slack reply", "quote", q.ID, "state", q.State, "error", err.Error())
	}
}

// retryable reports whether a BSS failure may pass if the same step is tried again later.
func retryable(err error) bool {
	switch bss.KindOf(err) {
	case bss.Throttled, bss.Transient, bss.Malformed, bss.Unknown:
		return true
	}
	return false
}

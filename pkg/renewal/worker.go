package renewal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bsswatch/bsswatch/pkg/bss"
)

// ErrInProgress is returned by Order for a quote that another worker moved to ordering moments ago:
// that worker may still be waiting for RenewalResources' answer, so this one neither checks nor
// orders. A later retry resumes the quote once the grace period has passed.
var ErrInProgress = errors.New("renewal: order in progress elsewhere")

// codePendingOrder is renew-rate's per-resource failure for a resource in an order waiting for
// payment: the sign that an unpaid order exists.
const codePendingOrder = "CBC.30050010"

// codeAutoPayFailed is RenewalResources' answer when is_auto_pay=1 could not pay (HTTP 400 in one
// version of the documentation, 200 in another). Whether it leaves an unpaid order behind is not
// documented, so the worker looks before it calls the renewal failed.
const codeAutoPayFailed = "CBC.30050006"

// Order is the asynchronous worker: it takes an approved quote to renewed or failed, placing at most
// one order. For a quote in approving it re-quotes; a price above the approved amount beyond the
// tolerance supersedes the quote with a fresh one instead of ordering. Otherwise it writes approving
// -> ordering and only then calls RenewalResources, once. For a quote found in ordering (a crash, a
// retried invocation) it first checks BSS for the order (the expiry moved, the resources sit in an
// order waiting for payment, or the account's order list holds a renewal of them since the quote
// entered ordering) and orders only when there is none; an order found in the list is recorded with
// its id, as if its answer had arrived. Quotes in other states are left alone, so a repeated
// invocation is harmless.
//
// It returns an error when a retry can help: BSS or the store failed transiently, the order's outcome
// is unknown (the quote stays in ordering with a note, and the next run resolves it by checking), or
// ErrInProgress. Failures a retry cannot mend end the quote as failed and return nil.
func (s *Service) Order(ctx context.Context, id string) error {
	q, err := s.Store.Get(ctx, id)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			s.log().WarnContext(ctx, "order", "quote", id, "error", err.Error())
			return nil
		}
		return err
	}
	switch q.State {
	case Approving:
		return s.approved(ctx, q)
	case Ordering:
		return s.resume(ctx, q)
	default:
		s.log().InfoContext(ctx, "order: nothing to do", "quote", id, "state", q.State)
		return nil
	}
}

// approved re-quotes an approved quote and either supersedes it or orders it.
func (s *Service) approved(ctx context.Context, q Quote) error {
	a, err := s.account(ctx, q.Account)
	if err != nil {
		if retryableAccount(err) {
			return fmt.Errorf("renewal: order %s: %w", q.ID, err)
		}
		return s.fail(ctx, q, []State{Approving}, err.Error())
	}
	rq, err := a.Quoter.RenewRate(ctx, q.Request(false))
	if err != nil && a.reassume(ctx, err) {
		rq, err = a.Quoter.RenewRate(ctx, q.Request(false))
	}
	if err != nil {
		if retryable(err) {
			return fmt.Errorf("renewal: re-quote %s: %w", q.ID, err)
		}
		return s.fail(ctx, q, []State{Approving}, "the re-quote was refused: "+err.Error())
	}
	if len(rq.Failures) > 0 {
		return s.fail(ctx, q, []State{Approving}, "BSS would not quote "+failures(rq.Failures))
	}
	rose, why := PriceRose(q.Amount, rq.Amount, s.Policy.Tolerance)
	if rose {
		return s.supersede(ctx, q, a, rq.Amount.String(), why)
	}
	q, err = s.Store.Transition(ctx, q.ID, []State{Approving}, func(q *Quote) error {
		q.State, q.OrderingAt = Ordering, s.now()
		return nil
	})
	var se *StateError
	if errors.As(err, &se) {
		// Another worker won approving -> ordering; it places the order.
		s.log().InfoContext(ctx, "order: taken by another worker", "quote", q.ID, "state", se.Quote.State)
		return nil
	}
	if err != nil {
		return err
	}
	s.audit(ctx, &q, "worker", "ordering", "re-quoted "+rq.Amount.String())
	// Said only by the worker that won approving -> ordering: it is the one that orders.
	s.reply(ctx, &q, fmt.Sprintf("Re-quoted at %s (approved %s): ordering.", rq.Amount, q.Amount))
	if s.afterOrdering != nil {
		if err := s.afterOrdering(q); err != nil {
			return err
		}
	}
	return s.place(ctx, q, a)
}

// supersede ends q because the price rose and posts a fresh quote for the same resources. The fresh
// quote is made first and takes over q's holds, so no scan can slip in between.
func (s *Service) supersede(ctx context.Context, q Quote, a Account, newAmount string, why error) error {
	note := fmt.Sprintf("the price rose from %s to %s, more than the %s%% tolerance", q.Amount, newAmount, s.Policy.Tolerance.Shift(2).String())
	if why != nil {
		note = strings.TrimPrefix(why.Error(), "renewal: ")
	}
	fresh, err := s.quote(ctx, &a, q.Items, q.ID, nil, true)
	if err != nil {
		// The resources become free with q's end; the next scan quotes them.
		s.log().WarnContext(ctx, "re-quote after price rise", "quote", q.ID, "error", err.Error())
	}
	old, err := s.Store.Transition(ctx, q.ID, []State{Approving}, func(q *Quote) error {
		q.State, q.Note = Superseded, note
		if fresh != nil {
			q.SupersededBy = fresh.ID
		}
		return nil
	})
	if errors.Is(err, ErrState) {
		return nil
	}
	if err != nil {
		return err
	}
	s.audit(ctx, &old, "worker", "superseded", note)
	reply := "Not ordered: " + note + "."
	if fresh != nil {
		reply += " A new quote was posted for approval."
	}
	s.show(ctx, &old, reply)
	return nil
}

// place calls RenewalResources once for a quote in ordering and records the outcome.
func (s *Service) place(ctx context.Context, q Quote, a Account) error {
	res, err := a.Quoter.Renew(ctx, q.Request(s.Policy.AutoPay))
	if codeOf(err) == codeAutoPayFailed {
		return s.autoPayFailed(ctx, q, a, err)
	}
	switch bss.KindOf(err) {
	case bss.Unknown:
		if err != nil {
			return err
		}
	case bss.Ambiguous:
		note := "the answer to the order was lost; checking BSS before anything else is ordered"
		if n, terr := s.Store.Transition(ctx, q.ID, []State{Ordering}, func(q *Quote) error { q.Note = note; return nil }); terr == nil {
			q = n
		}
		s.audit(ctx, &q, "worker", "order outcome unknown", err.Error())
		s.reply(ctx, &q, "The order's answer was lost ("+bss.KindOf(err).String()+"); checking whether it was placed before doing anything else.")
		return fmt.Errorf("renewal: order %s: %w", q.ID, err)
	case bss.Conflict:
		return s.fail(ctx, q, []State{Ordering}, "an order already holds these resources (waiting for payment or in process); nothing new was ordered: "+err.Error())
	case bss.Throttled, bss.Transient:
		// Nothing was sent, or it was refused before any order: the next run checks and orders.
		return fmt.Errorf("renewal: order %s: %w", q.ID, err)
	default:
		return s.fail(ctx, q, []State{Ordering}, "the order was refused: "+err.Error())
	}
	if len(res.OrderIDs) == 0 {
		return s.fail(ctx, q, []State{Ordering}, "BSS placed no order: "+failures(res.Failures))
	}
	note := ""
	if len(res.Failures) > 0 {
		note = "not renewed: " + failures(res.Failures)
	}
	if !s.Policy.AutoPay {
		note = strings.TrimPrefix(note+"; the order waits for payment in the console", "; ")
	}
	return s.renewed(ctx, q, res.OrderIDs, note)
}

// autoPayFailed settles a quote whose order BSS could not pay from the balance: an unpaid order it
// left behind is recorded with its id, to be paid in the console; no order means the renewal failed.
// Either way nothing is ordered again. When the orders cannot be looked up, the quote stays in
// ordering with a note and the error is returned: the next run checks before anything else.
func (s *Service) autoPayFailed(ctx context.Context, q Quote, a Account, payErr error) error {
	orders, err := a.Quoter.RenewalOrders(ctx, q.ResourceIDs(), q.OrderingAt.Add(-orderLookupMargin))
	if err != nil {
		note := "auto-pay failed (" + codeAutoPayFailed + ") and the order lookup failed; checking BSS before anything else is ordered"
		if n, terr := s.Store.Transition(ctx, q.ID, []State{Ordering}, func(q *Quote) error { q.Note = note; return nil }); terr == nil {
			q = n
		}
		s.audit(ctx, &q, "worker", "order outcome unknown", note+": "+err.Error())
		return fmt.Errorf("renewal: order %s: %s: look up orders: %w", q.ID, payErr, err)
	}
	if len(orders) == 0 {
		return s.fail(ctx, q, []State{Ordering}, "auto-pay failed and BSS left no order: "+payErr.Error())
	}
	var ids, unpaid []string
	for _, o := range orders {
		ids = append(ids, o.ID)
		if !o.Paid() {
			unpaid = append(unpaid, o.ID)
		}
	}
	note := "BSS answered " + codeAutoPayFailed + " (auto-pay failed), but lists the order as paid"
	if len(unpaid) > 0 {
		note = "ordered, not paid: pay order " + strings.Join(unpaid, ", ") + " in the console (auto-pay failed: " + codeAutoPayFailed + ")"
	}
	return s.renewed(ctx, q, ids, note)
}

func codeOf(err error) string {
	var e *bss.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// resume finishes a quote found in ordering without ever ordering twice.
func (s *Service) resume(ctx context.Context, q Quote) error {
	if s.now().Sub(q.OrderingAt) < orDefault(s.OrderingGrace, DefaultOrderingGrace) {
		return fmt.Errorf("renewal: quote %s entered ordering at %s: %w", q.ID, q.OrderingAt.UTC().Format("15:04:05Z"), ErrInProgress)
	}
	a, err := s.account(ctx, q.Account)
	if err != nil {
		return fmt.Errorf("renewal: resume %s: %w", q.ID, err)
	}
	found, err := s.ordered(ctx, q, a)
	if err != nil {
		return fmt.Errorf("renewal: resume %s: check for the order: %w", q.ID, err)
	}
	orders := s.lookup(ctx, q, a)
	if found == "" && len(orders) > 0 {
		// Listed but not yet visible on the resources (still processing, say): ordering again could
		// renew them twice, or meet BSS's refusal of a second order while one is in process.
		found = "the order's answer was lost, but BSS lists it: " + statuses(orders)
	}
	if found != "" {
		ids := make([]string, len(orders))
		for i, o := range orders {
			ids[i] = o.ID
		}
		return s.renewed(ctx, q, ids, found)
	}
	s.audit(ctx, &q, "worker", "resume", "no order found for the resources; ordering")
	return s.place(ctx, q, a)
}

// orderLookupMargin is how long before the quote entered ordering its order may have been created,
// by BSS's clock: BSS accepts a request signed up to 15 minutes off its own clock, so an order it
// created for our call can carry a time up to that much earlier than ours.
const orderLookupMargin = 15 * time.Minute

// lookup finds the renewal orders of q's resources created since q entered ordering, so an order
// whose answer was lost is recorded with its id. A failed lookup is logged and audited, and finds
// nothing: the other signs of an order still decide whether to order.
func (s *Service) lookup(ctx context.Context, q Quote, a Account) []bss.Order {
	orders, err := a.Quoter.RenewalOrders(ctx, q.ResourceIDs(), q.OrderingAt.Add(-orderLookupMargin))
	if err != nil {
		s.log().WarnContext(ctx, "order lookup", "quote", q.ID, "error", err.Error())
		s.audit(ctx, &q, "worker", "order lookup failed", err.Error())
		return nil
	}
	return orders
}

func statuses(orders []bss.Order) string {
	parts := make([]string, len(orders))
	for i, o := range orders {
		parts[i] = o.Status.String()
	}
	return strings.Join(parts, ", ")
}

// ordered looks for signs that q's order exists and returns what it found, or "" for no sign: the
// resources' expiry moved past the quoted one (a paid order), or renew-rate says they sit in an order
// waiting for payment.
func (s *Service) ordered(ctx context.Context, q Quote, a Account) (string, error) {
	rs, err := a.Quoter.Resources(ctx, bss.ResourceFilter{ResourceIDs: q.ResourceIDs(), OnlyMain: true})
	if err != nil {
		return "", err
	}
	now := map[string]bss.Resource{}
	for _, r := range rs {
		now[r.ID] = r
	}
	moved := 0
	for _, it := range q.Items {
		if r, ok := now[it.ID]; ok && r.Expires.After(it.Expires) {
			moved++
		}
	}
	if moved > 0 {
		return fmt.Sprintf("the order's answer was lost, but %d of %d resources now expire later: the order was placed and paid", moved, len(q.Items)), nil
	}
	rq, err := a.Quoter.RenewRate(ctx, q.Request(false))
	if err != nil {
		return "", err
	}
	for _, f := range rq.Failures {
		if f.Code == codePendingOrder {
			return "the order's answer was lost, but the resources are in an order waiting for payment: pay it in the console", nil
		}
	}
	return "", nil
}

func (s *Service) renewed(ctx context.Context, q Quote, orderIDs []string, note string) error {
	q, err := s.Store.Transition(ctx, q.ID, []State{Ordering}, func(q *Quote) error {
		q.State, q.OrderIDs, q.Note = Renewed, orderIDs, note
		return nil
	})
	if errors.Is(err, ErrState) {
		return nil
	}
	if err != nil {
		return err
	}
	s.audit(ctx, &q, "worker", "renewed", strings.TrimSpace("orders "+strings.Join(orderIDs, ",")+" "+note))
	reply := fmt.Sprintf("Renewed for %s.", q.Amount)
	if len(orderIDs) > 0 {
		reply = fmt.Sprintf("Order %s placed for %s.", strings.Join(orderIDs, ", "), q.Amount)
	}
	if note != "" {
		reply += " " + note + "."
	}
	s.show(ctx, &q, reply)
	return nil
}

// fail ends a quote that cannot be ordered; its resources are free for the next scan.
func (s *Service) fail(ctx context.Context, q Quote, from []State, reason string) error {
	q, err := s.Store.Transition(ctx, q.ID, from, func(q *Quote) error {
		q.State, q.Reason = Failed, reason
		return nil
	})
	if errors.Is(err, ErrState) {
		return nil
	}
	if err != nil {
		return err
	}
	s.audit(ctx, &q, "worker", "failed", reason)
	s.show(ctx, &q, "Not renewed: "+reason)
	return nil
}

func (s *Service) reply(ctx context.Context, q *Quote, text string) {
	if err := s.Slack.Out.Reply(ctx, q.Message, threadText(q, text)); err != nil {
		s.log().WarnContext(ctx, "slack reply", "quote", q.ID, "error", err.Error())
	}
}

func failures(fs []bss.ResourceFailure) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprintf("%s (%s %s)", f.ResourceID, f.Code, f.Message)
	}
	return strings.Join(parts, "; ")
}

package renewal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
	"github.com/bsswatch/bsswatch/pkg/state/dynamo"
	"github.com/bsswatch/bsswatch/pkg/state/dynamo/dynamotest"
)

func TestScanQuotesEachResourceOnce(t *testing.T) {
	for _, site := range []string{sandbox.SiteCN, sandbox.SiteIntl} {
		t.Run(site, func(t *testing.T) {
			e := newEnv(t, envOptions{site: site})
			e.sb.ResetCalls()
			q := e.scanOne()

			if got, want := q.ResourceIDs(), e.eligible[:min(10, len(e.eligible))]; !slices.Equal(got, want) {
				t.Errorf("quoted %v, want %v", got, want)
			}
			want, err := e.sb.QuoteRenewal(e.customer.CustomerID, q.ResourceIDs(), sandbox.PeriodMonth, 1)
			if err != nil {
				t.Fatal(err)
			}
			if !q.Amount.Value.Equal(want.Amount) || !q.Official.Value.Equal(want.Official) || q.Amount.Currency != want.Currency {
				t.Errorf("quote %s (official %s), want %s %s (official %s)", q.Amount, q.Official, want.Amount, want.Currency, want.Official)
			}
			if q.State != Pending || q.CustomerID != e.customer.DomainID || q.Message.IsZero() {
				t.Errorf("quote state %s customer %s message %v; want pending, %s, posted", q.State, q.CustomerID, q.Message, e.customer.DomainID)
			}
			if wantDeadline := Deadline(anchor, 72*time.Hour, q.Items); !q.Deadline.Equal(wantDeadline) {
				t.Errorf("deadline %s, want %s", q.Deadline, wantDeadline)
			}
			m, _ := e.slack.Message(q.Message.Channel, q.Message.TS)
			text := e.messageText(q)
			for _, s := range []string{q.Items[0].Name, q.Items[0].Region, q.Items[0].Type, q.Amount.String(), q.Official.String(), q.Discount.String()} {
				if !strings.Contains(text, s) {
					t.Errorf("message lacks %q:\n%s", s, text)
				}
			}
			if !hasButtons(m) {
				t.Errorf("message has no Approve/Reject buttons:\n%s", text)
			}
			// The partner lists (one page), the customer quotes; nobody else is called.
			calls := e.sb.CallsByKey()
			if got := calls[sandbox.CallKey{AK: e.man.Partner.AK, API: "ListPayPerUseCustomerResources"}]; got != 1 {
				t.Errorf("partner listed %d times, want 1", got)
			}
			if got, want := calls[sandbox.CallKey{AK: e.customer.AK, API: "ListRenewRateOnPeriod"}], (len(e.eligible)+9)/10; got != want {
				t.Errorf("customer quoted %d times, want %d", got, want)
			}
			if got := calls[sandbox.CallKey{AK: e.man.Partner.AK, API: "ListRenewRateOnPeriod"}]; got != 0 {
				t.Errorf("the partner's credentials were used to quote (%d calls)", got)
			}

			// A second scan finds every resource held by the live quote.
			reps, err := e.svc.Scan(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(reps[0].Quoted) != 0 || reps[0].Held != len(e.eligible) {
				t.Errorf("second scan quoted %v and found %d held, want none quoted and %d held", reps[0].Quoted, reps[0].Held, len(e.eligible))
			}
			quotes, summaries := e.quoteMessages()
			if len(quotes) != 1 {
				t.Errorf("%d quote messages in the channel, want 1", len(quotes))
			}
			// One summary per scan; the second found everything held.
			if len(summaries) != 2 || !strings.Contains(summaries[1].Text, fmt.Sprintf("%d already in a live quote", len(e.eligible))) {
				t.Errorf("summaries %v, want two, the second finding %d held", summaries, len(e.eligible))
			}
		})
	}
}

func TestApproveRenewsOnce(t *testing.T) {
	for _, autoPay := range []bool{true, false} {
		t.Run(map[bool]string{true: "auto-pay", false: "unpaid order"}[autoPay], func(t *testing.T) {
			e := newEnv(t, envOptions{autoPay: autoPay})
			q := e.scanOne()
			status, out := e.click(q, slackapp.ActionApprove, "UADA")
			if status != http.StatusOK || out != Approved {
				t.Fatalf("click = %d %s, want 200 approved", status, out)
			}
			e.inproc.Wait()
			got := e.get(q.ID)
			orders := e.ordersOf(e.customer.CustomerID)
			if got.State != Renewed || len(orders) != 1 || !slices.Equal(got.OrderIDs, []string{orders[0].ID}) {
				t.Fatalf("quote %s with orders %v; sandbox orders %d; want renewed with the one order", got.State, got.OrderIDs, len(orders))
			}
			if orders[0].Paid != autoPay || !slices.Equal(orders[0].ResourceIDs, q.ResourceIDs()) {
				t.Errorf("order paid=%v resources %v, want paid=%v %v", orders[0].Paid, orders[0].ResourceIDs, autoPay, q.ResourceIDs())
			}
			text := e.messageText(got)
			for _, s := range []string{"Renewed", "<@UADA>", orders[0].ID, q.Amount.String()} {
				if !strings.Contains(text, s) {
					t.Errorf("final message lacks %q:\n%s", s, text)
				}
			}
			if m, _ := e.slack.Message(got.Message.Channel, got.Message.TS); hasButtons(m) {
				t.Error("the renewed quote still shows buttons")
			}
			replies := e.slack.Replies(got.Message.Channel, got.Message.TS)
			if len(replies) < 2 || !strings.Contains(replies[len(replies)-1].Text, orders[0].ID) {
				t.Errorf("thread replies %v, want the steps ending with the order id", replies)
			}
			trail, err := e.store.Trail(context.Background(), q.ID)
			if err != nil {
				t.Fatal(err)
			}
			var actions []string
			for _, a := range trail {
				actions = append(actions, a.Action)
				if strings.Contains(a.Detail, signingSecret) || strings.Contains(a.Detail, e.customer.SK) {
					t.Errorf("audit record %+v holds a secret", a)
				}
			}
			for _, want := range []string{"quoted", "approved", "ordering", "renewed"} {
				if !slices.Contains(actions, want) {
					t.Errorf("audit trail %v lacks %q", actions, want)
				}
			}
			// Once renewed, the resources are free; they now expire later (paid) or sit in an unpaid
			// order, and neither is quoted again.
			e.clock.Advance(time.Hour)
			reps, err := e.svc.Scan(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range reps[0].Quoted {
				if slices.ContainsFunc(e.get(id).Items, func(it Item) bool { return slices.Contains(q.ResourceIDs(), it.ID) }) {
					t.Errorf("renewed resources were quoted again in %s", id)
				}
			}
			if n := len(e.ordersOf(e.customer.CustomerID)); n != 1 {
				t.Errorf("%d orders after the next scan, want 1", n)
			}
		})
	}
}

// TestConcurrentApprovalsOrderOnce fires 20 Approve clicks for one quote at once, each through its own
// Service (as separate Lambda containers would be) over one DynamoDB-API table; through an agency,
// each container assumes it on its own.
func TestConcurrentApprovalsOrderOnce(t *testing.T) {
	eachCredential(t, envOptions{autoPay: true}, concurrentApprovals)
}

func concurrentApprovals(t *testing.T, e *env) {
	agency := e.svc.Partners != nil
	q := e.scanOne()
	const n = 20
	users := []string{"UADA", "UBOB", "UCAROL"}
	type result struct {
		status int
		out    Outcome
	}
	results := make(chan result, n)
	start := make(chan struct{})
	var handlers []*Service
	var workers []*InProcess
	for range n {
		// Each handler is its own container: its own DynamoDB client and connections to the one
		// table, no memory shared with the others.
		h := *e.svc
		h.Store = NewStore(dynamo.New(dynamotest.Client(dynamotest.Endpoint(t)), e.table, dynamo.Options{Now: e.clock.Now}), e.clock.Now)
		if agency {
			e.throughAgency(&h)
		}
		w := &InProcess{Order: h.Order}
		h.Dispatcher = w
		handlers = append(handlers, &h)
		workers = append(workers, w)
	}
	for i, h := range handlers {
		body := e.clickBody(q, slackapp.ActionApprove, users[i%len(users)])
		hdr := slackapp.Sign(signingSecret, e.clock.Now(), body)
		go func() {
			<-start
			status, out := h.HandleClick(context.Background(), hdr, body)
			results <- result{status, out}
		}()
	}
	close(start)
	counts := map[Outcome]int{}
	for range n {
		r := <-results
		if r.status != http.StatusOK {
			t.Errorf("a click got %d", r.status)
		}
		counts[r.out]++
	}
	for _, w := range workers {
		w.Wait()
	}
	if counts[Approved] != 1 || counts[AlreadyDecided] != n-1 {
		t.Errorf("outcomes %v, want 1 approved and %d already decided", counts, n-1)
	}
	if orders := e.ordersOf(e.customer.CustomerID); len(orders) != 1 {
		t.Fatalf("%d orders in the sandbox, want exactly 1", len(orders))
	}
	if got := e.sb.Calls()["RenewalResources"]; got != 1 {
		t.Errorf("RenewalResources called %d times, want 1", got)
	}
	if got := e.get(q.ID); got.State != Renewed || len(got.Approvals) != 1 {
		t.Errorf("quote %s with %d approvals, want renewed with 1", got.State, len(got.Approvals))
	}
	eph := e.ephemerals()
	if len(eph) != n-1 || !strings.Contains(eph[0], "already approved by <@") {
		t.Errorf("%d private answers (first %q), want %d saying who approved", len(eph), first(eph), n-1)
	}
	// The scan's and the winning container's: the others never needed the customer's credentials.
	if got := e.sb.Calls()["CreateTemporaryAccessKeyByAgency"]; agency && got != 2 {
		t.Errorf("agency assumed %d times, want 2", got)
	}
}

func first(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return xs[0]
}

var errKilled = errors.New("worker killed")

// TestWorkerKilledBeforeOrder stops the worker right after approving -> ordering, before
// RenewalResources: the retry finds no order, places one, and ends renewed.
func TestWorkerKilledBeforeOrder(t *testing.T) {
	eachCredential(t, envOptions{autoPay: true}, workerKilledBeforeOrder)
}

func workerKilledBeforeOrder(t *testing.T, e *env) {
	killed := false
	e.svc.afterOrdering = func(Quote) error {
		if killed {
			return nil
		}
		killed = true
		return errKilled
	}
	q := e.scanOne()
	if _, out := e.click(q, slackapp.ActionApprove, "UADA"); out != Approved {
		t.Fatalf("click: %s", out)
	}
	e.inproc.Wait()
	if got := e.get(q.ID); got.State != Ordering {
		t.Fatalf("after the kill the quote is %s, want ordering", got.State)
	}
	if n := e.sb.Calls()["RenewalResources"]; n != 0 {
		t.Fatalf("RenewalResources called %d times before the kill point", n)
	}
	// An immediate retry might overlap a slow first worker: it waits out the grace period.
	if err := e.svc.Order(context.Background(), q.ID); !errors.Is(err, ErrInProgress) {
		t.Fatalf("retry within the grace period: %v, want ErrInProgress", err)
	}
	e.clock.Advance(DefaultOrderingGrace)
	if err := e.svc.Order(context.Background(), q.ID); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if err := e.svc.Order(context.Background(), q.ID); err != nil {
		t.Fatalf("a third invocation: %v", err)
	}
	orders := e.ordersOf(e.customer.CustomerID)
	got := e.get(q.ID)
	if len(orders) != 1 || got.State != Renewed || !slices.Equal(got.OrderIDs, []string{orders[0].ID}) {
		t.Fatalf("quote %s %v, sandbox orders %d; want renewed with one order", got.State, got.OrderIDs, len(orders))
	}
}

// TestWorkerAnswerLostAfterOrder loses RenewalResources' answer after the order was placed (a 500, or
// a hang until the client times out): the quote stays in ordering, and the retry finds the order
// instead of placing another, and records its id as if the answer had arrived. (The sandbox stamps
// orders with the wall clock, which is past the service's clock at anchor.)
func TestWorkerAnswerLostAfterOrder(t *testing.T) {
	tests := []struct {
		name    string
		autoPay bool
		fault   func(*sandbox.Server)
		note    string
	}{
		{"500 after a paid order", true, func(s *sandbox.Server) { s.FailAfterNext("RenewalResources", 1, 500, "") }, "expire later"},
		{"500 after an unpaid order", false, func(s *sandbox.Server) { s.FailAfterNext("RenewalResources", 1, 502, "") }, "waiting for payment"},
		{"timeout after a paid order", true, func(s *sandbox.Server) { s.HangAfterNext("RenewalResources", 1) }, "expire later"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{autoPay: tt.autoPay})
			q := e.loseOrderAnswer(tt.fault)
			e.sb.ResetCalls()
			if err := e.svc.Order(context.Background(), q.ID); err != nil {
				t.Fatalf("retry: %v", err)
			}
			got := e.get(q.ID)
			if got.State != Renewed || !strings.Contains(got.Note, tt.note) {
				t.Errorf("quote %s note %q, want renewed noting %q", got.State, got.Note, tt.note)
			}
			orders := e.ordersOf(e.customer.CustomerID)
			if len(orders) != 1 {
				t.Fatalf("%d orders, want 1", len(orders))
			}
			e.wantOrderRecorded(got, orders[0].ID)
			if n := len(e.sb.Orders()); n != 1 {
				t.Errorf("%d orders in the sandbox, want 1", n)
			}
			// The retry only reads: one order listing by the customer, no second order.
			calls := e.sb.CallsByKey()
			if n := e.sb.Calls()["RenewalResources"]; n != 0 {
				t.Errorf("the retry called RenewalResources %d times, want 0 (1 in all)", n)
			}
			if n := calls[sandbox.CallKey{AK: e.customer.AK, API: "ListCustomerOrders"}]; n != 1 {
				t.Errorf("the customer listed its orders %d times, want 1", n)
			}
		})
	}
}

// TestWorkerAnswerLostOrderNotFound keeps the resolution by the resources' signs when the order list
// cannot name the order (the lookup fails, or the order lies outside its window: created more than
// the clock-skew margin before the quote entered ordering): the quote ends renewed with the note and
// no order id, and nothing is ordered again. An order inside the margin is found.
func TestWorkerAnswerLostOrderNotFound(t *testing.T) {
	tests := []struct {
		name      string
		refuse    bool          // the order listing answers 403
		orderedAt time.Duration // when the quote entered ordering, after the order's creation
		found     bool
		audit     string
	}{
		{"lookup refused", true, 0, false, "order lookup failed"},
		{"order 14 minutes before ordering", false, 14 * time.Minute, true, ""},
		{"order 16 minutes before ordering", false, 16 * time.Minute, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{autoPay: true})
			q := e.loseOrderAnswer(func(s *sandbox.Server) { s.FailAfterNext("RenewalResources", 1, 500, "") })
			order := e.ordersOf(e.customer.CustomerID)[0]
			if tt.refuse {
				e.sb.FailNext("ListCustomerOrders", 1, 403, "CBC.0151")
			} else {
				// The sandbox stamps orders with the wall clock: move the quote's ordering time to
				// the case's distance from it, and the service's clock past the grace period.
				at := order.CreatedAt.Add(tt.orderedAt)
				e.setQuote(q.ID, func(q *Quote) { q.OrderingAt = at })
				e.clock.Advance(at.Add(DefaultOrderingGrace).Sub(e.clock.Now()))
			}
			if err := e.svc.Order(context.Background(), q.ID); err != nil {
				t.Fatalf("retry: %v", err)
			}
			got := e.get(q.ID)
			if got.State != Renewed || !strings.Contains(got.Note, "expire later") {
				t.Errorf("quote %s note %q, want renewed with the note", got.State, got.Note)
			}
			if tt.found {
				e.wantOrderRecorded(got, order.ID)
			} else if len(got.OrderIDs) != 0 {
				t.Errorf("quote records orders %v, want none", got.OrderIDs)
			}
			if n := e.sb.Calls()["RenewalResources"]; n != 1 || len(e.sb.Orders()) != 1 {
				t.Errorf("RenewalResources called %d times, %d orders; want 1 and 1", n, len(e.sb.Orders()))
			}
			if tt.audit != "" && !slices.Contains(e.actions(q.ID), tt.audit) {
				t.Errorf("audit trail %v lacks %q", e.actions(q.ID), tt.audit)
			}
		})
	}
}

// TestWorkerAnswerLostOrderOnlyListed finds the order in the account's order list while the
// resources show no sign of it yet: the quote ends renewed with the order id, and nothing is ordered
// again.
func TestWorkerAnswerLostOrderOnlyListed(t *testing.T) {
	e := newEnv(t, envOptions{autoPay: true})
	q := e.loseOrderAnswer(func(s *sandbox.Server) { s.FailAfterNext("RenewalResources", 1, 500, "") })
	// As if the paid renewal had not reached the resources yet: their expiry looks unmoved.
	e.setQuote(q.ID, func(q *Quote) {
		for i := range q.Items {
			q.Items[i].Expires = q.Items[i].Expires.AddDate(1, 0, 0)
		}
	})
	if err := e.svc.Order(context.Background(), q.ID); err != nil {
		t.Fatalf("retry: %v", err)
	}
	got := e.get(q.ID)
	orders := e.ordersOf(e.customer.CustomerID)
	if got.State != Renewed || len(orders) != 1 || !strings.Contains(got.Note, "BSS lists it: completed") {
		t.Fatalf("quote %s note %q with %d sandbox orders, want renewed noting the listed order", got.State, got.Note, len(orders))
	}
	e.wantOrderRecorded(got, orders[0].ID)
	if n := e.sb.Calls()["RenewalResources"]; n != 1 {
		t.Errorf("RenewalResources called %d times, want 1", n)
	}
}

// loseOrderAnswer scans, approves, and lets the worker's order meet fault (an answer lost after the
// order was placed): it returns the quote, left in ordering with a note, once the grace period for
// a retry has passed.
func (e *env) loseOrderAnswer(fault func(*sandbox.Server)) Quote {
	e.t.Helper()
	q := e.scanOne()
	fault(e.sb)
	var firstErr error
	e.inproc.Done = func(_ string, err error) { firstErr = err }
	if _, out := e.click(q, slackapp.ActionApprove, "UADA"); out != Approved {
		e.t.Fatalf("click: %s", out)
	}
	e.inproc.Wait()
	e.inproc.Done = nil
	if bss.KindOf(firstErr) != bss.Ambiguous {
		e.t.Fatalf("first worker: %v, want an ambiguous order error (so Lambda retries)", firstErr)
	}
	got := e.get(q.ID)
	if got.State != Ordering || got.Note == "" || len(got.OrderIDs) != 0 {
		e.t.Fatalf("quote %s note %q orders %v, want ordering with a note and no order id", got.State, got.Note, got.OrderIDs)
	}
	e.clock.Advance(DefaultOrderingGrace)
	return got
}

// setQuote rewrites a quote in ordering behind the service's back.
func (e *env) setQuote(id string, mutate func(*Quote)) {
	e.t.Helper()
	if _, err := e.store.Transition(context.Background(), id, []State{Ordering}, func(q *Quote) error { mutate(q); return nil }); err != nil {
		e.t.Fatal(err)
	}
}

// wantOrderRecorded checks that a renewed quote carries orderID as an order whose answer arrived
// does: on the quote, in its message, in the last thread reply and in the audit record.
func (e *env) wantOrderRecorded(q Quote, orderID string) {
	e.t.Helper()
	if !slices.Equal(q.OrderIDs, []string{orderID}) {
		e.t.Errorf("quote records orders %v, want [%s]", q.OrderIDs, orderID)
	}
	if text := e.messageText(q); !strings.Contains(text, "Order "+orderID) {
		e.t.Errorf("message lacks the order id %s:\n%s", orderID, text)
	}
	replies := e.slack.Replies(q.Message.Channel, q.Message.TS)
	if len(replies) == 0 || !strings.Contains(replies[len(replies)-1].Text, "Order "+orderID+" placed") {
		e.t.Errorf("thread replies %v, want the last to name order %s", replies, orderID)
	}
	trail, err := e.store.Trail(context.Background(), q.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	renewed := false
	for _, a := range trail {
		renewed = renewed || a.Action == "renewed" && strings.Contains(a.Detail, "orders "+orderID)
	}
	if !renewed {
		e.t.Errorf("audit trail %+v has no renewed record naming order %s", trail, orderID)
	}
}

// actions lists the audit trail's actions of a quote, oldest first.
func (e *env) actions(id string) []string {
	e.t.Helper()
	trail, err := e.store.Trail(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, a := range trail {
		out = append(out, a.Action)
	}
	return out
}

func TestPriceRiseSupersedes(t *testing.T) {
	eachCredential(t, envOptions{autoPay: true}, priceRiseSupersedes)
}

func priceRiseSupersedes(t *testing.T, e *env) {
	q := e.scanOne()
	e.sb.SetPriceFactor(e.customer.CustomerID, decimal.RequireFromString("1.25"))
	if _, out := e.click(q, slackapp.ActionApprove, "UADA"); out != Approved {
		t.Fatalf("click: %s", out)
	}
	e.inproc.Wait()
	old := e.get(q.ID)
	if old.State != Superseded || old.SupersededBy == "" {
		t.Fatalf("old quote %s superseded by %q, want superseded with a successor", old.State, old.SupersededBy)
	}
	if n := len(e.sb.Orders()); n != 0 {
		t.Fatalf("%d orders after a price rise, want none", n)
	}
	fresh := e.get(old.SupersededBy)
	want, err := e.sb.QuoteRenewal(e.customer.CustomerID, q.ResourceIDs(), sandbox.PeriodMonth, 1)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.State != Pending || !fresh.Amount.Value.Equal(want.Amount) || fresh.Supersedes != q.ID || !slices.Equal(fresh.ResourceIDs(), q.ResourceIDs()) {
		t.Errorf("new quote %s %s supersedes %q, want pending %s for the same resources", fresh.State, fresh.Amount, fresh.Supersedes, want.Amount)
	}
	if fresh.Message.IsZero() || fresh.Message == old.Message {
		t.Errorf("new quote message %v, want its own message", fresh.Message)
	}
	if !strings.Contains(e.messageText(old), "Superseded") || !strings.Contains(e.messageText(old), fresh.Amount.String()) {
		t.Errorf("old message does not say it was superseded at the new price:\n%s", e.messageText(old))
	}
	// The new quote is approvable and renews at the new price.
	if _, out := e.click(fresh, slackapp.ActionApprove, "UBOB"); out != Approved {
		t.Fatalf("click on the new quote: %s", out)
	}
	e.inproc.Wait()
	if got := e.get(fresh.ID); got.State != Renewed {
		t.Errorf("new quote is %s, want renewed", got.State)
	}
	if orders := e.sb.Orders(); len(orders) != 1 || !orders[0].Amount.Equal(want.Amount) {
		t.Errorf("orders %v, want one at %s", orders, want.Amount)
	}
}

func TestRefusedClicksChangeNothing(t *testing.T) {
	e := newEnv(t, envOptions{})
	q := e.scanOne()
	body := e.clickBody(q, slackapp.ActionApprove, "UADA")
	signed := func(at time.Time, b []byte) http.Header { return slackapp.Sign(signingSecret, at, b) }
	foreign := strings.ReplaceAll(string(body), teamID, "T0OTHER")
	tests := []struct {
		name   string
		header http.Header
		body   []byte
		status int
	}{
		{"unsigned", http.Header{}, body, http.StatusUnauthorized},
		{"stale", signed(e.clock.Now().Add(-6*time.Minute), body), body, http.StatusUnauthorized},
		{"from the future", signed(e.clock.Now().Add(6*time.Minute), body), body, http.StatusUnauthorized},
		{"forged secret", slackapp.Sign("not-the-secret", e.clock.Now(), body), body, http.StatusUnauthorized},
		{"body changed after signing", signed(e.clock.Now(), body), []byte(strings.Replace(string(body), "UADA", "UEVE", 1)), http.StatusUnauthorized},
		{"other workspace", signed(e.clock.Now(), []byte(foreign)), []byte(foreign), http.StatusForbidden},
		{"not a click", signed(e.clock.Now(), []byte("payload=%7B%7D")), []byte("payload=%7B%7D"), http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := e.svc.HandleClick(context.Background(), tt.header, tt.body)
			if status != tt.status || out != Refused {
				t.Errorf("click = %d %s, want %d refused", status, out, tt.status)
			}
		})
	}
	if got := e.get(q.ID); got.State != Pending || len(got.Approvals) != 0 {
		t.Errorf("quote %s with %d approvals after refused clicks, want untouched", got.State, len(got.Approvals))
	}
	if m, _ := e.slack.Message(q.Message.Channel, q.Message.TS); m.Edits != 0 {
		t.Errorf("message edited %d times by refused clicks", m.Edits)
	}
	if len(e.ephemerals()) != 0 || len(e.sb.Orders()) != 0 {
		t.Errorf("refused clicks answered %v or ordered %d", e.ephemerals(), len(e.sb.Orders()))
	}

	// A replay of a genuine click inside the window finds the quote decided and changes nothing.
	hdr := signed(e.clock.Now(), body)
	if _, out := e.svc.HandleClick(context.Background(), hdr, body); out != Approved {
		t.Fatalf("genuine click: %s", out)
	}
	e.inproc.Wait()
	orders := len(e.sb.Orders())
	if _, out := e.svc.HandleClick(context.Background(), hdr, body); out != AlreadyDecided {
		t.Errorf("replayed click: %s, want already decided", out)
	}
	e.inproc.Wait()
	if len(e.sb.Orders()) != orders {
		t.Errorf("a replay placed an order")
	}
}

func TestNotAllowedAndReject(t *testing.T) {
	e := newEnv(t, envOptions{})
	q := e.scanOne()
	if status, out := e.click(q, slackapp.ActionApprove, "UEVE"); status != http.StatusOK || out != NotAllowed {
		t.Fatalf("click by a stranger = %d %s, want 200 not allowed", status, out)
	}
	if got := e.get(q.ID); got.State != Pending || len(got.Approvals) != 0 {
		t.Fatalf("a stranger's click changed the quote to %s", got.State)
	}
	if eph := e.ephemerals(); len(eph) != 1 || !strings.Contains(eph[0], "not on the list") {
		t.Errorf("private answers %q, want one refusal", eph)
	}
	e.clock.Advance(time.Minute)
	if _, out := e.click(q, slackapp.ActionReject, "UBOB"); out != RejectedNow {
		t.Fatalf("reject: %s", out)
	}
	got := e.get(q.ID)
	if got.State != Rejected || got.Decider != "UBOB" {
		t.Errorf("quote %s decided by %q, want rejected by UBOB", got.State, got.Decider)
	}
	m, _ := e.slack.Message(q.Message.Channel, q.Message.TS)
	if hasButtons(m) || !strings.Contains(e.messageText(q), "Rejected by <@UBOB>") {
		t.Errorf("message after rejection:\n%s", e.messageText(q))
	}
	for _, user := range []string{"UADA", "UEVE"} {
		if _, out := e.click(q, slackapp.ActionApprove, user); out != AlreadyDecided && out != NotAllowed {
			t.Errorf("approve after rejection by %s: %s", user, out)
		}
	}
	eph := e.ephemerals()
	if !strings.Contains(eph[len(eph)-2], "already rejected by <@UBOB> at 2026-11-21 12:01 UTC") ||
		!strings.Contains(eph[len(eph)-1], "already rejected by <@UBOB>") {
		t.Errorf("private answers after the rejection %q, want who rejected and when", eph[len(eph)-2:])
	}
	if len(e.sb.Orders()) != 0 || e.sb.Calls()["RenewalResources"] != 0 {
		t.Error("a rejected quote was ordered")
	}
	// The resources are free again for the next scan.
	reps, err := e.svc.Scan(context.Background())
	if err != nil || len(reps[0].Quoted) != 1 {
		t.Errorf("scan after rejection: %+v %v, want a new quote", reps, err)
	}
}

func TestTwoApproversAboveLimit(t *testing.T) {
	limit := "0.01"
	e := newEnv(t, envOptions{twoAbove: &limit, autoPay: true})
	q := e.scanOne()
	if !q.TwoApprovers {
		t.Fatalf("quote of %s does not need two approvers above %s", q.Amount, limit)
	}
	if _, out := e.click(q, slackapp.ActionApprove, "UADA"); out != FirstApproval {
		t.Fatalf("first approval: %s", out)
	}
	if got := e.get(q.ID); got.State != Pending || len(got.Approvals) != 1 {
		t.Fatalf("after one approval: %s with %d approvals", got.State, len(got.Approvals))
	}
	if text := e.messageText(q); !strings.Contains(text, "1 of 2 approvals") {
		t.Errorf("message does not count approvals:\n%s", text)
	}
	if _, out := e.click(q, slackapp.ActionApprove, "UADA"); out != AlreadyDecided {
		t.Errorf("same approver again: %s", out)
	}
	if eph := e.ephemerals(); len(eph) != 1 || !strings.Contains(eph[0], "second, different approver") {
		t.Errorf("private answers %q", eph)
	}
	e.inproc.Wait()
	if n := len(e.sb.Orders()); n != 0 {
		t.Fatalf("%d orders after one approver", n)
	}
	if _, out := e.click(q, slackapp.ActionApprove, "UCAROL"); out != Approved {
		t.Fatalf("second approver: %s", out)
	}
	e.inproc.Wait()
	got := e.get(q.ID)
	if got.State != Renewed || len(e.sb.Orders()) != 1 {
		t.Errorf("quote %s, orders %d; want renewed once", got.State, len(e.sb.Orders()))
	}
	if text := e.messageText(got); !strings.Contains(text, "<@UADA>") || !strings.Contains(text, "<@UCAROL>") {
		t.Errorf("final message does not name both approvers:\n%s", text)
	}
}

func TestExpiry(t *testing.T) {
	e := newEnv(t, envOptions{})
	q := e.scanOne()
	e.clock.Advance(q.Deadline.Sub(e.clock.Now()))
	// A click at the deadline expires the quote instead of approving it.
	if _, out := e.click(q, slackapp.ActionApprove, "UADA"); out != ExpiredNow {
		t.Fatalf("click at the deadline: %s", out)
	}
	if got := e.get(q.ID); got.State != Expired {
		t.Fatalf("quote is %s, want expired", got.State)
	}
	if text := e.messageText(q); !strings.Contains(text, "Expired") {
		t.Errorf("message does not say it expired:\n%s", text)
	}
	if n := len(e.sb.Orders()); n != 0 {
		t.Errorf("%d orders for an expired quote", n)
	}
}

func TestScanExpiresOldQuotes(t *testing.T) {
	e := newEnv(t, envOptions{})
	q := e.scanOne()
	e.clock.Advance(q.Deadline.Sub(e.clock.Now()) + time.Minute)
	reps, err := e.svc.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(reps[0].Expired, []string{q.ID}) {
		t.Errorf("scan expired %v, want [%s]", reps[0].Expired, q.ID)
	}
	if got := e.get(q.ID); got.State != Expired {
		t.Errorf("quote is %s, want expired", got.State)
	}
	if text := e.messageText(q); !strings.Contains(text, "Expired") {
		t.Errorf("message does not say it expired:\n%s", text)
	}
	if _, out := e.click(q, slackapp.ActionApprove, "UADA"); out != AlreadyDecided {
		t.Errorf("click on an expired quote: %s", out)
	}
}

// placeUnpaidOrder renews one resource without auto-pay behind the service's back, as a person in the
// console would: the resource then sits in an order waiting for payment.
func (e *env) placeUnpaidOrder(id string) {
	e.t.Helper()
	quoter := e.svc.Accounts["acme"].Quoter
	if _, err := quoter.Renew(context.Background(), bss.RenewRequest{ResourceIDs: []string{id}, PeriodType: bss.Month, PeriodNum: 1}); err != nil {
		e.t.Fatal(err)
	}
}

func TestScanLeavesOutResourcesBSSRefuses(t *testing.T) {
	e := newEnv(t, envOptions{})
	busy := e.eligible[0]
	e.placeUnpaidOrder(busy)
	q := e.scanOne()
	if slices.Contains(q.ResourceIDs(), busy) || len(q.Items) != len(e.eligible)-1 {
		t.Errorf("quote holds %v, want every eligible resource but %s", q.ResourceIDs(), busy)
	}
	want, err := e.sb.QuoteRenewal(e.customer.CustomerID, q.ResourceIDs(), sandbox.PeriodMonth, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !q.Amount.Value.Equal(want.Amount) {
		t.Errorf("quote %s, want %s for the resources it holds", q.Amount, want.Amount)
	}
	reps, err := e.svc.Preview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if reps[0].Held != len(e.eligible)-1 || len(reps[0].Quoted) != 0 {
		t.Errorf("preview %+v, want the quoted resources held and nothing new", reps[0])
	}
}

func TestOrderFailsWhenAResourceWasOrderedElsewhere(t *testing.T) {
	e := newEnv(t, envOptions{autoPay: true})
	q := e.scanOne()
	e.placeUnpaidOrder(q.ResourceIDs()[0])
	if _, out := e.click(q, slackapp.ActionApprove, "UADA"); out != Approved {
		t.Fatalf("click: %s", out)
	}
	e.inproc.Wait()
	got := e.get(q.ID)
	if got.State != Failed || !strings.Contains(got.Reason, "CBC.30050010") {
		t.Errorf("quote %s (%q), want failed naming the pending order", got.State, got.Reason)
	}
	if n := len(e.sb.Orders()); n != 1 {
		t.Errorf("%d orders, want only the one placed elsewhere", n)
	}
	if text := e.messageText(got); !strings.Contains(text, "Not renewed") {
		t.Errorf("message does not say it was not renewed:\n%s", text)
	}
}

// held is a Dispatcher that keeps approved quotes for the test to order.
type held struct{}

func (held) Dispatch(context.Context, string) error { return nil }

// TestConcurrentWorkersSayOrderingOnce runs five workers on one approved quote at once (a retried
// asynchronous invocation overlapping the first): only the one that wins approving -> ordering says
// "ordering" in the thread, and one order is placed.
func TestConcurrentWorkersSayOrderingOnce(t *testing.T) {
	e := newEnv(t, envOptions{autoPay: true})
	e.svc.Dispatcher = held{}
	q := e.scanOne()
	if _, out := e.click(q, slackapp.ActionApprove, "UADA"); out != Approved {
		t.Fatalf("click: %s", out)
	}
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			if err := e.svc.Order(context.Background(), q.ID); err != nil && !errors.Is(err, ErrInProgress) {
				t.Errorf("worker: %v", err)
			}
		})
	}
	wg.Wait()
	said := 0
	for _, r := range e.slack.Replies(q.Message.Channel, q.Message.TS) {
		if strings.Contains(r.Text, ": ordering.") {
			said++
		}
	}
	if said != 1 {
		t.Errorf("%d workers said they were ordering, want 1", said)
	}
	if n := len(e.ordersOf(e.customer.CustomerID)); n != 1 {
		t.Errorf("%d orders, want 1", n)
	}
}

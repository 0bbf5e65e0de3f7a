package renewal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/state"
)

// Report is what one scan did for one account.
type Report struct {
	Account  string   `json:"account"`
	Listed   int      `json:"listed"`   // main resources in use, frozen or expired, expiring within the window
	Eligible int      `json:"eligible"` // of those, not on auto-renew
	Lapsed   int      `json:"lapsed"`   // of those, past their expiry but not deleted
	Held     int      `json:"held"`     // eligible but already in a live quote
	Quoted   []string `json:"quoted,omitempty"`
	Expired  []string `json:"expired,omitempty"`
	Resumed  []string `json:"resumed,omitempty"`
	// QuotedResources counts the resources in Quoted; Messages the Slack messages they were posted in.
	QuotedResources int `json:"quoted_resources,omitempty"`
	Messages        int `json:"messages,omitempty"`
	// Refused lists resources BSS would not quote (inside its 200 answer), as "id: code message".
	Refused []string `json:"refused,omitempty"`
	Err     string   `json:"error,omitempty"`
}

// Scan looks after every account's quotes: it expires pending quotes past their deadline, posts
// messages that a failed post left out, resumes quotes stuck in approving or ordering, then lists the
// resources that need a quote and quotes them in batches of at most ten. It is ScanAs with a fresh
// scan id, run in this process.
func (s *Service) Scan(ctx context.Context) ([]Report, error) {
	reports, _, err := s.ScanAs(ctx, ScanID(""))
	return reports, err
}

// ScanAs plans the scan named id as work items (Plan) and hands them to the Queue, returning the
// partners' reports and the number of items queued; a retried run with the same id plans the same
// items, and the progress they record keeps a second delivery from doing the work again. Without a
// Queue it runs the items in this process (RunItems) and returns every account's report. An
// account's failure (a BSS error, a Slack error) is in its Report and does not stop the others; the
// error is non-nil only when the state store or the queue failed, since a retry of the run can then
// help.
func (s *Service) ScanAs(ctx context.Context, id string) ([]Report, int, error) {
	items, reports := s.Plan(ctx, id)
	s.logUnlisted(ctx, reports)
	if s.Queue == nil {
		scanned, err := s.RunItems(ctx, items)
		return append(scanned, reports...), 0, err
	}
	bodies := make([][]byte, len(items))
	for i := range items {
		bodies[i], _ = json.Marshal(WorkItemEvent{RenewalScan: &items[i]})
	}
	if err := s.Queue.Send(ctx, bodies); err != nil {
		return reports, 0, queueError{fmt.Errorf("renewal: queue %d work items of scan %s: %w", len(items), id, err)}
	}
	return reports, len(items), nil
}

// Preview is a dry run of Scan: it lists and counts what a scan would quote (Listed, Eligible, Held)
// and changes nothing: no quote, no message, no expiry, no order, no progress record. Its error
// contract is Scan's.
func (s *Service) Preview(ctx context.Context) ([]Report, error) {
	accounts, unlisted := s.accounts(ctx)
	s.logUnlisted(ctx, unlisted)
	reports, errs := s.scanAccounts(ctx, accounts, true)
	var storeErrs []error
	for _, err := range errs {
		if isStoreError(err) {
			storeErrs = append(storeErrs, err)
		}
	}
	return append(reports, unlisted...), errors.Join(storeErrs...)
}

func (s *Service) logUnlisted(ctx context.Context, reports []Report) {
	for _, r := range reports {
		if r.Err != "" {
			s.log().WarnContext(ctx, "scan", "check", "renewal", "account", r.Account, "error", r.Err)
		}
	}
}

// scanAccounts scans accounts, Concurrency at a time: each quotes with its own credentials (its own
// rate limit), and a shared partner lister is held to its rate by the client's token bucket. A
// failed account's report carries its error, which is also returned at the account's index.
func (s *Service) scanAccounts(ctx context.Context, accounts []Account, dry bool) ([]Report, []error) {
	reports := make([]Report, len(accounts))
	errs := make([]error, len(accounts))
	sem := make(chan struct{}, max(s.Concurrency, 1))
	var wg sync.WaitGroup
	for i, a := range accounts {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			reports[i], errs[i] = s.scanAccount(ctx, a, dry)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			reports[i].Err = err.Error()
			s.log().WarnContext(ctx, "scan", "check", "renewal", "account", accounts[i].Name, "error", err.Error())
		}
	}
	return reports, errs
}

// storeError marks a failure of the state store (as opposed to BSS or Slack).
type storeError struct{ err error }

func (e storeError) Error() string { return e.err.Error() }
func (e storeError) Unwrap() error { return e.err }

// queueError marks a failure to queue a scan's work items.
type queueError struct{ error }

func (e queueError) Unwrap() error { return e.error }

// isStoreError reports a failure a retry of the whole run may mend: the state store's or the queue's.
func isStoreError(err error) bool {
	var se storeError
	var qe queueError
	return errors.As(err, &se) || errors.As(err, &qe)
}

func (s *Service) scanAccount(ctx context.Context, a Account, dry bool) (Report, error) {
	rep := Report{Account: a.Name}
	held, err := s.tend(ctx, a, &rep, dry)
	if err != nil {
		return rep, storeError{err}
	}
	now := s.now()
	lister := a.Lister
	if lister == nil {
		lister = a.Quoter
	}
	// No lower bound on expiry: lapsed resources (frozen, expired) are renewable until deleted.
	f := bss.ResourceFilter{OnlyMain: true, Statuses: []bss.ResourceStatus{bss.ResourceInUse, bss.ResourceFrozen, bss.ResourceExpired},
		ExpireBefore: now.Add(s.Policy.Within)}
	if lister != a.Quoter {
		f.CustomerID = a.CustomerID
	}
	rs, err := lister.Resources(ctx, f)
	if err != nil {
		return rep, fmt.Errorf("renewal: list resources of %s: %w", a.Name, err)
	}
	rep.Listed = len(rs)
	eligible := Eligible(rs, now, s.Policy.Within)
	rep.Eligible = len(eligible)
	for _, r := range eligible {
		if held[r.ID] {
			rep.Held++
		}
		if Lapsed(r, now) {
			rep.Lapsed++
		}
	}
	if dry {
		return rep, nil
	}
	batches := Batches(eligible, func(id string) bool { return held[id] })
	if len(batches) > 0 {
		// Only now: an agency is assumed for a customer that has something to quote.
		if err := a.quoter(ctx); err != nil {
			return rep, err
		}
	}
	var fresh []*Quote // posted together, QuotesPerMessage to a message
	for _, batch := range batches {
		items := make([]Item, len(batch))
		for i, r := range batch {
			items[i] = Item{ID: r.ID, Name: r.Name, Type: orElse(r.ResourceTypeName, r.ResourceType), Region: r.Region, Expires: r.Expires,
				Lapsed: Lapsed(r, now)}
		}
		q, err := s.quote(ctx, &a, items, "", &rep, false)
		if errors.Is(err, state.ErrConflict) {
			rep.Held += len(items)
			continue
		}
		if err != nil {
			rep.Messages += s.postGroups(ctx, fresh)
			return rep, err
		}
		if q != nil {
			rep.Quoted = append(rep.Quoted, q.ID)
			rep.QuotedResources += len(q.Items)
			fresh = append(fresh, q)
		}
	}
	rep.Messages += s.postGroups(ctx, fresh)
	return rep, nil
}

func orElse(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// tend reads the account's live quotes and returns the resources they hold. On the way it expires
// pending quotes past their deadline, posts missing messages (an account's together, as a scan
// posts them) and resumes stale orders (unless dry).
func (s *Service) tend(ctx context.Context, a Account, rep *Report, dry bool) (map[string]bool, error) {
	holds, err := s.Store.Holds(ctx, a.Name)
	if err != nil {
		return nil, err
	}
	byQuote := map[string][]string{}
	for res, id := range holds {
		byQuote[id] = append(byQuote[id], res)
	}
	held := map[string]bool{}
	ids := make([]string, 0, len(byQuote))
	for id := range byQuote {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var unposted []*Quote // a post failed or did not fit in its invocation: posted together now
	for _, id := range ids {
		q, err := s.Store.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		now := s.now()
		switch {
		case dry:
		case q.State == Pending && !now.Before(q.Deadline):
			q, err = s.Store.Transition(ctx, id, []State{Pending}, func(q *Quote) error { q.State = Expired; return nil })
			if errors.Is(err, ErrState) {
				break
			}
			if err != nil {
				return nil, err
			}
			rep.Expired = append(rep.Expired, id)
			s.audit(ctx, &q, "scan", "expired", "no decision before "+q.Deadline.UTC().Format("2006-01-02 15:04Z"))
			s.show(ctx, &q, "Expired without a decision; nothing was ordered.")
		case q.State == Pending && q.Message.IsZero():
			unposted = append(unposted, &q)
		case (q.State == Approving || q.State == Ordering) && now.Sub(q.Updated) >= orDefault(s.StaleAfter, DefaultStaleAfter):
			rep.Resumed = append(rep.Resumed, id)
			if err := s.Order(ctx, id); err != nil {
				s.log().WarnContext(ctx, "resume order", "quote", id, "error", err.Error())
			}
			if q, err = s.Store.Get(ctx, id); err != nil {
				return nil, err
			}
		}
		if q.State.Live() {
			for _, res := range byQuote[id] {
				held[res] = true
			}
		}
	}
	rep.Messages += s.postGroups(ctx, unposted)
	return held, nil
}

// quote prices items for account a, stores a pending quote and posts its message. Resources BSS
// refuses to price (inside its 200 answer) are left out and reported; if none is left, it returns
// nil. supersedes names the quote this one replaces, whose holds it takes over. It fails with an
// error wrapping state.ErrConflict when another live quote holds one of the resources.
func (s *Service) quote(ctx context.Context, a *Account, items []Item, supersedes string, rep *Report, post bool) (*Quote, error) {
	req := bss.RenewRequest{PeriodType: s.Policy.PeriodType, PeriodNum: s.Policy.PeriodNum}
	for _, it := range items {
		req.ResourceIDs = append(req.ResourceIDs, it.ID)
	}
	rq, err := a.Quoter.RenewRate(ctx, req)
	if err != nil && a.reassume(ctx, err) {
		rq, err = a.Quoter.RenewRate(ctx, req)
	}
	if err != nil {
		return nil, fmt.Errorf("renewal: quote %d resources of %s: %w", len(items), a.Name, err)
	}
	refused := map[string]bool{}
	for _, f := range rq.Failures {
		refused[f.ResourceID] = true
		if rep != nil {
			rep.Refused = append(rep.Refused, fmt.Sprintf("%s: %s %s", f.ResourceID, f.Code, f.Message))
		}
		s.log().InfoContext(ctx, "not quotable", "check", "renewal", "account", a.Name, "resource", f.ResourceID, "code", f.Code)
	}
	priced := slices.DeleteFunc(slices.Clone(items), func(it Item) bool { return refused[it.ID] })
	if len(priced) == 0 {
		return nil, nil
	}
	id, err := NewID()
	if err != nil {
		return nil, err
	}
	now := s.now()
	q := &Quote{
		ID: id, Account: a.Name, CustomerID: a.Quoter.Profile().DomainID, Items: priced,
		PeriodType: s.Policy.PeriodType, PeriodNum: s.Policy.PeriodNum,
		Amount: rq.Amount, Official: rq.Official, Discount: rq.Discount, DiscountName: rq.DiscountName,
		TwoApprovers: NeedsTwoApprovers(rq.Amount, s.Policy.TwoApproversAbove),
		Created:      now, Deadline: Deadline(now, s.Policy.Lifetime, priced), State: Pending, Supersedes: supersedes,
	}
	if err := s.Store.Create(ctx, q); err != nil {
		if errors.Is(err, state.ErrConflict) {
			return nil, err
		}
		return nil, storeError{err}
	}
	detail := fmt.Sprintf("%d resource(s) %s for %s, official %s", len(priced), strings.Join(q.ResourceIDs(), ","), q.Amount, q.Official)
	if supersedes != "" {
		detail += ", replaces " + supersedes
	}
	s.audit(ctx, q, "scan", "quoted", detail)
	if !post {
		return q, nil
	}
	if err := s.post(ctx, q); err != nil {
		// The quote stands; the next scan posts its message.
		s.log().WarnContext(ctx, "slack post", "quote", q.ID, "error", err.Error())
	}
	return q, nil
}

// post sends the quote's first message and records where it lives.
func (s *Service) post(ctx context.Context, q *Quote) error {
	text, blocks := s.Slack.render(q)
	ref, err := s.Slack.post(ctx, text, blocks)
	if err != nil {
		return err
	}
	nq, err := s.Store.Transition(ctx, q.ID, []State{Pending, Approving, Ordering}, func(q *Quote) error {
		if q.Message.IsZero() {
			q.Message = ref
		}
		return nil
	})
	if err != nil {
		return storeError{err}
	}
	*q = nq
	return nil
}

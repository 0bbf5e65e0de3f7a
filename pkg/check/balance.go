package check

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/balance"
	"github.com/bsswatch/bsswatch/pkg/bss"
)

// BalanceCheck is the low-balance check: the partner's accounts, its sub-customers and accounts read
// with their own credentials. A partner's own accounts and its sub-customers share one digest.
type BalanceCheck struct {
	Rules *balance.Rules
}

// Name returns Balance.
func (BalanceCheck) Name() string { return Balance }

// Run asks BSS for every watched balance and judges them, and their runways when configured.
func (b BalanceCheck) Run(ctx context.Context, env Env) []alert.Evaluation {
	r := b.Rules
	l := newListings(r)
	var jobs []Job
	if r.Partner != nil {
		jobs = append(jobs, Job{r.Partner.Profile, func(ctx context.Context, c *bss.Client) Part { return partnerAccounts(ctx, c, r.Partner, l) }})
	}
	if r.Customers != nil {
		jobs = append(jobs, Job{r.Customers.Profile, func(ctx context.Context, c *bss.Client) Part { return customers(ctx, c, r.Customers, l) }})
	}
	for _, o := range r.Own {
		jobs = append(jobs, Job{o.Profile, func(ctx context.Context, c *bss.Client) Part { return ownAccounts(ctx, c, o, l) }})
	}
	jobs = append(jobs, runwayJobs(env.Now, r, l)...)
	noun := "low balances"
	if r.Runway != nil {
		noun = "balance alerts" // low balances and short runways
	}
	return Fan(ctx, env, Balance, noun, jobs)
}

// listings are the balance answers of one run. The runway parts judge the same balances, so each
// listing is asked once, by whichever part gets there first, and the other waits for it.
type listings struct {
	partner   once[[]bss.AccountBalance]
	customers once[customerListing]
	own       map[string]*once[bss.OwnBalance]
}

func newListings(r *balance.Rules) *listings {
	l := &listings{own: map[string]*once[bss.OwnBalance]{}}
	for _, o := range r.Own {
		l.own[o.Profile] = &once[bss.OwnBalance]{}
	}
	return l
}

// once holds the answer of a call made at most once.
type once[T any] struct {
	o   sync.Once
	v   T
	err error
}

func (s *once[T]) get(fetch func() (T, error)) (T, error) {
	s.o.Do(func() { s.v, s.err = fetch() })
	return s.v, s.err
}

// fromResult is a part made of what the rules decided.
func fromResult(r balance.Result) Part {
	return Part{Findings: r.Findings, Skipped: r.Skipped, Errs: r.Errs}
}

func partnerAccounts(ctx context.Context, c *bss.Client, r *balance.PartnerRules, l *listings) Part {
	accounts, err := l.partner.get(func() ([]bss.AccountBalance, error) { return c.PartnerBalances(ctx) })
	if err != nil {
		return Part{Skipped: []string{balance.PartnerPrefix}, Errs: []error{fmt.Errorf("partner accounts: %w", err)}}
	}
	return fromResult(r.Evaluate(accounts))
}

// customerListing is every sub-customer and the balances BSS answered for the watched ones.
type customerListing struct {
	subs     []bss.SubCustomer
	balances []bss.CustomerBalance
	// failed lists the watched customers whose batch failed, batchErr the first failure's reason.
	failed   []string
	batchErr error
	watched  int
}

// customers judges every sub-customer's balance.
func customers(ctx context.Context, c *bss.Client, r *balance.CustomerRules, l *listings) Part {
	cl, err := l.customers.get(func() (customerListing, error) { return listCustomers(ctx, c, r) })
	if err != nil {
		return Part{Skipped: []string{balance.CustomerPrefix}, Errs: []error{fmt.Errorf("sub-customers: %w", err)}}
	}
	p := fromResult(r.Evaluate(cl.subs, cl.balances, cl.failed))
	p.Noun, p.Of, p.Missed = "customers", cl.watched, len(cl.failed)
	if cl.batchErr != nil {
		p.Errs = append([]error{fmt.Errorf("customer balances: %w", cl.batchErr)}, p.Errs...)
	}
	return p
}

// listCustomers reads every sub-customer's balance. The balance batches start while the customers
// are still being listed (the two APIs have separate limits), and each batch is filled to the API's
// maximum across pages, so the run takes about as long as the longer of the two listings and makes
// no more calls than the minimum. It fails only when the customers could not be listed.
func listCustomers(ctx context.Context, c *bss.Client, r *balance.CustomerRules) (customerListing, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu      sync.Mutex
		pending []string
		out     customerListing
		wg      sync.WaitGroup
	)
	fetch := func(ids []string) {
		wg.Go(func() {
			got, err := c.CustomerBalances(ctx, ids)
			mu.Lock()
			defer mu.Unlock()
			out.balances = append(out.balances, got...)
			if err != nil {
				out.failed = append(out.failed, ids...)
				if out.batchErr == nil {
					var be *bss.BatchError
					if errors.As(err, &be) {
						err = be.Err // the count says how many; the first failure says why
					}
					out.batchErr = err
				}
			}
		})
	}
	subs, err := c.EachSubCustomers(ctx, func(page []bss.SubCustomer) {
		ids := r.Watched(page)
		out.watched += len(ids)
		pending = append(pending, ids...)
		for len(pending) >= bss.BatchCustomerBalances {
			fetch(pending[:bss.BatchCustomerBalances:bss.BatchCustomerBalances])
			pending = pending[bss.BatchCustomerBalances:]
		}
	})
	if err != nil {
		cancel()
		wg.Wait()
		return customerListing{}, err
	}
	if len(pending) > 0 {
		fetch(pending)
	}
	wg.Wait()
	out.subs = subs
	return out, nil
}

func ownAccounts(ctx context.Context, c *bss.Client, r balance.OwnRules, l *listings) Part {
	own, err := l.own[r.Profile].get(func() (bss.OwnBalance, error) { return c.OwnBalances(ctx) })
	if errors.Is(err, bss.ErrNotApplicable) {
		// A China resale customer has no balance of its own (CBC.99000049): its partner holds the
		// money, and the partner's customer section watches it. Nothing failed; nothing to report.
		return Part{}
	}
	if err != nil {
		return Part{Skipped: []string{balance.OwnPrefix}, Errs: []error{fmt.Errorf("own balance: %w", err)}}
	}
	return fromResult(r.Evaluate(own))
}

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

// Run asks BSS for every watched balance and judges them.
func (b BalanceCheck) Run(ctx context.Context, env Env) []alert.Evaluation {
	r := b.Rules
	var jobs []Job
	if r.Partner != nil {
		jobs = append(jobs, Job{r.Partner.Profile, func(ctx context.Context, c *bss.Client) Part { return partnerAccounts(ctx, c, r.Partner) }})
	}
	if r.Customers != nil {
		jobs = append(jobs, Job{r.Customers.Profile, func(ctx context.Context, c *bss.Client) Part { return customers(ctx, c, r.Customers) }})
	}
	for _, o := range r.Own {
		jobs = append(jobs, Job{o.Profile, func(ctx context.Context, c *bss.Client) Part { return ownAccounts(ctx, c, o) }})
	}
	return Fan(ctx, env, Balance, "low balances", jobs)
}

// fromResult is a part made of what the rules decided.
func fromResult(r balance.Result) Part {
	return Part{Findings: r.Findings, Skipped: r.Skipped, Errs: r.Errs}
}

func partnerAccounts(ctx context.Context, c *bss.Client, r *balance.PartnerRules) Part {
	accounts, err := c.PartnerBalances(ctx)
	if err != nil {
		return Part{Skipped: []string{balance.PartnerPrefix}, Errs: []error{fmt.Errorf("partner accounts: %w", err)}}
	}
	return fromResult(r.Evaluate(accounts))
}

// customers reads every sub-customer's balance. The balance batches start while the customers are
// still being listed (the two APIs have separate limits), and each batch is filled to the API's
// maximum across pages, so the run takes about as long as the longer of the two listings and makes
// no more calls than the minimum.
func customers(ctx context.Context, c *bss.Client, r *balance.CustomerRules) Part {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		pending  []string
		watched  int
		balances []bss.CustomerBalance
		failed   []string
		batchErr error
		wg       sync.WaitGroup
	)
	fetch := func(ids []string) {
		wg.Go(func() {
			got, err := c.CustomerBalances(ctx, ids)
			mu.Lock()
			defer mu.Unlock()
			balances = append(balances, got...)
			if err != nil {
				failed = append(failed, ids...)
				if batchErr == nil {
					batchErr = err
				}
			}
		})
	}
	subs, err := c.EachSubCustomers(ctx, func(page []bss.SubCustomer) {
		ids := r.Watched(page)
		watched += len(ids)
		pending = append(pending, ids...)
		for len(pending) >= bss.BatchCustomerBalances {
			fetch(pending[:bss.BatchCustomerBalances:bss.BatchCustomerBalances])
			pending = pending[bss.BatchCustomerBalances:]
		}
	})
	if err != nil {
		cancel()
		wg.Wait()
		return Part{Skipped: []string{balance.CustomerPrefix}, Errs: []error{fmt.Errorf("sub-customers: %w", err)}}
	}
	if len(pending) > 0 {
		fetch(pending)
	}
	wg.Wait()
	p := fromResult(r.Evaluate(subs, balances, failed))
	p.Noun, p.Of, p.Missed = "customers", watched, len(failed)
	if batchErr != nil {
		var be *bss.BatchError
		if errors.As(batchErr, &be) {
			batchErr = be.Err // the count says how many; the first failure says why
		}
		p.Errs = append([]error{fmt.Errorf("customer balances: %w", batchErr)}, p.Errs...)
	}
	return p
}

func ownAccounts(ctx context.Context, c *bss.Client, r balance.OwnRules) Part {
	own, err := c.OwnBalances(ctx)
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

package check

import (
	"context"
	"errors"
	"fmt"

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

func customers(ctx context.Context, c *bss.Client, r *balance.CustomerRules) Part {
	subs, err := c.SubCustomers(ctx)
	if err != nil {
		return Part{Skipped: []string{balance.CustomerPrefix}, Errs: []error{fmt.Errorf("sub-customers: %w", err)}}
	}
	ids := r.Watched(subs)
	balances, err := c.CustomerBalances(ctx, ids)
	var failed []string
	if err != nil {
		var be *bss.BatchError
		if !errors.As(err, &be) {
			return Part{Skipped: []string{balance.CustomerPrefix}, Errs: []error{fmt.Errorf("customer balances: %w", err)}}
		}
		failed = be.Failed
	}
	p := fromResult(r.Evaluate(subs, balances, failed))
	p.Noun, p.Of, p.Missed = "customers", len(ids), len(failed)
	if err != nil {
		// The batch error already counts the ids; the part's count says it in words.
		p.Errs = append([]error{fmt.Errorf("customer balances: %w", errors.Unwrap(err))}, p.Errs...)
	}
	return p
}

func ownAccounts(ctx context.Context, c *bss.Client, r balance.OwnRules) Part {
	own, err := c.OwnBalances(ctx)
	if err != nil {
		return Part{Skipped: []string{balance.OwnPrefix}, Errs: []error{fmt.Errorf("own balance: %w", err)}}
	}
	return fromResult(r.Evaluate(own))
}

package check

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bsswatch/bsswatch/pkg/balance"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/runway"
)

// spendConcurrency is how many customers' records are read at once: enough to hide latency, while
// the client's token bucket keeps the calls within BSS's rate.
const spendConcurrency = 8

// runwayJobs are the runway parts of the balance check, one per balance section, in the same
// digests as the balances (their subjects start with runway.Prefix). Each waits for its section's
// balance listing (shared with the balance part) and reads only the spend records it needs.
func runwayJobs(now time.Time, r *balance.Rules, l *listings) []Job {
	rw := r.Runway
	if rw == nil {
		return nil
	}
	first, last := rw.Days(now)
	var jobs []Job
	if r.Partner != nil {
		jobs = append(jobs, Job{r.Partner.Profile, func(ctx context.Context, c *bss.Client) Part {
			return partnerRunway(ctx, c, now, rw, l, first, last)
		}})
	}
	if r.Customers != nil {
		jobs = append(jobs, Job{r.Customers.Profile, func(ctx context.Context, c *bss.Client) Part {
			return customerRunways(ctx, c, now, rw, r.Customers, l, first, last)
		}})
	}
	for _, o := range r.Own {
		jobs = append(jobs, Job{o.Profile, func(ctx context.Context, c *bss.Client) Part {
			return ownRunway(ctx, c, now, rw, o, l, first, last)
		}})
	}
	return jobs
}

// fromRunway is a part made of what the runway rules decided.
func fromRunway(r runway.Result) Part {
	return Part{Findings: r.Findings, Skipped: r.Skipped, Errs: r.Errs}
}

// cashAccounts are the cash accounts among a listing's, as runway accounts under prefix.
func cashAccounts(accounts []bss.AccountBalance, prefix, name string, charges []bss.Charge) []runway.Account {
	var out []runway.Account
	for _, a := range accounts {
		if a.Type == bss.Cash {
			out = append(out, runway.Account{Subject: prefix + a.AccountID, Name: name, Balance: a.Amount, Charges: charges})
		}
	}
	return out
}

// partnerRunway judges the partner's cash account. When its balance could not be read, the
// balance part tells ops; this part only keeps its findings as they were.
func partnerRunway(ctx context.Context, c *bss.Client, now time.Time, rw *runway.Rules, l *listings, first, last time.Time) Part {
	skip := []string{runway.PartnerPrefix}
	accounts, err := l.partner.get(func() ([]bss.AccountBalance, error) { return c.PartnerBalances(ctx) })
	if err != nil {
		return Part{Skipped: skip}
	}
	charges, err := c.PartnerSpend(ctx, first, last)
	if err != nil {
		return Part{Skipped: skip, Errs: []error{fmt.Errorf("partner runway: %w", err)}}
	}
	return fromRunway(rw.Evaluate(now, cashAccounts(accounts, runway.PartnerPrefix, "Partner cash account", charges)))
}

// ownRunway judges an account read with its own credentials.
func ownRunway(ctx context.Context, c *bss.Client, now time.Time, rw *runway.Rules, o balance.OwnRules, l *listings, first, last time.Time) Part {
	skip := []string{runway.OwnPrefix}
	own, err := l.own[o.Profile].get(func() (bss.OwnBalance, error) { return c.OwnBalances(ctx) })
	if errors.Is(err, bss.ErrNotApplicable) {
		return Part{} // no balance of its own, so no runway (see ownAccounts)
	}
	if err != nil {
		return Part{Skipped: skip}
	}
	charges, err := c.OwnSpend(ctx, first, last)
	if err != nil {
		return Part{Skipped: skip, Errs: []error{fmt.Errorf("own runway: %w", err)}}
	}
	return fromRunway(rw.Evaluate(now, cashAccounts(own.Accounts, runway.OwnPrefix, o.Profile+" cash account", charges)))
}

// customerRunways judges the sub-customers' runways with the fewest calls: one listing of the
// customers that consumed in the window's bill cycles (started at once, beside the balance
// listing), then the fee records of only those that spent and whose balance is below the ceiling.
// A customer that did not consume has no runway to judge, and one whose balance or records could
// not be read is skipped: its runway is unknown, never zero.
func customerRunways(ctx context.Context, c *bss.Client, now time.Time, rw *runway.Rules, r *balance.CustomerRules, l *listings, first, last time.Time) Part {
	skip := []string{runway.CustomerPrefix}
	// spent holds, per customer, which of the window's bill cycles it consumed in (bit i: cycle i),
	// so its records are read only for those cycles.
	spent := map[string]int{}
	cycles := rw.Cycles(now)
	for i, cycle := range cycles {
		ids, err := c.ConsumingCustomers(ctx, cycle)
		if err != nil {
			return Part{Skipped: skip, Errs: []error{fmt.Errorf("customer runways: customers that consumed in %s: %w", cycle, err)}}
		}
		for _, id := range ids {
			spent[id] |= 1 << i
		}
	}
	cl, err := l.customers.get(func() (customerListing, error) { return listCustomers(ctx, c, r) })
	if err != nil {
		return Part{Skipped: skip}
	}
	names := make(map[string]string, len(cl.subs))
	for _, s := range cl.subs {
		names[s.ID] = balance.CustomerName(s)
	}
	var skipped []string
	for _, id := range cl.failed {
		if spent[id] != 0 {
			skipped = append(skipped, runway.CustomerPrefix+id)
		}
	}
	var todo []runway.Account
	for _, b := range cl.balances {
		if rw.Watched(b.Amount, spent[b.CustomerID] != 0) {
			name := names[b.CustomerID]
			if name == "" {
				name = b.CustomerID
			}
			todo = append(todo, runway.Account{Subject: runway.CustomerPrefix + b.CustomerID, Name: name, Balance: b.Amount})
		}
	}
	errs := make([]error, len(todo))
	sem := make(chan struct{}, spendConcurrency)
	var wg sync.WaitGroup
	for i := range todo {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			id := todo[i].Subject[len(runway.CustomerPrefix):]
			from, to := first, last
			if len(cycles) == 2 {
				// A customer that consumed in one cycle only has no records in the other.
				switch spent[id] {
				case 1:
					to = time.Date(first.Year(), first.Month()+1, 0, 0, 0, 0, 0, first.Location())
				case 2:
					from = time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, last.Location())
				}
			}
			todo[i].Charges, errs[i] = c.CustomerSpend(ctx, id, from, to)
		})
	}
	wg.Wait()
	var read []runway.Account
	var firstErr error
	for i, a := range todo {
		if errs[i] != nil {
			skipped = append(skipped, a.Subject)
			if firstErr == nil {
				firstErr = errs[i]
			}
			continue
		}
		read = append(read, a)
	}
	p := fromRunway(rw.Evaluate(now, read))
	p.Skipped = append(skipped, p.Skipped...)
	p.Noun, p.Of, p.Missed = "customer runways", len(todo), len(todo)-len(read)
	if firstErr != nil {
		p.Errs = append([]error{fmt.Errorf("customer spend records: %w", firstErr)}, p.Errs...)
	}
	return p
}

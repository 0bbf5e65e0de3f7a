package watch

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/balance"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/config"
)

var accountTypes = map[config.AccountType]bss.AccountType{
	config.AccountCash:        bss.Cash,
	config.AccountCredit:      bss.Credit,
	config.AccountBonus:       bss.Bonus,
	config.AccountDeposit:     bss.Deposit,
	config.AccountAllocatable: bss.Allocatable,
}

// Subjects of the balance check. A prefix ending in "/" in Evaluation.Skipped covers every subject
// under it, which is how a failed list call protects alerts whose subjects it could not name.
const (
	partnerPrefix  = "partner/"
	customerPrefix = "customer/"
	ownPrefix      = "own/"
)

// part is what one section of the balance check found for one profile.
type part struct {
	findings []alert.Finding
	skipped  []string
	errs     []error
	// failed is true when the section could not run at all (its first call failed).
	failed bool
}

// Balance runs the low-balance check. Sections of one profile (its own partner accounts and its
// sub-customers) share one evaluation, so a partner gets one digest per run; each own-account profile
// gets its own. The sections run concurrently: they call different APIs, which BSS limits separately.
func Balance(ctx context.Context, rules *config.BalanceCheck, clients Clients) []alert.Evaluation {
	if rules == nil {
		return nil
	}
	type job struct {
		profile string
		run     func(context.Context, *bss.Client) part
	}
	var jobs []job
	if r := rules.Partner; r != nil {
		jobs = append(jobs, job{r.Profile, func(ctx context.Context, c *bss.Client) part { return partnerAccounts(ctx, c, r) }})
	}
	if r := rules.Customers; r != nil {
		jobs = append(jobs, job{r.Profile, func(ctx context.Context, c *bss.Client) part { return customers(ctx, c, r) }})
	}
	for _, r := range rules.Own {
		jobs = append(jobs, job{r.Profile, func(ctx context.Context, c *bss.Client) part { return ownAccounts(ctx, c, r) }})
	}

	parts := make([]part, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := clients(j.profile)
			if err != nil {
				parts[i] = part{errs: []error{err}, failed: true}
				return
			}
			parts[i] = j.run(ctx, c)
		}()
	}
	wg.Wait()

	byProfile := map[string][]part{}
	var order []string
	for i, j := range jobs {
		if _, ok := byProfile[j.profile]; !ok {
			order = append(order, j.profile)
		}
		byProfile[j.profile] = append(byProfile[j.profile], parts[i])
	}
	evals := make([]alert.Evaluation, 0, len(order))
	for _, profile := range order {
		evals = append(evals, merge(profile, byProfile[profile]))
	}
	return evals
}

// merge folds the sections of one profile into one evaluation. If every section failed, the check
// could not run for this profile (an ops alert, nothing resolved); if only some failed, the run is
// partial and the failed sections' subjects are skipped.
func merge(profile string, parts []part) alert.Evaluation {
	ev := alert.Evaluation{Check: balance.Check, Account: profile}
	var errs []error
	failed := 0
	for _, p := range parts {
		ev.Findings = append(ev.Findings, p.findings...)
		ev.Skipped = append(ev.Skipped, p.skipped...)
		errs = append(errs, p.errs...)
		if p.failed {
			failed++
		}
	}
	if len(errs) > 0 {
		ev.Err = errors.Join(errs...)
		ev.Partial = failed < len(parts)
	}
	return ev
}

func partnerAccounts(ctx context.Context, c *bss.Client, r *config.PartnerBalance) part {
	accounts, err := c.PartnerBalances(ctx)
	if err != nil {
		return part{skipped: []string{partnerPrefix}, errs: []error{fmt.Errorf("partner accounts: %w", err)}, failed: true}
	}
	watched := map[bss.AccountType]config.Threshold{}
	for name, t := range r.Thresholds {
		watched[accountTypes[name]] = t
	}
	in := make([]balance.Account, 0, len(accounts))
	for _, a := range accounts {
		if _, ok := watched[a.Type]; !ok {
			continue
		}
		in = append(in, balance.Account{
			Subject: partnerPrefix + a.AccountID,
			Name:    fmt.Sprintf("Partner %s account", typeName(a.Type)),
			Amount:  a.Amount,
		})
	}
	byID := map[string]bss.AccountType{}
	for _, a := range accounts {
		byID[partnerPrefix+a.AccountID] = a.Type
	}
	f, skipped, errs := balance.Evaluate(c.Profile().Name, in, func(a balance.Account) (balance.Threshold, bool) {
		t, ok := watched[byID[a.Subject]]
		return t, ok
	})
	return part{findings: f, skipped: skipped, errs: errs}
}

func typeName(t bss.AccountType) string {
	for name, bt := range accountTypes {
		if bt == t {
			return string(name)
		}
	}
	return fmt.Sprintf("type %d", t)
}

func customers(ctx context.Context, c *bss.Client, r *config.CustomerBalances) part {
	subs, err := c.SubCustomers(ctx)
	if err != nil {
		return part{skipped: []string{customerPrefix}, errs: []error{fmt.Errorf("sub-customers: %w", err)}, failed: true}
	}
	names := make(map[string]string, len(subs))
	ids := make([]string, 0, len(subs))
	for _, s := range subs {
		// Advisory customers pay Huawei directly: the partner cannot read their balance, and asking
		// would only spend calls on answers that leave them out.
		if s.AssociationType == bss.Advisory {
			continue
		}
		ids = append(ids, s.ID)
		names[s.ID] = customerName(s)
	}
	balances, err := c.CustomerBalances(ctx, ids)
	var p part
	seen := make(map[string]bool, len(ids))
	if err != nil {
		var be *bss.BatchError
		if !errors.As(err, &be) {
			return part{skipped: []string{customerPrefix}, errs: []error{fmt.Errorf("customer balances: %w", err)}, failed: true}
		}
		for _, id := range be.Failed {
			seen[id] = true
			p.skipped = append(p.skipped, customerPrefix+id)
		}
		p.errs = append(p.errs, fmt.Errorf("customer balances: %w", err))
	}
	in := make([]balance.Account, 0, len(balances))
	for _, b := range balances {
		seen[b.CustomerID] = true
		name, ok := names[b.CustomerID]
		if !ok {
			name = b.CustomerID
		}
		in = append(in, balance.Account{Subject: customerPrefix + b.CustomerID, Name: name, Amount: b.Amount, Debt: b.Debt})
	}
	// A customer the answer leaves out has no balance the partner can read; that is not a zero
	// balance, and it must not resolve an earlier alert either.
	for _, id := range ids {
		if !seen[id] {
			p.skipped = append(p.skipped, customerPrefix+id)
		}
	}
	sort.Slice(in, func(i, j int) bool { return in[i].Subject < in[j].Subject })
	f, skipped, errs := balance.Evaluate(c.Profile().Name, in, func(a balance.Account) (balance.Threshold, bool) {
		return r.For(a.Subject[len(customerPrefix):]), true
	})
	p.findings = f
	p.skipped = append(p.skipped, skipped...)
	p.errs = append(p.errs, errs...)
	return p
}

func customerName(s bss.SubCustomer) string {
	name := s.Name
	if name == "" {
		name = s.AccountName
	}
	if name == "" {
		return s.ID
	}
	return fmt.Sprintf("%s (%s)", name, s.ID)
}

func ownAccounts(ctx context.Context, c *bss.Client, r config.OwnBalance) part {
	own, err := c.OwnBalances(ctx)
	if errors.Is(err, bss.ErrNotApplicable) {
		// A China resale customer has no balance of its own (CBC.99000049): its partner holds the
		// money, and the partner's customer section watches it. Nothing failed; nothing to report.
		return part{}
	}
	if err != nil {
		return part{skipped: []string{ownPrefix}, errs: []error{fmt.Errorf("own balance: %w", err)}, failed: true}
	}
	var in []balance.Account
	for _, a := range own.Accounts {
		// The own-account threshold is about money the account can spend: the cash account.
		if a.Type != bss.Cash {
			continue
		}
		in = append(in, balance.Account{
			Subject: ownPrefix + a.AccountID,
			Name:    fmt.Sprintf("%s cash account", c.Profile().Name),
			Amount:  a.Amount,
			Debt:    own.Debt,
		})
	}
	f, skipped, errs := balance.Evaluate(c.Profile().Name, in, func(balance.Account) (balance.Threshold, bool) {
		return r.Threshold, true
	})
	return part{findings: f, skipped: skipped, errs: errs}
}

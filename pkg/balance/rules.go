package balance

import (
	"fmt"
	"sort"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/runway"
)

// Subjects of the balance check. A prefix ending in "/" in a skipped list covers every subject under
// it, which is how a failed list call protects alerts whose subjects it could not name.
const (
	PartnerPrefix  = "partner/"
	CustomerPrefix = "customer/"
	OwnPrefix      = "own/"
)

// Rules are the low-balance rules of one configuration; a nil section is not watched.
type Rules struct {
	// Partner watches the partner's own accounts (ListPartnerBalances; a China-site partner).
	Partner *PartnerRules
	// Customers watches every sub-customer of a partner (ListCustomersBalancesDetail).
	Customers *CustomerRules
	// Own watches accounts through their own credentials (ShowCustomerAccountBalances).
	Own []OwnRules
	// Runway, when set, also judges how many days each watched balance lasts at its recent spend.
	Runway *runway.Rules
}

// PartnerRules hold the thresholds of the partner's own accounts, per account type; types with no
// threshold are not watched.
type PartnerRules struct {
	Profile    string
	Thresholds map[bss.AccountType]Threshold
}

// Evaluate judges the partner's accounts.
func (r *PartnerRules) Evaluate(accounts []bss.AccountBalance) Result {
	in := make([]Account, 0, len(accounts))
	types := make(map[string]bss.AccountType, len(accounts))
	for _, a := range accounts {
		if _, ok := r.Thresholds[a.Type]; !ok {
			continue
		}
		sub := PartnerPrefix + a.AccountID
		types[sub] = a.Type
		in = append(in, Account{Subject: sub, Name: fmt.Sprintf("Partner %s account", a.Type), Amount: a.Amount})
	}
	return Evaluate(in, func(a Account) (Threshold, bool) {
		t, ok := r.Thresholds[types[a.Subject]]
		return t, ok
	})
}

// CustomerRules hold the thresholds of a partner's sub-customers: Default for all, Overrides by
// customer id.
type CustomerRules struct {
	Profile   string
	Default   Threshold
	Overrides map[string]Threshold
}

// For returns the threshold of one customer: its override, or the default.
func (r *CustomerRules) For(customerID string) Threshold {
	if t, ok := r.Overrides[customerID]; ok {
		return t
	}
	return r.Default
}

// Watched returns the ids of the customers whose balance the partner can read. Advisory customers
// (顾问销售) pay Huawei directly: the partner cannot read their balance, and asking would only spend
// calls on answers that leave them out.
func (r *CustomerRules) Watched(subs []bss.SubCustomer) []string {
	ids := make([]string, 0, len(subs))
	for _, s := range subs {
		if s.AssociationType != bss.Advisory {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// Evaluate judges the balances BSS returned for the watched customers. A watched customer that is in
// failed (its batch failed) or missing from balances (BSS leaves out customers whose balance the
// partner cannot read) is skipped: no answer is not a zero balance, and must not resolve an alert.
func (r *CustomerRules) Evaluate(subs []bss.SubCustomer, balances []bss.CustomerBalance, failed []string) Result {
	names := make(map[string]string, len(subs))
	for _, s := range subs {
		names[s.ID] = CustomerName(s)
	}
	seen := make(map[string]bool, len(balances)+len(failed))
	var skipped []string
	for _, id := range failed {
		seen[id] = true
		skipped = append(skipped, CustomerPrefix+id)
	}
	in := make([]Account, 0, len(balances))
	for _, b := range balances {
		if seen[b.CustomerID] {
			continue
		}
		seen[b.CustomerID] = true
		name, ok := names[b.CustomerID]
		if !ok {
			name = b.CustomerID
		}
		in = append(in, Account{Subject: CustomerPrefix + b.CustomerID, Name: name, Amount: b.Amount, Debt: b.Debt})
	}
	for _, id := range r.Watched(subs) {
		if !seen[id] {
			skipped = append(skipped, CustomerPrefix+id)
		}
	}
	sort.Slice(in, func(i, j int) bool { return in[i].Subject < in[j].Subject })
	res := Evaluate(in, func(a Account) (Threshold, bool) { return r.For(a.Subject[len(CustomerPrefix):]), true })
	res.Skipped = append(skipped, res.Skipped...)
	return res
}

// CustomerName is how people know a customer: its real name or account name, with its id.
func CustomerName(s bss.SubCustomer) string {
	name := s.Name
	if name == "" {
		name = s.AccountName
	}
	if name == "" {
		return s.ID
	}
	return fmt.Sprintf("%s (%s)", name, s.ID)
}

// OwnRules hold the threshold of one account read with its own credentials.
type OwnRules struct {
	Profile   string
	Threshold Threshold
}

// Evaluate judges the account's cash: the own-account threshold is about money the account can
// spend, so credit, bonus and other pots do not count.
func (r OwnRules) Evaluate(own bss.OwnBalance) Result {
	var in []Account
	for _, a := range own.Accounts {
		if a.Type != bss.Cash {
			continue
		}
		in = append(in, Account{Subject: OwnPrefix + a.AccountID, Name: fmt.Sprintf("%s cash account", r.Profile), Amount: a.Amount, Debt: own.Debt})
	}
	return Evaluate(in, func(Account) (Threshold, bool) { return r.Threshold, true })
}

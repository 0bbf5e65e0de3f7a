package renewal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bsswatch/bsswatch/pkg/bss"
)

// Partner is a partner whose reseller customers are found at every scan (ListSubCustomers) and
// quoted and renewed through each customer's agency, so no customer's keys are configured. Name is
// the partner profile's name: a customer's account is named Name:customer id (profile names hold no
// colon). CustomerIDs or Label, when set, narrow the customers to those.
type Partner struct {
	Name        string
	Lister      *bss.Client
	Agency      *bss.Agency
	CustomerIDs []string
	Label       string
}

// AccountName names the account of a partner's customer reached through its agency.
func AccountName(partner, customerID string) string { return partner + ":" + customerID }

// account is the customer's account, without its quoting client (made when first needed).
func (p Partner) account(customerID string) Account {
	return Account{Name: AccountName(p.Name, customerID), Lister: p.Lister, CustomerID: customerID, Agency: p.Agency}
}

// customers lists the partner's reseller customers the configuration asks for, as accounts. A
// customer named in CustomerIDs that the partner does not resell to comes back as a report with an
// error, so ops hears of it. The error is the listing's own failure.
func (p Partner) customers(ctx context.Context) ([]Account, []Report, error) {
	subs, err := p.Lister.SubCustomers(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("renewal: list the customers of %s: %w", p.Name, err)
	}
	var out []Account
	found := map[string]bool{}
	for _, c := range subs {
		switch {
		case c.AssociationType != bss.Reseller:
			// An advisory customer pays Huawei itself; the partner does not renew for it.
		case !p.covers(c.ID):
		case p.Label != "" && c.Label != p.Label:
		default:
			found[c.ID] = true
			out = append(out, p.account(c.ID))
		}
	}
	var missing []Report
	for _, id := range p.CustomerIDs {
		if !found[id] {
			missing = append(missing, Report{Account: AccountName(p.Name, id),
				Err: fmt.Sprintf("customer %s is not a reseller customer of %s", id, p.Name)})
		}
	}
	return out, missing, nil
}

// quoter fills a.Quoter through the account's agency when it has no static keys.
func (a *Account) quoter(ctx context.Context) error {
	if a.Quoter != nil {
		return nil
	}
	if a.Agency == nil {
		return fmt.Errorf("renewal: account %q has no credentials to quote with", a.Name)
	}
	c, err := a.Agency.Client(ctx, a.CustomerID)
	if err != nil {
		return fmt.Errorf("renewal: %s: %w", a.Name, err)
	}
	a.Quoter = c
	return nil
}

// reassume handles BSS refusing an agency credential (revoked, or expired early): it forgets it and
// assumes the agency again, and reports whether the caller should retry with the new client. Static
// keys and other failures are left as they are.
func (a *Account) reassume(ctx context.Context, err error) bool {
	if a.Agency == nil || bss.KindOf(err) != bss.Auth {
		return false
	}
	a.Agency.Forget(a.CustomerID)
	a.Quoter = nil
	return a.quoter(ctx) == nil
}

// accounts returns every account a scan covers: the configured ones, then each partner's customers,
// by name, and a report per partner under its name: with an error when its customers could not be
// listed. A configured customer the partner does not resell to is a report with an error too.
func (s *Service) accounts(ctx context.Context) ([]Account, []Report) {
	out := make([]Account, 0, len(s.Accounts))
	for _, a := range s.Accounts {
		out = append(out, a)
	}
	var failed []Report
	for _, name := range sortedKeys(s.Partners) {
		as, missing, err := s.Partners[name].customers(ctx)
		if err != nil {
			failed = append(failed, Report{Account: name, Err: err.Error()})
			continue
		}
		out = append(out, as...)
		// The partner listed: an earlier failure to list it is over.
		failed = append(append(failed, Report{Account: name}), missing...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, failed
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// account returns the account named name, ready to quote: a configured one, or a partner's customer
// through its agency. An agency IAM refuses is a *bss.AgencyError.
func (s *Service) account(ctx context.Context, name string) (Account, error) {
	a, err := s.find(name)
	if err != nil {
		return Account{}, err
	}
	if err := a.quoter(ctx); err != nil {
		return Account{}, err
	}
	return a, nil
}

// cutAccount splits a partner customer's account name (AccountName) into partner and customer id.
func cutAccount(name string) (partner, customerID string, ok bool) { return strings.Cut(name, ":") }

// covers reports whether the configuration asks for the partner's customer id.
func (p Partner) covers(id string) bool {
	return len(p.CustomerIDs) == 0 || slices.Contains(p.CustomerIDs, id)
}

// retryableAccount reports whether failing to get an account's credentials may pass later (IAM
// throttled or unreachable), as opposed to a refusal or an account no longer configured.
func retryableAccount(err error) bool {
	var e *bss.Error
	var ae *bss.AgencyError
	return errors.As(err, &e) && !errors.As(err, &ae) && retryable(err)
}

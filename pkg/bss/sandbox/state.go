package sandbox

import (
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// Manifest is what a client needs to reach the sandbox: endpoint, site and every credential.
type Manifest struct {
	Endpoint  string             `json:"endpoint"`
	Site      string             `json:"site"`
	Partner   ManifestPartner    `json:"partner"`
	Customers []ManifestCustomer `json:"customers"`
}

// ManifestPartner holds the partner's credentials.
type ManifestPartner struct {
	AK       string `json:"ak"`
	SK       string `json:"sk"`
	DomainID string `json:"domain_id"`
}

// ManifestCustomer holds one customer's credentials. Reseller marks a resale (代售) customer: on
// the China site it has no balance of its own (ShowCustomerAccountBalances answers CBC.99000049).
type ManifestCustomer struct {
	CustomerID string `json:"customer_id"`
	DomainID   string `json:"domain_id"`
	AK         string `json:"ak"`
	SK         string `json:"sk"`
	Reseller   bool   `json:"reseller"`
}

// OwnBalanceCustomer returns the first customer that reads a balance of its own: on the China site
// one that is not a resale customer. ok is false when there is none.
func (m Manifest) OwnBalanceCustomer() (c ManifestCustomer, ok bool) {
	for _, c := range m.Customers {
		if m.Site != SiteCN || !c.Reseller {
			return c, true
		}
	}
	return ManifestCustomer{}, false
}

// Manifest describes the sandbox served at endpoint (for example "http://127.0.0.1:8080").
func (s *Server) Manifest(endpoint string) Manifest {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := Manifest{
		Endpoint:  endpoint,
		Site:      s.site,
		Partner:   ManifestPartner{AK: s.w.partner.AK, SK: s.w.partner.SK, DomainID: s.w.partner.DomainID},
		Customers: make([]ManifestCustomer, len(s.w.customers)),
	}
	for i, c := range s.w.customers {
		m.Customers[i] = ManifestCustomer{CustomerID: c.ID, DomainID: c.DomainID, AK: c.AK, SK: c.SK, Reseller: c.Reseller}
	}
	return m
}

// Partner returns the partner account and its credentials.
func (s *Server) Partner() Partner {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.w.partner
}

// PartnerAccounts returns the partner's accounts (cash, credit, allocatable) as ListPartnerBalances
// reports them.
func (s *Server) PartnerAccounts() []PartnerAccount {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]PartnerAccount(nil), s.w.accounts...)
}

// Customers returns every customer in the order ListSubCustomers pages them.
func (s *Server) Customers() []Customer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Customer, len(s.w.customers))
	for i, c := range s.w.customers {
		out[i] = c.Customer
	}
	return out
}

// Customer returns one customer, or an error wrapping ErrNotFound.
func (s *Server) Customer(customerID string) (Customer, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.w.byID[customerID]
	if !ok {
		return Customer{}, fmt.Errorf("sandbox: customer %s: %w", customerID, ErrNotFound)
	}
	return c.Customer, nil
}

// SetCustomerBalance sets a customer's cash balance (negative means debt). It returns an error
// wrapping ErrNotFound for an unknown customer.
func (s *Server) SetCustomerBalance(customerID string, amount decimal.Decimal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.w.byID[customerID]
	if !ok {
		return fmt.Errorf("sandbox: set balance of customer %s: %w", customerID, ErrNotFound)
	}
	c.Balance = amount
	return nil
}

// SetPartnerBalance sets the amount of the partner account of accountType (AccountCash,
// AccountCredit or AccountAllocatable). It returns an error wrapping ErrNotFound for another type.
func (s *Server) SetPartnerBalance(accountType int, amount decimal.Decimal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.w.accounts {
		if s.w.accounts[i].Type == accountType {
			s.w.accounts[i].Amount = amount
			return nil
		}
	}
	return fmt.Errorf("sandbox: set partner balance of account type %d: %w", accountType, ErrNotFound)
}

// SetPriceFactor multiplies every renewal price of the customer by f from now on (1 is the list
// price), so a price can rise between a quote and the order. An unknown customer or a factor that
// is not positive is ignored.
func (s *Server) SetPriceFactor(customerID string, f decimal.Decimal) {
	if !f.IsPositive() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.w.byID[customerID]; ok {
		c.priceFactor = f
	}
}

// Resources returns a customer's yearly/monthly resources, each main resource followed by its
// attached parts, as they are now on the business clock (renewals move ExpireTime; a resource past
// its expiry shows as expired). Unknown customers have none.
func (s *Server) Resources(customerID string) []Resource {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.w.byID[customerID]
	if !ok {
		return nil
	}
	now := s.now()
	out := make([]Resource, len(c.resources))
	for i, r := range c.resources {
		out[i] = *r
		out[i].Status = statusAt(r, now)
	}
	return out
}

// Renewable returns the customer's resources that a renewal scan at now should quote: main resources
// not on auto-renew and not deleted (in use, frozen or expired) that expire no later than now+within.
// Lapsed ones (frozen, expired, or past their expiry) come first, then the rest, each soonest first.
func (s *Server) Renewable(customerID string, now time.Time, within time.Duration) []Resource {
	var out []Resource
	for _, r := range s.Resources(customerID) {
		if r.Main && r.Status != StatusClosed && r.ExpirePolicy != PolicyAutoRenew && !r.ExpireTime.After(now.Add(within)) {
			out = append(out, r)
		}
	}
	lapsed := func(r Resource) bool { return r.Status != StatusInUse || !r.ExpireTime.After(now) }
	sort.SliceStable(out, func(a, b int) bool {
		if la, lb := lapsed(out[a]), lapsed(out[b]); la != lb {
			return la
		}
		if !out[a].ExpireTime.Equal(out[b].ExpireTime) {
			return out[a].ExpireTime.Before(out[b].ExpireTime)
		}
		return out[a].ResourceID < out[b].ResourceID
	})
	return out
}

// Orders returns every order RenewalResources created, oldest first.
func (s *Server) Orders() []Order {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Order, len(s.w.orders))
	for i, o := range s.w.orders {
		out[i] = *o
		out[i].ResourceIDs = append([]string(nil), o.ResourceIDs...)
		out[i].SubOrders = append([]SubOrder(nil), o.SubOrders...)
	}
	return out
}

// Coupons returns a customer's coupons, or the partner's own coupons (test coupons included) when
// ownerID is the partner id. Unknown ids have none.
func (s *Server) Coupons(ownerID string) []Coupon {
	s.mu.RLock()
	defer s.mu.RUnlock()
	src := s.w.partnerCoupons
	if ownerID != s.w.partner.ID {
		c, ok := s.w.byID[ownerID]
		if !ok {
			return nil
		}
		src = c.coupons
	}
	return copyAll(src)
}

// IssuedCoupons returns the coupons the partner issued to its reseller-model customers: what
// ListIssuedPartnerCoupons pages through, in the same order.
func (s *Server) IssuedCoupons() []Coupon {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return copyAll(s.w.issued)
}

// Quotas returns the partner's coupon quotas of both types.
func (s *Server) Quotas() []Quota {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return copyAll(s.w.quotas)
}

// Invoices returns the invoice requests of an account (the partner's or a customer's domain id),
// on the international site, as they stand at the business clock; the China site has none.
func (s *Server) Invoices(domainID string) []Invoice {
	s.mu.RLock()
	defer s.mu.RUnlock()
	src := s.w.partnerInvoices
	if domainID != s.w.partner.DomainID {
		c, ok := s.w.byID[domainID]
		if !ok {
			return nil
		}
		src = c.invoices
	}
	at := s.now()
	out := make([]Invoice, len(src))
	for i, inv := range src {
		out[i] = inv.asOf(at)
	}
	return out
}

// Quote is what ListRenewRateOnPeriod would answer for resources that can all be renewed.
type Quote struct {
	Official decimal.Decimal // list price
	Amount   decimal.Decimal // after the best discount
	Currency string
}

// QuoteRenewal prices renewing a customer's main resources for a period the way ListRenewRateOnPeriod
// does, so tests can predict amounts. It returns an error wrapping ErrNotFound for an unknown customer
// or resource, and an error for a resource that cannot be renewed.
func (s *Server) QuoteRenewal(customerID string, resourceIDs []string, periodType, periodNum int) (Quote, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	cu, ok := s.w.byID[customerID]
	if !ok {
		return Quote{}, fmt.Errorf("sandbox: quote for customer %s: %w", customerID, ErrNotFound)
	}
	total := decimal.Zero
	for _, id := range resourceIDs {
		r, code, msg := s.renewable(cu, id)
		if code == "CBC.30050009" {
			return Quote{}, fmt.Errorf("sandbox: quote resource %s: %w", id, ErrNotFound)
		}
		if code != "" {
			return Quote{}, fmt.Errorf("sandbox: quote resource %s: %s %s", id, code, msg)
		}
		total = total.Add(s.officialPrice(cu, r, periodType, periodNum))
	}
	return Quote{Official: total, Amount: bestAmount(cu.discounts, total), Currency: cu.Currency}, nil
}

// TemporaryCredentials are agency credentials for a customer: an access key, its secret and the
// security token that must travel with them (X-Security-Token), valid until Expires.
type TemporaryCredentials struct {
	AK, SK, Token string
	Expires       time.Time
}

// IssueTemporaryCredentials mints customer-scoped temporary credentials, as the partner gets them
// from IAM through an agency (CreateTemporaryAccessKeyByAgency). They act as the customer until ttl
// has passed on the wall clock. It returns an error wrapping ErrNotFound for an unknown customer.
func (s *Server) IssueTemporaryCredentials(customerID string, ttl time.Duration) (TemporaryCredentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.w.byID[customerID]
	if !ok {
		return TemporaryCredentials{}, fmt.Errorf("sandbox: temporary credentials for %s: %w", customerID, ErrNotFound)
	}
	t := TemporaryCredentials{
		AK: "T" + randomString(alnumUpper, 19), SK: randomString(alnum, 40), Token: randomString(alnum, 96),
		Expires: s.wall().Add(ttl),
	}
	s.principals[t.AK] = &principal{kind: kindCustomer, ak: t.AK, sk: t.SK, domainID: c.DomainID, customerID: c.ID,
		token: t.Token, expires: t.Expires}
	return t, nil
}

func copyAll[T any](xs []*T) []T {
	out := make([]T, len(xs))
	for i, x := range xs {
		out[i] = *x
	}
	return out
}

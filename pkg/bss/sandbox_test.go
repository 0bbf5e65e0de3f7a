package bss_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/shopspring/decimal"
)

// anchor is the fixed "now" the sandbox worlds are generated around.
var anchor = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

type env struct {
	srv *sandbox.Server
	man sandbox.Manifest
}

func setup(t *testing.T, opts sandbox.Options) *env {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = anchor
	}
	if opts.Seed == 0 {
		opts.Seed = 7
	}
	srv, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	t.Cleanup(srv.Close) // runs first: releases hung requests
	return &env{srv: srv, man: srv.Manifest(ts.URL)}
}

// fast are client options for tests: a generous rate and tiny backoff, so retries cost milliseconds.
func fast() bss.Options {
	return bss.Options{RatePerSecond: 1000, Burst: 10, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond,
		Limits: bss.NewLimits()}
}

func (e *env) site() bss.Site {
	if e.man.Site == sandbox.SiteIntl {
		return bss.International
	}
	return bss.China
}

func (e *env) partner(t *testing.T, opts bss.Options) *bss.Client {
	t.Helper()
	return e.client(t, bss.Profile{Name: "partner", Role: bss.Partner, AK: e.man.Partner.AK, SK: e.man.Partner.SK,
		DomainID: e.man.Partner.DomainID}, opts)
}

func (e *env) customer(t *testing.T, i int, opts bss.Options) *bss.Client {
	t.Helper()
	c := e.man.Customers[i]
	return e.client(t, bss.Profile{Name: "customer-" + c.CustomerID, Role: bss.Customer, AK: c.AK, SK: c.SK,
		DomainID: c.DomainID}, opts)
}

func (e *env) client(t *testing.T, p bss.Profile, opts bss.Options) *bss.Client {
	t.Helper()
	p.Site, p.Endpoint = e.site(), e.man.Endpoint
	if p.Timeout == 0 {
		p.Timeout = 5 * time.Second
	}
	c, err := bss.New(p, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// customerWith returns the index of the first customer that has a renewable main resource (in use,
// not on auto-renew), and that resource.
func (e *env) customerWith(t *testing.T) (int, sandbox.Resource) {
	t.Helper()
	for i, c := range e.srv.Customers() {
		for _, r := range e.srv.Resources(c.ID) {
			if r.Main && r.Status == sandbox.StatusInUse && r.ExpirePolicy != sandbox.PolicyAutoRenew {
				if _, err := e.srv.QuoteRenewal(c.ID, []string{r.ResourceID}, int(bss.Month), 1); err == nil {
					return i, r
				}
			}
		}
	}
	t.Fatal("no customer with a renewable resource")
	return 0, sandbox.Resource{}
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestPartnerChinaSite(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 250})
	c := e.partner(t, fast())
	ctx := context.Background()

	t.Run("partner balances", func(t *testing.T) {
		got, err := c.PartnerBalances(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := e.srv.PartnerAccounts()
		if len(got) != len(want) {
			t.Fatalf("got %d accounts, want %d", len(got), len(want))
		}
		for i, w := range want {
			g := got[i]
			if g.AccountID != w.AccountID || int(g.Type) != w.Type || !g.Amount.Value.Equal(w.Amount) || g.Amount.Currency != w.Currency {
				t.Errorf("account %d = %+v, want %+v", i, g, w)
			}
			if int(g.Type) == sandbox.AccountCredit && !g.CreditLine.Value.Equal(w.CreditAmount) {
				t.Errorf("credit line = %v, want %v", g.CreditLine.Value, w.CreditAmount)
			}
		}
	})

	var ids []string
	t.Run("sub-customers page at 100", func(t *testing.T) {
		e.srv.ResetCalls()
		got, err := c.SubCustomers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := e.srv.Customers()
		if len(got) != len(want) {
			t.Fatalf("got %d customers, want %d", len(got), len(want))
		}
		for i, w := range want {
			g := got[i]
			reseller := g.AssociationType == bss.Reseller
			if g.ID != w.ID || g.AccountName != w.AccountName || reseller != w.Reseller || !g.AssociatedOn.Equal(w.AssociatedOn) {
				t.Errorf("customer %d = %+v, want %+v", i, g, w)
			}
			ids = append(ids, g.ID)
		}
		if got, want := e.srv.Calls()["ListSubCustomers"], bss.Pages(250, bss.PageSubCustomers); got != want {
			t.Errorf("ListSubCustomers calls = %d, want %d", got, want)
		}
	})

	t.Run("customer balances in batches of 100", func(t *testing.T) {
		e.srv.ResetCalls()
		got, err := c.CustomerBalances(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if n := e.srv.Calls()["ListCustomersBalancesDetail"]; n != 3 {
			t.Errorf("ListCustomersBalancesDetail calls = %d, want 3", n)
		}
		byID := map[string]bss.CustomerBalance{}
		for _, b := range got {
			byID[b.CustomerID] = b
		}
		for _, cu := range e.srv.Customers() {
			b, ok := byID[cu.ID]
			if ok != cu.Reseller {
				t.Errorf("customer %s (reseller %v): present = %v; only reseller customers come back", cu.ID, cu.Reseller, ok)
				continue
			}
			if !ok {
				continue
			}
			net := b.Amount.Value.Sub(b.Debt.Value)
			if !net.Equal(cu.Balance) || b.Amount.Currency != "CNY" {
				t.Errorf("customer %s: amount %v debt %v, want balance %v", cu.ID, b.Amount, b.Debt, cu.Balance)
			}
		}
	})

	t.Run("repeated ids are sent once", func(t *testing.T) {
		e.srv.ResetCalls()
		got, err := c.CustomerBalances(ctx, append(append([]string{}, ids[:100]...), ids[:100]...))
		if err != nil {
			t.Fatal(err)
		}
		if n := e.srv.Calls()["ListCustomersBalancesDetail"]; n != 1 {
			t.Errorf("calls = %d, want 1", n)
		}
		seen := map[string]bool{}
		for _, b := range got {
			if seen[b.CustomerID] {
				t.Errorf("customer %s twice", b.CustomerID)
			}
			seen[b.CustomerID] = true
		}
	})

	t.Run("a failed batch keeps the good ones and names the rest", func(t *testing.T) {
		e.srv.ResetCalls()
		one := bss.Options{RatePerSecond: 1000, Burst: 10, MaxRetries: -1, Concurrency: 1, Limits: bss.NewLimits()}
		cc := e.partner(t, one)
		e.srv.FailNext("ListCustomersBalancesDetail", 1, 500, "")
		got, err := cc.CustomerBalances(ctx, ids)
		var be *bss.BatchError
		if !errors.As(err, &be) {
			t.Fatalf("err = %v, want *BatchError", err)
		}
		if !errors.Is(err, bss.ErrTransient) {
			t.Errorf("err = %v, want it to wrap a transient error", err)
		}
		if len(be.Failed) != 100 || be.Failed[0] != ids[0] {
			t.Errorf("failed ids = %d starting %q, want the first 100", len(be.Failed), be.Failed[0])
		}
		for _, b := range got {
			for _, f := range be.Failed {
				if b.CustomerID == f {
					t.Fatalf("balance of unevaluated customer %s returned", f)
				}
			}
		}
		if len(got) == 0 {
			t.Error("no balances from the good batches")
		}
	})

	t.Run("quotas", func(t *testing.T) {
		for _, qt := range []bss.QuotaType{bss.VoucherQuota, bss.CashQuota} {
			got, err := c.QuotaCoupons(ctx, bss.QuotaFilter{Type: qt})
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, q := range e.srv.Quotas() {
				if q.Type == int(qt) {
					want++
				}
			}
			if len(got) != want {
				t.Errorf("type %d: got %d quotas, want %d", qt, len(got), want)
			}
			for _, q := range got {
				if q.Type != qt || q.Expires.IsZero() || q.Value.Currency != "CNY" {
					t.Errorf("quota %+v", q)
				}
			}
		}
	})

	t.Run("issued coupons", func(t *testing.T) {
		e.srv.ResetCalls()
		got, err := c.IssuedCoupons(ctx, bss.IssuedCouponFilter{})
		if err != nil {
			t.Fatal(err)
		}
		want := e.srv.IssuedCoupons()
		if len(got) != len(want) {
			t.Fatalf("got %d issued coupons, want %d", len(got), len(want))
		}
		for i, w := range want {
			if got[i].ID != w.ID || got[i].CustomerID != w.OwnerID || !got[i].FaceValue.Value.Equal(w.FaceValue) || !got[i].Expires.Equal(w.ExpireTime) {
				t.Errorf("coupon %d = %+v, want %+v", i, got[i], w)
			}
		}
		if got, want := e.srv.Calls()["ListIssuedPartnerCoupons"], bss.Pages(len(want), bss.PageIssued); got != want {
			t.Errorf("ListIssuedPartnerCoupons calls = %d, want %d", got, want)
		}

		usable, err := c.IssuedCoupons(ctx, bss.IssuedCouponFilter{Status: bss.CouponUsable,
			ExpireAfter: anchor, ExpireBefore: anchor.AddDate(0, 0, 30)})
		if err != nil {
			t.Fatal(err)
		}
		for _, cp := range usable {
			if cp.Status != bss.CouponUsable || !cp.Expires.After(anchor) || !cp.Expires.Before(anchor.AddDate(0, 0, 30)) {
				t.Errorf("filtered coupon %+v outside the filter", cp)
			}
		}
	})

	t.Run("own coupons of the partner", func(t *testing.T) {
		got, err := c.Coupons(ctx, bss.CouponFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if want := e.srv.Coupons(e.srv.Partner().ID); len(got) != len(want) {
			t.Errorf("got %d coupons, want %d", len(got), len(want))
		}
	})

	t.Run("a customer's resources through the partner", func(t *testing.T) {
		cu := e.srv.Customers()[0]
		got, err := c.Resources(ctx, bss.ResourceFilter{CustomerID: cu.ID})
		if err != nil {
			t.Fatal(err)
		}
		want := e.srv.Resources(cu.ID)
		if len(got) != len(want) {
			t.Fatalf("got %d resources, want %d", len(got), len(want))
		}
		ids := map[string]bool{}
		for _, r := range got {
			ids[r.ID] = true
		}
		for _, w := range want {
			if !ids[w.ResourceID] {
				t.Errorf("resource %s missing", w.ResourceID)
			}
		}
	})

	t.Run("partner may not quote", func(t *testing.T) {
		e.srv.ResetCalls()
		_, err := c.RenewRate(ctx, bss.RenewRequest{ResourceIDs: []string{"r"}, PeriodType: bss.Month, PeriodNum: 1})
		if !errors.Is(err, bss.ErrUnsupported) {
			t.Fatalf("err = %v, want unsupported", err)
		}
		if n := e.srv.Calls()["ListRenewRateOnPeriod"]; n != 0 {
			t.Errorf("sandbox saw %d renew-rate calls, want 0", n)
		}
	})
}

func TestCustomerRenewal(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 20})
	ctx := context.Background()
	i, res := e.customerWith(t)
	cu := e.srv.Customers()[i]
	c := e.customer(t, i, fast())

	t.Run("own balance", func(t *testing.T) {
		// A China resale customer has no balance of its own (below); an advisory one does.
		j := slices.IndexFunc(e.srv.Customers(), func(c sandbox.Customer) bool { return !c.Reseller })
		cu := e.srv.Customers()[j]
		if err := e.srv.SetCustomerBalance(cu.ID, dec("-12.34")); err != nil {
			t.Fatal(err)
		}
		cu = e.srv.Customers()[j]
		got, err := e.customer(t, j, fast()).OwnBalances(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Accounts) == 0 {
			t.Fatal("no accounts")
		}
		net := got.Debt.Value.Neg()
		for _, a := range got.Accounts {
			if a.Type == bss.Cash {
				net = net.Add(a.Amount.Value)
			}
		}
		if !net.Equal(cu.Balance) {
			t.Errorf("cash - debt = %v, want %v", net, cu.Balance)
		}
	})

	t.Run("own balance of a China resale customer is not applicable", func(t *testing.T) {
		j := slices.IndexFunc(e.srv.Customers(), func(c sandbox.Customer) bool { return c.Reseller })
		c := e.customer(t, j, fast())
		_, err := c.OwnBalances(ctx)
		if !errors.Is(err, bss.ErrNotApplicable) {
			t.Fatalf("got %v, want not applicable", err)
		}
		if s := c.Stats()[bss.ShowCustomerAccountBalances]; s.Attempts != 1 {
			t.Errorf("got %+v, want one attempt: not applicable is not retried", s)
		}
	})

	t.Run("own resources, main only", func(t *testing.T) {
		got, err := c.Resources(ctx, bss.ResourceFilter{OnlyMain: true})
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, r := range e.srv.Resources(cu.ID) {
			if r.Main {
				want++
			}
		}
		if len(got) != want {
			t.Errorf("got %d main resources, want %d", len(got), want)
		}
		for _, r := range got {
			if !r.Main {
				t.Errorf("attached resource %s in a main-only listing", r.ID)
			}
		}
		byID, err := c.Resources(ctx, bss.ResourceFilter{ResourceIDs: []string{res.ResourceID}})
		if err != nil {
			t.Fatal(err)
		}
		if len(byID) == 0 || byID[0].ID != res.ResourceID || !byID[0].Expires.Equal(res.ExpireTime) {
			t.Errorf("by id = %+v, want %s expiring %v", byID, res.ResourceID, res.ExpireTime)
		}
	})

	req := bss.RenewRequest{ResourceIDs: []string{res.ResourceID}, PeriodType: bss.Month, PeriodNum: 1}
	t.Run("quote matches the sandbox's price", func(t *testing.T) {
		want, err := e.srv.QuoteRenewal(cu.ID, req.ResourceIDs, int(req.PeriodType), req.PeriodNum)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.RenewRate(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Amount.Value.Equal(want.Amount) || !got.Official.Value.Equal(want.Official) || got.Amount.Currency != want.Currency {
			t.Errorf("quote = %v (official %v), want %v (official %v) %s", got.Amount, got.Official, want.Amount, want.Official, want.Currency)
		}
		if !got.Discount.Value.Equal(want.Official.Sub(want.Amount)) {
			t.Errorf("discount = %v, want %v", got.Discount.Value, want.Official.Sub(want.Amount))
		}
		if len(got.Failures) != 0 {
			t.Errorf("failures = %+v", got.Failures)
		}
	})

	t.Run("unknown resource is a failure inside the quote", func(t *testing.T) {
		got, err := c.RenewRate(ctx, bss.RenewRequest{ResourceIDs: []string{res.ResourceID, "no-such-resource"}, PeriodType: bss.Month, PeriodNum: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Failures) != 1 || got.Failures[0].ResourceID != "no-such-resource" || got.Failures[0].Code == "" {
			t.Errorf("failures = %+v, want one for no-such-resource", got.Failures)
		}
	})

	t.Run("renew without auto-pay, then the pending order blocks another", func(t *testing.T) {
		e.srv.ResetCalls()
		got, err := c.Renew(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.OrderIDs) != 1 {
			t.Fatalf("order ids = %v, want one", got.OrderIDs)
		}
		orders := e.srv.Orders()
		if len(orders) != 1 || orders[0].ID != got.OrderIDs[0] || orders[0].Paid {
			t.Fatalf("sandbox orders = %+v, want one unpaid %s", orders, got.OrderIDs[0])
		}
		_, err = c.Renew(ctx, req)
		if !errors.Is(err, bss.ErrConflict) {
			t.Fatalf("second renew err = %v, want conflict (pending order)", err)
		}
		if n := len(e.srv.Orders()); n != 1 {
			t.Errorf("orders = %d, want 1", n)
		}
		if n := e.srv.Calls()["RenewalResources"]; n != 2 {
			t.Errorf("RenewalResources calls = %d, want 2 (no retries)", n)
		}
	})
}

func TestRenewalIsSentOnce(t *testing.T) {
	tests := []struct {
		name   string
		fault  func(*sandbox.Server)
		want   error
		orders int // what the sandbox holds afterwards
	}{
		{"500 before the order", func(s *sandbox.Server) { s.FailNext("RenewalResources", 1, 500, "") }, bss.ErrAmbiguous, 0},
		{"500 after the order", func(s *sandbox.Server) { s.FailAfterNext("RenewalResources", 1, 500, "") }, bss.ErrAmbiguous, 1},
		{"502 after the order", func(s *sandbox.Server) { s.FailAfterNext("RenewalResources", 1, 502, "") }, bss.ErrAmbiguous, 1},
		{"429", func(s *sandbox.Server) { s.FailNext("RenewalResources", 1, 429, "CBC.0250") }, bss.ErrThrottled, 0},
		{"timeout before the order", func(s *sandbox.Server) { s.HangNext("RenewalResources", 1) }, bss.ErrAmbiguous, 0},
		{"timeout after the order", func(s *sandbox.Server) { s.HangAfterNext("RenewalResources", 1) }, bss.ErrAmbiguous, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, sandbox.Options{Site: sandbox.SiteIntl, Customers: 10})
			i, res := e.customerWith(t)
			cu := e.man.Customers[i]
			timeout := 5 * time.Second
			if strings.HasPrefix(tt.name, "timeout") {
				timeout = 300 * time.Millisecond
			}
			c := e.client(t, bss.Profile{Name: "c", Role: bss.Customer, AK: cu.AK, SK: cu.SK, DomainID: cu.DomainID,
				Timeout: timeout}, fast())
			tt.fault(e.srv)
			_, err := c.Renew(context.Background(), bss.RenewRequest{ResourceIDs: []string{res.ResourceID}, PeriodType: bss.Year,
				PeriodNum: 1})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if n := e.srv.Calls()["RenewalResources"]; n != 1 {
				t.Errorf("RenewalResources calls = %d, want exactly 1", n)
			}
			if n := len(e.srv.Orders()); n != tt.orders {
				t.Errorf("orders = %d, want %d", n, tt.orders)
			}
		})
	}
}

func TestInternationalSite(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteIntl, Customers: 120})
	ctx := context.Background()
	p := e.partner(t, fast())

	t.Run("partner own balance is refused before any call", func(t *testing.T) {
		e.srv.ResetCalls()
		_, err := p.OwnBalances(ctx)
		if bss.KindOf(err) != bss.Unsupported || e.srv.Calls()["ShowCustomerAccountBalances"] != 0 {
			t.Fatalf("got %v after %d calls, want unsupported before any call", err, e.srv.Calls()["ShowCustomerAccountBalances"])
		}
	})

	t.Run("sub-customers", func(t *testing.T) {
		e.srv.ResetCalls()
		got, err := p.SubCustomers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 120 {
			t.Errorf("got %d customers, want 120", len(got))
		}
		if n := e.srv.Calls()["ListSubCustomers"]; n != 2 {
			t.Errorf("ListSubCustomers calls = %d, want 2", n)
		}
	})

	t.Run("partner invoices page by number", func(t *testing.T) {
		e.srv.ResetCalls()
		want := e.srv.Invoices(e.man.Partner.DomainID)
		got, err := p.Invoices(ctx, anchor.AddDate(-5, 0, 0), anchor.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("got %d invoices, want %d", len(got), len(want))
		}
		gotIDs, wantIDs := make([]string, len(got)), make([]string, len(want))
		for i := range got {
			gotIDs[i], wantIDs[i] = got[i].RequestID, want[i].RequestID
		}
		sort.Strings(gotIDs)
		sort.Strings(wantIDs)
		if strings.Join(gotIDs, ",") != strings.Join(wantIDs, ",") {
			t.Errorf("invoice ids differ")
		}
		if got, want := e.srv.Calls()["ListInvoices"], bss.Pages(len(want), bss.PageInvoices); got != want {
			t.Errorf("ListInvoices calls = %d, want %d", got, want)
		}
	})

	t.Run("customer coupons and quote in USD", func(t *testing.T) {
		i, res := e.customerWith(t)
		cu := e.srv.Customers()[i]
		c := e.customer(t, i, fast())
		got, err := c.Coupons(ctx, bss.CouponFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if want := e.srv.Coupons(cu.ID); len(got) != len(want) {
			t.Errorf("got %d coupons, want %d", len(got), len(want))
		}
		q, err := c.RenewRate(ctx, bss.RenewRequest{ResourceIDs: []string{res.ResourceID}, PeriodType: bss.Month, PeriodNum: 2})
		if err != nil {
			t.Fatal(err)
		}
		if q.Amount.Currency != "USD" || !q.Amount.Value.IsPositive() {
			t.Errorf("quote = %v, want a positive USD amount", q.Amount)
		}
	})
}

func TestWrongCredentials(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 3})
	wrongSK := "wrong" + e.man.Partner.SK
	c := e.client(t, bss.Profile{Name: "bad", Role: bss.Partner, AK: e.man.Partner.AK, SK: wrongSK,
		DomainID: e.man.Partner.DomainID}, fast())
	_, err := c.PartnerBalances(context.Background())
	var be *bss.Error
	if !errors.As(err, &be) || be.Kind != bss.Auth || be.RequestID == "" || be.Status != 401 {
		t.Fatalf("err = %#v, want auth with a request id", err)
	}
	for _, s := range []string{e.man.Partner.AK, e.man.Partner.SK, wrongSK} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("Error() = %q contains a secret", err)
		}
	}
	if n := e.srv.Calls()["ListPartnerBalances"]; n != 1 {
		t.Errorf("calls = %d, want 1 (auth failures are not retried: 5 in a row lock the AK)", n)
	}
}

func TestRidesOutThrottling(t *testing.T) {
	// The sandbox lets a burst of 2 through, then 2 per second; the client is set far above that and
	// asks for 5 pages at once after the first, so 429s come however slow the machine is.
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 600, RatePerSecond: 2})
	opts := fast()
	opts.RatePerSecond, opts.Burst, opts.MaxRetries, opts.Concurrency = 200, 10, 30, 5
	opts.BaseDelay, opts.MaxDelay = 20*time.Millisecond, 300*time.Millisecond
	c := e.partner(t, opts)
	got, err := c.SubCustomers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 600 {
		t.Errorf("got %d customers, want 600", len(got))
	}
	if e.srv.Throttled()["ListSubCustomers"] == 0 {
		t.Error("the sandbox throttled nothing; the test proves nothing")
	}
	s := c.Stats()[bss.ListSubCustomers]
	if s.Throttles == 0 || s.Retries < s.Throttles || s.Failures != 0 {
		t.Errorf("stats = %+v, want throttles retried away", s)
	}
}

func TestRidesOutServerErrors(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 150})
	c := e.partner(t, fast())
	e.srv.FailNext("ListSubCustomers", 2, 503, "")
	got, err := c.SubCustomers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 150 {
		t.Errorf("got %d customers, want 150", len(got))
	}
	if s := c.Stats()[bss.ListSubCustomers]; s.Retries != 2 || s.Attempts != 4 {
		t.Errorf("stats = %+v, want 4 attempts with 2 retries", s)
	}
}

func TestHangBecomesTransientTimeout(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteIntl, Customers: 3})
	cu := e.man.Customers[0]
	p := bss.Profile{Name: "c", Role: bss.Customer, AK: cu.AK, SK: cu.SK, DomainID: cu.DomainID, Timeout: 100 * time.Millisecond}

	t.Run("given up", func(t *testing.T) {
		opts := fast()
		opts.MaxRetries = 1
		c := e.client(t, p, opts)
		e.srv.HangNext("ShowCustomerAccountBalances", 2)
		_, err := c.OwnBalances(context.Background())
		if !errors.Is(err, bss.ErrTransient) {
			t.Fatalf("err = %v, want transient", err)
		}
		if s := c.Stats()[bss.ShowCustomerAccountBalances]; s.Attempts != 2 || s.Failures != 1 {
			t.Errorf("stats = %+v, want 2 attempts, 1 failure", s)
		}
	})
	t.Run("retried", func(t *testing.T) {
		c := e.client(t, p, fast())
		e.srv.HangNext("ShowCustomerAccountBalances", 1)
		if _, err := c.OwnBalances(context.Background()); err != nil {
			t.Fatalf("err = %v, want the retry to succeed", err)
		}
	})
}

func TestAgencyCredentials(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 5})
	cu := e.srv.Customers()[1]
	tc, err := e.srv.IssueTemporaryCredentials(cu.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c := e.client(t, bss.Profile{Name: "agency", Role: bss.Customer, AK: tc.AK, SK: tc.SK, SecurityToken: tc.Token,
		DomainID: cu.DomainID}, fast())
	got, err := c.Resources(context.Background(), bss.ResourceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(e.srv.Resources(cu.ID)) {
		t.Errorf("got %d resources, want %d", len(got), len(e.srv.Resources(cu.ID)))
	}
}

func TestSharedLimitsPaceCalls(t *testing.T) {
	// Two clients of one account share the (account, API) bucket: at 20/s with a burst of 1, 11
	// calls need at least 500 ms of tokens between them however they are split.
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 1})
	lim := bss.NewLimits()
	opts := bss.Options{RatePerSecond: 20, Burst: 1, Limits: lim}
	a, b := e.partner(t, opts), e.partner(t, opts)
	start := time.Now()
	for i := range 11 {
		c := a
		if i%2 == 1 {
			c = b
		}
		if _, err := c.PartnerBalances(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el < 450*time.Millisecond {
		t.Errorf("11 calls took %v, want at least ~500ms from the shared bucket", el)
	}
}

func TestRenewWithAutoPay(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 10})
	i, res := e.customerWith(t)
	cu := e.srv.Customers()[i]
	c := e.customer(t, i, fast())
	req := bss.RenewRequest{ResourceIDs: []string{res.ResourceID}, PeriodType: bss.Year, PeriodNum: 1, AutoPay: true}

	t.Run("no money: auto-pay fails and nothing is ordered", func(t *testing.T) {
		if err := e.srv.SetCustomerBalance(cu.ID, decimal.Zero); err != nil {
			t.Fatal(err)
		}
		_, err := c.Renew(context.Background(), req)
		var be *bss.Error
		if !errors.As(err, &be) || be.Kind != bss.Invalid || be.Code != "CBC.30050006" {
			t.Fatalf("err = %v, want invalid CBC.30050006", err)
		}
		if n := len(e.srv.Orders()); n != 0 {
			t.Errorf("orders = %d, want 0", n)
		}
	})
	t.Run("paid order moves the expiry", func(t *testing.T) {
		if err := e.srv.SetCustomerBalance(cu.ID, dec("1000000")); err != nil {
			t.Fatal(err)
		}
		got, err := c.Renew(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		orders := e.srv.Orders()
		if len(got.OrderIDs) != 1 || len(orders) != 1 || !orders[0].Paid || orders[0].ID != got.OrderIDs[0] {
			t.Fatalf("result %+v, sandbox orders %+v; want one paid order", got, orders)
		}
		after, err := c.Resources(context.Background(), bss.ResourceFilter{ResourceIDs: []string{res.ResourceID}})
		if err != nil {
			t.Fatal(err)
		}
		if len(after) == 0 || !after[0].Expires.Equal(res.ExpireTime.AddDate(1, 0, 0)) {
			t.Errorf("expiry after renewal = %+v, want %v", after, res.ExpireTime.AddDate(1, 0, 0))
		}
	})
}

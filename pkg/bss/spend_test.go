package bss_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/shopspring/decimal"
)

// spendWindow is 14 whole China-time days before the anchor's day (21 Nov): 7..20 Nov, one cycle.
var spendFrom, spendTo = time.Date(2026, 11, 7, 0, 0, 0, 0, bss.Zone), time.Date(2026, 11, 20, 0, 0, 0, 0, bss.Zone)

// sum adds the cash of charges per bill type (0 for account records).
func sum(cs []bss.Charge) map[int]decimal.Decimal {
	out := map[int]decimal.Decimal{}
	for _, c := range cs {
		out[c.BillType] = out[c.BillType].Add(c.Cash.Value)
	}
	return out
}

func TestSpendRecords(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 40})
	ctx := context.Background()
	p := e.partner(t, fast())
	cu := e.srv.Customers()[3]
	e.srv.SetSpend(cu.ID, sandbox.Spend{Daily: dec("100"), Spikes: map[string]decimal.Decimal{"2026-11-20": dec("900")}, RefundEvery: 1})
	quiet := e.srv.Customers()[4]
	e.srv.SetSpend(quiet.ID, sandbox.Spend{})

	t.Run("customer fee records", func(t *testing.T) {
		got, err := p.CustomerSpend(ctx, cu.ID, spendFrom, spendTo)
		if err != nil {
			t.Fatal(err)
		}
		s := sum(got)
		if !s[5].Equal(dec("1400")) || !s[1].Equal(dec("900")) || !s[4].Equal(dec("-2800")) {
			t.Errorf("usage %s, purchases %s, refunds %s; want 1400 (14 days of 100), 900 (the spike), -2800", s[5], s[1], s[4])
		}
		for _, c := range got {
			if c.At.Before(spendFrom) || c.At.After(spendTo.AddDate(0, 0, 1)) || c.Cash.Currency != "CNY" {
				t.Fatalf("record %+v outside the window or not in CNY", c)
			}
		}
	})
	t.Run("consuming customers", func(t *testing.T) {
		got, err := p.ConsumingCustomers(ctx, "2026-11")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(got, cu.ID) || slices.Contains(got, quiet.ID) {
			t.Errorf("consumers = %v; want %s and not %s (no spend)", got, cu.ID, quiet.ID)
		}
		if n := len(got); n < 10 || n >= 40 {
			t.Errorf("%d of 40 generated customers consumed; want most but not all", n)
		}
	})
	t.Run("partner consumption leaves top-ups and refunds out", func(t *testing.T) {
		got, err := p.PartnerSpend(ctx, spendFrom, spendTo)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) < 14 {
			t.Fatalf("got %d records, want one usage record a day at least", len(got))
		}
		for _, c := range got {
			if !c.Expense || c.Cash.Value.IsNegative() || c.Detail == "SOURCE_OPERAIION_RECHARGE" {
				t.Fatalf("record %+v is not consumption", c)
			}
		}
	})
	t.Run("own records of a customer", func(t *testing.T) {
		got, err := e.customer(t, 3, fast()).OwnSpend(ctx, spendFrom, spendTo)
		if err != nil {
			t.Fatal(err)
		}
		if s := sum(got); !s[5].Equal(dec("1400")) {
			t.Errorf("own usage = %s, want 1400: the customer sees the records its partner sees", s[5])
		}
	})
	t.Run("a window across two cycles reads each", func(t *testing.T) {
		before := e.srv.Calls()["ListSubCustomerBillDetail"]
		e.srv.Advance(15 * 24 * time.Hour) // business clock 6 Dec
		got, err := p.CustomerSpend(ctx, cu.ID, time.Date(2026, 11, 22, 0, 0, 0, 0, bss.Zone), time.Date(2026, 12, 5, 0, 0, 0, 0, bss.Zone))
		if err != nil {
			t.Fatal(err)
		}
		if n := e.srv.Calls()["ListSubCustomerBillDetail"] - before; n != 2 {
			t.Errorf("calls = %d, want 2 (one per bill cycle)", n)
		}
		if s := sum(got); !s[5].Equal(dec("1400")) {
			t.Errorf("usage = %s, want 1400: the clock moved and the new days have records", s[5])
		}
	})
}

func TestSpendRefusesAnswersThatOnlyLookLikeSuccess(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 5})
	p := e.partner(t, fast())
	ctx := context.Background()
	tests := []struct {
		name string
		api  string
		call func() error
	}{
		{"200 with an error body", "ListConsumeSubCustomers", func() error { _, err := p.ConsumingCustomers(ctx, "2026-11"); return err }},
		{"200 with no total", "ListPartnerAccountChangeRecords", func() error { _, err := p.PartnerSpend(ctx, spendFrom, spendTo); return err }},
		{"200 with an error body, detail", "ListSubCustomerBillDetail", func() error {
			_, err := p.CustomerSpend(ctx, e.man.Customers[0].CustomerID, spendFrom, spendTo)
			return err
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := sandbox.Fault{API: tt.api, Count: 1, Status: 200, Code: "CBC.99000001", Message: "system busy"}
			if i == 1 {
				f = sandbox.Fault{API: tt.api, Count: 1, Body: "{}"}
			}
			if err := e.srv.AddFault(f); err != nil {
				t.Fatal(err)
			}
			err := tt.call()
			var be *bss.Error
			if !errors.As(err, &be) || (i == 1 && be.Kind != bss.Malformed) || (i != 1 && be.Code != "CBC.99000001") {
				t.Errorf("err = %v, want the answer refused (no spend is not zero spend)", err)
			}
		})
	}
}

func TestSpendRoles(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 2})
	ctx := context.Background()
	cust := e.customer(t, 0, fast())
	if _, err := cust.PartnerSpend(ctx, spendFrom, spendTo); bss.KindOf(err) != bss.Unsupported {
		t.Errorf("customer PartnerSpend err = %v, want unsupported before any call", err)
	}
	if _, err := e.partner(t, fast()).OwnSpend(ctx, spendFrom, spendTo); bss.KindOf(err) != bss.Unsupported {
		t.Errorf("China partner OwnSpend err = %v, want unsupported (it reads PartnerSpend)", err)
	}
	if n := e.srv.Calls()["ListPartnerAccountChangeRecords"] + e.srv.Calls()["ListCustomerselfResourceRecords"]; n != 0 {
		t.Errorf("calls = %d, want none", n)
	}
	if _, err := cust.OwnSpend(ctx, spendTo, spendFrom); bss.KindOf(err) != bss.Invalid {
		t.Errorf("reversed window err = %v, want invalid", err)
	}
}

func TestSpendInternationalOwn(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteIntl, Customers: 2})
	cu := e.srv.Customers()[0]
	e.srv.SetSpend(cu.ID, sandbox.Spend{Daily: dec("3")})
	got, err := e.customer(t, 0, fast()).OwnSpend(context.Background(), spendFrom, spendTo)
	if err != nil {
		t.Fatal(err)
	}
	if s := sum(got); len(got) != 14 || got[0].Cash.Currency != "USD" || !s[5].Equal(dec("42")) {
		t.Errorf("got %d records (%+v), want the customer's own 14 days of USD usage", len(got), got)
	}
	if _, err := e.partner(t, fast()).OwnSpend(context.Background(), spendFrom, spendTo); bss.KindOf(err) != bss.Unsupported {
		t.Errorf("partner OwnSpend err = %v, want unsupported: the API reads a customer's own records", err)
	}
}

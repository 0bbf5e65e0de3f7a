package sandbox

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	"github.com/shopspring/decimal"
)

// snapshot is everything generated, as JSON, for byte comparisons.
func snapshot(t *testing.T, s *Server) []byte {
	t.Helper()
	var res [][]Resource
	var coupons [][]Coupon
	var invoices [][]Invoice
	for _, c := range s.Customers() {
		res = append(res, s.Resources(c.ID))
		coupons = append(coupons, s.Coupons(c.ID))
		invoices = append(invoices, s.Invoices(c.DomainID))
	}
	b, err := json.Marshal(map[string]any{
		"manifest": s.Manifest("http://x"), "customers": s.Customers(), "accounts": s.PartnerAccounts(),
		"quotas": s.Quotas(), "partnerCoupons": s.Coupons(s.Partner().ID), "resources": res, "coupons": coupons,
		"invoices": invoices, "partnerInvoices": s.Invoices(s.Partner().DomainID),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeterministic(t *testing.T) {
	for _, site := range []string{SiteCN, SiteIntl} {
		t.Run(site, func(t *testing.T) {
			a, err := New(Options{Site: site, Seed: 99, Customers: 200, Now: anchor})
			mustOK(t, err)
			b, err := New(Options{Site: site, Seed: 99, Customers: 200, Now: anchor})
			mustOK(t, err)
			if string(snapshot(t, a)) != string(snapshot(t, b)) {
				t.Errorf("same seed gave different worlds")
			}
			c, err := New(Options{Site: site, Seed: 100, Customers: 200, Now: anchor})
			mustOK(t, err)
			if a.Manifest("").Partner == c.Manifest("").Partner {
				t.Errorf("seeds 99 and 100 gave the same partner credentials")
			}
			// Customer i does not depend on how many customers there are.
			d, err := New(Options{Site: site, Seed: 99, Customers: 50, Now: anchor})
			mustOK(t, err)
			if !reflect.DeepEqual(a.Customers()[:50], d.Customers()) {
				t.Errorf("the first 50 customers differ between worlds of 200 and 50")
			}
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for name, o := range map[string]Options{
		"unknown site":       {Site: "eu", Customers: 1},
		"negative customers": {Site: SiteCN, Customers: -1},
		"negative latency":   {Site: SiteCN, Latency: -1},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(o); err == nil {
				t.Errorf("New(%+v): got no error", o)
			}
		})
	}
}

// TestWorldIsRealistic checks that the generated partner covers every case the checks must handle.
func TestWorldIsRealistic(t *testing.T) {
	s, err := New(Options{Site: SiteCN, Seed: 7, Customers: 1000, Now: anchor})
	mustOK(t, err)
	bands := map[string]int{}
	resellers := 0
	policies := map[int]int{}
	statuses := map[int]int{}
	var soon7, soon30, expired, attached int
	for _, c := range s.Customers() {
		switch b := c.Balance; {
		case b.IsNegative():
			bands["<0"]++
		case b.IsZero():
			bands["0"]++
		case b.LessThan(decimal.NewFromInt(100)):
			bands["<100"]++
		case b.LessThan(decimal.NewFromInt(1000)):
			bands["<1000"]++
		case b.LessThan(decimal.NewFromInt(10000)):
			bands["<10000"]++
		default:
			bands[">=10000"]++
		}
		if c.Reseller {
			resellers++
		}
		for _, r := range s.Resources(c.ID) {
			if !r.Main {
				attached++
				continue
			}
			policies[r.ExpirePolicy]++
			statuses[r.Status]++
			d := r.ExpireTime.Sub(anchor)
			switch {
			case d < 0:
				expired++
			case d < 7*24*3600e9:
				soon7++
			case d < 30*24*3600e9:
				soon30++
			}
			if r.EffectiveTime.After(anchor) {
				t.Errorf("resource %s starts after now", r.ResourceID)
			}
		}
	}
	for _, b := range []string{"<0", "0", "<100", "<1000", "<10000", ">=10000"} {
		if bands[b] == 0 {
			t.Errorf("no customer with a balance %s", b)
		}
	}
	if bands[">=10000"] < 400 {
		t.Errorf("got %d customers with 10,000 or more, want most", bands[">=10000"])
	}
	if resellers == 0 || resellers == 1000 {
		t.Errorf("got %d reseller customers of 1000, want a mix", resellers)
	}
	for p := PolicyGracePeriod; p <= PolicyDeleteRetention; p++ {
		if policies[p] == 0 {
			t.Errorf("no resource with expire_policy %d", p)
		}
	}
	for _, st := range []int{StatusInUse, StatusClosed, StatusFrozen, StatusExpired} {
		if statuses[st] == 0 {
			t.Errorf("no resource in status %d", st)
		}
	}
	if soon7 == 0 || soon30 == 0 || expired == 0 || attached == 0 {
		t.Errorf("got %d expiring within 7 days, %d within 30, %d expired, %d attached; want some of each", soon7, soon30, expired, attached)
	}
	quotaStatuses := map[int]bool{}
	for _, q := range s.Quotas() {
		quotaStatuses[q.Status] = true
	}
	for _, st := range []int{QuotaNormal, QuotaInvalid, QuotaAdjusting, QuotaFrozen} {
		if !quotaStatuses[st] {
			t.Errorf("no quota in status %d", st)
		}
	}
}

// TestLargePartner pages 10,000 customers and their balances through the SDK with the fewest calls.
func TestLargePartner(t *testing.T) {
	if testing.Short() {
		t.Skip("large world")
	}
	const n = 10_000
	e := newEnv(t, Options{Seed: 8, Customers: n})
	client := e.cn(t, e.partner())
	var ids []string
	for offset := int32(0); offset < n; offset += 100 {
		resp, err := client.ListSubCustomers(&model.ListSubCustomersRequest{Body: &model.QuerySubCustomerListReq{Offset: &offset, Limit: ptr(int32(100))}})
		mustOK(t, err)
		for _, c := range *resp.CustomerInfos {
			ids = append(ids, c.CustomerId)
		}
	}
	balances := 0
	for i := 0; i < len(ids); i += 100 {
		infos := make([]model.CustomerInfoV2, 0, 100)
		for _, id := range ids[i:min(i+100, len(ids))] {
			infos = append(infos, model.CustomerInfoV2{CustomerId: id})
		}
		resp, err := client.ListCustomersBalancesDetail(&model.ListCustomersBalancesDetailRequest{Body: &model.QueryCustomersBalancesReq{CustomerInfos: infos}})
		mustOK(t, err)
		balances += len(*resp.CustomerBalances)
	}
	resellers := 0
	for _, c := range e.srv.Customers() {
		if c.Reseller {
			resellers++
		}
	}
	if len(ids) != n || balances != resellers {
		t.Errorf("got %d customers and %d balances, want %d and %d", len(ids), balances, n, resellers)
	}
	calls := e.srv.Calls()
	if calls["ListSubCustomers"] != 100 || calls["ListCustomersBalancesDetail"] != 100 {
		t.Errorf("got calls %v, want 100 of each", calls)
	}
}

func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := New(Options{Site: SiteCN, Seed: 1, Customers: n, Now: anchor}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// BenchmarkServe10k measures one page of ListSubCustomers and one 100-customer balance batch
// against a 10,000-customer world, through the SDK over loopback.
func BenchmarkServe10k(b *testing.B) {
	e := newEnv(b, Options{Seed: 9, Customers: 10_000})
	client := e.cn(b, e.partner())
	customers := e.srv.Customers()
	infos := make([]model.CustomerInfoV2, 100)
	for i := range infos {
		infos[i].CustomerId = customers[9_000+i].ID
	}
	b.Run("ListSubCustomers", func(b *testing.B) {
		for b.Loop() {
			if _, err := client.ListSubCustomers(&model.ListSubCustomersRequest{Body: &model.QuerySubCustomerListReq{Offset: ptr(int32(9_900)), Limit: ptr(int32(100))}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ListCustomersBalancesDetail", func(b *testing.B) {
		for b.Loop() {
			if _, err := client.ListCustomersBalancesDetail(&model.ListCustomersBalancesDetailRequest{Body: &model.QueryCustomersBalancesReq{CustomerInfos: infos}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

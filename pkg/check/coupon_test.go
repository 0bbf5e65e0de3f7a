package check

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/coupon"
)

var couponAnchor = time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)

type couponFixture struct {
	box     *sandbox.Server
	clients Clients
	rules   *coupon.Rules
	stats   func() map[bss.API]bss.Counts
}

func couponSetup(t *testing.T) couponFixture {
	t.Helper()
	box, err := sandbox.New(sandbox.Options{Site: sandbox.SiteCN, Seed: 5, Customers: 60, Now: couponAnchor})
	if err != nil {
		t.Fatal(err)
	}
	if err := box.IssueCoupons(9, 900); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(box)
	t.Cleanup(func() { box.Close(); srv.Close() })
	m := box.Manifest(srv.URL)
	opts := bss.Options{MaxRetries: -1, RatePerSecond: 1000, Burst: 100, Limits: bss.NewLimits()}
	partner, err := bss.New(bss.Profile{Name: "partner-cn", Role: bss.Partner, Site: bss.China, AK: m.Partner.AK, SK: m.Partner.SK, DomainID: m.Partner.DomainID, Endpoint: srv.URL}, opts)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Customers[0]
	own, err := bss.New(bss.Profile{Name: "customer-1", Role: bss.Customer, Site: bss.China, AK: c.AK, SK: c.SK, DomainID: c.DomainID, Endpoint: srv.URL}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return couponFixture{
		box:     box,
		clients: Map(map[string]*bss.Client{"partner-cn": partner, "customer-1": own}),
		rules: &coupon.Rules{
			Tiers: coupon.DefaultTiers, ExpiredSeverity: coupon.DefaultExpiredSeverity, LookbackDays: coupon.DefaultLookbackDays,
			Test: coupon.TestCoupons{PlanNames: coupon.DefaultTestNames},
			Watch: []coupon.Watch{
				{Profile: "partner-cn", Sources: coupon.Sources},
				{Profile: "customer-1", Sources: []coupon.Source{coupon.Own}},
			},
		},
		stats: partner.Stats,
	}
}

func (f couponFixture) run(at time.Time) map[string]alert.Evaluation {
	return byAccount(CouponCheck{Rules: f.rules}.Run(context.Background(), Env{Now: at, Clients: f.clients}))
}

// expected is what the rules should report of the sandbox's coupons at now, from its own records.
func expected(prefix string, cs []sandbox.Coupon, now time.Time) []string {
	var out []string
	for _, c := range cs {
		left := c.ExpireTime.Sub(now)
		usable := c.Status == sandbox.CouponUsable
		expired := c.Status == sandbox.CouponExpired || (usable && left <= 0)
		switch {
		case c.Balance.IsPositive() && usable && left > 0 && left <= 30*24*time.Hour,
			c.Balance.IsPositive() && expired && left > -7*24*time.Hour:
			out = append(out, prefix+c.ID)
		}
	}
	slices.Sort(out)
	return out
}

func TestCouponCheckReportsEverySource(t *testing.T) {
	f := couponSetup(t)
	evals := f.run(couponAnchor)
	p := evals["partner-cn"]
	if p.Err != nil {
		t.Fatalf("partner: %v", p.Err)
	}
	partnerID := f.box.Partner().ID
	for _, src := range []struct {
		prefix string
		want   []string
	}{
		{"issued/", expected("issued/", f.box.IssuedCoupons(), couponAnchor)},
		{"own/", expected("own/", f.box.Coupons(partnerID), couponAnchor)},
	} {
		if diff := cmp.Diff(src.want, subjects(p.Findings, src.prefix)); diff != "" {
			t.Errorf("%s findings (-want +got):\n%s", src.prefix, diff)
		}
	}
	var quotas []string
	for _, q := range f.box.Quotas() {
		if left := q.ExpireTime.Sub(couponAnchor); q.Status == sandbox.QuotaNormal && q.Balance.IsPositive() && left > 0 && left <= 30*24*time.Hour {
			quotas = append(quotas, "quotas/"+q.ID)
		}
	}
	slices.Sort(quotas)
	if diff := cmp.Diff(quotas, subjects(p.Findings, "quotas/")); diff != "" || len(quotas) == 0 {
		t.Errorf("quota findings (-want +got):\n%s", diff)
	}
	var tests, finals int
	for _, fd := range p.Findings {
		if strings.HasPrefix(fd.Title, "Test coupon ") {
			tests++
		}
		if fd.Final {
			finals++
		}
		if strings.HasPrefix(fd.Subject, "issued/") && !strings.Contains(fd.Title, "有限公司") {
			t.Errorf("issued coupon %q is not named with its customer", fd.Title)
		}
	}
	if tests == 0 || finals == 0 {
		t.Errorf("got %d test coupons and %d expired-unused notices, want some of each", tests, finals)
	}
	if !slices.ContainsFunc(p.Notes, func(n string) bool { return strings.Contains(n, "test coupon") }) ||
		!slices.ContainsFunc(p.Notes, func(n string) bool { return strings.Contains(n, "coupons issued to customers expires within 30 days") }) {
		t.Errorf("notes %q lack the test-coupon or the issued totals", p.Notes)
	}
	cu := evals["customer-1"]
	if diff := cmp.Diff(expected("own/", f.box.Coupons(f.box.Customers()[0].ID), couponAnchor), subjects(cu.Findings, "own/")); diff != "" {
		t.Errorf("customer findings (-want +got):\n%s", diff)
	}

	// The minimum of calls: every listing at 100 per page, the expiry window filtered by BSS.
	after := couponAnchor.Add(-7 * 24 * time.Hour)
	var usable, expiredN int
	for _, c := range f.box.IssuedCoupons() {
		switch {
		case c.Status == sandbox.CouponUsable && c.ExpireTime.After(couponAnchor) && !c.ExpireTime.After(couponAnchor.Add(30*24*time.Hour)):
			usable++
		case (c.Status == sandbox.CouponExpired || c.Status == sandbox.CouponUsable) && c.ExpireTime.After(after) && !c.ExpireTime.After(couponAnchor):
			expiredN++
		}
	}
	want := map[bss.API]int64{
		bss.ListIssuedPartnerCoupons: int64(bss.Pages(usable, bss.PageIssued) + bss.Pages(expiredN, bss.PageIssued)),
		bss.ListQuotaCoupons:         2,
		bss.ListSubCustomerCoupons:   2,
		bss.ListSubCustomers:         int64(bss.Pages(60, bss.PageSubCustomers)),
	}
	for api, n := range want {
		if got := f.stats()[api].Attempts; got != n {
			t.Errorf("%s: %d calls, want %d", api, got, n)
		}
	}
}

func TestCouponCheckWithAFailedListing(t *testing.T) {
	f := couponSetup(t)
	first := f.run(couponAnchor)["partner-cn"]
	f.box.FailNext("ListIssuedPartnerCoupons", 1, http.StatusInternalServerError, "")
	p := f.run(couponAnchor)["partner-cn"]
	if p.Err == nil || !p.Partial {
		t.Fatalf("err %v partial %v, want a partial run", p.Err, p.Partial)
	}
	if !slices.Contains(p.Skipped, "issued/") {
		t.Errorf("skipped %v, want every issued coupon (issued/) left as it was", p.Skipped)
	}
	if !strings.Contains(p.Err.Error(), "pages of issued coupons not checked") {
		t.Errorf("error %q does not say what was not covered", p.Err)
	}
	if got, want := len(subjects(p.Findings, "quotas/")), len(subjects(first.Findings, "quotas/")); got != want {
		t.Errorf("the other sources found %d quotas, want %d as before", got, want)
	}

	f.box.FailNext("ListQuotaCoupons", 2, http.StatusForbidden, "CBC.0151")
	f.box.FailNext("ListIssuedPartnerCoupons", 2, http.StatusForbidden, "CBC.0151")
	f.box.FailNext("ListSubCustomerCoupons", 4, http.StatusForbidden, "CBC.0151") // the customer profile takes its share
	all := f.run(couponAnchor)["partner-cn"]
	if all.Err == nil || all.Partial {
		t.Errorf("err %v partial %v, want a check that could not run", all.Err, all.Partial)
	}
}

func TestCouponCheckAWeekLater(t *testing.T) {
	f := couponSetup(t)
	week := couponAnchor.Add(7 * 24 * time.Hour)
	// The sandbox's coupons age by its own clock; this run only moves the check's clock, so usable
	// coupons past expiry are still listed usable and judged expired by their expiry time.
	p := f.run(week)["partner-cn"]
	if p.Err != nil {
		t.Fatal(p.Err)
	}
	want := expected("own/", f.box.Coupons(f.box.Partner().ID), week)
	if diff := cmp.Diff(want, subjects(p.Findings, "own/")); diff != "" {
		t.Errorf("own findings a week later (-want +got):\n%s", diff)
	}
}

// TestCouponCheckRefusesAnswersThatOnlyLookLikeLists: a 2xx answer with an error body, or with no
// list at all, is not "no coupons": nothing under the source is resolved or expired, and ops hears it.
func TestCouponCheckRefusesAnswersThatOnlyLookLikeLists(t *testing.T) {
	for name, tt := range map[string]struct {
		fault sandbox.Fault
		want  string
	}{
		"200 with an error body": {sandbox.Fault{API: "ListIssuedPartnerCoupons", Count: 1, Status: http.StatusOK, Code: "CBC.0999", Message: "Other errors."}, "(200 CBC.0999)"},
		"200 with no data":       {sandbox.Fault{API: "ListIssuedPartnerCoupons", Count: 1, Body: "{}"}, "malformed"},
	} {
		fault := tt.fault
		t.Run(name, func(t *testing.T) {
			f := couponSetup(t)
			if err := f.box.AddFault(fault); err != nil {
				t.Fatal(err)
			}
			p := f.run(couponAnchor)["partner-cn"]
			if p.Err == nil || !p.Partial || !slices.Contains(p.Skipped, "issued/") {
				t.Fatalf("err %v partial %v skipped %v, want a partial run that leaves issued coupons as they were", p.Err, p.Partial, p.Skipped)
			}
			if !strings.Contains(p.Err.Error(), tt.want) {
				t.Errorf("error %q does not say what was wrong with the answer (%s)", p.Err, tt.want)
			}
		})
	}
}

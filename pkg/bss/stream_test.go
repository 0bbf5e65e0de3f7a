package bss_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
)

func TestEachIssuedCouponStreamsEveryPageOnce(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 300})
	c := e.partner(t, fast())
	want := e.srv.IssuedCoupons()
	pages, items := 0, 0
	seen := map[string]bool{}
	l, err := c.EachIssuedCoupon(context.Background(), bss.IssuedCouponFilter{}, func(p []bss.IssuedCoupon) error {
		pages++
		items += len(p)
		for _, cp := range p {
			seen[cp.ID] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := bss.Pages(len(want), bss.PageIssued); pages != want || l.Pages != want || e.srv.Calls()["ListIssuedPartnerCoupons"] != want {
		t.Errorf("got %d pages (listing says %d, sandbox counted %d calls), want %d", pages, l.Pages, e.srv.Calls()["ListIssuedPartnerCoupons"], want)
	}
	if items != len(want) || len(seen) != len(want) || l.Total != len(want) {
		t.Errorf("got %d coupons (%d distinct, total %d), want %d", items, len(seen), l.Total, len(want))
	}
}

func TestStreamedListingWithAFailedPage(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 300})
	c := e.partner(t, fast())
	if n := len(e.srv.IssuedCoupons()); n <= 2*bss.PageIssued {
		t.Fatalf("the world has %d issued coupons; the test needs at least 3 pages", n)
	}
	first := true
	items := 0
	l, err := c.EachIssuedCoupon(context.Background(), bss.IssuedCouponFilter{}, func(p []bss.IssuedCoupon) error {
		if first {
			// The pages after the first are asked for after this returns: one of them fails.
			e.srv.FailNext("ListIssuedPartnerCoupons", 1, http.StatusBadRequest, "CBC.0100")
			first = false
		}
		items += len(p)
		return nil
	})
	var pe *bss.PageError
	if !errors.As(err, &pe) || pe.Failed != 1 || l.Failed != 1 || bss.KindOf(err) != bss.Invalid {
		t.Fatalf("got listing %+v and error %v, want a *PageError with 1 failed page of kind invalid", l, err)
	}
	if want := len(e.srv.IssuedCoupons()) - bss.PageIssued; items < want {
		t.Errorf("got %d coupons from the good pages, want at least %d", items, want)
	}
	if !strings.Contains(err.Error(), "1 of ") {
		t.Errorf("error %q does not say how many pages were not read", err)
	}
}

func TestStreamStopsWhenTheCallbackFails(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 300})
	c := e.partner(t, fast())
	stop := errors.New("enough")
	_, err := c.EachIssuedCoupon(context.Background(), bss.IssuedCouponFilter{}, func([]bss.IssuedCoupon) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("got %v, want the callback's error", err)
	}
}

// TestListsWithoutATotalAreMalformed: a 2xx answer with no total (and no list) decodes as an empty
// list; only the missing total shows it is not "no coupons".
func TestListsWithoutATotalAreMalformed(t *testing.T) {
	box, err := sandbox.New(sandbox.Options{Site: sandbox.SiteCN, Seed: 7, Customers: 3, Now: anchor})
	if err != nil {
		t.Fatal(err)
	}
	var broken atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if broken.Load() {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{}`))
			return
		}
		box.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	e := &env{srv: box, man: box.Manifest(srv.URL)}
	c := e.partner(t, fast())
	ctx := context.Background()
	broken.Store(true)
	tests := []struct {
		name string
		call func() error
	}{
		{"quotas", func() error { _, err := c.QuotaCoupons(ctx, bss.QuotaFilter{}); return err }},
		{"issued coupons", func() error { _, err := c.IssuedCoupons(ctx, bss.IssuedCouponFilter{}); return err }},
		{"own coupons", func() error {
			_, err := c.Coupons(ctx, bss.CouponFilter{ExpireAfter: anchor, ExpireBefore: anchor.Add(time.Hour)})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); bss.KindOf(err) != bss.Malformed {
				t.Errorf("got %v, want a malformed answer", err)
			}
		})
	}
}

func TestVersionOneCouponsHaveNoBalance(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 40})
	var cu sandbox.Customer
	var v1 int
	for i, c := range e.srv.Customers() {
		for _, cp := range e.srv.Coupons(c.ID) {
			if cp.Version == 1 {
				cu, v1 = c, i
			}
		}
	}
	if cu.ID == "" {
		t.Fatal("no customer holds a version-1 coupon")
	}
	got, err := e.customer(t, v1, fast()).Coupons(context.Background(), bss.CouponFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cp := range got {
		if (cp.Version == 1) != cp.NoBalance {
			t.Errorf("coupon %s version %d: NoBalance = %v, want it set exactly for version 1", cp.ID, cp.Version, cp.NoBalance)
		}
		if cp.PlanID == "" {
			t.Errorf("coupon %s has no plan id", cp.ID)
		}
	}
}

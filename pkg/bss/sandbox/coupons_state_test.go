package sandbox

import (
	"errors"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	"github.com/shopspring/decimal"
)

func TestVersionOneCouponsComeWithoutBalance(t *testing.T) {
	e := newEnv(t, Options{Seed: 12, Customers: 30})
	seen := map[int]int{}
	for i, c := range e.srv.Customers() {
		resp, err := e.cn(t, e.customer(i)).ListSubCustomerCoupons(&model.ListSubCustomerCouponsRequest{Limit: ptr(int32(100))})
		mustOK(t, err)
		for _, cp := range *resp.UserCoupons {
			v := int(*cp.CouponVersion)
			seen[v]++
			if (v == 1) != (cp.Balance == nil) {
				t.Errorf("customer %s coupon %s version %d: balance %v, want none exactly for version 1", c.ID, *cp.CouponId, v, cp.Balance)
			}
		}
	}
	if seen[1] == 0 || seen[2] == 0 {
		t.Errorf("got coupon versions %v, want both", seen)
	}
}

func TestUseCoupon(t *testing.T) {
	e := newEnv(t, Options{Seed: 12, Customers: 30})
	var v1, v2 Coupon
	for _, c := range e.srv.Customers() {
		for _, cp := range e.srv.Coupons(c.ID) {
			if cp.Status != CouponUsable || !cp.ExpireTime.After(anchor) {
				continue
			}
			if cp.Version == 1 && v1.ID == "" {
				v1 = cp
			}
			if cp.Version == 2 && v2.ID == "" {
				v2 = cp
			}
		}
	}
	if v1.ID == "" || v2.ID == "" {
		t.Fatal("the world lacks a usable coupon of each version")
	}
	status := func(id, owner string) (int, decimal.Decimal) {
		for _, cp := range e.srv.Coupons(owner) {
			if cp.ID == id {
				return cp.Status, cp.Balance
			}
		}
		t.Fatalf("coupon %s gone", id)
		return 0, decimal.Zero
	}
	part := v2.Balance.Div(decimal.NewFromInt(2)).Round(2)
	if err := e.srv.UseCoupon(v2.ID, part); err != nil {
		t.Fatal(err)
	}
	if st, bal := status(v2.ID, v2.OwnerID); st != CouponUsable || !bal.Equal(v2.Balance.Sub(part)) {
		t.Errorf("after a partial use: status %d balance %s, want usable with %s", st, bal, v2.Balance.Sub(part))
	}
	if err := e.srv.UseCoupon(v2.ID, v2.Balance.Sub(part)); err != nil {
		t.Fatal(err)
	}
	if st, bal := status(v2.ID, v2.OwnerID); st != CouponUsed || !bal.IsZero() {
		t.Errorf("after using the rest: status %d balance %s, want used with nothing left", st, bal)
	}
	if err := e.srv.UseCoupon(v1.ID, decimal.New(1, -2)); err != nil {
		t.Fatal(err)
	}
	if st, _ := status(v1.ID, v1.OwnerID); st != CouponUsed {
		t.Errorf("a single-use coupon used in part: status %d, want used", st)
	}
	for name, err := range map[string]error{
		"used again":     e.srv.UseCoupon(v1.ID, decimal.NewFromInt(1)),
		"unknown coupon": e.srv.UseCoupon("CPnope", decimal.NewFromInt(1)),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := e.srv.UseCoupon("CPnope", decimal.NewFromInt(1)); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown coupon: got %v, want ErrNotFound", err)
	}
}

func TestCouponsPastExpiryAreListedExpired(t *testing.T) {
	e := newEnv(t, Options{Seed: 12, Customers: 30})
	if err := e.srv.IssueCoupons(3, 500); err != nil {
		t.Fatal(err)
	}
	var pastUsable int
	for _, cp := range e.srv.IssuedCoupons() {
		if cp.Status == CouponUsable && !cp.ExpireTime.After(anchor) {
			pastUsable++
		}
	}
	if pastUsable == 0 {
		t.Fatal("no issued coupon is usable past its expiry; the test needs one")
	}
	resp, err := e.cn(t, e.partner()).ListIssuedPartnerCoupons(&model.ListIssuedPartnerCouponsRequest{
		Status: ptr(int32(CouponUsable)), ExpireTimeEnd: ptr(anchor.Format(timeLayout)), Limit: ptr(int32(100))})
	mustOK(t, err)
	if n := *resp.TotalCount; n != 0 {
		t.Errorf("got %d usable coupons expiring before now, want 0", n)
	}
	resp, err = e.cn(t, e.partner()).ListIssuedPartnerCoupons(&model.ListIssuedPartnerCouponsRequest{
		Status: ptr(int32(CouponExpired)), Limit: ptr(int32(100))})
	mustOK(t, err)
	if n := int(*resp.TotalCount); n < pastUsable {
		t.Errorf("got %d expired coupons, want at least the %d usable ones past expiry", n, pastUsable)
	}
}

func TestIssueCoupons(t *testing.T) {
	e := newEnv(t, Options{Seed: 12, Customers: 40})
	before := len(e.srv.IssuedCoupons())
	if err := e.srv.IssueCoupons(1, 1000); err != nil {
		t.Fatal(err)
	}
	if got := len(e.srv.IssuedCoupons()); got != before+1000 {
		t.Errorf("got %d issued coupons, want %d", got, before+1000)
	}
	resp, err := e.cn(t, e.partner()).ListIssuedPartnerCoupons(&model.ListIssuedPartnerCouponsRequest{Limit: ptr(int32(1))})
	mustOK(t, err)
	if got := int(*resp.TotalCount); got != before+1000 {
		t.Errorf("the API counts %d issued coupons, want %d", got, before+1000)
	}
	if err := e.srv.IssueCoupons(1, -1); err == nil {
		t.Error("a negative count: no error")
	}
}

func TestCouponsAgeWithTheClock(t *testing.T) {
	e := newEnv(t, Options{Seed: 12, Customers: 5})
	usable := func() int {
		resp, err := e.cn(t, e.partner()).ListSubCustomerCoupons(&model.ListSubCustomerCouponsRequest{Status: ptr(int32(CouponUsable)), Limit: ptr(int32(100))})
		mustOK(t, err)
		return int(*resp.Count)
	}
	before := usable()
	var due int
	for _, cp := range e.srv.Coupons(e.srv.Partner().ID) {
		if cp.Status == CouponUsable && cp.ExpireTime.After(anchor) && !cp.ExpireTime.After(anchor.Add(7*24*time.Hour)) {
			due++
		}
	}
	if due == 0 {
		t.Fatal("no partner coupon expires within a week; the test needs one")
	}
	e.srv.Advance(7 * 24 * time.Hour)
	if got := usable(); got != before-due {
		t.Errorf("a week later %d coupons are usable, want %d (%d expired)", got, before-due, due)
	}
}

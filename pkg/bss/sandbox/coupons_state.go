package sandbox

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"
)

// couponNow is the time coupons age by: the anchor the world was generated around, moved by every
// Advance. It is not the business clock (now), which starts at the wall clock: a world anchored in
// the past (the demo's, a test's) would otherwise have aged by the real time since its anchor, and a
// coupon generated to expire in 7 days must stay 7 days from expiry until the clock is moved.
func (s *Server) couponNow() time.Time { return s.anchor.Add(s.Offset()) }

// statusAt is the coupon's status at now: a usable coupon past its expiry has expired, as BSS turns
// it (status 4) without anyone touching it.
func (cp *Coupon) statusAt(now time.Time) int {
	if cp.Status == CouponUsable && !cp.ExpireTime.After(now) {
		return CouponExpired
	}
	return cp.Status
}

// UseCoupon spends amount of a usable coupon, as an order paid with it would: a reusable (version 2)
// coupon keeps what is left and is used up at zero; a single-use (version 1) coupon is used whole.
// It returns an error wrapping ErrNotFound for an unknown coupon, and an error for one that is not
// usable now or an amount that is not positive or above the balance.
func (s *Server) UseCoupon(couponID string, amount decimal.Decimal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := s.findCoupon(couponID)
	if cp == nil {
		return fmt.Errorf("sandbox: use coupon %s: %w", couponID, ErrNotFound)
	}
	if st := cp.statusAt(s.couponNow()); st != CouponUsable {
		return fmt.Errorf("sandbox: use coupon %s: status %d, not usable", couponID, st)
	}
	if !amount.IsPositive() || amount.GreaterThan(cp.Balance) {
		return fmt.Errorf("sandbox: use coupon %s: amount %s must be positive and at most the balance %s", couponID, amount, cp.Balance)
	}
	cp.Balance = cp.Balance.Sub(amount)
	if cp.Version == 1 || cp.Balance.IsZero() {
		cp.Balance, cp.Status = decimal.Zero, CouponUsed
		cp.OrderID = fmt.Sprintf("CS%015d", len(s.w.orders)+1)
	}
	return nil
}

func (s *Server) findCoupon(id string) *Coupon {
	for _, cp := range s.w.partnerCoupons {
		if cp.ID == id {
			return cp
		}
	}
	for _, c := range s.w.customers {
		for _, cp := range c.coupons {
			if cp.ID == id {
				return cp
			}
		}
	}
	return nil
}

// IssueCoupons gives the partner's reseller-model customers n more coupons, spread evenly over them,
// expiring between 60 days ago and a year ahead of the anchor (mostly usable, some used, expired
// or reclaimed), drawn from their own seeded stream so the rest of the world is unchanged. It is how
// a benchmark builds a partner with 100,000 issued coupons. It returns an error when the world has
// no reseller customer or n is negative.
func (s *Server) IssueCoupons(seed int64, n int) error {
	if n < 0 {
		return fmt.Errorf("sandbox: issue %d coupons: n must not be negative", n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var resellers []*customer
	for _, c := range s.w.customers {
		if c.Reseller {
			resellers = append(resellers, c)
		}
	}
	if len(resellers) == 0 && n > 0 {
		return fmt.Errorf("sandbox: issue %d coupons: no reseller-model customer", n)
	}
	g := &gen{site: s.site, now: s.anchor, r: rand.New(rand.NewPCG(uint64(seed), 0xc0c0))}
	_, _, _, planName, _ := g.names()
	plans := make([]string, 20)
	for i := range plans {
		plans[i] = "PP" + g.hex32()[:14]
	}
	for i := range n {
		c := resellers[i%len(resellers)]
		expire := g.now.Add(time.Duration(g.r.IntN(425*24)-60*24)*time.Hour + time.Duration(g.r.IntN(3600))*time.Second)
		face := g.price([]int64{10_000, 50_000, 100_000, 500_000, 1_000_000}[g.r.IntN(5)])
		cp := &Coupon{
			ID: "CP" + g.hex32()[:22], Code: g.chars(alnumUpper, 16), OwnerID: c.ID, Type: 1 + 3*g.r.IntN(2),
			Status: CouponUsable, FaceValue: face, Balance: face.Mul(decimal.New(int64(5+g.r.IntN(96)), -2)).Round(2),
			Currency: c.Currency, PlanID: plans[g.r.IntN(len(plans))], PlanName: planName, PlanDesc: planName,
			SourceID: s.w.partner.ID, Version: 2, CreateTime: expire.AddDate(-1, 0, 0), EffectiveTime: expire.AddDate(-1, 0, 0),
			ExpireTime: expire, ActiveTime: expire.AddDate(-1, 0, 0),
		}
		switch u := g.r.Float64(); {
		case u < 0.15:
			cp.Status, cp.Balance, cp.OrderID = CouponUsed, decimal.Zero, "CS"+g.chars(alnumUpper, 15)
		case u < 0.18:
			cp.Status = CouponReclaimed
		}
		c.coupons = append(c.coupons, cp)
		s.w.issued = append(s.w.issued, cp)
	}
	return nil
}

package check

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/balance"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/coupon"
)

// CouponCheck is the coupon-expiry check: coupon quotas, coupons issued to customers and coupons a
// profile holds, each source of each profile one listing, all of a profile in one digest.
type CouponCheck struct {
	Rules *coupon.Rules
}

// Name returns Coupon.
func (CouponCheck) Name() string { return Coupon }

// Run lists every watched source and judges what it holds at env.Now.
func (k CouponCheck) Run(ctx context.Context, env Env) []alert.Evaluation {
	var jobs []Job
	for _, w := range k.Rules.Watch {
		for _, s := range w.Sources {
			l := couponListing{r: k.Rules, now: env.Now, source: s}
			jobs = append(jobs, Job{w.Profile, l.run})
		}
	}
	evals := Fan(ctx, env, Coupon, "coupons", jobs)
	for i := range evals {
		// A coupon that expired before the check first looked at the account is history, not news.
		evals[i].FirstRun = alert.FirstRunOpen
	}
	return evals
}

// couponListing reads one source of one profile.
type couponListing struct {
	r      *coupon.Rules
	now    time.Time
	source coupon.Source
}

// pages counts what the listings of a part read, so a failed page turns into "2 of 80 pages of
// issued coupons not checked" while what the other pages held is still judged.
type pages struct {
	of, missed int
	errs       []error
}

// add records one listing; what says which ("usable", "expired").
func (p *pages) add(what string, l bss.Listing, err error) {
	p.of += max(l.Pages, 1)
	if err == nil {
		return
	}
	var pe *bss.PageError
	if errors.As(err, &pe) {
		p.missed += pe.Failed
	} else {
		p.missed += max(l.Pages, 1)
	}
	p.errs = append(p.errs, fmt.Errorf("%s: %w", what, err))
}

func (l couponListing) run(ctx context.Context, c *bss.Client) Part {
	j := l.r.Judge(l.now, l.source)
	var p pages
	var names func(string) string
	switch l.source {
	case coupon.Quotas:
		l.quotas(ctx, c, j, &p)
	case coupon.Issued:
		names = l.issued(ctx, c, j, &p)
	case coupon.Own:
		l.own(ctx, c, j, &p)
	}
	part := Part{Findings: j.Findings(names), Notes: j.Notes(), Errs: p.errs, Noun: "pages of " + string(l.source) + " coupons", Of: p.of, Missed: p.missed}
	if l.source == coupon.Quotas {
		part.Noun = "pages of coupon quotas"
	}
	if p.missed > 0 {
		// A coupon on a page that was not read may have expired or been used: nothing under this
		// source is resolved or forgotten this run.
		part.Skipped = []string{l.source.Prefix()}
	}
	return part
}

var quotaKinds = map[bss.QuotaType]string{bss.VoucherQuota: "voucher quota", bss.CashQuota: "cash-coupon quota"}

// quotas lists the normal quotas of both types whose expiry is in the window; one past its expiry
// with balance left expired unused.
func (l couponListing) quotas(ctx context.Context, c *bss.Client, j *coupon.Judge, p *pages) {
	after, before := l.r.Window(l.now)
	for _, t := range []bss.QuotaType{bss.VoucherQuota, bss.CashQuota} {
		f := bss.QuotaFilter{Type: t, Statuses: []bss.QuotaStatus{bss.QuotaNormal}, ExpireAfter: after, ExpireBefore: before}
		ls, err := c.EachQuota(ctx, f, func(qs []bss.CouponQuota) error {
			for _, q := range qs {
				j.Add(coupon.Coupon{Source: coupon.Quotas, ID: q.ID, Kind: quotaKinds[t], State: coupon.Usable,
					Expires: q.Expires, Unused: q.Balance})
			}
			return nil
		})
		p.add(quotaKinds[t]+"s", ls, err)
	}
}

// issued lists the usable coupons issued to customers whose expiry is in the window and those that
// expired within the lookback, and meanwhile the customers, to name each coupon's holder. It returns
// how to name a customer.
func (l couponListing) issued(ctx context.Context, c *bss.Client, j *coupon.Judge, p *pages) func(string) string {
	type result struct {
		subs []bss.SubCustomer
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		subs, err := c.SubCustomers(ctx)
		ch <- result{subs, err}
	}()
	after, before := l.r.Window(l.now)
	add := func(cs []bss.IssuedCoupon) error {
		for _, ic := range cs {
			j.Add(coupon.Coupon{Source: coupon.Issued, ID: ic.ID, Kind: ic.PlanName, Holder: ic.CustomerID, PlanID: ic.PlanID,
				PlanName: ic.PlanName, State: couponState(ic.Status), Expires: ic.Expires, Unused: ic.Balance})
		}
		return nil
	}
	ls, err := c.EachIssuedCoupon(ctx, bss.IssuedCouponFilter{Status: bss.CouponUsable, ExpireAfter: after, ExpireBefore: before}, add)
	p.add("usable", ls, err)
	ls, err = c.EachIssuedCoupon(ctx, bss.IssuedCouponFilter{Status: bss.CouponExpired, ExpireAfter: after, ExpireBefore: l.now.Add(time.Second)}, add)
	p.add("expired", ls, err)

	res := <-ch
	if res.err != nil {
		// The coupons were all judged; only their holders' names are missing, so they carry ids.
		p.errs = append(p.errs, fmt.Errorf("customer names (coupons show customer ids): %w", res.err))
		return nil
	}
	names := make(map[string]string, len(res.subs))
	for _, s := range res.subs {
		names[s.ID] = balance.CustomerName(s)
	}
	return func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return id
	}
}

// own pages every usable and every expired coupon the profile holds (the API has no expiry
// filter) and keeps those in the window.
func (l couponListing) own(ctx context.Context, c *bss.Client, j *coupon.Judge, p *pages) {
	after, before := l.r.Window(l.now)
	add := func(cs []bss.Coupon) error {
		for _, cp := range cs {
			// A version-1 coupon's balance is its face value while usable (bss); the finding says so.
			j.Add(coupon.Coupon{Source: coupon.Own, ID: cp.ID, Kind: cp.PlanName, PlanID: cp.PlanID, PlanName: cp.PlanName,
				State: couponState(cp.Status), Expires: cp.Expires, Unused: cp.Balance, FaceValue: cp.NoBalance})
		}
		return nil
	}
	ls, err := c.EachCoupon(ctx, bss.CouponFilter{Status: bss.CouponUsable, ExpireAfter: after, ExpireBefore: before}, add)
	p.add("usable", ls, err)
	ls, err = c.EachCoupon(ctx, bss.CouponFilter{Status: bss.CouponExpired, ExpireAfter: after, ExpireBefore: l.now.Add(time.Second)}, add)
	p.add("expired", ls, err)
}

func couponState(s bss.CouponStatus) coupon.State {
	switch s {
	case bss.CouponUsable:
		return coupon.Usable
	case bss.CouponExpired:
		return coupon.Expired
	default:
		return coupon.Done
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/coupon"
	"github.com/bsswatch/bsswatch/pkg/state/bolt"
)

// couponsPerCustomer is how many coupons the benchmark's partner has issued per customer: 100,000
// for 10,000 customers.
const couponsPerCustomer = 10

// benchCoupon measures coupon-expiry for a partner with f.customers customers and ten issued coupons
// each, watching its quotas, issued coupons and own coupons.
func benchCoupon(ctx context.Context, f benchFlags, stdout io.Writer, spawn spawnSandbox) error {
	issued := f.customers * couponsPerCustomer
	dir, box, m, err := benchSandbox(ctx, spawn, f, "--issued-coupons", strconv.Itoa(issued))
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	defer box.stop()

	hook, posts := countingHook()
	defer hook.Close()
	cfgPath, env, err := writeCouponBenchConfig(dir, m, hook.URL, f.rate)
	if err != nil {
		return err
	}

	// One clock reading for the run and for the minimum asked of the sandbox after it.
	now := time.Now().UTC().Truncate(time.Second)
	run, err := measureRun(ctx, cfgPath, env, app.Options{File: bolt.Opener(true), Now: func() time.Time { return now }}, check.Coupon)
	if err != nil {
		return err
	}
	defer run.app.Close()
	a, res, cold, wall, heap, rss, rssErr := run.app, run.res, run.cold, run.wall, run.heap, run.rss, run.rssErr
	partner := a.Clients["partner-cn"]
	made := partner.Stats()
	mins, err := couponMinimum(ctx, partner, a.Config.Checks.Coupon, now, f.customers)
	if err != nil {
		return err
	}

	fmt.Fprintf(stdout, "coupon check: %d customers, %d issued coupons, sandbox latency %s, rate %g calls/s per API and account, seed %d\n",
		f.customers, issued, f.latency, f.rate, f.seed)
	fmt.Fprintf(stdout, "run: %d findings (coupons and quotas in the tiers or expired unused); deliveries: %d done, %d failed; webhook posts received: %d\n\n",
		res.Findings, res.Delivered, res.Failed, posts.Load())
	const row = "%-30s %7s %9s %17s %9s\n"
	fmt.Fprintf(stdout, row, "API", "calls", "minimum", "throttled (429)", "retries")
	var calls, least, throttles, retries int64
	busiest := 0
	callsOK := true
	for _, api := range []bss.API{bss.ListQuotaCoupons, bss.ListIssuedPartnerCoupons, bss.ListSubCustomers, bss.ListSubCustomerCoupons} {
		n := made[api]
		calls += n.Attempts
		least += int64(mins[api])
		throttles += n.Throttles
		retries += n.Retries
		busiest = max(busiest, int(n.Attempts), mins[api])
		callsOK = callsOK && n.Attempts == int64(mins[api])
		fmt.Fprintf(stdout, row, api, itoa(n.Attempts), itoa(int64(mins[api])), itoa(n.Throttles), itoa(n.Retries))
	}
	fmt.Fprintf(stdout, row+"\n", "total", itoa(calls), itoa(least), itoa(throttles), itoa(retries))

	floor := time.Duration(float64(busiest) / f.rate * float64(time.Second))
	ratio := float64(wall) / float64(floor)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tmeasured\ttarget\tresult")
	fmt.Fprintf(tw, "calls made\t%d\t= %d (minimum)\t%s\n", calls, least, verdict(callsOK))
	fmt.Fprintf(tw, "wall time of the run\t%s\t<= %s (%.1fx floor %s = %d calls of the busiest API / %g per s)\t%s (%.2fx floor)\n",
		wall.Round(time.Millisecond), scale(floor, targetWallRatio).Round(time.Millisecond), targetWallRatio,
		floor.Round(time.Millisecond), busiest, f.rate, verdict(wall <= scale(floor, targetWallRatio)), ratio)
	if rssErr == nil {
		fmt.Fprintf(tw, "peak RSS (VmHWM)\t%s\t< %s\t%s\n", mib(rss), mib(targetRSS), verdict(rss < targetRSS))
	} else {
		fmt.Fprintf(tw, "peak RSS (VmHWM)\tn/a\t< %s\tn/a (%v)\n", mib(targetRSS), rssErr)
	}
	fmt.Fprintf(tw, "peak Go heap (objects)\t%s\t(information, GOGC default)\t\n", mib(heap.objects))
	if err := tw.Flush(); err != nil {
		return err
	}
	benchLine(stdout, check.Coupon, f.customers, calls, least, wall, floor, rss,
		"issued="+strconv.Itoa(issued), "findings="+strconv.Itoa(res.Findings), fmt.Sprintf("ratio=%.2f", ratio),
		"throttled="+itoa(throttles), "retries="+itoa(retries), fmt.Sprintf("cold_start_ms=%.1f", float64(cold.Microseconds())/1000))
	return nil
}

// errTotal stops a listing after its first page, which carries the total.
var errTotal = errors.New("total read")

// couponMinimum is the fewest calls the check can make at now: every listing it needs at the largest
// page size, with the totals the sandbox gives for the same filters, and every customer once (to name
// the coupons' holders). It asks after the run, with calls the run's figures do not count.
func couponMinimum(ctx context.Context, c *bss.Client, r *coupon.Rules, now time.Time, customers int) (map[bss.API]int, error) {
	after, before := r.Window(now)
	pages := func(l bss.Listing, err error) (int, error) {
		if err != nil && !errors.Is(err, errTotal) {
			return 0, fmt.Errorf("minimum: %w", err)
		}
		return l.Pages, nil // the listing's total at the API's page size
	}
	mins := map[bss.API]int{bss.ListSubCustomers: bss.Pages(customers, bss.PageSubCustomers)}
	stop := func(any) error { return errTotal }
	for _, q := range []bss.QuotaFilter{
		{Type: bss.VoucherQuota, Statuses: []bss.QuotaStatus{bss.QuotaNormal}, ExpireAfter: after, ExpireBefore: before},
		{Type: bss.CashQuota, Statuses: []bss.QuotaStatus{bss.QuotaNormal}, ExpireAfter: after, ExpireBefore: before},
	} {
		n, err := pages(c.EachQuota(ctx, q, func(p []bss.CouponQuota) error { return stop(p) }))
		if err != nil {
			return nil, err
		}
		mins[bss.ListQuotaCoupons] += n
	}
	for _, f := range []bss.IssuedCouponFilter{
		{Status: bss.CouponUsable, ExpireAfter: after, ExpireBefore: before},
		{Status: bss.CouponExpired, ExpireAfter: after, ExpireBefore: now.Add(time.Second)},
	} {
		n, err := pages(c.EachIssuedCoupon(ctx, f, func(p []bss.IssuedCoupon) error { return stop(p) }))
		if err != nil {
			return nil, err
		}
		mins[bss.ListIssuedPartnerCoupons] += n
	}
	for _, st := range []bss.CouponStatus{bss.CouponUsable, bss.CouponExpired} {
		n, err := pages(c.EachCoupon(ctx, bss.CouponFilter{Status: st}, func(p []bss.Coupon) error { return stop(p) }))
		if err != nil {
			return nil, err
		}
		mins[bss.ListSubCustomerCoupons] += n
	}
	return mins, nil
}

// writeCouponBenchConfig writes the configuration a coupon-expiry function would get: one partner
// profile watching every source with the default tiers, bolt state and one webhook destination.
func writeCouponBenchConfig(dir string, m sandbox.Manifest, hookURL string, rate float64) (string, func(string) string, error) {
	secrets := map[string]string{"PARTNER_AK": m.Partner.AK, "PARTNER_SK": m.Partner.SK, "HOOK_SECRET": "bench-signing-secret"}
	doc := fmt.Sprintf(`profiles:
  partner-cn: {role: partner, site: cn, domain_id: %q, ak: env:PARTNER_AK, sk: env:PARTNER_SK, endpoint: %q, rate_per_second: %s}
state: {backend: bolt, path: %q}
destinations:
  hook: {type: webhook, url: %q, secret: env:HOOK_SECRET}
routes: [{to: [hook]}]
ops: [hook]
checks:
  coupon:
    watch:
      - {profile: partner-cn, sources: [quotas, issued, own]}
`, m.Partner.DomainID, m.Endpoint, strconv.FormatFloat(rate, 'g', -1, 64), filepath.Join(dir, "state.db"), hookURL)
	path := filepath.Join(dir, "bsswatch.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		return "", nil, fmt.Errorf("write the configuration: %w", err)
	}
	return path, func(k string) string { return secrets[k] }, nil
}

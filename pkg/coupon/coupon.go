// Package coupon holds the coupon-expiry rules: which coupons and coupon quotas count (usable, with
// value left), which tier of days left each is in and with which severity, when one expired unused,
// which are test coupons, and the totals a digest shows. It does no I/O; pkg/check feeds it what BSS
// answered, one coupon at a time, so a listing of any size is judged without being held.
package coupon

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/bsswatch/bsswatch/pkg/notify"
)

// Source is a listing the check can watch.
type Source string

// The sources: the partner's coupon quotas (ListQuotaCoupons, both types), coupons it issued to
// reseller customers (ListIssuedPartnerCoupons) and the coupons a profile holds itself
// (ListSubCustomerCoupons: a partner's own, test coupons among them, or a customer's own).
const (
	Quotas Source = "quotas"
	Issued Source = "issued"
	Own    Source = "own"
)

// Sources lists every source, in the order a configuration names them.
var Sources = []Source{Quotas, Issued, Own}

// Prefix is the start of the subjects of a source's findings ("issued/"): a listing that failed
// skips its prefix, so nothing it would have named is resolved.
func (s Source) Prefix() string { return string(s) + "/" }

// Tier is a band of days left before expiry and the severity of a coupon in it.
type Tier struct {
	Days     int
	Severity notify.Severity
}

// Label names the tier as digests say it ("expires within 7 days").
func (t Tier) Label() string {
	if t.Days == 1 {
		return "expires within 1 day"
	}
	return fmt.Sprintf("expires within %d days", t.Days)
}

// Defaults of the rules.
var (
	DefaultTiers = []Tier{{30, notify.Info}, {7, notify.Warning}, {1, notify.Critical}}
	// DefaultTestNames are plan-name substrings of Huawei's test coupons (云软件方案测试券) on both sites.
	DefaultTestNames = []string{"测试券", "Test Coupon"}
)

// Default expiry settings.
const (
	DefaultExpiredSeverity = notify.Warning
	// DefaultLookbackDays covers a week of missed daily runs: a coupon that expired unused within it
	// is announced once.
	DefaultLookbackDays = 7
)

// ExpiredLabel is the tier of a coupon that expired with value left.
const ExpiredLabel = "expired unused"

// Rules are the coupon-expiry rules of one configuration.
type Rules struct {
	// Tiers are strictly decreasing in days (pkg/config enforces it); a coupon is in the last tier
	// whose days it expires within.
	Tiers []Tier
	// ExpiredSeverity is the severity of the one "expired unused" notice.
	ExpiredSeverity notify.Severity
	// LookbackDays is how long after its expiry a coupon with value left is still reported (and
	// announced once, if no run saw it expire).
	LookbackDays int
	// Test recognises test coupons.
	Test TestCoupons
	// Watch lists what each profile watches.
	Watch []Watch
	// Location is the zone expiry times are shown in; nil means UTC.
	Location *time.Location
}

// Watch is one profile and the sources it watches.
type Watch struct {
	Profile string
	Sources []Source
}

// TestCoupons recognise test coupons: BSS has no field for them, so by promotion plan id (path.Match
// patterns such as "PP2026*") or by a substring of the plan name.
type TestCoupons struct {
	PlanIDs   []string
	PlanNames []string
}

// Is reports whether a coupon of this plan is a test coupon. Patterns are checked by pkg/config, so a
// bad one never reaches here; it would match nothing.
func (t TestCoupons) Is(planID, planName string) bool {
	for _, p := range t.PlanIDs {
		if ok, _ := path.Match(p, planID); ok && planID != "" {
			return true
		}
	}
	return slices.ContainsFunc(t.PlanNames, func(s string) bool { return s != "" && strings.Contains(planName, s) })
}

// Horizon is how far ahead the rules look: the widest tier.
func (r *Rules) Horizon() time.Duration {
	d := 0
	for _, t := range r.Tiers {
		d = max(d, t.Days)
	}
	return days(d)
}

// Lookback is how far back an expired coupon is still reported.
func (r *Rules) Lookback() time.Duration { return days(r.LookbackDays) }

// Window is the expiry window a listing at now must cover: coupons that expired within the lookback
// and those that expire within the horizon (both exclusive, as the BSS filters are).
func (r *Rules) Window(now time.Time) (after, before time.Time) {
	return now.Add(-r.Lookback()), now.Add(r.Horizon() + time.Second)
}

// tier returns the nearest tier that left (> 0) falls within, or false.
func (r *Rules) tier(left time.Duration) (Tier, bool) {
	var got Tier
	ok := false
	for _, t := range r.Tiers {
		if left <= days(t.Days) && (!ok || t.Days < got.Days) {
			got, ok = t, true
		}
	}
	return got, ok
}

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

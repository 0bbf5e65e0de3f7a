package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bsswatch/bsswatch/pkg/coupon"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

// couponBase is a small valid document with the coupon check; each error case changes one thing.
const couponBase = `timezone: Asia/Shanghai
profiles:
  pc: {role: partner, site: cn, domain_id: d1, ak: env:AK, sk: env:SK}
  pi: {role: partner, site: intl, domain_id: d2, ak: env:AK, sk: env:SK}
  cc: {role: customer, site: cn, domain_id: d3, ak: env:AK, sk: env:SK}
state: {backend: bolt, path: x.db}
destinations:
  ops: {type: slack, token: env:SLACK, channel: C1}
routes:
  - {to: [ops]}
ops: [ops]
checks:
  coupon:
    tiers:
      - {days: 60, severity: info}
      - {days: 14, severity: warning}
      - {days: 3, severity: critical}
    expired: {severity: critical, lookback_days: 10}
    test_coupons:
      plan_ids: ["PP2026*", PPX1]
      plan_names: [测试券]
    watch:
      - profile: pc
        sources: [quotas, issued, own]
      - {profile: pi, sources: [own]}
      - {profile: cc, sources: [own]}
`

func editCoupon(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(couponBase, old) {
		t.Fatalf("couponBase has no %q", old)
	}
	return strings.Replace(couponBase, old, new, 1)
}

func TestParseCoupon(t *testing.T) {
	c, err := Parse([]byte(couponBase), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &coupon.Rules{
		Tiers:           []coupon.Tier{{Days: 60, Severity: notify.Info}, {Days: 14, Severity: notify.Warning}, {Days: 3, Severity: notify.Critical}},
		ExpiredSeverity: notify.Critical,
		LookbackDays:    10,
		Test:            coupon.TestCoupons{PlanIDs: []string{"PP2026*", "PPX1"}, PlanNames: []string{"测试券"}},
		Watch: []coupon.Watch{
			{Profile: "pc", Sources: []coupon.Source{coupon.Quotas, coupon.Issued, coupon.Own}},
			{Profile: "pi", Sources: []coupon.Source{coupon.Own}},
			{Profile: "cc", Sources: []coupon.Source{coupon.Own}},
		},
	}
	if diff := cmp.Diff(want, c.Checks.Coupon, cmpopts.IgnoreFields(coupon.Rules{}, "Location")); diff != "" {
		t.Errorf("coupon rules (-want +got):\n%s", diff)
	}
	if got := c.Checks.Coupon.Location.String(); got != "Asia/Shanghai" {
		t.Errorf("location = %s, want the configured time zone", got)
	}
}

func TestParseCouponDefaults(t *testing.T) {
	doc := couponBase[:strings.Index(couponBase, "    tiers:")] + "    watch: [{profile: pc, sources: [own]}]\n"
	c, err := Parse([]byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := c.Checks.Coupon
	if diff := cmp.Diff(coupon.DefaultTiers, r.Tiers); diff != "" {
		t.Errorf("tiers (-want +got):\n%s", diff)
	}
	if r.ExpiredSeverity != coupon.DefaultExpiredSeverity || r.LookbackDays != coupon.DefaultLookbackDays {
		t.Errorf("expired %s lookback %d, want the defaults", r.ExpiredSeverity, r.LookbackDays)
	}
	if !r.Test.Is("", "云软件方案测试券") {
		t.Errorf("the default test coupons do not include 测试券")
	}
}

func TestParseCouponMistakes(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		want     []string
	}{
		{"tiers not strictly decreasing", "{days: 14, severity: warning}", "{days: 60, severity: warning}",
			[]string{"checks.coupon.tiers[1].days: tiers must be strictly decreasing in days: 60 follows 60 (line 16)"}},
		{"tiers increasing", "{days: 3, severity: critical}", "{days: 30, severity: critical}",
			[]string{"checks.coupon.tiers[2].days: tiers must be strictly decreasing in days: 30 follows 14 (line 17)"}},
		{"negative day count", "{days: 3,", "{days: -3,",
			[]string{"checks.coupon.tiers[2].days: a day count must not be negative, got -3 (line 17)"}},
		{"negative lookback", "lookback_days: 10", "lookback_days: -1",
			[]string{"checks.coupon.expired.lookback_days: a day count must not be negative, got -1 (line 18)"}},
		{"days not a number", "{days: 3,", "{days: three,",
			[]string{"checks.coupon.tiers[2].days: not a whole number of days: \"three\" (line 17)"}},
		{"unknown severity", "severity: critical}\n    expired", "severity: fatal}\n    expired",
			[]string{"checks.coupon.tiers[2].severity: \"fatal\" is not one of: info, warning, critical (line 17)"}},
		{"unknown source", "sources: [quotas, issued, own]", "sources: [quotas, issues, own]",
			[]string{"checks.coupon.watch[0].sources[1]: unknown source \"issues\" (expected one of: quotas, issued, own) (line 24)"}},
		{"bad plan id pattern", `"PP2026*"`, `"PP[2026"`,
			[]string{"checks.coupon.test_coupons.plan_ids[0]: bad plan id pattern \"PP[2026\": syntax error in pattern (write an id, or a pattern with * ? [a-z]) (line 20)"}},
		{"international partner watching quotas", "{profile: pi, sources: [own]}", "{profile: pi, sources: [own, quotas]}",
			[]string{"checks.coupon.watch[1].profile: profile \"pi\" is a partner on site intl: only a China-site partner can call ListQuotaCoupons (line 25)"}},
		{"customer watching issued coupons", "{profile: cc, sources: [own]}", "{profile: cc, sources: [issued]}",
			[]string{"checks.coupon.watch[2].profile: profile \"cc\" is a customer on site cn: only a China-site partner can call ListIssuedPartnerCoupons (line 26)"}},
		{"unknown profile", "{profile: cc,", "{profile: cx,",
			[]string{"checks.coupon.watch[2].profile: unknown profile \"cx\" (line 26)"}},
		{"profile twice", "{profile: cc,", "{profile: pi,",
			[]string{"checks.coupon.watch[2].profile: profile \"pi\" is listed twice; list all its sources once (line 26)"}},
		{"no sources", "{profile: cc, sources: [own]}", "{profile: cc, sources: []}",
			[]string{"checks.coupon.watch[2].sources: required: at least one source (quotas, issued, own) (line 26)"}},
		{"no watch", "    watch:\n      - profile: pc\n        sources: [quotas, issued, own]\n      - {profile: pi, sources: [own]}\n      - {profile: cc, sources: [own]}\n", "",
			[]string{"checks.coupon.watch: required (line 14)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mistakes(t, editCoupon(t, tt.old, tt.new), nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

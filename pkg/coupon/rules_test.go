package coupon_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bsswatch/bsswatch/pkg/coupon"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

var now = time.Date(2026, 11, 21, 8, 0, 0, 0, time.UTC)

func rules() *coupon.Rules {
	return &coupon.Rules{
		Tiers:           coupon.DefaultTiers,
		ExpiredSeverity: coupon.DefaultExpiredSeverity,
		LookbackDays:    coupon.DefaultLookbackDays,
		Test:            coupon.TestCoupons{PlanIDs: []string{"PPTEST*"}, PlanNames: coupon.DefaultTestNames},
	}
}

func cp(id string, expires time.Duration, unused string) coupon.Coupon {
	return coupon.Coupon{Source: coupon.Own, ID: id, Kind: "伙伴代金券", PlanID: "PP1", PlanName: "伙伴代金券",
		Expires: now.Add(expires), Unused: money.MustParse(unused, "CNY")}
}

const day = 24 * time.Hour

func TestTiersAndStates(t *testing.T) {
	type want struct {
		tier  string
		sev   notify.Severity
		final bool
	}
	tests := []struct {
		name string
		c    coupon.Coupon
		want *want // nil: no finding
	}{
		{"beyond the widest tier", cp("a", 31*day, "100"), nil},
		{"exactly 30 days", cp("a", 30*day, "100"), &want{"expires within 30 days", notify.Info, false}},
		{"8 days", cp("a", 8*day, "100"), &want{"expires within 30 days", notify.Info, false}},
		{"exactly 7 days", cp("a", 7*day, "100"), &want{"expires within 7 days", notify.Warning, false}},
		{"a day and a second", cp("a", day+time.Second, "100"), &want{"expires within 7 days", notify.Warning, false}},
		{"one hour", cp("a", time.Hour, "100"), &want{"expires within 1 day", notify.Critical, false}},
		{"used up", func() coupon.Coupon { c := cp("a", day, "100"); c.State = coupon.Done; return c }(), nil},
		{"nothing left", cp("a", day, "0"), nil},
		{"expired 2 days ago with value", func() coupon.Coupon { c := cp("a", -2*day, "100"); c.State = coupon.Expired; return c }(),
			&want{"expired unused", notify.Warning, true}},
		{"still usable past its expiry", cp("a", -time.Minute, "100"), &want{"expired unused", notify.Warning, true}},
		{"expired before the lookback", func() coupon.Coupon { c := cp("a", -8*day, "100"); c.State = coupon.Expired; return c }(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := rules().Judge(now, coupon.Own)
			j.Add(tt.c)
			fs := j.Findings(nil)
			if tt.want == nil {
				if len(fs) != 0 {
					t.Fatalf("got %d findings (%s), want none", len(fs), fs[0].Tier)
				}
				return
			}
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want 1", len(fs))
			}
			f := fs[0]
			if got := (want{f.Tier, f.Severity, f.Final}); got != *tt.want {
				t.Errorf("got %+v, want %+v", got, *tt.want)
			}
			if f.Subject != "own/a" {
				t.Errorf("subject = %q, want own/a", f.Subject)
			}
			if tt.want.final && f.Text != "expired unused: ¥100.00" {
				t.Errorf("text = %q, want the final notice", f.Text)
			}
		})
	}
}

func TestTitlesAndFields(t *testing.T) {
	test := cp("t1", 5*day, "5000")
	test.PlanName = "云软件方案测试券"
	byID := cp("t2", 5*day, "10")
	byID.PlanID = "PPTEST42"
	issued := cp("i1", 2*day, "300.5")
	issued.Source, issued.Holder = coupon.Issued, "c-1"
	v1 := cp("v1", 20*day, "200")
	v1.FaceValue = true
	quota := coupon.Coupon{Source: coupon.Quotas, ID: "QT1", Kind: "cash-coupon quota", PlanName: "测试券", Expires: now.Add(3 * day),
		Unused: money.MustParse("12000", "CNY")}
	tests := []struct {
		name      string
		c         coupon.Coupon
		wantTitle string
		wantText  string
		wantField string
	}{
		{"test coupon by plan name", test, "Test coupon 伙伴代金券 (t1)", "", "¥5,000.00"},
		{"test coupon by plan id", byID, "Test coupon 伙伴代金券 (t2)", "", "¥10.00"},
		{"issued coupon names its customer", issued, "Coupon 伙伴代金券 (i1) of 成都长风软件有限公司 (c-1)", "", "¥300.50"},
		{"version-1 coupon at face value", v1, "Coupon 伙伴代金券 (v1)", "no balance from BSS (a version-1 coupon): its face value counts as unused", "¥200.00 (face value)"},
		{"a quota is never a test coupon", quota, "Cash-coupon quota (QT1)", "", "¥12,000.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := rules().Judge(now, tt.c.Source)
			j.Add(tt.c)
			f := j.Findings(func(id string) string { return "成都长风软件有限公司 (" + id + ")" })[0]
			if f.Title != tt.wantTitle || f.Text != tt.wantText || f.Fields[0].Value != tt.wantField {
				t.Errorf("got title %q text %q unused %q, want %q %q %q", f.Title, f.Text, f.Fields[0].Value, tt.wantTitle, tt.wantText, tt.wantField)
			}
		})
	}
}

func TestACouponSeenTwiceCountsOnceExpired(t *testing.T) {
	usable := cp("a", -time.Hour, "100")
	expired := usable
	expired.State = coupon.Expired
	fresh := cp("a", 3*day, "100")
	for _, order := range [][]coupon.Coupon{{fresh, expired}, {expired, fresh}} {
		j := rules().Judge(now, coupon.Issued)
		for _, c := range order {
			j.Add(c)
		}
		fs := j.Findings(nil)
		if len(fs) != 1 || !fs[0].Final {
			t.Errorf("got %d findings (final %v), want one expired notice", len(fs), len(fs) > 0 && fs[0].Final)
		}
	}
}

func TestNotesTotalPerKindCurrencyAndTier(t *testing.T) {
	j := rules().Judge(now, coupon.Own)
	add := func(c coupon.Coupon) { j.Add(c) }
	add(cp("a", 20*day, "1000"))
	add(cp("b", 5*day, "200.50"))
	add(cp("c", 12*time.Hour, "0.50"))
	add(cp("d", 40*day, "999")) // beyond every tier
	usd := cp("e", 3*day, "10")
	usd.Unused = money.MustParse("10", "USD")
	add(usd)
	test := cp("f", 25*day, "500000")
	test.PlanName = "云软件方案测试券"
	add(test)
	gone := cp("g", -2*day, "300")
	gone.State = coupon.Expired
	add(gone)
	want := []string{
		"¥1,201.00 in 3 own coupons expires within 30 days",
		"¥201.00 in 2 own coupons expires within 7 days",
		"¥0.50 in 1 own coupon expires within 1 day",
		"¥300.00 in 1 own coupon expired unused in the last 7 days",
		"$10.00 in 1 own coupon expires within 30 days",
		"$10.00 in 1 own coupon expires within 7 days",
		"¥500,000.00 in 1 test coupon expires within 30 days",
	}
	if diff := cmp.Diff(want, j.Notes()); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	issued := rules().Judge(now, coupon.Issued)
	issued.Add(func() coupon.Coupon { c := cp("x", 2*day, "5"); c.Source = coupon.Issued; return c }())
	issued.Add(func() coupon.Coupon { c := cp("y", 2*day, "5"); c.Source = coupon.Issued; return c }())
	if got, want := issued.Notes()[0], "¥10.00 in 2 coupons issued to customers expires within 30 days"; got != want {
		t.Errorf("issued note = %q, want %q", got, want)
	}
}

func TestWindowCoversLookbackAndHorizon(t *testing.T) {
	after, before := rules().Window(now)
	if want := now.Add(-7 * day); !after.Equal(want) {
		t.Errorf("after = %s, want %s", after, want)
	}
	if !before.After(now.Add(30 * day)) {
		t.Errorf("before = %s, want past the 30-day horizon %s (the filter is exclusive)", before, now.Add(30*day))
	}
}

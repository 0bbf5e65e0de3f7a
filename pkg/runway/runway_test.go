package runway

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

func cny(s string) money.Amount { return money.MustParse(s, "CNY") }

// now is 10:00 China time on 2 Dec 2026: a 14-day window runs 18 Nov .. 1 Dec, across two cycles.
var now = time.Date(2026, 12, 2, 2, 0, 0, 0, time.UTC)

var rules = Rules{Window: 14, Warning: 14, Critical: 3}

// day is 12:00 China time on the window's i-th day (0 is the first).
func day(i int) time.Time {
	first, _ := rules.Days(now)
	return first.Add(time.Duration(i)*24*time.Hour + 12*time.Hour)
}

// usage is a consumption fee record of amount on window day i.
func usage(i int, amount string) bss.Charge {
	return bss.Charge{At: day(i), Cash: cny(amount), BillType: 5}
}

// steady spends amount on every day of the window.
func steady(amount string) []bss.Charge {
	var out []bss.Charge
	for i := range rules.Window {
		out = append(out, usage(i, amount))
	}
	return out
}

func TestDaysAndCycles(t *testing.T) {
	first, last := rules.Days(now)
	if got, want := first.Format(time.DateOnly)+".."+last.Format(time.DateOnly), "2026-11-18..2026-12-01"; got != want {
		t.Errorf("window = %s, want %s (whole China-time days before today)", got, want)
	}
	if got, want := rules.Cycles(now), []string{"2026-11", "2026-12"}; !slices.Equal(got, want) {
		t.Errorf("cycles = %v, want %v", got, want)
	}
	long := Rules{Window: 92}
	if got, want := long.Cycles(now), []string{"2026-09", "2026-10", "2026-11", "2026-12"}; !slices.Equal(got, want) {
		t.Errorf("92-day cycles = %v, want %v (every month the window touches)", got, want)
	}
	mid := time.Date(2026, 12, 20, 2, 0, 0, 0, time.UTC)
	if got, want := rules.Cycles(mid), []string{"2026-12"}; !slices.Equal(got, want) {
		t.Errorf("cycles = %v, want %v", got, want)
	}
	// 23:30 UTC on 1 Dec is already 2 Dec in China: the window ends on 1 Dec.
	late := time.Date(2026, 12, 1, 23, 30, 0, 0, time.UTC)
	if _, last := rules.Days(late); last.Format(time.DateOnly) != "2026-12-01" {
		t.Errorf("last day = %s, want 2026-12-01 (BSS days are China time)", last.Format(time.DateOnly))
	}
}

func TestCounts(t *testing.T) {
	tests := []struct {
		name string
		c    bss.Charge
		want bool
	}{
		{"usage", bss.Charge{BillType: 5}, true},
		{"new purchase", bss.Charge{BillType: 1}, true},
		{"yearly payment", bss.Charge{BillType: 103}, true},
		{"refund of an unsubscription", bss.Charge{BillType: 4}, false},
		{"refund of a change", bss.Charge{BillType: 20}, false},
		{"compensation", bss.Charge{BillType: 9}, false},
		{"account expense", bss.Charge{Expense: true, Detail: "SOURCE_OPERAIION_USAGE"}, true},
		{"account income (top-up)", bss.Charge{Expense: false, Detail: "SOURCE_OPERAIION_RECHARGE"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Counts(tt.c); got != tt.want {
				t.Errorf("Counts = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMeasure(t *testing.T) {
	tests := []struct {
		name      string
		balance   string
		charges   []bss.Charge
		wantOK    bool
		wantRate  string
		wantDays  string
		wantSpike bool
	}{
		{name: "steady spender", balance: "1000", charges: steady("100"), wantOK: true, wantRate: "100", wantDays: "10"},
		{name: "no spend, no runway", balance: "1000", wantOK: false},
		{name: "only refunds, no runway", balance: "1000", charges: []bss.Charge{{At: day(3), Cash: cny("500"), BillType: 4}}, wantOK: false},
		{name: "refunds and top-ups do not slow the rate", balance: "700",
			charges: append(steady("50"), bss.Charge{At: day(2), Cash: cny("300"), BillType: 4}, bss.Charge{At: day(4), Cash: cny("5000")}),
			wantOK:  true, wantRate: "50", wantDays: "14"},
		{name: "a day without spend counts as zero", balance: "70", charges: []bss.Charge{usage(0, "140")}, wantOK: true, wantRate: "10", wantDays: "7"},
		{name: "records outside the window are ignored", balance: "100",
			charges: []bss.Charge{usage(0, "14"), {At: day(-1), Cash: cny("1000"), BillType: 5}, {At: day(14), Cash: cny("1000"), BillType: 5}},
			wantOK:  true, wantRate: "1", wantDays: "100"},
		{name: "spike on the last day", balance: "1000", charges: append(steady("10"), usage(13, "500")), wantOK: true,
			wantRate: "45.7142857142857143", wantDays: "21.87", wantSpike: true},
		{name: "a busy day in the middle is no spike", balance: "1000", charges: append(steady("10"), usage(5, "500")), wantOK: true,
			wantRate: "45.7142857142857143", wantDays: "21.87"},
		{name: "empty balance has no days left", balance: "-20", charges: steady("5"), wantOK: true, wantRate: "5", wantDays: "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rw, ok, err := rules.Measure(now, Account{Subject: "s", Name: "n", Balance: cny(tt.balance), Charges: tt.charges})
			if err != nil {
				t.Fatalf("Measure: %v", err)
			}
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tt.wantOK)
			}
			if !ok {
				return
			}
			if got := rw.Rate.Value.String(); got != tt.wantRate {
				t.Errorf("rate = %s, want %s", got, tt.wantRate)
			}
			if got := rw.Days.String(); got != tt.wantDays {
				t.Errorf("days = %s, want %s", got, tt.wantDays)
			}
			if rw.Spike != tt.wantSpike {
				t.Errorf("spike = %v, want %v", rw.Spike, tt.wantSpike)
			}
		})
	}
}

func TestMeasureRunsOutAt(t *testing.T) {
	rw, _, err := rules.Measure(now, Account{Balance: cny("250"), Charges: steady("100")})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rw.Empty, now.Add(60*time.Hour); !got.Equal(want) {
		t.Errorf("runs out at %s, want %s (2.5 days from now)", got, want)
	}
}

func TestMeasureHugeRunwayDoesNotOverflow(t *testing.T) {
	rw, ok, err := rules.Measure(now, Account{Balance: cny("1000000000000"), Charges: []bss.Charge{usage(3, "0.01")}})
	if err != nil || !ok {
		t.Fatalf("ok %v err %v", ok, err)
	}
	if !rw.Empty.After(now.AddDate(99, 0, 0)) {
		t.Errorf("runs out at %s, want a century from now at most, never in the past", rw.Empty)
	}
}

func TestMeasureRefusesOtherCurrency(t *testing.T) {
	_, _, err := rules.Measure(now, Account{Name: "Acme", Balance: cny("100"),
		Charges: []bss.Charge{{At: day(1), Cash: money.MustParse("5", "USD"), BillType: 5}}})
	if err == nil || !strings.Contains(err.Error(), "Acme") {
		t.Errorf("err = %v, want an error naming the account", err)
	}
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name     string
		balance  string
		charges  []bss.Charge
		wantSev  notify.Severity
		wantTier string
		wantNone bool
	}{
		{name: "plenty of runway", balance: "100000", charges: steady("100"), wantNone: true},
		{name: "exactly at warning", balance: "1400", charges: steady("100"), wantSev: notify.Warning, wantTier: "14 days"},
		{name: "a high balance can still run out soon", balance: "50000", charges: steady("10000"), wantSev: notify.Warning, wantTier: "5 days"},
		{name: "exactly at critical", balance: "300", charges: steady("100"), wantSev: notify.Critical, wantTier: "3 days"},
		{name: "under a day", balance: "50", charges: steady("100"), wantSev: notify.Critical, wantTier: "0 days"},
		{name: "no spend never alerts, even when empty", balance: "0", wantNone: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := rules.Evaluate(now, []Account{{Subject: CustomerPrefix + "c1", Name: "Acme (c1)", Balance: cny(tt.balance), Charges: tt.charges}})
			if len(res.Errs) > 0 || len(res.Skipped) > 0 {
				t.Fatalf("errs %v, skipped %v; want none", res.Errs, res.Skipped)
			}
			if tt.wantNone {
				if len(res.Findings) != 0 {
					t.Errorf("findings = %+v, want none", res.Findings)
				}
				return
			}
			if len(res.Findings) != 1 {
				t.Fatalf("findings = %+v, want one", res.Findings)
			}
			f := res.Findings[0]
			if f.Severity != tt.wantSev || f.Tier != tt.wantTier {
				t.Errorf("severity %v tier %q, want %v %q", f.Severity, f.Tier, tt.wantSev, tt.wantTier)
			}
		})
	}
}

func TestFindingSaysBalanceRateDaysAndDate(t *testing.T) {
	r := rules
	r.Zone = time.UTC
	res := r.Evaluate(now, []Account{{Subject: CustomerPrefix + "c1", Name: "Acme (c1)", Balance: cny("50000"),
		Charges: append(steady("10000"), usage(13, "60000"))}})
	if len(res.Findings) != 1 {
		t.Fatalf("findings = %+v, want one", res.Findings)
	}
	f := res.Findings[0]
	fields := map[string]string{}
	for _, fl := range f.Fields {
		fields[fl.Name] = fl.Value
	}
	want := map[string]string{"Days left": "3.5", "Balance": "¥50,000.00", "Spend rate": "¥14,285.71/day", "Runs out": "2026-12-05 (Sat)"}
	for k, v := range want {
		if fields[k] != v {
			t.Errorf("field %s = %q, want %q", k, fields[k], v)
		}
	}
	if f.Fields[0].Name != "Days left" {
		t.Errorf("first field = %s, want Days left (change lines quote it)", f.Fields[0].Name)
	}
	for _, part := range []string{"Spend spiked to ¥70,000.00 on the last day", "4.9 times the mean", "at that pace the balance lasts 0.71 days", "Sat 5 Dec 2026"} {
		if !strings.Contains(f.Text, part) {
			t.Errorf("text %q does not say %q", f.Text, part)
		}
	}
	if f.Severity != notify.Warning || f.Title != "Acme (c1) runway" {
		t.Errorf("finding %v %q, want a warning (3.5 days), titled by the account", f.Severity, f.Title)
	}
}

func TestTierShortensAsBalanceFalls(t *testing.T) {
	var tiers []string
	for _, bal := range []string{"1200", "1100", "1000", "950"} {
		res := rules.Evaluate(now, []Account{{Subject: "s", Name: "n", Balance: cny(bal), Charges: steady("100")}})
		tiers = append(tiers, res.Findings[0].Tier)
	}
	if want := []string{"12 days", "11 days", "10 days", "9 days"}; !slices.Equal(tiers, want) {
		t.Errorf("tiers = %v, want %v (each change edits the digest in place)", tiers, want)
	}
}

func TestWatched(t *testing.T) {
	ceiling := cny("10000")
	r := Rules{Ceiling: &ceiling}
	tests := []struct {
		name  string
		r     Rules
		bal   money.Amount
		spent bool
		want  bool
	}{
		{"below the ceiling and spent", r, cny("9999.99"), true, true},
		{"at the ceiling", r, cny("10000"), true, false},
		{"did not spend", r, cny("5"), false, false},
		{"no ceiling: every spender", Rules{}, cny("1000000"), true, true},
		{"another currency is read", r, money.MustParse("1000000", "USD"), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.Watched(tt.bal, tt.spent); got != tt.want {
				t.Errorf("Watched = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSpikeFactor(t *testing.T) {
	charges := append(steady("10"), usage(13, "20")) // last day 30 against a mean of ~11.4
	for _, tt := range []struct {
		factor string
		want   bool
	}{{"2", true}, {"3", false}} {
		r := rules
		r.Spike = decimal.RequireFromString(tt.factor)
		rw, _, _ := r.Measure(now, Account{Balance: cny("1000"), Charges: charges})
		if rw.Spike != tt.want {
			t.Errorf("factor %s: spike = %v, want %v", tt.factor, rw.Spike, tt.want)
		}
	}
}

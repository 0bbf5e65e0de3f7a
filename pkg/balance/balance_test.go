package balance

import (
	"slices"
	"testing"

	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

func cny(s string) money.Amount { return money.MustParse(s, "CNY") }

func TestLevel(t *testing.T) {
	th := Threshold{Warning: cny("1000"), Critical: cny("100")}
	tests := []struct {
		name     string
		bal      money.Amount
		wantSev  notify.Severity
		wantLow  bool
		wantFail bool
	}{
		{"well above", cny("5000"), 0, false, false},
		{"just above warning", cny("1000.01"), 0, false, false},
		{"at warning", cny("1000"), notify.Warning, true, false},
		{"between", cny("500"), notify.Warning, true, false},
		{"at critical", cny("100"), notify.Critical, true, false},
		{"negative", cny("-20"), notify.Critical, true, false},
		{"other currency", money.MustParse("5", "USD"), 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sev, low, err := th.Level(tt.bal)
			if (err != nil) != tt.wantFail {
				t.Fatalf("err = %v, want failure %v", err, tt.wantFail)
			}
			if sev != tt.wantSev || low != tt.wantLow {
				t.Errorf("Level(%s) = %v, %v; want %v, %v", tt.bal, sev, low, tt.wantSev, tt.wantLow)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	def := Threshold{Warning: cny("1000"), Critical: cny("100")}
	vip := Threshold{Warning: cny("50000"), Critical: cny("10000")}
	accounts := []Account{
		{Subject: "customer/a", Name: "A", Amount: cny("20000")},                 // fine by default, warning for VIP
		{Subject: "customer/b", Name: "B", Amount: cny("50"), Debt: cny("12.5")}, // critical
		{Subject: "customer/c", Name: "C", Amount: cny("5000")},                  // fine
		{Subject: "customer/d", Name: "D", Amount: money.MustParse("1", "USD")},  // misconfigured
		{Subject: "customer/e", Name: "E", Amount: cny("0")},                     // unwatched
	}
	threshold := func(a Account) (Threshold, bool) {
		switch a.Subject {
		case "customer/a":
			return vip, true
		case "customer/e":
			return Threshold{}, false
		}
		return def, true
	}
	res := Evaluate(accounts, threshold)
	findings, skipped, errs := res.Findings, res.Skipped, res.Errs
	got := map[string]notify.Severity{}
	for _, f := range findings {
		got[f.Subject] = f.Severity
	}
	want := map[string]notify.Severity{"customer/a": notify.Warning, "customer/b": notify.Critical}
	if len(got) != len(want) || got["customer/a"] != want["customer/a"] || got["customer/b"] != want["customer/b"] {
		t.Errorf("findings = %v, want %v", got, want)
	}
	if len(skipped) != 1 || skipped[0] != "customer/d" || len(errs) != 1 {
		t.Errorf("skipped = %v, errs = %v; want customer/d with one error", skipped, errs)
	}
	for _, f := range findings {
		if f.Subject == "customer/b" {
			want := []notify.Field{{Name: "Balance", Value: "¥50.00"}, {Name: "Critical at", Value: "¥100.00"}, {Name: "Debt", Value: "¥12.50"}}
			if !slices.Equal(f.Fields, want) {
				t.Errorf("fields = %v, want %v", f.Fields, want)
			}
			if f.Rank != 5000 {
				t.Errorf("rank = %d, want 5000 (cents)", f.Rank)
			}
		}
	}
}

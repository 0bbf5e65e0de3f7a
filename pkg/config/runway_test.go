package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/runway"
)

// ownLine is the last line of base; runway sections follow it (line 35 on).
const ownLine = "      - {profile: c, threshold: {currency: USD, warning: \"5\", critical: \"1\"}}\n"

func TestRunwaySection(t *testing.T) {
	tests := []struct {
		name, section string
		want          runway.Rules
	}{
		{"defaults", "    runway: {}\n", runway.Rules{Window: 14, Warning: 14, Critical: 3, Spike: runway.DefaultSpike}},
		{"every setting", "    runway:\n      window_days: 30\n      warning_days: 10\n      critical_days: 2\n      spike_factor: \"2.5\"\n      ceiling: {currency: CNY, amount: \"50000\"}\n",
			runway.Rules{Window: 30, Warning: 10, Critical: 2, Spike: runway.DefaultSpike, Ceiling: &money.Amount{}}},
		{"ceiling all", "    runway:\n      ceiling: all\n", runway.Rules{Window: 14, Warning: 14, Critical: 3, Spike: runway.DefaultSpike}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte("timezone: Asia/Tokyo\n"+edit(t, ownLine, ownLine+tt.section)), func(string) string { return "x" })
			if err != nil {
				t.Fatal(err)
			}
			got := c.Checks.Balance.Runway
			if got == nil {
				t.Fatal("no runway rules")
			}
			if got.Window != tt.want.Window || got.Warning != tt.want.Warning || got.Critical != tt.want.Critical {
				t.Errorf("window %d warning %d critical %d, want %d %d %d", got.Window, got.Warning, got.Critical, tt.want.Window, tt.want.Warning, tt.want.Critical)
			}
			if (got.Ceiling == nil) != (tt.want.Ceiling == nil) {
				t.Errorf("ceiling = %v, want set: %v", got.Ceiling, tt.want.Ceiling != nil)
			}
			if got.Zone == nil || got.Zone.String() != "Asia/Tokyo" {
				t.Errorf("zone = %v, want the configured timezone", got.Zone)
			}
		})
	}
	c, err := Parse([]byte(edit(t, ownLine, ownLine+"    runway:\n      spike_factor: \"2.5\"\n      ceiling: {currency: CNY, amount: \"50000\"}\n")), func(string) string { return "x" })
	if err != nil {
		t.Fatal(err)
	}
	r := c.Checks.Balance.Runway
	if r.Spike.String() != "2.5" || r.Ceiling.String() != "¥50,000.00" {
		t.Errorf("spike %s ceiling %s, want 2.5 and ¥50,000.00", r.Spike, r.Ceiling)
	}
}

func TestRunwayMistakes(t *testing.T) {
	tests := []struct {
		name, section string
		want          []string
	}{
		{"zero-day window", "    runway:\n      window_days: 0\n",
			[]string{"checks.balance.runway.window_days: must be 1 to 92 days, got 0 (line 35)"}},
		{"window not a number", "    runway:\n      window_days: two weeks\n",
			[]string{"checks.balance.runway.window_days: not a whole number of days: \"two weeks\" (line 35)"}},
		{"critical above warning", "    runway:\n      warning_days: 5\n      critical_days: 7\n",
			[]string{"checks.balance.runway.critical_days: critical_days (7) must not be above warning_days (5) (line 36)"}},
		{"critical above the default warning", "    runway:\n      critical_days: 20\n",
			[]string{"checks.balance.runway.critical_days: critical_days (20) must not be above warning_days (14) (line 35)"}},
		{"spike factor at 1", "    runway:\n      spike_factor: 1\n",
			[]string{"checks.balance.runway.spike_factor: must be a decimal above 1 (times the window's mean), got \"1\" (line 35)"}},
		{"ceiling neither all nor an amount", "    runway:\n      ceiling: some\n",
			[]string{"checks.balance.runway.ceiling: expected \"all\" or {currency, amount}, got a single value (line 35)"}},
		{"ceiling amount not positive", "    runway:\n      ceiling: {currency: CNY, amount: \"-5\"}\n",
			[]string{"checks.balance.runway.ceiling.amount: must be a positive decimal, got \"-5\" (line 35)"}},
		{"unknown key", "    runway:\n      days: 3\n",
			[]string{"checks.balance.runway.days: unknown key (expected one of: window_days, warning_days, critical_days, spike_factor, ceiling) (line 35)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mistakes(t, edit(t, ownLine, ownLine+tt.section), nil)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

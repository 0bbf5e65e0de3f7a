package money

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestString(t *testing.T) {
	tests := []struct {
		value, currency, want string
	}{
		{"12345.6", "CNY", "¥12,345.60"},
		{"1000", "USD", "$1,000.00"},
		{"-1000", "usd", "-$1,000.00"},
		{"0", "CNY", "¥0.00"},
		{"999.995", "CNY", "¥1,000.00"},
		{"1234567.891", "EUR", "€1,234,567.89"},
		{"100", "SGD", "SGD 100.00"},
		{"-5.5", "SGD", "SGD -5.50"},
		{"100", "", "100.00"},
		{"0.004", "USD", "$0.00"},
	}
	for _, tt := range tests {
		t.Run(tt.value+tt.currency, func(t *testing.T) {
			got := New(decimal.RequireFromString(tt.value), tt.currency).String()
			if got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, bad := range []string{"", "5k", "1,000", "1e3", "abc", " "} {
		if _, err := Parse(bad, "CNY"); err == nil {
			t.Errorf("Parse(%q) succeeded, want error", bad)
		}
	}
	got, err := Parse(" 12.50 ", "cny")
	if err != nil {
		t.Fatal(err)
	}
	if got.Currency != "CNY" || !got.Value.Equal(decimal.RequireFromString("12.5")) {
		t.Errorf("Parse = %v %s", got.Value, got.Currency)
	}
}

func TestCmpCurrencyMismatch(t *testing.T) {
	if _, err := MustParse("1", "CNY").Cmp(MustParse("1", "USD")); err == nil {
		t.Error("Cmp across currencies succeeded, want error")
	}
	c, err := MustParse("2", "CNY").Cmp(MustParse("10", "CNY"))
	if err != nil || c != -1 {
		t.Errorf("Cmp = %d, %v; want -1, nil", c, err)
	}
}

func TestFromFloat(t *testing.T) {
	got := FromFloat(0.1+0.2, "CNY")
	if got.String() != "¥0.30" {
		t.Errorf("FromFloat(0.1+0.2) = %s", got)
	}
	if !FromFloat(12345.6, "CNY").Value.Equal(decimal.RequireFromString("12345.6")) {
		t.Error("FromFloat(12345.6) lost precision")
	}
}

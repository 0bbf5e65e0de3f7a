// Package money holds amounts of money: a decimal value with its ISO 4217 currency, never a float.
package money

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Amount is a decimal value in one currency. The zero Amount has no currency.
type Amount struct {
	Value    decimal.Decimal
	Currency string
}

// New returns an Amount of value in currency (upper-cased).
func New(value decimal.Decimal, currency string) Amount {
	return Amount{Value: value, Currency: strings.ToUpper(currency)}
}

// Parse reads a decimal string such as "12345.6" as an Amount in currency. It returns an error that
// quotes the input when s is not a plain decimal (no thousands separators, no exponent, no unit).
func Parse(s, currency string) (Amount, error) {
	t := strings.TrimSpace(s)
	if t == "" || strings.ContainsAny(t, "eE,_ ") {
		return Amount{}, fmt.Errorf("not a decimal: %q", s)
	}
	v, err := decimal.NewFromString(t)
	if err != nil {
		return Amount{}, fmt.Errorf("not a decimal: %q", s)
	}
	return New(v, currency), nil
}

// MustParse is Parse for constants in tests and examples; it panics on a malformed input.
func MustParse(s, currency string) Amount {
	a, err := Parse(s, currency)
	if err != nil {
		panic(err)
	}
	return a
}

// FromFloat converts a float64 that the BSS SDK decoded from JSON into an Amount. The SDK keeps some
// amounts as float64; the shortest decimal that round-trips is the value the service sent.
func FromFloat(f float64, currency string) Amount {
	return New(decimal.NewFromFloat(f), currency)
}

var symbols = map[string]string{"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "HKD": "HK$"}

// String formats the amount as finance people read it: the currency symbol where there is a common
// one, thousands separators and two decimals (¥12,345.60, -$1,000.00), otherwise the code (SGD 1,000.00).
// Values with more than two decimals are rounded half away from zero.
func (a Amount) String() string {
	v := a.Value.Round(2)
	sign := ""
	if v.IsNegative() {
		sign = "-"
		v = v.Neg()
	}
	s := v.StringFixed(2)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	num := b.String() + "." + frac
	if sym, ok := symbols[a.Currency]; ok {
		return sign + sym + num
	}
	if a.Currency == "" {
		return sign + num
	}
	return a.Currency + " " + sign + num
}

// Cmp compares a with b. It returns an error when the currencies differ: comparing yuan with dollars
// is a configuration mistake, not a number.
func (a Amount) Cmp(b Amount) (int, error) {
	if a.Currency != b.Currency {
		return 0, fmt.Errorf("money: cannot compare %s with %s", a.Currency, b.Currency)
	}
	return a.Value.Cmp(b.Value), nil
}

// Add returns a+b. It returns an error when the currencies differ.
func (a Amount) Add(b Amount) (Amount, error) {
	if a.Currency != b.Currency {
		return Amount{}, fmt.Errorf("money: cannot add %s to %s", b.Currency, a.Currency)
	}
	return Amount{Value: a.Value.Add(b.Value), Currency: a.Currency}, nil
}

// Sub returns a-b. It returns an error when the currencies differ.
func (a Amount) Sub(b Amount) (Amount, error) {
	return a.Add(Amount{Value: b.Value.Neg(), Currency: b.Currency})
}

// IsZero reports whether the value is zero, whatever the currency.
func (a Amount) IsZero() bool { return a.Value.IsZero() }

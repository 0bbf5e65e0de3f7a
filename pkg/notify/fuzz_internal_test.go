package notify

import (
	"testing"
	"time"
)

// FuzzRetryAfter feeds arbitrary Retry-After headers, which come from the receiver.
func FuzzRetryAfter(f *testing.F) {
	now := time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)
	for _, s := range []string{"", "0", "7", "-3", "99999999999999999999", "Sat, 21 Nov 2026 09:30:20 GMT", "soon"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if d := retryAfter(v, now); d < 0 {
			t.Errorf("retryAfter(%q) = %s, want >= 0", v, d)
		}
	})
}

// FuzzParseSnooze feeds arbitrary button values to ParseSnooze: it never panics, and what it accepts
// names a check and an account and lasts at most a month.
func FuzzParseSnooze(f *testing.F) {
	f.Add("balance/partner-cn/24h0m0s")
	f.Add("balance/partner-cn/")
	f.Add("a/b/-1h")
	f.Add("//")
	f.Fuzz(func(t *testing.T, v string) {
		z, err := ParseSnooze(v)
		if err == nil && (z.Check == "" || z.Account == "" || z.For < 0 || z.For > 31*24*time.Hour) {
			t.Fatalf("accepted %+v", z)
		}
	})
}

package runnow

import (
	"slices"
	"testing"
)

// FuzzParse feeds arbitrary bodies to Parse: it never panics, and what it accepts names a known check.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{"check":"balance"}`, `{"check":"renewal","dry_run":true}`, `{}`, `{"check":1}`, `[]`, ``, `{"check":"balance"} {}`} {
		f.Add([]byte(s))
	}
	checks := []string{"balance", "renewal"}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := Parse(body, checks)
		if err == nil && !slices.Contains(checks, r.Check) {
			t.Fatalf("accepted unknown check %q", r.Check)
		}
	})
}

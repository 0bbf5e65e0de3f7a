// Package balance holds the low-balance rules: which accounts count, which threshold applies to each
// (per account type, default or per-customer override, in the threshold's currency), and which of
// them need a warning or a critical alert. It does no I/O; pkg/check feeds it what BSS answered.
package balance

import (
	"fmt"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

// Threshold is a pair of levels in one currency: a balance at or below Critical is critical, at or
// below Warning is a warning. Warning is never below Critical (pkg/config enforces it).
type Threshold struct {
	Warning, Critical money.Amount
}

// Level returns the severity of bal against t, and false when bal is above both levels. It returns an
// error when bal is in another currency than t: a CNY threshold says nothing about a USD account.
func (t Threshold) Level(bal money.Amount) (notify.Severity, bool, error) {
	c, err := bal.Cmp(t.Critical)
	if err != nil {
		return 0, false, fmt.Errorf("balance %s against threshold: %w", bal, err)
	}
	if c <= 0 {
		return notify.Critical, true, nil
	}
	w, err := bal.Cmp(t.Warning)
	if err != nil {
		return 0, false, fmt.Errorf("balance %s against threshold: %w", bal, err)
	}
	if w <= 0 {
		return notify.Warning, true, nil
	}
	return 0, false, nil
}

// Account is one balance to judge: a partner account, a customer's balance, or a customer's own account.
type Account struct {
	// Subject identifies the account within the profile across runs ("customer/c-123").
	Subject string
	// Name is how people know it ("Acme Ltd (c-123)", "Partner cash account").
	Name   string
	Amount money.Amount
	// Debt, when not zero, is shown beside the balance.
	Debt money.Amount
}

// Result is what the rules made of one section's balances: the findings (without check and account:
// the check stamps them), the subjects that could not be judged, and why.
type Result struct {
	Findings []alert.Finding
	Skipped  []string
	Errs     []error
}

// Evaluate judges every account against the threshold that threshold returns for it (false: no rule
// applies, the account is not watched). Accounts whose currency does not match their threshold are
// skipped with one error each, so a misconfiguration is reported and never resolves an earlier alert.
func Evaluate(accounts []Account, threshold func(Account) (Threshold, bool)) Result {
	var r Result
	for _, a := range accounts {
		t, ok := threshold(a)
		if !ok {
			continue
		}
		sev, low, err := t.Level(a.Amount)
		if err != nil {
			r.Skipped = append(r.Skipped, a.Subject)
			r.Errs = append(r.Errs, fmt.Errorf("%s: %w", a.Name, err))
			continue
		}
		if !low {
			continue
		}
		// The level crossed is the one worth reading; the balance leads because change lines quote
		// the first field.
		limit := notify.Field{Name: "Warning at", Value: t.Warning.String()}
		if sev == notify.Critical {
			limit = notify.Field{Name: "Critical at", Value: t.Critical.String()}
		}
		fields := []notify.Field{{Name: "Balance", Value: a.Amount.String()}, limit}
		if !a.Debt.IsZero() {
			fields = append(fields, notify.Field{Name: "Debt", Value: a.Debt.String()})
		}
		r.Findings = append(r.Findings, alert.Finding{
			Subject:  a.Subject,
			Tier:     sev.String(),
			Severity: sev,
			Title:    a.Name,
			Fields:   fields,
			Rank:     a.Amount.Value.Shift(2).IntPart(),
		})
	}
	return r
}

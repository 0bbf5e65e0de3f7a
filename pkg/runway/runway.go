// Package runway holds the balance-runway rules: how fast an account spends (its recent daily spend
// rate, from BSS's own records), how many days its balance lasts at that rate, and when that is few
// enough to warn even while the balance is above its threshold. It does no I/O; pkg/check feeds it
// the balances and records BSS answered.
//
// The rate is the spend of the last Window whole days (China time, BSS's business day; today is
// left out because it has only begun) divided by Window: a mean over calendar days, so a day
// without spend counts as zero and a customer who spent once two weeks ago gets a slow rate, not
// that day's. Spend is what left the balance for consumption (cash paid for new purchases,
// renewals, changes and usage); top-ups, refunds, allocations and what coupons paid are not spend.
package runway

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

// Subjects of runway findings: distinct from the balance check's own subjects, so one account can
// have a low-balance finding and a runway finding in the same digest.
const (
	Prefix         = "runway/"
	PartnerPrefix  = Prefix + "partner/"
	CustomerPrefix = Prefix + "customer/"
	OwnPrefix      = Prefix + "own/"
)

// Defaults of the configuration.
const (
	DefaultWindow   = 14
	DefaultWarning  = 14
	DefaultCritical = 3
)

// DefaultSpike is how many times the window's mean the last day must reach to be called a spike.
var DefaultSpike = decimal.NewFromInt(3)

// Rules are the runway rules of one configuration. Warning >= Critical >= 0 and Window >= 1
// (pkg/config enforces it).
type Rules struct {
	// Window is how many whole days the rate is measured over.
	Window int
	// Warning and Critical are day counts: a runway at or below them alerts.
	Warning, Critical int
	// Spike is the factor over the window's mean above which the last day is named a spike.
	Spike decimal.Decimal
	// Ceiling, when set, limits the sub-customers whose records are read to those whose balance is
	// below it; the others have more money than any runway alert would concern. Nil reads every
	// customer that spent.
	Ceiling *money.Amount
	// Zone is where the date the balance runs out is written; nil means BSS's zone (bss.Zone).
	Zone *time.Location
}

// Days returns the window that ends before now's BSS day: its first and last day (00:00 in bss.Zone).
func (r Rules) Days(now time.Time) (first, last time.Time) {
	n := now.In(bss.Zone)
	today := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, bss.Zone)
	return today.AddDate(0, 0, -r.Window), today.AddDate(0, 0, -1)
}

// Cycles returns the bill cycles the window touches, oldest first (one or two for windows of a
// month or less).
func (r Rules) Cycles(now time.Time) []string {
	first, last := r.Days(now)
	var out []string
	for m := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, bss.Zone); !m.After(last); m = m.AddDate(0, 1, 0) {
		out = append(out, bss.BillCycle(m))
	}
	return out
}

// Watched reports whether a customer's records are worth reading: it spent in the window's bill
// cycles (spent) and its balance is below the ceiling, if any. A balance in another currency than
// the ceiling is read: the ceiling cannot tell, and a runway alert is better than silence.
func (r Rules) Watched(bal money.Amount, spent bool) bool {
	if !spent {
		return false
	}
	if r.Ceiling == nil {
		return true
	}
	c, err := bal.Cmp(*r.Ceiling)
	return err != nil || c < 0
}

// Counts reports whether a record is spend. Account records (收支明细) count when they are an
// expense; fee records when their bill type is consumption: refunds (4, 20, 24) and compensation
// (9) give money back, and an adjustment that deducts (16) is Huawei's correction, not the pace.
func Counts(c bss.Charge) bool {
	if c.BillType == 0 {
		return c.Expense
	}
	switch c.BillType {
	case 1, 2, 3, 5, 8, 14, 18, 23, 25, 103:
		return true
	}
	return false
}

// Account is one balance with the records of its window.
type Account struct {
	// Subject identifies the account across runs ("runway/customer/c-123").
	Subject string
	// Name is how people know it ("Acme Ltd (c-123)").
	Name    string
	Balance money.Amount
	Charges []bss.Charge
}

// Runway is what the rules make of one account.
type Runway struct {
	Balance money.Amount
	// Rate is the mean spend per day over the window; Daily the spend of each day, oldest first.
	Rate  money.Amount
	Daily []money.Amount
	// Days is how long the balance lasts at Rate (zero for a balance at or below zero), rounded
	// down to hundredths; Empty the moment it runs out.
	Days  decimal.Decimal
	Empty time.Time
	// Spike is set when the last day's spend is Spike times the mean or more.
	Spike bool
}

// Measure computes an account's runway at now. ok is false when the account spent nothing in the
// window: no spend, no runway (and no alert). It returns an error when a record is in another
// currency than the balance.
func (r Rules) Measure(now time.Time, a Account) (Runway, bool, error) {
	first, _ := r.Days(now)
	cur := a.Balance.Currency
	daily := make([]money.Amount, r.Window)
	for i := range daily {
		daily[i] = money.New(decimal.Zero, cur)
	}
	total := decimal.Zero
	for _, c := range a.Charges {
		if !Counts(c) {
			continue
		}
		day := int(c.At.In(bss.Zone).Sub(first).Hours() / 24)
		if c.At.Before(first) || day >= r.Window {
			continue // outside the window: BSS filters by bill date, the trade can fall a day off
		}
		sum, err := daily[day].Add(c.Cash)
		if err != nil {
			return Runway{}, false, fmt.Errorf("%s: record of %s against a balance in %s: %w", a.Name, c.Cash, cur, err)
		}
		daily[day] = sum
		total = total.Add(c.Cash.Value)
	}
	if !total.IsPositive() {
		return Runway{}, false, nil
	}
	rate := total.Div(decimal.NewFromInt(int64(r.Window)))
	rw := Runway{Balance: a.Balance, Rate: money.New(rate, cur), Daily: daily, Days: decimal.Zero, Empty: now}
	if a.Balance.Value.IsPositive() {
		rw.Days = a.Balance.Value.Div(rate).RoundDown(2)
		// A century is "never" for an alert, and keeps the duration from overflowing.
		secs := decimal.Min(a.Balance.Value.Mul(decimal.NewFromInt(86400)).Div(rate), decimal.NewFromInt(maxRunway)).IntPart()
		rw.Empty = now.Add(time.Duration(secs) * time.Second)
	}
	spike := r.Spike
	if !spike.IsPositive() {
		spike = DefaultSpike
	}
	rw.Spike = daily[r.Window-1].Value.GreaterThanOrEqual(rate.Mul(spike)) && r.Window > 1
	return rw, true, nil
}

// maxRunway bounds Runway.Empty: 100 years, in seconds.
const maxRunway = 100 * 365 * 86400

// Result is what the rules made of a set of accounts: the findings (without check and account: the
// check stamps them), the subjects that could not be judged, and why.
type Result struct {
	Findings []alert.Finding
	Skipped  []string
	Errs     []error
}

// Evaluate judges every account's runway at now. An account whose runway is above Warning days, or
// that spent nothing, has no finding; one whose records could not be read must be left out by the
// caller and named in its Skipped, never passed here with no records.
func (r Rules) Evaluate(now time.Time, accounts []Account) Result {
	var res Result
	for _, a := range accounts {
		rw, ok, err := r.Measure(now, a)
		if err != nil {
			res.Skipped = append(res.Skipped, a.Subject)
			res.Errs = append(res.Errs, err)
			continue
		}
		if !ok {
			continue
		}
		if f, ok := r.finding(a, rw); ok {
			res.Findings = append(res.Findings, f)
		}
	}
	return res
}

func (r Rules) finding(a Account, rw Runway) (alert.Finding, bool) {
	var sev notify.Severity
	switch {
	case rw.Days.LessThanOrEqual(decimal.NewFromInt(int64(r.Critical))):
		sev = notify.Critical
	case rw.Days.LessThanOrEqual(decimal.NewFromInt(int64(r.Warning))):
		sev = notify.Warning
	default:
		return alert.Finding{}, false
	}
	zone := r.Zone
	if zone == nil {
		zone = bss.Zone
	}
	whole := rw.Days.IntPart()
	text := fmt.Sprintf("At %s/day (the mean of the last %d days) the balance runs out around %s.",
		rw.Rate, r.Window, rw.Empty.In(zone).Format("Mon 2 Jan 2006 15:04 MST"))
	if rw.Spike {
		last := rw.Daily[len(rw.Daily)-1]
		text += fmt.Sprintf(" Spend spiked to %s on the last day, %s times the mean", last, last.Value.Div(rw.Rate.Value).StringFixed(1))
		if rw.Balance.Value.IsPositive() {
			text += fmt.Sprintf(": at that pace the balance lasts %s", dayCount(rw.Balance.Value.Div(last.Value).RoundDown(2)))
		}
		text += "."
	}
	return alert.Finding{
		Subject:  a.Subject,
		Tier:     dayCount(decimal.NewFromInt(whole)),
		Severity: sev,
		Title:    a.Name + " runway",
		Text:     text,
		Fields: []notify.Field{
			{Name: "Days left", Value: rw.Days.RoundDown(1).StringFixed(1)},
			{Name: "Balance", Value: rw.Balance.String()},
			{Name: "Spend rate", Value: rw.Rate.String() + "/day"},
			{Name: "Runs out", Value: rw.Empty.In(zone).Format("2006-01-02 (Mon)")},
		},
		// The shortest runway leads.
		Rank: rw.Days.Shift(2).IntPart(),
	}, true
}

// dayCount writes a number of days for people: "1 day", "5 days", "2.5 days".
func dayCount(d decimal.Decimal) string {
	s := d.String()
	if d.Equal(decimal.NewFromInt(1)) {
		return s + " day"
	}
	return s + " days"
}

package coupon

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

// State is where a coupon stands, as far as the rules care.
type State int

// The states: Usable (a usable coupon or a normal quota), Expired (BSS says so), Done (used up,
// reclaimed, not yet active, frozen or invalid: nothing to warn about).
const (
	Usable State = iota
	Expired
	Done
)

// Coupon is one coupon or quota as the rules judge it.
type Coupon struct {
	Source Source
	ID     string
	// Kind names it for people ("voucher quota", a coupon's plan name).
	Kind string
	// Holder is the id of the customer a coupon was issued to (issued coupons); Findings names it.
	Holder   string
	PlanID   string
	PlanName string
	State    State
	Expires  time.Time
	// Unused is the value left. FaceValue is set when BSS gave no balance (version-1 coupons) and
	// Unused is the face value.
	Unused    money.Amount
	FaceValue bool
}

// Judge judges the coupons of one source's listings as they arrive, keeping only what it reports.
type Judge struct {
	r      *Rules
	now    time.Time
	source Source
	found  map[string]entry
}

// entry is a coupon worth reporting and how the rules judged it.
type entry struct {
	c     Coupon
	test  bool
	final bool
	tier  Tier // the nearest tier it is in, unless final
}

// Judge starts judging one source's listings at now, the run's clock reading.
func (r *Rules) Judge(now time.Time, source Source) *Judge {
	return &Judge{r: r, now: now, source: source, found: map[string]entry{}}
}

// Add judges one coupon. A coupon seen twice (its status changed between two listings of one run)
// counts once, expired rather than usable.
func (j *Judge) Add(c Coupon) {
	if c.State == Done || !c.Unused.Value.IsPositive() {
		return
	}
	left := c.Expires.Sub(j.now)
	e := entry{c: c, test: c.Source != Quotas && j.r.Test.Is(c.PlanID, c.PlanName)}
	if c.State == Expired || left <= 0 {
		if left < -j.r.Lookback() {
			return
		}
		e.final = true
	} else {
		t, ok := j.r.tier(left)
		if !ok {
			return
		}
		e.tier = t
	}
	sub := c.Source.Prefix() + c.ID
	if old, ok := j.found[sub]; ok && (old.final || !e.final) {
		return
	}
	j.found[sub] = e
}

// Findings returns what the listings found, in subject order. name turns a holder's customer id into
// how people know the customer (nil: the id).
func (j *Judge) Findings(name func(customerID string) string) []alert.Finding {
	out := make([]alert.Finding, 0, len(j.found))
	for _, e := range j.found {
		out = append(out, j.finding(e, name))
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Subject < out[b].Subject })
	return out
}

func (j *Judge) finding(e entry, name func(string) string) alert.Finding {
	c := e.c
	title := "Coupon " + c.Kind
	switch {
	case c.Source == Quotas:
		title = upperFirst(c.Kind)
	case e.test:
		title = "Test coupon " + c.Kind
	}
	title += " (" + c.ID + ")"
	if c.Holder != "" {
		holder := c.Holder
		if name != nil {
			holder = name(c.Holder)
		}
		title += " of " + holder
	}
	unused := c.Unused.String()
	if c.FaceValue {
		unused += " (face value)"
	}
	loc := j.r.Location
	if loc == nil {
		loc = time.UTC
	}
	tier, sev := e.tier.Label(), e.tier.Severity
	if e.final {
		tier, sev = ExpiredLabel, j.r.ExpiredSeverity
	}
	f := alert.Finding{
		Subject:  c.Source.Prefix() + c.ID,
		Tier:     tier,
		Severity: sev,
		Title:    title,
		Fields: []notify.Field{
			{Name: "Unused", Value: unused},
			{Name: "Expires", Value: c.Expires.In(loc).Format("2006-01-02 15:04 MST")},
			{Name: "Tier", Value: tier},
		},
		// The largest amount leads its severity.
		Rank: -c.Unused.Value.Shift(2).IntPart(),
	}
	switch {
	case e.final:
		f.Final, f.Text = true, ExpiredLabel+": "+c.Unused.String()
	case c.FaceValue:
		f.Text = "no balance from BSS (a version-1 coupon): its face value counts as unused"
	}
	return f
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Notes total the unused value per kind (coupons, test coupons, quotas), currency and tier, widest
// tier first, each tier counting every coupon that expires within it:
// "¥123,456.00 in 37 coupons expires within 30 days". Coupons that expired unused close the list.
func (j *Judge) Notes() []string {
	type key struct {
		test bool
		cur  string
	}
	type sum struct {
		n int
		v decimal.Decimal
	}
	tiers := append([]Tier(nil), j.r.Tiers...)
	sort.Slice(tiers, func(a, b int) bool { return tiers[a].Days > tiers[b].Days })
	within := map[key]map[int]*sum{} // days -> coupons expiring within them; 0: expired unused
	var keys []key
	for _, e := range j.found {
		k := key{e.test, e.c.Unused.Currency}
		if within[k] == nil {
			within[k] = map[int]*sum{}
			keys = append(keys, k)
		}
		add := func(d int) {
			s := within[k][d]
			if s == nil {
				s = &sum{}
				within[k][d] = s
			}
			s.n++
			s.v = s.v.Add(e.c.Unused.Value)
		}
		if e.final {
			add(0)
			continue
		}
		for _, t := range tiers {
			if e.tier.Days <= t.Days {
				add(t.Days)
			}
		}
	}
	sort.Slice(keys, func(a, b int) bool {
		if keys[a].test != keys[b].test {
			return !keys[a].test
		}
		return keys[a].cur < keys[b].cur
	})
	var out []string
	for _, k := range keys {
		noun := j.noun(k.test)
		for _, t := range tiers {
			if s := within[k][t.Days]; s != nil {
				out = append(out, fmt.Sprintf("%s in %s %s", money.New(s.v, k.cur), plural(s.n, noun), t.Label()))
			}
		}
		if s := within[k][0]; s != nil {
			out = append(out, fmt.Sprintf("%s in %s %s in the last %s", money.New(s.v, k.cur), plural(s.n, noun),
				ExpiredLabel, plural(j.r.LookbackDays, "day")))
		}
	}
	return out
}

// noun names what a source's totals count.
func (j *Judge) noun(test bool) string {
	switch {
	case test:
		return "test coupon"
	case j.source == Quotas:
		return "coupon quota"
	case j.source == Issued:
		return "coupon issued to customers"
	default:
		return "own coupon"
	}
}

// plural writes "1 coupon quota", "2 coupon quotas", "3 coupons issued to customers".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	first, rest, _ := strings.Cut(noun, " issued")
	if rest != "" {
		return fmt.Sprintf("%d %ss issued%s", n, first, rest)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"

	"github.com/bsswatch/bsswatch/pkg/notify"
)

// Finding is one thing that needs attention, produced by a check's pure rules.
type Finding struct {
	// Check names the rule set ("balance", "coupon", ...); Account the profile it ran for; Subject what
	// the finding is about within that account ("customer/c-123/CNY", "partner/cash/CNY").
	Check, Account, Subject string
	// Tier is a rule-specific bucket (for coupons, "expires in 7 days"); a change of Tier or Severity
	// updates the group's message.
	Tier     string
	Severity notify.Severity
	Title    string
	Text     string
	Fields   []notify.Field
	// Rank orders the findings of one severity in a digest, lowest first: for balances the amount
	// in cents, so the emptiest account leads.
	Rank int64
	// Final marks a finding that is told once and then dropped: a last word about its subject (an
	// invoice request completed, a coupon expired unused). The engine tells it when it is new or
	// changed, like any finding, and afterwards keeps only a silent marker of it: reported again
	// unchanged it says nothing and is left out of digests, and once the check stops reporting it the
	// marker goes without a "resolved" line. A Final finding does not keep its group open.
	Final bool
}

// Fingerprint identifies the finding across runs: the same check, account and subject always give the
// same fingerprint, whatever the severity, tier or amounts of the day.
func (f Finding) Fingerprint() string {
	h := sha256.Sum256([]byte(f.Check + "\x00" + f.Account + "\x00" + f.Subject))
	return hex.EncodeToString(h[:12])
}

// Evaluation is the result of one check for one account in one run.
type Evaluation struct {
	Check, Account string
	// Noun names what the findings are, plural, for message summaries ("customers below threshold");
	// empty means "findings".
	Noun     string
	Findings []Finding
	// Notes are lines the check adds to its digest under the summary (totals, for instance); they
	// never cause a message on their own.
	Notes []string
	// Skipped lists subjects that could not be evaluated this run (a failed batch, a customer missing
	// from an answer), or prefixes ending in "/" that cover every subject under them (a list call that
	// failed). Their earlier findings stay as they were: absence of data never resolves.
	Skipped []string
	// Err, when set, means the check could not run for this account (or only partly: see Skipped).
	// When Err is set and Partial is false, nothing in the group is resolved, and the failure itself is
	// sent to the ops route once, with the reason.
	Err     error
	Partial bool
	// FirstRun says what the group's first evaluation (one with nothing stored yet) tells; the zero
	// value tells everything, as new.
	FirstRun FirstRun
	// ForgetGone makes a finding the check no longer reports disappear silently instead of being
	// resolved: for checks that watch a moving window (invoice requests by application time), where
	// absence means out of view, not fixed.
	ForgetGone bool
	// NoRepeat keeps a group that still fires unchanged from being reminded: for findings that are
	// states told when they change (an invoice request pending review), not problems to chase.
	NoRepeat bool
}

// FirstRun is what a group's first evaluation tells, so that enabling a check on an account with a
// history does not flood a channel.
type FirstRun int

// The first-run modes.
const (
	// FirstRunTell tells every finding as new.
	FirstRunTell FirstRun = iota
	// FirstRunRecord records every finding and tells nothing: later runs tell what changes.
	FirstRunRecord
	// FirstRunOpen tells the findings that are not Final and records the Final ones silently.
	FirstRunOpen
)

// Sort orders findings as a digest lists them: worst first, then by Rank, title and fingerprint.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return orderOf(fs[i]).before(orderOf(fs[j])) })
}

// order is where an item stands in a digest.
type order struct {
	sev         notify.Severity
	rank        int64
	title, fing string
}

func orderOf(f Finding) order { return order{f.Severity, f.Rank, f.Title, f.Fingerprint()} }

func (a order) before(b order) bool {
	if a.sev != b.sev {
		return a.sev > b.sev
	}
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	if a.title != b.title {
		return a.title < b.title
	}
	return a.fing < b.fing
}

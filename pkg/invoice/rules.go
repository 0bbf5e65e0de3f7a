// Package invoice holds the rules of the invoice-status check: which state of an invoice request
// (international site, ListInvoices) is worth telling, in what words, and which states end a request.
// It is pure: the check lists the requests, these rules turn them into findings, and the alert engine
// remembers each request's state between runs (the finding's Tier), so a change of state becomes a
// change line "from -> to".
package invoice

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

// SubjectPrefix starts every finding's subject ("request/<requestId>"); skipping it covers them all.
const SubjectPrefix = "request/"

// The look-back the check accepts. The API takes any window of application time and documents no
// maximum (its own example spans 11 months); a window longer than a year is refused as a likely typo,
// and one shorter than a day would miss requests between daily runs.
const (
	DefaultLookBack = 90 * 24 * time.Hour
	MinLookBack     = 24 * time.Hour
	MaxLookBack     = 366 * 24 * time.Hour
)

// Rules are the invoice-status rules of one configuration.
type Rules struct {
	// Profiles are the international-site profiles whose invoice requests are watched.
	Profiles []string
	// LookBack is the rolling window of application time, ending at the run's clock reading.
	LookBack time.Duration
	// Announce makes the first run tell the requests still open; by default it only records them.
	Announce bool
	// Warn lists the states that are warnings; the others are info.
	Warn []bss.InvoiceState
}

// DefaultWarn are the states that need someone: a request rejected (awaiting rejection review, with
// the reason in cancelReason), returned, or whose return failed.
var DefaultWarn = []bss.InvoiceState{bss.InvoiceAwaitingRejection, bss.InvoiceReturned, bss.InvoiceReturnFailed}

// Ends reports whether a request in state s is finished: told once, then no longer tracked.
func Ends(s bss.InvoiceState) bool { return s == bss.InvoiceCompleted || s == bss.InvoiceReturned }

// Window is the application-time window a run lists: LookBack up to now.
func (r *Rules) Window(now time.Time) (from, to time.Time) {
	lb := r.LookBack
	if lb == 0 {
		lb = DefaultLookBack
	}
	return now.Add(-lb), now
}

// FirstRun is what a profile's first run tells: nothing (every request recorded), or with Announce
// the requests still open.
func (r *Rules) FirstRun() alert.FirstRun {
	if r.Announce {
		return alert.FirstRunOpen
	}
	return alert.FirstRunRecord
}

// Result is what the rules made of one listing.
type Result struct {
	Findings []alert.Finding
	// Errs say why Missed of the Of requests listed could not be tracked (no requestId).
	Errs       []error
	Of, Missed int
}

// Evaluate turns the listed requests into findings: one per request, its state as the Tier (so the
// engine tells a change of state from what to what), Final once the request ends. A request without
// an id cannot be tracked and is reported; a request listed twice (the list moved between pages)
// counts once.
func (r *Rules) Evaluate(invs []bss.Invoice) Result {
	res := Result{Of: len(invs)}
	seen := make(map[string]bool, len(invs))
	missing := 0
	for _, inv := range invs {
		if inv.RequestID == "" {
			missing++
			continue
		}
		if seen[inv.RequestID] {
			continue
		}
		seen[inv.RequestID] = true
		res.Findings = append(res.Findings, r.finding(inv))
	}
	if missing > 0 {
		res.Missed = missing
		res.Errs = append(res.Errs, fmt.Errorf("%d invoice requests without a requestId cannot be tracked", missing))
	}
	return res
}

func (r *Rules) finding(inv bss.Invoice) alert.Finding {
	warn := r.Warn
	if warn == nil {
		warn = DefaultWarn
	}
	sev := notify.Info
	if slices.Contains(warn, inv.State) {
		sev = notify.Warning
	}
	f := alert.Finding{
		Subject:  SubjectPrefix + inv.RequestID,
		Tier:     StateName(inv.State),
		Severity: sev,
		Title:    fmt.Sprintf("%s (%s, %s)", requestName(inv), inv.Amount, orUnknown(inv.Title, "no title")),
		Text:     describe(inv),
		Final:    Ends(inv.State),
		Rank:     inv.Applied.Unix(),
	}
	// The first field leads the change line in the thread: the number once issued, the reason of a
	// rejection or return, else the state.
	switch {
	case inv.InvoiceNo != "":
		f.Fields = append(f.Fields, notify.Field{Name: "Invoice no.", Value: inv.InvoiceNo})
	case inv.CancelReason != "":
		f.Fields = append(f.Fields, notify.Field{Name: "Reason", Value: inv.CancelReason})
	}
	f.Fields = append(f.Fields, notify.Field{Name: "State", Value: StateName(inv.State)},
		notify.Field{Name: "Amount", Value: inv.Amount.String()})
	if inv.InvoiceNo != "" && inv.CancelReason != "" {
		f.Fields = append(f.Fields, notify.Field{Name: "Reason", Value: inv.CancelReason})
	}
	return f
}

// stateNames are the states ListInvoices documents (invoiceState), in the words of the partner
// console's invoice pages. The API has no plain "rejected": a rejected request shows as 11 (等待驳回
// 审核) with the reason in cancelReason.
var stateNames = map[bss.InvoiceState]string{
	bss.InvoiceDraft:                 "draft",
	bss.InvoicePendingReview:         "pending review",
	bss.InvoiceAwaitingExport:        "issuing: awaiting invoice file export",
	bss.InvoiceAwaitingBackfill:      "issuing: awaiting invoice file upload",
	bss.InvoiceAwaitingMailing:       "issued: awaiting mailing confirmation",
	bss.InvoiceAwaitingReceipt:       "issued: awaiting receipt confirmation",
	bss.InvoiceCompleted:             "completed",
	bss.InvoiceReturned:              "returned",
	bss.InvoiceAwaitingRejection:     "rejected: awaiting rejection review",
	bss.InvoiceReturnPendingReview:   "return pending review",
	bss.InvoiceReturnBackfillPending: "return: awaiting status upload",
	bss.InvoiceReturnFailed:          "return failed",
}

// StateName names a state for people, with its code: "pending review (1)". A code the API does not
// document (2, 3, 10, 12 have been seen) is named by its number.
func StateName(s bss.InvoiceState) string {
	if n, ok := stateNames[s]; ok {
		return fmt.Sprintf("%s (%d)", n, s)
	}
	return fmt.Sprintf("unknown state (%d)", s)
}

// requestName says what the request is: an issue, a return linked to its original, or an issue
// returned since (requestMode "0", "1", "2").
func requestName(inv bss.Invoice) string {
	switch inv.RequestMode {
	case "1":
		if inv.SourceRequestID != "" {
			return fmt.Sprintf("Return request %s of %s", inv.RequestID, inv.SourceRequestID)
		}
		return "Return request " + inv.RequestID
	case "2":
		return fmt.Sprintf("Invoice request %s (issued, then returned)", inv.RequestID)
	default:
		return "Invoice request " + inv.RequestID
	}
}

// describe is the request's line of detail: kind of invoice, title type, when and by whom.
func describe(inv bss.Invoice) string {
	var parts []string
	switch inv.Type {
	case 0:
		parts = append(parts, "special VAT invoice")
	case 1:
		parts = append(parts, "normal VAT invoice")
	default:
		parts = append(parts, fmt.Sprintf("invoice type %d", inv.Type))
	}
	switch inv.TitleType {
	case 0:
		parts = append(parts, "personal title")
	case 1:
		parts = append(parts, "enterprise title")
	}
	if inv.BillCycle != "" {
		parts = append(parts, "bill cycle "+inv.BillCycle)
	}
	applied := "applied"
	switch {
	case !inv.Applied.IsZero():
		applied += " " + inv.Applied.UTC().Format("2006-01-02 15:04 UTC")
	case inv.AppliedText != "":
		applied += fmt.Sprintf(" at %q (an unreadable time)", inv.AppliedText)
	}
	if inv.AppliedBy != "" {
		applied += " by " + inv.AppliedBy
	}
	if applied != "applied" {
		parts = append(parts, applied)
	}
	return strings.Join(parts, ", ")
}

func orUnknown(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

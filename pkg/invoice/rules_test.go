package invoice_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/invoice"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

var now = time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)

func request(id string, state bss.InvoiceState) bss.Invoice {
	return bss.Invoice{RequestID: id, State: state, Amount: money.MustParse("1200.50", "USD"), Title: "ACME Ltd",
		Type: 1, TitleType: 1, RequestMode: "0", Applied: now.Add(-48 * time.Hour), AppliedBy: "fin@acme.example"}
}

func TestStateName(t *testing.T) {
	tests := []struct {
		state bss.InvoiceState
		want  string
	}{
		{bss.InvoiceDraft, "draft (0)"},
		{bss.InvoicePendingReview, "pending review (1)"},
		{bss.InvoiceCompleted, "completed (8)"},
		{bss.InvoiceAwaitingRejection, "rejected: awaiting rejection review (11)"},
		{bss.InvoiceReturnFailed, "return failed (15)"},
		{12, "unknown state (12)"},
		{-1, "unknown state (-1)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := invoice.StateName(tt.state); got != tt.want {
				t.Errorf("StateName(%d) = %q, want %q", tt.state, got, tt.want)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	issued := request("R-1", bss.InvoiceCompleted)
	issued.InvoiceNo = "00123456"
	rejected := request("R-2", bss.InvoiceAwaitingRejection)
	rejected.CancelReason = "tax id does not match the title"
	ret := request("R-3", bss.InvoiceReturnPendingReview)
	ret.RequestMode, ret.SourceRequestID, ret.Amount = "1", "R-1", money.MustParse("300", "USD")
	odd := request("R-4", 12)
	odd.Applied, odd.AppliedText = time.Time{}, "yesterday"
	tests := []struct {
		name  string
		rules invoice.Rules
		in    bss.Invoice
		want  alert.Finding
	}{
		{"issued: final, told with its number", invoice.Rules{}, issued, alert.Finding{
			Subject: "request/R-1", Tier: "completed (8)", Severity: notify.Info, Final: true,
			Title: "Invoice request R-1 ($1,200.50, ACME Ltd)",
			Text:  "normal VAT invoice, enterprise title, applied 2026-11-30 08:00 UTC by fin@acme.example",
			Fields: []notify.Field{{Name: "Invoice no.", Value: "00123456"}, {Name: "State", Value: "completed (8)"},
				{Name: "Amount", Value: "$1,200.50"}},
			Rank: now.Add(-48 * time.Hour).Unix()}},
		{"rejected: a warning led by the reason", invoice.Rules{}, rejected, rejectedAs(notify.Warning)},
		{"rejected, configured as info", invoice.Rules{Warn: []bss.InvoiceState{bss.InvoiceReturnFailed}}, rejected, rejectedAs(notify.Info)},
		{"a return names its original", invoice.Rules{}, ret, alert.Finding{
			Subject: "request/R-3", Tier: "return pending review (13)", Severity: notify.Info,
			Title:  "Return request R-3 of R-1 ($300.00, ACME Ltd)",
			Text:   "normal VAT invoice, enterprise title, applied 2026-11-30 08:00 UTC by fin@acme.example",
			Fields: []notify.Field{{Name: "State", Value: "return pending review (13)"}, {Name: "Amount", Value: "$300.00"}},
			Rank:   now.Add(-48 * time.Hour).Unix()}},
		{"an unknown state is shown by number; an unreadable time is quoted", invoice.Rules{}, odd, alert.Finding{
			Subject: "request/R-4", Tier: "unknown state (12)", Severity: notify.Info,
			Title:  "Invoice request R-4 ($1,200.50, ACME Ltd)",
			Text:   `normal VAT invoice, enterprise title, applied at "yesterday" (an unreadable time) by fin@acme.example`,
			Fields: []notify.Field{{Name: "State", Value: "unknown state (12)"}, {Name: "Amount", Value: "$1,200.50"}},
			Rank:   time.Time{}.Unix()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.rules.Evaluate([]bss.Invoice{tt.in})
			if len(got.Errs) != 0 || len(got.Findings) != 1 {
				t.Fatalf("got %d findings, errors %v; want 1 finding", len(got.Findings), got.Errs)
			}
			if diff := cmp.Diff(tt.want, got.Findings[0]); diff != "" {
				t.Errorf("finding (-want +got):\n%s", diff)
			}
		})
	}
}

func rejectedAs(sev notify.Severity) alert.Finding {
	return alert.Finding{
		Subject: "request/R-2", Tier: "rejected: awaiting rejection review (11)", Severity: sev,
		Title: "Invoice request R-2 ($1,200.50, ACME Ltd)",
		Text:  "normal VAT invoice, enterprise title, applied 2026-11-30 08:00 UTC by fin@acme.example",
		Fields: []notify.Field{{Name: "Reason", Value: "tax id does not match the title"},
			{Name: "State", Value: "rejected: awaiting rejection review (11)"}, {Name: "Amount", Value: "$1,200.50"}},
		Rank: now.Add(-48 * time.Hour).Unix()}
}

func TestEvaluateEndsCompletedAndReturnedOnly(t *testing.T) {
	for s := bss.InvoiceState(0); s <= 16; s++ {
		got := (&invoice.Rules{}).Evaluate([]bss.Invoice{request("R", s)}).Findings[0].Final
		want := s == bss.InvoiceCompleted || s == bss.InvoiceReturned
		if got != want {
			t.Errorf("state %d: final = %v, want %v", s, got, want)
		}
	}
}

func TestEvaluateOddListings(t *testing.T) {
	noID := request("", bss.InvoicePendingReview)
	tests := []struct {
		name     string
		in       []bss.Invoice
		subjects []string
		errs     int
	}{
		{"a request listed twice counts once", []bss.Invoice{request("R-1", 1), request("R-1", 1), request("R-2", 4)}, []string{"request/R-1", "request/R-2"}, 0},
		{"a request without an id is reported, the rest judged", []bss.Invoice{noID, request("R-2", 4)}, []string{"request/R-2"}, 1},
		{"nothing listed", nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := (&invoice.Rules{}).Evaluate(tt.in)
			var subjects []string
			for _, f := range got.Findings {
				subjects = append(subjects, f.Subject)
			}
			if diff := cmp.Diff(tt.subjects, subjects); diff != "" {
				t.Errorf("subjects (-want +got):\n%s", diff)
			}
			if len(got.Errs) != tt.errs || got.Missed != tt.errs || got.Of != len(tt.in) {
				t.Errorf("errors %v of %d, want %d errors of %d", got.Errs, got.Of, tt.errs, len(tt.in))
			}
		})
	}
}

func TestWindowAndFirstRun(t *testing.T) {
	tests := []struct {
		name  string
		rules invoice.Rules
		from  time.Time
		first alert.FirstRun
	}{
		{"defaults: 90 days, record silently", invoice.Rules{}, now.Add(-90 * 24 * time.Hour), alert.FirstRunRecord},
		{"30 days, announce open requests", invoice.Rules{LookBack: 30 * 24 * time.Hour, Announce: true}, now.Add(-30 * 24 * time.Hour), alert.FirstRunOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to := tt.rules.Window(now)
			if !from.Equal(tt.from) || !to.Equal(now) {
				t.Errorf("window = %s..%s, want %s..%s", from, to, tt.from, now)
			}
			if got := tt.rules.FirstRun(); got != tt.first {
				t.Errorf("first run = %d, want %d", got, tt.first)
			}
		})
	}
}

package check

import (
	"context"
	"errors"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/invoice"
)

var invoiceAnchor = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// intlPartner serves a generated international partner and a real client for it.
func intlPartner(t *testing.T) (*sandbox.Server, Clients) {
	t.Helper()
	box, err := sandbox.New(sandbox.Options{Site: sandbox.SiteIntl, Seed: 9, Customers: 1, Now: invoiceAnchor})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(box)
	t.Cleanup(func() { box.Close(); srv.Close() })
	m := box.Manifest(srv.URL)
	c, err := bss.New(bss.Profile{Name: "partner-intl", Role: bss.Partner, Site: bss.International, AK: m.Partner.AK, SK: m.Partner.SK,
		DomainID: m.Partner.DomainID, Endpoint: srv.URL}, bss.Options{MaxRetries: -1, RatePerSecond: 1000, Burst: 100, Limits: bss.NewLimits()})
	if err != nil {
		t.Fatal(err)
	}
	return box, Map(map[string]*bss.Client{"partner-intl": c})
}

func runInvoice(t *testing.T, clients Clients, now time.Time, rules invoice.Rules) alert.Evaluation {
	t.Helper()
	rules.Profiles = []string{"partner-intl"}
	evals := InvoiceCheck{Rules: &rules}.Run(context.Background(), Env{Now: now, Clients: clients})
	if len(evals) != 1 {
		t.Fatalf("got %d evaluations, want 1", len(evals))
	}
	return evals[0]
}

func TestInvoiceTracksEveryRequestInTheWindow(t *testing.T) {
	box, clients := intlPartner(t)
	ev := runInvoice(t, clients, invoiceAnchor, invoice.Rules{LookBack: 90 * 24 * time.Hour})
	if ev.Err != nil {
		t.Fatal(ev.Err)
	}
	if ev.FirstRun != alert.FirstRunRecord || !ev.ForgetGone || !ev.NoRepeat || ev.Noun != "invoice requests" {
		t.Errorf("first run %d, forget gone %v, no repeat %v, noun %q; want record, true, true, invoice requests", ev.FirstRun, ev.ForgetGone, ev.NoRepeat, ev.Noun)
	}
	var want []string
	for _, inv := range box.Invoices(box.Partner().DomainID) {
		if !inv.ApplyTime.Before(invoiceAnchor.AddDate(0, 0, -90)) {
			want = append(want, invoice.SubjectPrefix+inv.RequestID)
		}
	}
	got := subjects(ev.Findings, invoice.SubjectPrefix)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("tracked %d requests, want the %d applied in the last 90 days", len(got), len(want))
	}
	if calls := box.Calls()["ListInvoices"]; calls != bss.Pages(len(want), bss.PageInvoices) {
		t.Errorf("ListInvoices calls = %d, want %d", calls, bss.Pages(len(want), bss.PageInvoices))
	}

	// A day later the first live request is issued and the second rejected.
	box.Advance(24 * time.Hour)
	ev = runInvoice(t, clients, invoiceAnchor.Add(24*time.Hour), invoice.Rules{})
	tiers := map[string]int{}
	for _, f := range ev.Findings {
		tiers[f.Tier]++
	}
	if tiers["completed (8)"] == 0 || tiers["rejected: awaiting rejection review (11)"] == 0 {
		t.Errorf("states after a day: %v; want completed and rejected requests", tiers)
	}
}

func TestInvoiceListingFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault sandbox.Fault
		kind  error
	}{
		{"a failed page", sandbox.Fault{API: "ListInvoices", Count: 1, Status: 500, Code: "CBC.0999"}, bss.ErrTransient},
		{"a 2xx error body", sandbox.Fault{API: "ListInvoices", Count: 1, Status: 200, Code: "CBC.0999", Message: "system busy"}, bss.ErrTransient},
		{"a 2xx without count", sandbox.Fault{API: "ListInvoices", Count: 1, Body: "{}"}, bss.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			box, clients := intlPartner(t)
			if err := box.AddFault(tt.fault); err != nil {
				t.Fatal(err)
			}
			ev := runInvoice(t, clients, invoiceAnchor, invoice.Rules{})
			if ev.Err == nil || ev.Partial || !errors.Is(ev.Err, tt.kind) {
				t.Errorf("err = %v, partial = %v; want a failed run carrying %v", ev.Err, ev.Partial, tt.kind)
			}
			if len(ev.Findings) != 0 || !slices.Equal(ev.Skipped, []string{invoice.SubjectPrefix}) {
				t.Errorf("findings %d, skipped %v; want none found and every request skipped", len(ev.Findings), ev.Skipped)
			}
		})
	}
}

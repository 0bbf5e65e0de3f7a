package sandbox

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	intlmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"
)

// listed is one request as the SDK reads it.
type listed struct {
	state              int32
	reason, no, source string
	applied            string
}

func listAll(t *testing.T, e *env) map[string]listed {
	t.Helper()
	client := e.intl(t, e.partner())
	resp, err := client.ListInvoices(&intlmodel.ListInvoicesRequest{StartTime: ts(anchor.AddDate(0, 0, -200)),
		EndTime: ts(anchor.AddDate(0, 0, 1)), Offset: 1, Limit: 100})
	mustOK(t, err)
	out := map[string]listed{}
	str := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	for _, inv := range *resp.Invoices {
		out[*inv.RequestId] = listed{*inv.InvoiceState, str(inv.CancelReason), str(inv.InvoiceNo), str(inv.SrcRequestId), str(inv.ApplyTime)}
	}
	return out
}

func TestInvoicesAdvanceWithTheClock(t *testing.T) {
	e := newEnv(t, Options{Site: SiteIntl, Seed: 42, Customers: 1, Now: anchor})
	// The live requests, told apart by the last state they reach.
	byEnd := map[int]string{}
	for _, inv := range e.srv.w.partnerInvoices {
		if n := len(inv.Steps); n > 0 {
			byEnd[inv.Steps[n-1].State] = inv.RequestID
		}
	}
	if len(byEnd) != 5 {
		t.Fatalf("got live requests ending in %v, want 5 different ends", byEnd)
	}
	issued, rejected, returned, refused, odd := byEnd[8], byEnd[11], byEnd[9], byEnd[15], byEnd[4]
	tests := []struct {
		after time.Duration
		want  map[string]listed // state, reason and number of some requests
	}{
		{0, map[string]listed{issued: {state: 1}, rejected: {state: 1}, returned: {state: 13}, refused: {state: 13}, odd: {state: 0}}},
		{24 * time.Hour, map[string]listed{issued: {state: 8, no: "set"}, rejected: {state: 11, reason: "The tax ID does not match the invoice title."},
			returned: {state: 13}, refused: {state: 13}, odd: {state: 0}}},
		{36 * time.Hour, map[string]listed{issued: {state: 8, no: "set"}, returned: {state: 13}, odd: {state: 1}}},
		{96 * time.Hour, map[string]listed{returned: {state: 9}, refused: {state: 15, reason: "The invoice has been certified by the tax authority."}, odd: {state: 4}}},
	}
	var moved time.Duration
	for _, tt := range tests {
		t.Run("after "+tt.after.String(), func(t *testing.T) {
			e.srv.Advance(tt.after - moved)
			moved = tt.after
			got := listAll(t, e)
			for id, w := range tt.want {
				g := got[id]
				if g.state != w.state || g.reason != w.reason || (g.no != "") != (w.no != "") {
					t.Errorf("%s = state %d reason %q number %q; want state %d reason %q number set %v", id, g.state, g.reason, g.no, w.state, w.reason, w.no != "")
				}
			}
			for _, id := range []string{returned, refused} {
				if got[id].source == "" || got[got[id].source].state != 8 {
					t.Errorf("return %s links to %q, want a completed original", id, got[id].source)
				}
			}
		})
	}
	t.Run("undocumented state on the way", func(t *testing.T) {
		e := newEnv(t, Options{Site: SiteIntl, Seed: 42, Customers: 1, Now: anchor})
		e.srv.Advance(60 * time.Hour)
		if got := listAll(t, e)[odd].state; got != 12 {
			t.Errorf("state = %d, want the undocumented 12", got)
		}
	})
}

func TestInvoiceApplyTimeForms(t *testing.T) {
	e := newEnv(t, Options{Site: SiteIntl, Seed: 43, Customers: 1, Now: anchor})
	forms := map[string]bool{}
	for _, inv := range listAll(t, e) {
		switch s := inv.applied; {
		case len(s) == len("2026-11-21T09:00:00Z") && s[10] == 'T':
			forms["rfc3339"] = true
		case len(s) == len("2026-11-21 09:00:00") && s[10] == ' ':
			forms["spaced"] = true
		default:
			if _, err := strconv.ParseInt(s, 10, 64); err != nil {
				t.Errorf("applyTime %q is in no known form", s)
			}
			forms["epoch ms"] = true
		}
	}
	if len(forms) != 3 {
		t.Errorf("applyTime forms seen: %v, want all three", forms)
	}
}

func TestAddPartnerInvoices(t *testing.T) {
	e := newEnv(t, Options{Site: SiteIntl, Seed: 44, Customers: 1, Now: anchor})
	before := len(e.srv.Invoices(e.srv.Partner().DomainID))
	e.srv.AddPartnerInvoices(250)
	all := e.srv.Invoices(e.srv.Partner().DomainID)
	if got := len(all) - before; got != 250 {
		t.Fatalf("added %d requests, want 250", got)
	}
	for _, inv := range all {
		if !strings.HasPrefix(inv.RequestID, "IRBENCH") {
			continue
		}
		if inv.ApplyTime.Before(anchor.AddDate(0, 0, -80)) || inv.ApplyTime.After(anchor) {
			t.Errorf("request %s applied %s, want within the 80 days before %s", inv.RequestID, inv.ApplyTime, anchor)
		}
	}
	if !slices.IsSortedFunc(all, func(a, b Invoice) int { return b.ApplyTime.Compare(a.ApplyTime) }) {
		t.Error("requests are not kept latest first, as ListInvoices lists them")
	}
}

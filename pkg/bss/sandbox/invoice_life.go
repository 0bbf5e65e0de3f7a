package sandbox

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// InvoiceStep is a state an invoice request reaches at a time of the business clock, with what
// arrives with it: the reason of a rejection or failed return, the number of an issued invoice.
type InvoiceStep struct {
	At           time.Time
	State        int
	CancelReason string
	InvoiceNo    string
}

// The forms applyTime takes on the wire. The API documents only "application time (UTC)"; the sandbox
// sends each form so that clients cannot rely on one.
const (
	ApplyRFC3339     = iota // 2026-11-21T09:00:00Z
	ApplySpaced             // 2026-11-21 09:00:00
	ApplyEpochMillis        // "1795251600000"
	applyForms
)

// applyTimeText writes t in the given form.
func applyTimeText(t time.Time, form int) string {
	switch form {
	case ApplySpaced:
		return t.UTC().Format("2006-01-02 15:04:05")
	case ApplyEpochMillis:
		return strconv.FormatInt(t.UnixMilli(), 10)
	default:
		return ts(t)
	}
}

// asOf returns the request as it stands at t: its generated state moved through every step reached.
func (inv Invoice) asOf(t time.Time) Invoice {
	for _, st := range inv.Steps {
		if st.At.After(t) {
			break
		}
		inv.State = st.State
		if st.CancelReason != "" {
			inv.CancelReason = st.CancelReason
		}
		if st.InvoiceNo != "" {
			inv.InvoiceNo = st.InvoiceNo
		}
	}
	inv.Steps = nil
	return inv
}

// liveInvoices are the partner's requests still moving at the anchor, so that advancing the clock
// shows every kind of change: within the first day one request is issued (with its number) and one
// rejected (with the reason); later a return completes, another return fails, and a draft passes
// through an undocumented state code.
func (g *gen) liveInvoices(domainID string, completed *Invoice) []*Invoice {
	at := func(h int) time.Time { return g.now.Add(time.Duration(h) * time.Hour) }
	issued := g.invoice(domainID, 1)
	issued.ApplyTime = at(-26)
	issued.Steps = []InvoiceStep{{At: at(6), State: 4}, {At: at(10), State: 5},
		{At: at(14), State: 6, InvoiceNo: "INV" + g.chars("0123456789", 10)}, {At: at(18), State: 7}, {At: at(20), State: 8}}

	rejected := g.invoice(domainID, 1)
	rejected.ApplyTime = at(-30)
	rejected.Steps = []InvoiceStep{{At: at(8), State: 11, CancelReason: "The tax ID does not match the invoice title."}}

	returned := g.invoice(domainID, 13)
	returned.ApplyTime, returned.RequestMode, returned.SrcRequestID = at(-5), "1", completed.RequestID
	returned.Amount, returned.TaxAmount = completed.Amount, completed.TaxAmount
	returned.Steps = []InvoiceStep{{At: at(48), State: 14}, {At: at(96), State: 9}}

	refused := g.invoice(domainID, 13)
	refused.ApplyTime, refused.RequestMode, refused.SrcRequestID = at(-7), "1", completed.RequestID
	refused.Steps = []InvoiceStep{{At: at(60), State: 15, CancelReason: "The invoice has been certified by the tax authority."}}

	odd := g.invoice(domainID, 0)
	odd.ApplyTime = at(-2)
	odd.Steps = []InvoiceStep{{At: at(30), State: 1}, {At: at(54), State: 12}, {At: at(80), State: 4}}

	return []*Invoice{issued, rejected, returned, refused, odd}
}

// AddPartnerInvoices gives the partner n more invoice requests applied for over the 80 days before
// the anchor, most of them completed: a partner with a long invoice history, for benchmarks. The
// requests depend only on the seed and n.
func (s *Server) AddPartnerInvoices(n int) {
	g := &gen{site: s.site, now: s.anchor, r: rand.New(rand.NewPCG(uint64(s.seed), 0x1f1f))}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range n {
		state := 8
		if i%10 == 0 {
			state = InvoiceStates[g.r.IntN(len(InvoiceStates))]
		}
		inv := g.invoice(s.w.partner.DomainID, state)
		inv.RequestID = fmt.Sprintf("IRBENCH%013d", i)
		inv.ApplyTime = s.anchor.Add(-time.Duration(1+g.r.IntN(80*24*60)) * time.Minute)
		s.w.partnerInvoices = append(s.w.partnerInvoices, inv)
	}
	byApplyTime(s.w.partnerInvoices)
}

// byApplyTime orders invoice requests as ListInvoices lists them, latest application first, and
// returns xs. Kept in this order, a window of application time is one run of the slice.
func byApplyTime(xs []*Invoice) []*Invoice {
	sort.SliceStable(xs, func(i, j int) bool { return xs[i].ApplyTime.After(xs[j].ApplyTime) })
	return xs
}

// inWindow returns the requests of xs (ordered by byApplyTime) applied for in [start, end].
func inWindow(xs []*Invoice, start, end time.Time) []*Invoice {
	lo := sort.Search(len(xs), func(i int) bool { return !xs[i].ApplyTime.After(end) })
	hi := sort.Search(len(xs), func(i int) bool { return xs[i].ApplyTime.Before(start) })
	return xs[lo:max(lo, hi)]
}

// invoiceAmount is a generated amount in USD.
func (g *gen) invoiceAmount() decimal.Decimal { return decimal.New(int64(1000+g.r.IntN(500_000)), -2) }

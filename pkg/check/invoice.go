package check

import (
	"context"
	"fmt"
	"time"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/invoice"
)

// InvoiceCheck is the invoice-status check (international site): every invoice request applied for
// within the look-back window, tracked by requestId, its state remembered by the alert engine.
type InvoiceCheck struct {
	Rules *invoice.Rules
}

// Name returns Invoice.
func (InvoiceCheck) Name() string { return Invoice }

// Run lists each profile's invoice requests over the window ending at env.Now. A listing that fails
// skips every request of the profile, so nothing is forgotten or told on missing data; a request that
// left the window is forgotten silently, the first run of a profile records without telling, and a
// digest is never reminded: only changes are told.
func (ic InvoiceCheck) Run(ctx context.Context, env Env) []alert.Evaluation {
	r := ic.Rules
	from, to := r.Window(env.Now)
	jobs := make([]Job, len(r.Profiles))
	for i, prof := range r.Profiles {
		jobs[i] = Job{prof, func(ctx context.Context, c *bss.Client) Part { return invoiceRequests(ctx, c, r, from, to) }}
	}
	evals := Fan(ctx, env, Invoice, "invoice requests", jobs)
	for i := range evals {
		evals[i].FirstRun = r.FirstRun()
		evals[i].ForgetGone = true
		evals[i].NoRepeat = true
	}
	return evals
}

func invoiceRequests(ctx context.Context, c *bss.Client, r *invoice.Rules, from, to time.Time) Part {
	invs, err := c.Invoices(ctx, from, to)
	if err != nil {
		return Part{Skipped: []string{invoice.SubjectPrefix}, Errs: []error{fmt.Errorf("invoice requests: %w", err)}}
	}
	res := r.Evaluate(invs)
	return Part{Findings: res.Findings, Errs: res.Errs, Noun: "invoice requests", Of: res.Of, Missed: res.Missed}
}

package bss

import (
	"context"
	"time"

	"github.com/bsswatch/bsswatch/pkg/money"
	intlmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"
)

// InvoiceState is where an invoice request stands.
type InvoiceState int

// The invoice states.
const (
	InvoiceDraft                 InvoiceState = 0
	InvoicePendingReview         InvoiceState = 1
	InvoiceAwaitingExport        InvoiceState = 4
	InvoiceAwaitingBackfill      InvoiceState = 5
	InvoiceAwaitingMailing       InvoiceState = 6
	InvoiceAwaitingReceipt       InvoiceState = 7
	InvoiceCompleted             InvoiceState = 8
	InvoiceReturned              InvoiceState = 9
	InvoiceAwaitingRejection     InvoiceState = 11
	InvoiceReturnPendingReview   InvoiceState = 13
	InvoiceReturnBackfillPending InvoiceState = 14
	InvoiceReturnFailed          InvoiceState = 15
)

// Invoice is one invoice request of the caller. Amount is in USD (the API's only currency); the zero
// Amount (no currency) when BSS left it out.
// RequestMode is "0" issue, "1" return, "2" issued then returned.
type Invoice struct {
	RequestID       string
	SourceRequestID string
	State           InvoiceState
	Amount          money.Amount
	Title           string
	TitleType       int // 0 personal, 1 enterprise
	Type            int // 0 special VAT, 1 normal VAT
	Method          int // 0 bill cycle, 1 payment received, 2 order
	Class           int // 0 tax, 1 commercial
	TradeType       int
	RequestMode     string
	InvoiceNo       string
	BillCycle       string
	CancelReason    string
	AppliedBy       string
	Applied         time.Time
}

// Invoices lists the invoice requests applied for in [from, to] (ListInvoices, international site
// only), PageInvoices per call; the API's offset is a page number from 1. It fails before any call
// with Unsupported on the China site (which has no invoice API) and Invalid for an empty or reversed
// window, and with an *Error when a page fails after retries.
func (c *Client) Invoices(ctx context.Context, from, to time.Time) ([]Invoice, error) {
	op := ListInvoices
	if err := c.allow(op); err != nil {
		return nil, err
	}
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return nil, invalidArg(string(op), "want a window with from <= to, got %s..%s", formatTime(from), formatTime(to))
	}
	start, end := formatTime(from), formatTime(to)
	raw, err := pageAll(ctx, c, op, PageInvoices, func(i int) (page[intlmodel.InvoiceRequestInfoIntl], error) {
		resp, err := c.intl.ListInvoices(&intlmodel.ListInvoicesRequest{StartTime: start, EndTime: end,
			Offset: int32(i + 1), Limit: PageInvoices})
		if err != nil {
			return page[intlmodel.InvoiceRequestInfoIntl]{}, err
		}
		return page[intlmodel.InvoiceRequestInfoIntl]{items: deref(resp.Invoices), total: total(resp.Count)}, nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Invoice, 0, len(raw))
	for _, r := range raw {
		inv := Invoice{RequestID: str(r.RequestId), SourceRequestID: str(r.SrcRequestId), State: InvoiceState(num(r.InvoiceState)),
			Title: str(r.InvoiceTitle), TitleType: num(r.TitleType),
			Type: num(r.InvoiceType), Method: num(r.InvoiceMethod), Class: num(r.InvoiceClass), TradeType: num(r.TradeType),
			RequestMode: str(r.RequestMode), InvoiceNo: str(r.InvoiceNo), BillCycle: str(r.BillCycle),
			CancelReason: str(r.CancelReason), AppliedBy: str(r.ApplyOpera)}
		if r.InvoiceAmount != nil {
			// An invoice without an amount keeps none (the zero Amount), rather than a made-up $0.00:
			// the state of the request is what is watched, and one odd field must not fail the list.
			inv.Amount = money.New(*r.InvoiceAmount, "USD")
		}
		if inv.Applied, err = timeField(op, "applyTime", r.ApplyTime); err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, nil
}

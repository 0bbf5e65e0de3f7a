package bss

import (
	"context"
	"strconv"
	"strings"
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
	// Applied is when the request was made; zero when applyTime was absent or unreadable, in which
	// case AppliedText keeps what BSS sent.
	Applied     time.Time
	AppliedText string
}

// Invoices lists the invoice requests applied for in [from, to] (ListInvoices, international site
// only), PageInvoices per call; the API's offset is a page number from 1. It fails before any call
// with Unsupported on the China site (which has no invoice API) and Invalid for an empty or reversed
// window, and with an *Error when a page fails after retries, including a page without "count"
// (Malformed: BSS sends it only on success). One request's odd applyTime never fails the listing
// (see parseApplyTime), nor does a missing amount (the request keeps none).
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
		if i+1 > maxInvoicePage {
			return page[intlmodel.InvoiceRequestInfoIntl]{}, invalidArg(string(op), "more than %d pages of invoice requests: shorten the look-back", maxInvoicePage)
		}
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
		var ok bool
		if inv.Applied, ok = parseApplyTime(str(r.ApplyTime)); !ok {
			inv.AppliedText = str(r.ApplyTime)
		}
		out = append(out, inv)
	}
	return out, nil
}

// maxInvoicePage is the largest page number ListInvoices accepts.
const maxInvoicePage = 99999

// applyTimeLayouts are the forms applyTime has been seen in: the API documents only "application
// time (UTC)" (bss-api.md section 10, item 10).
var applyTimeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"}

// parseApplyTime reads applyTime as RFC 3339, "yyyy-MM-dd HH:mm:ss" (UTC) or epoch milliseconds. It
// reports false, with the zero time, for an empty or unreadable value: the request still counts, only
// its date is unknown.
func parseApplyTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ms <= 0 {
			return time.Time{}, false
		}
		return time.UnixMilli(ms).UTC(), true
	}
	for _, layout := range applyTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

package bss

import (
	"context"
	"fmt"
	"time"

	"github.com/bsswatch/bsswatch/pkg/money"
	cnmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	intlmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"
)

// Page sizes of the spend records (the largest limit each API accepts).
const (
	PageAccountChanges   = 100  // ListPartnerAccountChangeRecords (limit 1-100; "total_count")
	PageConsumers        = 100  // ListConsumeSubCustomers (limit 1-100; "total_count")
	PageCustomerBills    = 1000 // ListSubCustomerBillDetail (limit 1-1000; "total_count")
	PageOwnResourceBills = 1000 // ListCustomerselfResourceRecords (limit 1-1000; "total_count")
)

// Zone is BSS's business time zone: bill cycles and the dates of the records filters are China
// Standard Time (东八区) on both sites.
var Zone = time.FixedZone("UTC+8", 8*60*60)

// Charge is one record of money leaving (or coming back to) an account. The rules decide which
// count as spend (pkg/runway); this package only reads them.
type Charge struct {
	// At is when the money moved: the fee record's bill date (00:00 China time) when it has one,
	// otherwise its trade time.
	At time.Time
	// Cash is what the account's balance paid: a fee record's cash_amount, an account record's
	// change_amount (never negative on the wire; Expense says which way it went).
	Cash money.Amount
	// BillType is a fee record's 账单类型 (1 new, 2 renewal, 4 refund, 5 usage, ...); 0 for account records.
	BillType int
	// Expense marks an account record of 收支类型 2 (支出); Detail is its trade_detail_type.
	Expense bool
	Detail  string
}

// BillCycle is the bill cycle ("2026-12") of a day in BSS's zone.
func BillCycle(t time.Time) string { return t.In(Zone).Format("2006-01") }

// spendWindow checks a window of whole days [from, to] (dates in Zone) and splits it by bill cycle:
// the fee-record APIs take one cycle per call, and a window may span two months.
func spendWindow(op API, from, to time.Time) ([][2]time.Time, error) {
	from, to = from.In(Zone), to.In(Zone)
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return nil, invalidArg(string(op), "want a window with from <= to, got %s..%s", from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	var out [][2]time.Time
	for start := from; !start.After(to); {
		end := time.Date(start.Year(), start.Month()+1, 0, 0, 0, 0, 0, Zone) // last day of start's month
		if end.After(to) {
			end = to
		}
		out = append(out, [2]time.Time{start, end})
		start = end.AddDate(0, 0, 1)
	}
	return out, nil
}

// byCycle calls fn with each bill cycle of the window [from, to] and its first and last date
// (YYYY-MM-DD); the first failure stops it and names its cycle.
func byCycle(op API, from, to time.Time, fn func(cycle, begin, end string) error) error {
	cycles, err := spendWindow(op, from, to)
	if err != nil {
		return err
	}
	for _, cy := range cycles {
		cycle := BillCycle(cy[0])
		if err := fn(cycle, cy[0].Format(time.DateOnly), cy[1].Format(time.DateOnly)); err != nil {
			return fmt.Errorf("bill cycle %s: %w", cycle, err)
		}
	}
	return nil
}

// PartnerSpend returns the partner's consumption (收支明细 of trade type DEDEUCT) on its cash account
// in the days [from, to] of Zone (ListPartnerAccountChangeRecords, China-site partner). Asking BSS for
// consumption only leaves top-ups, refunds and allocations to customers out of the pages. It fails
// with Unsupported before any call for other profiles, Invalid for a reversed window, and with an
// *Error when a page fails after retries or an answer only looks like success.
func (c *Client) PartnerSpend(ctx context.Context, from, to time.Time) ([]Charge, error) {
	op := ListPartnerAccountChangeRecords
	if err := c.allow(op); err != nil {
		return nil, err
	}
	cycles, err := spendWindow(op, from, to)
	if err != nil {
		return nil, err
	}
	begin, end := cycles[0][0].Format(time.DateOnly), cycles[len(cycles)-1][1].Format(time.DateOnly)
	var cur string
	raw, err := pageAll(ctx, c, op, PageAccountChanges, func(i int) (page[cnmodel.AccountChangeRecord], error) {
		resp, err := c.cn.ListPartnerAccountChangeRecords(&cnmodel.ListPartnerAccountChangeRecordsRequest{
			BalanceType: "BALANCE_TYPE_DEBIT", TradeType: ptr("DEDEUCT"), TradeTimeBegin: &begin, TradeTimeEnd: &end,
			Offset: ptr(int32(i * PageAccountChanges)), Limit: ptr(int32(PageAccountChanges))})
		if err != nil {
			return page[cnmodel.AccountChangeRecord]{}, err
		}
		if i == 0 {
			cur = orDefault(resp.Currency, "CNY")
		}
		return page[cnmodel.AccountChangeRecord]{items: deref(resp.Records), total: total(resp.TotalCount)}, nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Charge, 0, len(raw))
	for _, r := range raw {
		at, err := timeField(op, "trade_time", r.TradeTime)
		if err != nil {
			return nil, err
		}
		amount, err := requiredAmount(op, "change_amount", r.ChangeAmount)
		if err != nil {
			return nil, err
		}
		out = append(out, Charge{At: at, Cash: money.New(amount.Abs(), cur), Expense: str(r.Type) == "2", Detail: str(r.TradeDetailType)})
	}
	return out, nil
}

// ConsumingCustomers returns the ids of the sub-customers that consumed anything in a bill cycle
// ("2026-12") (ListConsumeSubCustomers, China-site partner), PageConsumers per call. One listing
// tells which customers are worth asking for their records at all. Errors are PartnerSpend's.
func (c *Client) ConsumingCustomers(ctx context.Context, cycle string) ([]string, error) {
	op := ListConsumeSubCustomers
	if err := c.allow(op); err != nil {
		return nil, err
	}
	if _, err := time.Parse("2006-01", cycle); err != nil {
		return nil, invalidArg(string(op), "bill cycle %q: want YYYY-MM", cycle)
	}
	raw, err := pageAll(ctx, c, op, PageConsumers, func(i int) (page[cnmodel.SubCustomerInfoV3], error) {
		resp, err := c.cn.ListConsumeSubCustomers(&cnmodel.ListConsumeSubCustomersRequest{Body: &cnmodel.ListConsumeSubCustomersReq{
			BillCycle: cycle, Offset: ptr(int32(i * PageConsumers)), Limit: ptr(int32(PageConsumers))}})
		if err != nil {
			return page[cnmodel.SubCustomerInfoV3]{}, err
		}
		return page[cnmodel.SubCustomerInfoV3]{items: deref(resp.SubCustomers), total: total(resp.TotalCount)}, nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(raw))
	for _, r := range raw {
		if id := str(r.CustomerId); id != "" {
			out = append(out, id)
		}
	}
	return out, nil
}

// CustomerSpend returns a sub-customer's fee records in the days [from, to] of Zone
// (ListSubCustomerBillDetail, China-site partner), one listing per bill cycle the window touches,
// PageCustomerBills per call. Errors are PartnerSpend's, naming the bill cycle whose listing failed.
func (c *Client) CustomerSpend(ctx context.Context, customerID string, from, to time.Time) ([]Charge, error) {
	op := ListSubCustomerBillDetail
	if err := c.allow(op); err != nil {
		return nil, err
	}
	if customerID == "" || len(customerID) > 64 {
		return nil, invalidArg(string(op), "customer id %q: want 1-64 characters", customerID)
	}
	var out []Charge
	err := byCycle(op, from, to, func(cycle, begin, end string) error {
		var cur string
		raw, err := pageAll(ctx, c, op, PageCustomerBills, func(i int) (page[cnmodel.SubCustomerMonthlyBillDetail], error) {
			resp, err := c.cn.ListSubCustomerBillDetail(&cnmodel.ListSubCustomerBillDetailRequest{
				BillCycle: cycle, CustomerId: customerID, BillDateBegin: &begin, BillDateEnd: &end,
				Offset: ptr(int32(i * PageCustomerBills)), Limit: ptr(int32(PageCustomerBills))})
			if err != nil {
				return page[cnmodel.SubCustomerMonthlyBillDetail]{}, err
			}
			if i == 0 {
				cur = orDefault(resp.Currency, "CNY")
			}
			return page[cnmodel.SubCustomerMonthlyBillDetail]{items: deref(resp.FeeRecords), total: total(resp.TotalCount)}, nil
		})
		if err != nil {
			return err
		}
		for _, r := range raw {
			at, err := timeField(op, "trade_time", r.TradeTime)
			if err != nil {
				return err
			}
			out = append(out, Charge{At: at, Cash: money.New(decimalOf(r.CashAmount), cur), BillType: num(r.BillDetailType)})
		}
		return nil
	})
	return out, err
}

// OwnSpend returns a customer's own fee records in the days [from, to] of Zone
// (ListCustomerselfResourceRecords, method "oneself", either site, customer credentials), one
// listing per bill cycle the window touches, PageOwnResourceBills per call. A China-site partner
// reads its spend with PartnerSpend instead. Errors are CustomerSpend's.
func (c *Client) OwnSpend(ctx context.Context, from, to time.Time) ([]Charge, error) {
	op := ListCustomerselfResourceRecords
	if err := c.allow(op); err != nil {
		return nil, err
	}
	var out []Charge
	err := byCycle(op, from, to, func(cycle, begin, end string) error {
		var cur string
		raw, err := pageAll(ctx, c, op, PageOwnResourceBills, func(i int) (page[cnmodel.ResFeeRecordV2], error) {
			req := cnmodel.ListCustomerselfResourceRecordsRequest{Cycle: cycle, Method: ptr("oneself"),
				BillDateBegin: &begin, BillDateEnd: &end, IncludeZeroRecord: ptr(false),
				Offset: ptr(int32(i * PageOwnResourceBills)), Limit: ptr(int32(PageOwnResourceBills))}
			var p page[cnmodel.ResFeeRecordV2]
			var count *int32
			var currency *string
			if c.cn != nil {
				resp, err := c.cn.ListCustomerselfResourceRecords(&req)
				if err != nil {
					return p, err
				}
				p.items, count, currency = deref(resp.FeeRecords), resp.TotalCount, resp.Currency
			} else {
				ireq := intlmodel.ListCustomerselfResourceRecordsRequest{Cycle: req.Cycle, Method: req.Method,
					BillDateBegin: req.BillDateBegin, BillDateEnd: req.BillDateEnd, IncludeZeroRecord: req.IncludeZeroRecord,
					Offset: req.Offset, Limit: req.Limit}
				resp, err := c.intl.ListCustomerselfResourceRecords(&ireq)
				if err != nil {
					return p, err
				}
				for _, r := range deref(resp.FeeRecords) {
					p.items = append(p.items, cnmodel.ResFeeRecordV2(r))
				}
				count, currency = resp.TotalCount, resp.Currency
			}
			if i == 0 {
				cur = orDefault(currency, c.siteCurrency())
			}
			p.total = total(count)
			return p, nil
		})
		if err != nil {
			return err
		}
		for _, r := range raw {
			at, err := billDate(op, r.BillDate, r.TradeTime)
			if err != nil {
				return err
			}
			cash, err := measured(op, decimalOf(r.CashAmount), r.MeasureId, cur)
			if err != nil {
				return err
			}
			out = append(out, Charge{At: at, Cash: cash, BillType: num(r.BillType)})
		}
		return nil
	})
	return out, err
}

// billDate reads a fee record's bill date (YYYY-MM-DD, China time), falling back on its trade time.
func billDate(op API, date, trade *string) (time.Time, error) {
	if date == nil || *date == "" {
		return timeField(op, "trade_time", trade)
	}
	t, err := time.ParseInLocation(time.DateOnly, *date, Zone)
	if err != nil {
		return time.Time{}, &Error{Op: string(op), Kind: Malformed, Message: fmt.Sprintf("bill_date: not a date: %q", *date)}
	}
	return t.UTC(), nil
}

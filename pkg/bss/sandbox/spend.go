package sandbox

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// Spend records: the partner's account movements (收支明细), which sub-customers consumed in a bill
// cycle, and fee records of sub-customers and of a caller's own account. They are computed from each
// account's Spend profile for every China-time day from the start of its history up to the business
// clock, so advancing the clock adds days of records and never rewrites old ones. Generated profiles
// are drawn from the account's balance (a customer spends its balance in between 2 and 300 days, or
// not at all), so runways spread over every alert level.

func init() {
	routes = append(routes,
		route{api: "ListPartnerAccountChangeRecords", method: http.MethodGet, path: "/v2/accounts/partner-accounts/account-change-records", sites: []string{SiteCN}, allow: partnerOnly, handle: (*Server).listPartnerAccountChangeRecords},
		route{api: "ListConsumeSubCustomers", method: http.MethodPost, path: "/v2/bills/subcustomer-bills/res-fee-records/sub-customers/query", sites: []string{SiteCN}, allow: partnerOnly, handle: (*Server).listConsumeSubCustomers},
		route{api: "ListSubCustomerBillDetail", method: http.MethodGet, path: "/v2/bills/subcustomer-bills/res-fee-records", sites: []string{SiteCN}, allow: partnerOnly, handle: (*Server).listSubCustomerBillDetail},
		route{api: "ListCustomerselfResourceRecords", method: http.MethodGet, path: "/v2/bills/customer-bills/res-fee-records", sites: []string{SiteCN, SiteIntl}, allow: customerOnly, handle: (*Server).listCustomerselfResourceRecords},
	)
}

// chinaTime is BSS's business zone: bill cycles and record dates are China time.
var chinaTime = time.FixedZone("UTC+8", 8*60*60)

// historyDays is how far back every account's records go from the generation anchor.
const historyDays = 120

// Spend is how an account spends: Daily in cash on usage every day; Spikes more on given China-time
// dates ("2006-01-02") and SpikeExtra on every SpikeEvery-th day, as new purchases; and a refund of
// twice Daily every RefundEvery-th day. The partner also tops up its cash every 7 days and allocates
// to customers every day; those move its balance but are not spend.
type Spend struct {
	Daily       decimal.Decimal
	Spikes      map[string]decimal.Decimal
	SpikeEvery  int
	SpikeExtra  decimal.Decimal
	RefundEvery int
}

// spendBook holds the profiles drawn or set so far; it has its own lock because reads draw
// profiles lazily under the world's read lock.
type spendBook struct {
	mu sync.Mutex
	m  map[string]Spend
}

// SetSpend sets how an account (a customer id or the partner id) spends from now on; its records
// are recomputed with the new profile, so a test can give a customer exactly the history it needs.
func (s *Server) SetSpend(accountID string, p Spend) {
	b := &s.w.spend
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string]Spend{}
	}
	b.m[accountID] = p
}

// SpendOf returns an account's spend profile (drawn from its balance the first time).
func (s *Server) SpendOf(accountID string) Spend {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.spendOf(accountID)
}

// runwayDays are the runways generated customers are given, in days.
var runwayDays = []int64{2, 4, 5, 8, 12, 20, 30, 45, 60, 90, 150, 300}

// spendOf draws or returns an account's profile; the caller holds s.mu.
func (s *Server) spendOf(id string) Spend {
	b := &s.w.spend
	b.mu.Lock()
	defer b.mu.Unlock()
	if p, ok := b.m[id]; ok {
		return p
	}
	if b.m == nil {
		b.m = map[string]Spend{}
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s", s.seed, id)
	x := h.Sum64()
	var p Spend
	if id == s.w.partner.ID {
		// The partner consumes a little of its own cash; most of it goes to customers.
		p = Spend{Daily: s.partnerCash().Div(decimal.NewFromInt(60)).Round(2), RefundEvery: 11}
	} else if c, ok := s.w.byID[id]; ok && x%100 >= 35 {
		bal := c.Balance
		if bal.IsPositive() {
			p.Daily = bal.Div(decimal.NewFromInt(runwayDays[(x>>8)%uint64(len(runwayDays))])).Round(2)
		} else {
			p.Daily = decimal.NewFromInt(int64(20 + (x>>8)%200))
		}
		if (x>>24)%10 == 0 {
			p.SpikeEvery, p.SpikeExtra = 9, p.Daily.Mul(decimal.NewFromInt(5))
		}
		if (x>>32)%4 == 0 {
			p.RefundEvery = 10
		}
	}
	b.m[id] = p
	return p
}

func (s *Server) partnerCash() decimal.Decimal {
	for _, a := range s.w.accounts {
		if a.Type == AccountCash {
			return a.Amount
		}
	}
	return decimal.Zero
}

// record is one movement of an account on one day.
type record struct {
	at       time.Time
	cash     decimal.Decimal // what the balance paid (negative for money back)
	coupon   decimal.Decimal // what coupons paid on top
	billType int             // fee-record bill type
	trade    string          // account-record trade type (DEDEUCT, RECHARGE, REFUND, BEADJUST)
	detail   string          // account-record trade detail type
	income   bool            // account record that adds to the balance
}

// dayOf is the China-time date of t at 00:00.
func dayOf(t time.Time) time.Time {
	c := t.In(chinaTime)
	return time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, chinaTime)
}

// records returns an account's records with from <= day <= to (China-time dates) that have
// happened by the business clock, oldest first. partner adds the partner's own movements (top-ups,
// allocations), which only account records show.
func (s *Server) records(p Spend, from, to time.Time, partner bool) []record {
	now := s.now()
	if start := dayOf(s.anchor).AddDate(0, 0, -historyDays); from.Before(start) {
		from = start
	}
	var out []record
	for d := dayOf(from); !d.After(to); d = d.AddDate(0, 0, 1) {
		n := int(d.Unix() / 86400)
		add := func(hour int, r record) {
			r.at = d.Add(time.Duration(hour) * time.Hour)
			if !r.at.After(now) && !r.cash.IsZero() {
				out = append(out, r)
			}
		}
		add(10, record{cash: p.Daily, coupon: p.Daily.Div(decimal.NewFromInt(10)).Round(2), billType: 5, trade: "DEDEUCT", detail: "SOURCE_OPERAIION_USAGE"})
		extra := p.Spikes[d.Format(time.DateOnly)]
		if p.SpikeEvery > 0 && n%p.SpikeEvery == 0 {
			extra = extra.Add(p.SpikeExtra)
		}
		add(15, record{cash: extra, billType: 1, trade: "DEDEUCT", detail: "SOURCE_OPERAIION_DEDEUCT"})
		if p.RefundEvery > 0 && n%p.RefundEvery == 0 {
			add(16, record{cash: p.Daily.Mul(decimal.NewFromInt(-2)), billType: 4, trade: "REFUND", detail: "SOURCE_OPERAIION_UNSUBSCRIBE", income: true})
		}
		if partner {
			if n%7 == 0 {
				add(9, record{cash: p.Daily.Mul(decimal.NewFromInt(-10)), trade: "RECHARGE", detail: "SOURCE_OPERAIION_RECHARGE", income: true})
			}
			add(11, record{cash: p.Daily.Mul(decimal.NewFromInt(2)), trade: "BEADJUST", detail: "SOURCE_OPERATION_BEADJUST"})
		}
	}
	return out
}

// consumed reports whether a profile has records in the days [from, to]; a daily spender has
// whenever the days overlap its history up to the last usage record, which spares computing them.
func (s *Server) consumed(p Spend, from, to time.Time) bool {
	if p.Daily.IsPositive() {
		start := dayOf(s.anchor).AddDate(0, 0, -historyDays)
		lastUsage := dayOf(s.now().Add(-10 * time.Hour))
		return !to.Before(start) && !from.After(lastUsage)
	}
	return len(s.records(p, from, to, false)) > 0
}

// date parses an optional YYYY-MM-DD query parameter as a China-time date.
func (q *query) date(name string) *time.Time {
	s := q.str(name, 10)
	if s == nil || *s == "" {
		return nil
	}
	t, err := time.ParseInLocation(time.DateOnly, *s, chinaTime)
	if err != nil {
		q.err = badRequest("%s must be a date like 2026-12-01, got %q", name, *s)
		return nil
	}
	return &t
}

// cycleRange checks a bill cycle and an optional day range inside it, and returns its days.
func cycleRange(cycleName, cycle string, begin, end *time.Time) (time.Time, time.Time, *apiError) {
	first, err := time.ParseInLocation("2006-01", cycle, chinaTime)
	if err != nil {
		return time.Time{}, time.Time{}, badRequest("%s must be a month like 2026-12, got %q", cycleName, cycle)
	}
	last := first.AddDate(0, 1, -1)
	if (begin == nil) != (end == nil) {
		return first, last, nil // BSS ignores a lone bound and reads the whole cycle
	}
	if begin != nil {
		if dayOf(*begin).Format("2006-01") != cycle || dayOf(*end).Format("2006-01") != cycle {
			return time.Time{}, time.Time{}, badRequest("bill_date_begin and bill_date_end must lie in %s %s", cycleName, cycle)
		}
		if end.Before(*begin) {
			return time.Time{}, time.Time{}, badRequest("bill_date_begin must not be after bill_date_end")
		}
		first, last = *begin, *end
	}
	return first, last, nil
}

type accountChangeRecord struct {
	AccountChangeID    string `json:"account_change_id"`
	TradeDetailType    string `json:"trade_detail_type"`
	TradeTime          string `json:"trade_time"`
	TradeID            string `json:"trade_id"`
	ChangeAmount       string `json:"change_amount"`
	BalanceAfterChange string `json:"balance_after_change"`
	Type               string `json:"type"`
}

type listAccountChangeRecordsResponse struct {
	TotalCount int                   `json:"total_count"`
	Currency   string                `json:"currency"`
	Records    []accountChangeRecord `json:"records"`
}

var tradeTypes = []string{"RECHARGE", "DEDEUCT", "REFUND", "RFROZEN", "TRANS", "ADJUST", "BEADJUST", "BERETRIEVE", "BEUNBIND", "BONUSCONVERT", "TRADE_MODE_TRANSFER"}

func (s *Server) listPartnerAccountChangeRecords(c *call) (any, *apiError) {
	q := newQuery(c.r)
	bt := q.str("balance_type", 32)
	trade := q.str("trade_type", 32)
	begin, end := q.date("trade_time_begin"), q.date("trade_time_end")
	offset := q.num("offset", 0, 0, 1<<31-2)
	limit := q.num("limit", 10, 1, 100)
	ind := q.str("indirect_partner_id", 64)
	if q.err != nil {
		return nil, q.err
	}
	if bt == nil || (*bt != "BALANCE_TYPE_DEBIT" && *bt != "BALANCE_TYPE_CREDIT") {
		return nil, badRequest("balance_type must be BALANCE_TYPE_DEBIT or BALANCE_TYPE_CREDIT")
	}
	if trade != nil && *trade != "" && !contains(tradeTypes, *trade) {
		return nil, badRequest("trade_type %q is not a trade type", *trade)
	}
	if err := noIndirectPartner(ind); err != nil {
		return nil, err
	}
	today := dayOf(s.now())
	from, to := today.AddDate(-1, 0, 0), today
	if begin != nil {
		from = *begin
	}
	if end != nil {
		to = *end
	}
	if to.Before(from) || to.After(from.AddDate(1, 0, 0)) {
		return nil, badRequest("the trade time window must run forwards and span at most a year")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := listAccountChangeRecordsResponse{Currency: s.w.partner.Currency, Records: []accountChangeRecord{}}
	if *bt == "BALANCE_TYPE_CREDIT" {
		return out, nil // the sandbox partner never draws on its credit line
	}
	// The balance after each movement runs backwards from today's balance over every movement since.
	all := s.records(s.spendOf(s.w.partner.ID), time.Time{}, today, true)
	after := make([]decimal.Decimal, len(all))
	bal := s.partnerCash()
	for i := len(all) - 1; i >= 0; i-- {
		after[i] = bal
		if all[i].income {
			bal = bal.Sub(all[i].cash.Abs())
		} else {
			bal = bal.Add(all[i].cash)
		}
	}
	var hits []accountChangeRecord
	for i, r := range all {
		if d := dayOf(r.at); d.Before(from) || d.After(to) || (trade != nil && *trade != "" && *trade != r.trade) {
			continue
		}
		typ := "2"
		if r.income {
			typ = "1"
		}
		hits = append(hits, accountChangeRecord{AccountChangeID: fmt.Sprintf("AC%s%04d", r.at.Format("20060102150405"), i),
			TradeDetailType: r.detail, TradeTime: ts(r.at), TradeID: fmt.Sprintf("T%s%04d", r.at.Format("20060102150405"), i),
			ChangeAmount: money2(r.cash.Abs()), BalanceAfterChange: money2(after[i]), Type: typ})
	}
	// Newest first, as the partner center lists them.
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].TradeTime > hits[b].TradeTime })
	out.TotalCount = len(hits)
	out.Records = append(out.Records, pageOf(hits, offset, limit)...)
	return out, nil
}

type consumeSubCustomersRequest struct {
	BillCycle *string `json:"bill_cycle"`
	Offset    *int32  `json:"offset"`
	Limit     *int32  `json:"limit"`
}

type subCustomerInfoV3 struct {
	CustomerID string `json:"customer_id"`
}

type listConsumeSubCustomersResponse struct {
	SubCustomers []subCustomerInfoV3 `json:"sub_customers"`
	TotalCount   int                 `json:"total_count"`
}

func (s *Server) listConsumeSubCustomers(c *call) (any, *apiError) {
	var req consumeSubCustomersRequest
	if err := decodeBody(c.body, &req); err != nil {
		return nil, err
	}
	offset, limit, err := paging(req.Offset, req.Limit, 100)
	if err != nil {
		return nil, err
	}
	if req.BillCycle == nil {
		return nil, badRequest("bill_cycle is required")
	}
	first, last, err := cycleRange("bill_cycle", *req.BillCycle, nil, nil)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var ids []subCustomerInfoV3
	for _, cu := range s.w.customers {
		if s.consumed(s.spendOf(cu.ID), first, last) {
			ids = append(ids, subCustomerInfoV3{CustomerID: cu.ID})
		}
	}
	return listConsumeSubCustomersResponse{SubCustomers: append([]subCustomerInfoV3{}, pageOf(ids, offset, limit)...), TotalCount: len(ids)}, nil
}

type subCustomerBillDetail struct {
	BillCycle      string      `json:"bill_cycle"`
	CustomerID     string      `json:"customer_id"`
	ChargingMode   int         `json:"charging_mode"`
	TradeTime      string      `json:"trade_time"`
	ID             string      `json:"id"`
	BillDetailType int         `json:"bill_detail_type"`
	ConsumeTime    string      `json:"consume_time"`
	PaymentAmount  *amountJSON `json:"payment_amount"`
	CashAmount     *amountJSON `json:"cash_amount"`
	CouponAmount   *amountJSON `json:"coupon_amount"`
}

type listSubCustomerBillDetailResponse struct {
	TotalCount int                     `json:"total_count"`
	Currency   string                  `json:"currency"`
	FeeRecords []subCustomerBillDetail `json:"fee_records"`
}

// maxFeeRecordsLimit is the largest page of the fee-record APIs.
const maxFeeRecordsLimit = 1000

func chargingMode(billType int) int {
	if billType == 5 {
		return 3 // on demand
	}
	return 1 // yearly/monthly
}

func (s *Server) listSubCustomerBillDetail(c *call) (any, *apiError) {
	q := newQuery(c.r)
	cycle := q.str("bill_cycle", 10)
	id := q.str("customer_id", 64)
	begin, end := q.date("bill_date_begin"), q.date("bill_date_end")
	offset := q.num("offset", 0, 0, 1<<31-2)
	limit := q.num("limit", 10, 1, maxFeeRecordsLimit)
	ind := q.str("indirect_partner_id", 64)
	if q.err != nil {
		return nil, q.err
	}
	if cycle == nil || id == nil || *id == "" {
		return nil, badRequest("bill_cycle and customer_id are required")
	}
	if err := noIndirectPartner(ind); err != nil {
		return nil, err
	}
	first, last, err := cycleRange("bill_cycle", *cycle, begin, end)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	cu, ok := s.w.byID[*id]
	if !ok {
		return nil, apiErr(http.StatusBadRequest, "CBC.99000044", "The customer does not exist or is not associated with the partner.")
	}
	var recs []subCustomerBillDetail
	for i, r := range s.records(s.spendOf(cu.ID), first, last, false) {
		recs = append(recs, subCustomerBillDetail{BillCycle: *cycle, CustomerID: cu.ID, ChargingMode: chargingMode(r.billType),
			TradeTime: ts(r.at), ID: fmt.Sprintf("%s-%s-%d", cu.ID[:8], r.at.Format("20060102"), i), BillDetailType: r.billType,
			ConsumeTime: ts(r.at), PaymentAmount: amt(r.cash.Add(r.coupon)), CashAmount: amt(r.cash), CouponAmount: amt(r.coupon)})
	}
	return listSubCustomerBillDetailResponse{TotalCount: len(recs), Currency: cu.Currency,
		FeeRecords: append([]subCustomerBillDetail{}, pageOf(recs, offset, limit)...)}, nil
}

type resFeeRecordV2 struct {
	BillDate     string      `json:"bill_date"`
	BillType     int         `json:"bill_type"`
	CustomerID   string      `json:"customer_id"`
	TradeTime    string      `json:"trade_time"`
	ID           string      `json:"id"`
	ChargeMode   string      `json:"charge_mode"`
	Amount       *amountJSON `json:"amount"`
	CashAmount   *amountJSON `json:"cash_amount"`
	CouponAmount *amountJSON `json:"coupon_amount"`
	MeasureID    int         `json:"measure_id"`
}

type listCustomerselfResourceRecordsResponse struct {
	FeeRecords []resFeeRecordV2 `json:"fee_records"`
	TotalCount int              `json:"total_count"`
	Currency   string           `json:"currency"`
}

func (s *Server) listCustomerselfResourceRecords(c *call) (any, *apiError) {
	q := newQuery(c.r)
	cycle := q.str("cycle", 10)
	begin, end := q.date("bill_date_begin"), q.date("bill_date_end")
	offset := q.num("offset", 0, 0, 1<<31-2)
	limit := q.num("limit", 10, 1, maxFeeRecordsLimit)
	method := q.str("method", 16)
	if q.err != nil {
		return nil, q.err
	}
	if cycle == nil {
		return nil, badRequest("cycle is required")
	}
	if method != nil && *method != "" && *method != "oneself" && *method != "sub_customer" && *method != "all" {
		return nil, badRequest("method must be oneself, sub_customer or all")
	}
	first, last, err := cycleRange("cycle", *cycle, begin, end)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	cu := s.w.byID[c.p.customerID]
	id, cur := cu.ID, cu.Currency
	var recs []resFeeRecordV2
	for i, r := range s.records(s.spendOf(id), first, last, false) {
		recs = append(recs, resFeeRecordV2{BillDate: dayOf(r.at).Format(time.DateOnly), BillType: r.billType, CustomerID: id,
			TradeTime: ts(r.at), ID: fmt.Sprintf("%s-%s-%d", id[:8], r.at.Format("20060102"), i), ChargeMode: fmt.Sprint(chargingMode(r.billType)),
			Amount: amt(r.cash.Add(r.coupon)), CashAmount: amt(r.cash), CouponAmount: amt(r.coupon), MeasureID: 1})
	}
	return listCustomerselfResourceRecordsResponse{TotalCount: len(recs), Currency: cur,
		FeeRecords: append([]resFeeRecordV2{}, pageOf(recs, offset, limit)...)}, nil
}

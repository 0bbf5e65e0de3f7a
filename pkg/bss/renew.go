package bss

import (
	"context"
	"slices"

	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/shopspring/decimal"

	cnmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	intlmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"
)

// The longest renewal periods BSS accepts.
const (
	MaxMonths = 11
	MaxYears  = 3
)

// PeriodType is the unit of a renewal period.
type PeriodType int

// The period units.
const (
	Month PeriodType = 2 // 1 to MaxMonths months
	Year  PeriodType = 3 // 1 to MaxYears years
)

// RenewRequest names up to BatchRenew main resources and the period to renew them for. AutoPay (for
// Renew only) pays the order at once from balance and coupons; without it the order waits unpaid.
type RenewRequest struct {
	ResourceIDs []string
	PeriodType  PeriodType
	PeriodNum   int
	AutoPay     bool
}

// Validate checks r against the limits both renewal APIs enforce: 1-10 distinct non-empty ids, a
// month or year period of 1-11 months or 1-3 years.
func (r RenewRequest) Validate() error { return r.validate("RenewRequest") }

func (r RenewRequest) validate(op string) error {
	if n := len(r.ResourceIDs); n < 1 || n > BatchRenew {
		return invalidArg(op, "want 1-%d resource ids, got %d", BatchRenew, n)
	}
	seen := make(map[string]bool, len(r.ResourceIDs))
	for _, id := range r.ResourceIDs {
		switch {
		case id == "":
			return invalidArg(op, "empty resource id")
		case seen[id]:
			return invalidArg(op, "resource id %q given twice", id)
		}
		seen[id] = true
	}
	switch r.PeriodType {
	case Month:
		if r.PeriodNum < 1 || r.PeriodNum > MaxMonths {
			return invalidArg(op, "want 1-%d months, got %d", MaxMonths, r.PeriodNum)
		}
	case Year:
		if r.PeriodNum < 1 || r.PeriodNum > MaxYears {
			return invalidArg(op, "want 1-%d years, got %d", MaxYears, r.PeriodNum)
		}
	default:
		return invalidArg(op, "period type %d is neither month (2) nor year (3)", r.PeriodType)
	}
	return nil
}

// ResourcePrice is the renewal price of one main resource with its attached resources.
type ResourcePrice struct {
	ResourceID string
	Amount     money.Amount
}

// ResourceFailure is a resource the service could not quote or renew, with its reason, e.g.
// CBC.30050009 (expired, deleted or missing) or CBC.30050010 (in a pending-payment order).
type ResourceFailure struct {
	ResourceID string
	Code       string
	Message    string
}

// RenewQuote is the price of a renewal. Amount is the best offer (the discount marked best, else
// the sum of the per-resource prices), Official the list price and Discount the difference the
// offer makes. Resources in Failures are not in the price.
type RenewQuote struct {
	Amount       money.Amount
	Official     money.Amount
	Discount     money.Amount
	DiscountName string
	DiscountType int // 605 Huawei contract, 606 partner-granted contract, 607 partner-set rate
	Resources    []ResourcePrice
	Failures     []ResourceFailure
}

// RenewRate quotes a renewal (ListRenewRateOnPeriod, customer credentials only). Per-resource
// failures come back inside a 200 answer and are returned as data in Failures, not as an error. It
// fails before any call with Unsupported for a partner profile and Invalid for a request that
// breaks the API's limits; with an *Error when the call fails after retries; and with Malformed
// when the answer does not account for every requested id (priced above zero, or refused).
func (c *Client) RenewRate(ctx context.Context, r RenewRequest) (RenewQuote, error) {
	op := ListRenewRateOnPeriod
	if err := c.allow(op); err != nil {
		return RenewQuote{}, err
	}
	if err := r.validate(string(op)); err != nil {
		return RenewQuote{}, err
	}
	body := cnmodel.ListRenewRateOnPeriodReq{ResourceIds: r.ResourceIDs, PeriodType: int32(r.PeriodType), PeriodNum: int32(r.PeriodNum)}
	resp, err := read(ctx, c, op, func() (*cnmodel.ListRenewRateOnPeriodResponse, error) {
		if c.cn != nil {
			return c.cn.ListRenewRateOnPeriod(&cnmodel.ListRenewRateOnPeriodRequest{Body: &body})
		}
		ib := intlmodel.ListRenewRateOnPeriodReq(body)
		ir, err := c.intl.ListRenewRateOnPeriod(&intlmodel.ListRenewRateOnPeriodRequest{Body: &ib})
		if err != nil {
			return nil, err
		}
		out := &cnmodel.ListRenewRateOnPeriodResponse{Currency: ir.Currency}
		for _, x := range deref(ir.RenewInquiryResults) {
			out.RenewInquiryResults = appendTo(out.RenewInquiryResults, cnmodel.RenewInquiryResultInfo(x))
		}
		if ir.OfficialWebsiteRatingResult != nil {
			out.OfficialWebsiteRatingResult = ptr(cnmodel.OfficialWebsiteRatingResultV2(*ir.OfficialWebsiteRatingResult))
		}
		for _, x := range deref(ir.OptionalDiscountRatingResults) {
			out.OptionalDiscountRatingResults = appendTo(out.OptionalDiscountRatingResults, cnmodel.OptionalDiscountRatingResultV2(x))
		}
		for _, x := range deref(ir.FailResourceInfos) {
			out.FailResourceInfos = appendTo(out.FailResourceInfos, cnmodel.FailResourceInfo(x))
		}
		return out, nil
	})
	if err != nil {
		return RenewQuote{}, err
	}
	return c.quoteOf(r.ResourceIDs, resp)
}

// quoteOf reads a renew-rate answer for the requested ids. An answer that only looks like success
// is Malformed: an id neither priced (amount > 0) nor listed as failed, an id priced twice or not
// asked for, a missing amount. A missing amount is never read as zero.
func (c *Client) quoteOf(requested []string, resp *cnmodel.ListRenewRateOnPeriodResponse) (RenewQuote, error) {
	op := ListRenewRateOnPeriod
	// The API documents an empty currency as yuan; the international site names its currency.
	cur := orDefault(resp.Currency, "CNY")
	if c.profile.Site == International {
		cur = orDefault(resp.Currency, "USD")
	}
	asked := make(map[string]bool, len(requested))
	for _, id := range requested {
		asked[id] = true
	}
	answered := make(map[string]bool, len(requested))
	var q RenewQuote
	q.Failures = failuresOf(resp.FailResourceInfos)
	for _, f := range q.Failures {
		answered[f.ResourceID] = true
	}
	sum := decimal.Zero
	for _, x := range deref(resp.RenewInquiryResults) {
		id := str(x.ResourceId)
		switch {
		case !asked[id]:
			return RenewQuote{}, malformed(op, "resource %q was priced but not asked for", id)
		case answered[id]:
			return RenewQuote{}, malformed(op, "resource %s is priced twice, or priced and refused", id)
		}
		answered[id] = true
		a, err := requiredAmount(op, "renew_inquiry_results["+id+"].amount", x.Amount)
		if err != nil {
			return RenewQuote{}, err
		}
		if !a.IsPositive() {
			return RenewQuote{}, malformed(op, "resource %s is priced at %s", id, a)
		}
		sum = sum.Add(a)
		q.Resources = append(q.Resources, ResourcePrice{ResourceID: id, Amount: money.New(a, cur)})
	}
	for _, id := range requested {
		if !answered[id] {
			return RenewQuote{}, malformed(op, "resource %s is neither priced nor refused", id)
		}
	}
	if len(q.Resources) == 0 {
		// Every resource refused: nothing to price, and no amount is made up.
		return q, nil
	}
	amount, official, discount := sum, decimal.Zero, decimal.Zero
	haveOfficial, haveDiscount := false, false
	if o := resp.OfficialWebsiteRatingResult; o != nil && o.OfficialWebsiteAmount != nil && *o.OfficialWebsiteAmount != "" {
		d, err := stringAmount(op, "official_website_amount", o.OfficialWebsiteAmount)
		if err != nil {
			return RenewQuote{}, err
		}
		official, haveOfficial = d, true
	}
	if d, ok := bestOffer(resp.OptionalDiscountRatingResults); ok {
		var err error
		if amount, err = requiredAmount(op, "optional_discount_rating_results.amount", d.Amount); err != nil {
			return RenewQuote{}, err
		}
		if !amount.IsPositive() {
			return RenewQuote{}, malformed(op, "the best offer is priced at %s", amount)
		}
		if !haveOfficial && d.OfficialWebsiteAmount != nil && *d.OfficialWebsiteAmount != "" {
			if official, err = stringAmount(op, "optional_discount_rating_results.official_website_amount", d.OfficialWebsiteAmount); err != nil {
				return RenewQuote{}, err
			}
			haveOfficial = true
		}
		if d.DiscountAmount != nil && *d.DiscountAmount != "" {
			if discount, err = stringAmount(op, "optional_discount_rating_results.discount_amount", d.DiscountAmount); err != nil {
				return RenewQuote{}, err
			}
			haveDiscount = true
		}
		q.DiscountName, q.DiscountType = str(d.DiscountName), num(d.DiscountType)
	}
	if !haveOfficial {
		official = amount
	}
	if !haveDiscount && official.GreaterThan(amount) {
		discount = official.Sub(amount)
	}
	q.Amount, q.Official, q.Discount = money.New(amount, cur), money.New(official, cur), money.New(discount, cur)
	return q, nil
}

// discountRank orders discount types as BSS breaks a tie between equal offers: the Huawei
// contract discount (605) first, then the partner-granted contract discount (606), then the
// partner-set rate (607); any other type after them.
func discountRank(t int) int {
	switch t {
	case 605, 606, 607:
		return t - 605
	}
	return 3
}

// bestOffer is the discount marked best_offer=1. Should BSS mark several, the lowest amount wins and
// a tie goes by discountRank; an amount that cannot be read sorts last (quoteOf then reports it if
// it is the only one).
func bestOffer(ds *[]cnmodel.OptionalDiscountRatingResultV2) (cnmodel.OptionalDiscountRatingResultV2, bool) {
	var marked []cnmodel.OptionalDiscountRatingResultV2
	for _, d := range deref(ds) {
		if num(d.BestOffer) == 1 {
			marked = append(marked, d)
		}
	}
	if len(marked) == 0 {
		return cnmodel.OptionalDiscountRatingResultV2{}, false
	}
	amountOf := func(d cnmodel.OptionalDiscountRatingResultV2) (decimal.Decimal, bool) {
		a, err := decimal.NewFromString(str(d.Amount))
		return a, err == nil
	}
	slices.SortStableFunc(marked, func(a, b cnmodel.OptionalDiscountRatingResultV2) int {
		av, aok := amountOf(a)
		bv, bok := amountOf(b)
		switch {
		case aok != bok && aok:
			return -1
		case aok != bok:
			return 1
		case aok && !av.Equal(bv):
			return av.Cmp(bv)
		}
		return discountRank(num(a.DiscountType)) - discountRank(num(b.DiscountType))
	})
	return marked[0], true
}

// RenewResult is what a renewal placed: the order ids, and the resources the service refused
// inside its 200 answer.
type RenewResult struct {
	OrderIDs []string
	Failures []ResourceFailure
}

// Renew places a renewal order (RenewalResources, customer credentials only). It is sent exactly
// once and never retried, not even on 429, 5xx or a timeout: a retry could place a second order.
// Per-resource refusals inside a 200 answer are returned as data in Failures.
//
// Errors: before any call, Unsupported for a partner profile and Invalid for a request that breaks
// the API's limits. After sending, an *Error of kind Ambiguous means the outcome is unknown (5xx,
// timeout, network error, unreadable answer): the order may exist, so check the resources (and
// RenewalOrders) before trying again. Any other kind (Invalid, Conflict for CBC.99003100 pending order, Throttled, Auth,
// Forbidden, or Transient for a refused connection or a context that ended before sending) means no
// order was placed.
func (c *Client) Renew(ctx context.Context, r RenewRequest) (RenewResult, error) {
	op := RenewalResources
	if err := c.allow(op); err != nil {
		return RenewResult{}, err
	}
	if err := r.validate(string(op)); err != nil {
		return RenewResult{}, err
	}
	body := cnmodel.RenewalResourcesReq{ResourceIds: r.ResourceIDs, PeriodType: int32(r.PeriodType), PeriodNum: int32(r.PeriodNum),
		IsAutoPay: ptr(int32(0))}
	if r.AutoPay {
		body.IsAutoPay = ptr(int32(1))
	}
	resp, err := write(ctx, c, op, func() (*cnmodel.RenewalResourcesResponse, error) {
		if c.cn != nil {
			return c.cn.RenewalResources(&cnmodel.RenewalResourcesRequest{Body: &body})
		}
		ib := intlmodel.RenewalResourcesReq(body)
		ir, err := c.intl.RenewalResources(&intlmodel.RenewalResourcesRequest{Body: &ib})
		if err != nil {
			return nil, err
		}
		out := &cnmodel.RenewalResourcesResponse{OrderIds: ir.OrderIds}
		for _, x := range deref(ir.FailResourceInfos) {
			out.FailResourceInfos = appendTo(out.FailResourceInfos, cnmodel.FailResourceInfo(x))
		}
		return out, nil
	})
	if err != nil {
		return RenewResult{}, err
	}
	return RenewResult{OrderIDs: deref(resp.OrderIds), Failures: failuresOf(resp.FailResourceInfos)}, nil
}

func failuresOf(infos *[]cnmodel.FailResourceInfo) []ResourceFailure {
	var out []ResourceFailure
	for _, f := range deref(infos) {
		out = append(out, ResourceFailure{ResourceID: str(f.ResourceId), Code: str(f.ErrorCode), Message: str(f.ErrorMsg)})
	}
	return out
}

func appendTo[T any](p *[]T, v T) *[]T {
	if p == nil {
		p = &[]T{}
	}
	*p = append(*p, v)
	return p
}

package bss

import (
	"context"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bsswatch/bsswatch/pkg/money"
	cnmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	intlmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"
)

// CouponStatus is the state of a coupon.
type CouponStatus int

// The coupon states (0 in a filter means any).
const (
	CouponInactive  CouponStatus = 1
	CouponUsable    CouponStatus = 2
	CouponUsed      CouponStatus = 3
	CouponExpired   CouponStatus = 4
	CouponReclaimed CouponStatus = 5
)

// CouponType is the kind of a coupon (0 in a filter means any).
type CouponType int

// The coupon types.
const (
	Voucher        CouponType = 1 // 代金券
	DiscountCoupon CouponType = 2
	ProductCoupon  CouponType = 3
	CashCoupon     CouponType = 4
)

// QuotaType is the kind of coupon quota a partner holds.
type QuotaType int

// The quota types.
const (
	VoucherQuota QuotaType = 0
	CashQuota    QuotaType = 1
)

// QuotaStatus is the state of a coupon quota.
type QuotaStatus int

// The quota states.
const (
	QuotaNormal    QuotaStatus = 0
	QuotaInvalid   QuotaStatus = 3
	QuotaAdjusting QuotaStatus = 4
	QuotaFrozen    QuotaStatus = 5
)

// QuotaFilter narrows QuotaCoupons. Statuses holds at most 5 states (none: any). ExpireAfter and
// ExpireBefore bound the expiry exclusively; zero means unbounded.
type QuotaFilter struct {
	Type         QuotaType
	Statuses     []QuotaStatus
	ExpireAfter  time.Time
	ExpireBefore time.Time
}

// CouponQuota is an amount Huawei granted the partner to issue coupons from; Balance is what is
// left of Value.
type CouponQuota struct {
	ID        string
	Type      QuotaType
	Status    QuotaStatus
	Value     money.Amount
	Balance   money.Amount
	Created   time.Time
	Effective time.Time
	Expires   time.Time
}

// QuotaCoupons lists the partner's coupon quotas (ListQuotaCoupons, China site, partner
// credentials), PageQuotas per call. It fails with Unsupported before any call for other profiles,
// with Invalid for more than 5 statuses, and with an *Error when a page fails after retries.
func (c *Client) QuotaCoupons(ctx context.Context, f QuotaFilter) ([]CouponQuota, error) {
	var pages [][]CouponQuota
	if _, err := c.eachQuota(ctx, f, collect(&pages)); err != nil {
		return nil, err
	}
	return slices.Concat(pages...), nil
}

// EachQuota streams the partner's coupon quotas to fn one page at a time (see QuotaCoupons for the
// call and its refusals). The expiry window is filtered by the service. When some pages fail after
// retries, the others still reach fn and the error is a *PageError.
func (c *Client) EachQuota(ctx context.Context, f QuotaFilter, fn func([]CouponQuota) error) (Listing, error) {
	return c.eachQuota(ctx, f, func(_ int, p []CouponQuota) error { return fn(p) })
}

func (c *Client) eachQuota(ctx context.Context, f QuotaFilter, fn func(int, []CouponQuota) error) (Listing, error) {
	if err := c.allow(ListQuotaCoupons); err != nil {
		return Listing{}, err
	}
	if len(f.Statuses) > 5 {
		return Listing{}, invalidArg(string(ListQuotaCoupons), "at most 5 statuses, got %d", len(f.Statuses))
	}
	base := cnmodel.QueryCouponQuotasReqExt{QuotaType: ptr(int32(f.Type))}
	if len(f.Statuses) > 0 {
		st := make([]int32, len(f.Statuses))
		for i, s := range f.Statuses {
			st[i] = int32(s)
		}
		base.QuotaStatusList = &st
	}
	base.ExpireTimeBegin, base.ExpireTimeEnd = timeRange(f.ExpireAfter, f.ExpireBefore)
	return stream(ctx, c, ListQuotaCoupons, PageQuotas, func(i int) (page[CouponQuota], error) {
		req := base
		req.Offset, req.Limit = ptr(int32(i*PageQuotas)), ptr(int32(PageQuotas))
		resp, err := c.cn.ListQuotaCoupons(&cnmodel.ListQuotaCouponsRequest{Body: &req})
		if err != nil {
			return page[CouponQuota]{}, err
		}
		raw := deref(resp.Quotas)
		out := make([]CouponQuota, 0, len(raw))
		for _, q := range raw {
			cq, err := quotaOf(q)
			if err != nil {
				return page[CouponQuota]{}, err
			}
			out = append(out, cq)
		}
		return page[CouponQuota]{items: out, total: total(resp.TotalCount)}, nil
	}, fn)
}

func quotaOf(q cnmodel.CouponQuotaV2) (CouponQuota, error) {
	cur := orDefault(q.Currency, "CNY")
	if q.QuotaValue == nil || q.Balance == nil {
		return CouponQuota{}, malformed(ListQuotaCoupons, "quota %s has no quota_value or balance", str(q.QuotaId))
	}
	value, err := measured(ListQuotaCoupons, *q.QuotaValue, q.MeasureId, cur)
	if err != nil {
		return CouponQuota{}, err
	}
	balance, _ := measured(ListQuotaCoupons, *q.Balance, q.MeasureId, cur)
	cq := CouponQuota{ID: str(q.QuotaId), Type: QuotaType(num(q.QuotaType)), Status: QuotaStatus(num(q.QuotaStatus)),
		Value: value, Balance: balance}
	if err := times(ListQuotaCoupons, []timeSlot{{"create_time", q.CreateTime, &cq.Created},
		{"effective_time", q.EffectiveTime, &cq.Effective}, {"expire_time", q.ExpireTime, &cq.Expires}}); err != nil {
		return CouponQuota{}, err
	}
	return cq, nil
}

// IssuedCouponFilter narrows IssuedCoupons: one customer (empty: all), one status (0: any), and an
// exclusive expiry window (zero: unbounded).
type IssuedCouponFilter struct {
	CustomerID   string
	Status       CouponStatus
	ExpireAfter  time.Time
	ExpireBefore time.Time
}

// IssuedCoupon is a coupon the partner issued to one of its reseller-model customers.
type IssuedCoupon struct {
	ID         string
	CustomerID string
	Type       CouponType
	Status     CouponStatus
	FaceValue  money.Amount
	Balance    money.Amount
	Effective  time.Time
	Expires    time.Time
	PlanID     string
	PlanName   string
	OrderID    string
	Frozen     bool
}

// IssuedCoupons lists coupons the partner issued to customers (ListIssuedPartnerCoupons, China site,
// partner credentials), PageIssued per call. Amounts are in CNY (the API names no currency). It
// fails with Unsupported before any call for other profiles, and with an *Error when a page fails
// after retries.
func (c *Client) IssuedCoupons(ctx context.Context, f IssuedCouponFilter) ([]IssuedCoupon, error) {
	var pages [][]IssuedCoupon
	if _, err := c.eachIssuedCoupon(ctx, f, collect(&pages)); err != nil {
		return nil, err
	}
	return slices.Concat(pages...), nil
}

// EachIssuedCoupon streams the coupons the partner issued to customers to fn one page at a time (see
// IssuedCoupons). Status and the expiry window are filtered by the service. When some pages fail
// after retries, the others still reach fn and the error is a *PageError.
func (c *Client) EachIssuedCoupon(ctx context.Context, f IssuedCouponFilter, fn func([]IssuedCoupon) error) (Listing, error) {
	return c.eachIssuedCoupon(ctx, f, func(_ int, p []IssuedCoupon) error { return fn(p) })
}

func (c *Client) eachIssuedCoupon(ctx context.Context, f IssuedCouponFilter, fn func(int, []IssuedCoupon) error) (Listing, error) {
	if err := c.allow(ListIssuedPartnerCoupons); err != nil {
		return Listing{}, err
	}
	var base cnmodel.ListIssuedPartnerCouponsRequest
	// An explicitly empty customer_id filters on "", so only send it when set.
	if f.CustomerID != "" {
		base.CustomerId = ptr(f.CustomerID)
	}
	if f.Status != 0 {
		base.Status = ptr(int32(f.Status))
	}
	base.ExpireTimeBegin, base.ExpireTimeEnd = timeRange(f.ExpireAfter, f.ExpireBefore)
	return stream(ctx, c, ListIssuedPartnerCoupons, PageIssued, func(i int) (page[IssuedCoupon], error) {
		req := base
		req.Offset, req.Limit = ptr(int32(i*PageIssued)), ptr(int32(PageIssued))
		resp, err := c.cn.ListIssuedPartnerCoupons(&req)
		if err != nil {
			return page[IssuedCoupon]{}, err
		}
		raw := deref(resp.UserCoupons)
		out := make([]IssuedCoupon, 0, len(raw))
		for _, r := range raw {
			ic, err := issuedOf(r)
			if err != nil {
				return page[IssuedCoupon]{}, err
			}
			out = append(out, ic)
		}
		return page[IssuedCoupon]{items: out, total: total(resp.TotalCount)}, nil
	}, fn)
}

func issuedOf(r cnmodel.IQueryUserPartnerCouponsResultV2) (IssuedCoupon, error) {
	if r.FaceValue == nil || r.Balance == nil {
		return IssuedCoupon{}, malformed(ListIssuedPartnerCoupons, "coupon %s has no face_value or balance", str(r.CouponId))
	}
	face, err := measured(ListIssuedPartnerCoupons, *r.FaceValue, r.MeasureId, "CNY")
	if err != nil {
		return IssuedCoupon{}, err
	}
	balance, _ := measured(ListIssuedPartnerCoupons, *r.Balance, r.MeasureId, "CNY")
	ic := IssuedCoupon{ID: str(r.CouponId), CustomerID: str(r.CustomerId), Type: CouponType(num(r.CouponType)),
		Status: CouponStatus(num(r.Status)), FaceValue: face, Balance: balance,
		PlanID: str(r.PromotionPlanId), PlanName: str(r.PromotionPlanName), OrderID: str(r.OrderId), Frozen: str(r.IsFrozen) == "1"}
	if err := times(ListIssuedPartnerCoupons, []timeSlot{{"effective_time", r.EffectiveTime, &ic.Effective},
		{"expire_time", r.ExpireTime, &ic.Expires}}); err != nil {
		return IssuedCoupon{}, err
	}
	return ic, nil
}

// CouponFilter narrows Coupons. Status and Type (0: any) and SourceID (the issuer: a partner or
// activity id) go to the service; the API has no expiry filter, so ExpireAfter and ExpireBefore
// (exclusive, zero: unbounded) are applied to the full listing here.
type CouponFilter struct {
	Status       CouponStatus
	Type         CouponType
	SourceID     string
	ExpireAfter  time.Time
	ExpireBefore time.Time
}

// Coupon is a coupon held by the caller (a customer's own, or a partner's own, which includes the
// test coupons Huawei credits to partners). Balance is what can still be spent; for a version-1
// coupon, which BSS sends without one (NoBalance), it is the face value while usable and zero after.
type Coupon struct {
	ID         string
	Code       string
	CustomerID string
	Type       CouponType
	Status     CouponStatus
	FaceValue  money.Amount
	Balance    money.Amount
	// NoBalance is set when BSS sent no balance, as it does for version-1 coupons (see Balance).
	NoBalance bool
	Valid     time.Time
	Expires   time.Time
	PlanID    string
	PlanName  string
	SourceID  string
	Usage     string
	Frozen    bool
	Version   int // 1 single-use, 2 reusable until the balance is spent
}

// Coupons lists the caller's own coupons (ListSubCustomerCoupons, any profile), PageCoupons per
// call; with partner credentials these are the partner's coupons, not its customers'. Amounts
// without a currency are in the site's currency. It fails with an *Error when a page fails after
// retries.
func (c *Client) Coupons(ctx context.Context, f CouponFilter) ([]Coupon, error) {
	var pages [][]Coupon
	if _, err := c.eachCoupon(ctx, f, collect(&pages)); err != nil {
		return nil, err
	}
	return slices.Concat(pages...), nil
}

// EachCoupon streams the caller's own coupons to fn one page at a time (see Coupons). The API has no
// expiry filter: every page of the status asked for is read, and the expiry window is applied here,
// so fn may get an empty page. When some pages fail after retries, the others still reach fn and
// the error is a *PageError.
func (c *Client) EachCoupon(ctx context.Context, f CouponFilter, fn func([]Coupon) error) (Listing, error) {
	return c.eachCoupon(ctx, f, func(_ int, p []Coupon) error { return fn(p) })
}

func (c *Client) eachCoupon(ctx context.Context, f CouponFilter, fn func(int, []Coupon) error) (Listing, error) {
	if err := c.allow(ListSubCustomerCoupons); err != nil {
		return Listing{}, err
	}
	var base cnmodel.ListSubCustomerCouponsRequest
	if f.Status != 0 {
		base.Status = ptr(int32(f.Status))
	}
	if f.Type != 0 {
		base.CouponType = ptr(int32(f.Type))
	}
	if f.SourceID != "" {
		base.SourceId = ptr(f.SourceID)
	}
	return stream(ctx, c, ListSubCustomerCoupons, PageCoupons, func(i int) (page[Coupon], error) {
		req := base
		req.Offset, req.Limit = ptr(int32(i*PageCoupons)), ptr(int32(PageCoupons))
		raw, count, err := c.couponPage(&req)
		if err != nil {
			return page[Coupon]{}, err
		}
		out := make([]Coupon, 0, len(raw))
		for _, r := range raw {
			cp, err := c.couponOf(r)
			if err != nil {
				return page[Coupon]{}, err
			}
			if !f.ExpireAfter.IsZero() && !cp.Expires.After(f.ExpireAfter) {
				continue
			}
			if !f.ExpireBefore.IsZero() && !cp.Expires.Before(f.ExpireBefore) {
				continue
			}
			out = append(out, cp)
		}
		return page[Coupon]{items: out, total: count}, nil
	}, fn)
}

// couponPage reads one page of ListSubCustomerCoupons on the client's site, in the China model.
func (c *Client) couponPage(req *cnmodel.ListSubCustomerCouponsRequest) ([]cnmodel.IQueryUserCouponsResultV2, int, error) {
	if c.cn != nil {
		resp, err := c.cn.ListSubCustomerCoupons(req)
		if err != nil {
			return nil, 0, err
		}
		return deref(resp.UserCoupons), total(resp.Count), nil
	}
	resp, err := c.intl.ListSubCustomerCoupons(&intlmodel.ListSubCustomerCouponsRequest{
		CouponId: req.CouponId, OrderId: req.OrderId, PromotionPlanId: req.PromotionPlanId, CouponType: req.CouponType,
		Status: req.Status, ActiveStartTime: req.ActiveStartTime, ActiveEndTime: req.ActiveEndTime,
		Offset: req.Offset, Limit: req.Limit, SourceId: req.SourceId})
	if err != nil {
		return nil, 0, err
	}
	var items []cnmodel.IQueryUserCouponsResultV2
	for _, u := range deref(resp.UserCoupons) {
		items = append(items, cnmodel.IQueryUserCouponsResultV2{
			CouponId: u.CouponId, CouponCode: u.CouponCode, Status: u.Status, CustomerId: u.CustomerId,
			CouponType: u.CouponType, MeasureId: u.MeasureId, FaceValue: u.FaceValue, ValidTime: u.ValidTime,
			ExpireTime: u.ExpireTime, OrderId: u.OrderId, PromotionPlanId: u.PromotionPlanId, PlanName: u.PlanName,
			CouponVersion: u.CouponVersion, Balance: u.Balance, CouponUsage: u.CouponUsage, IsFrozen: u.IsFrozen,
			Currency: u.Currency, SourceId: u.SourceId})
	}
	return items, total(resp.Count), nil
}

func (c *Client) couponOf(r cnmodel.IQueryUserCouponsResultV2) (Coupon, error) {
	cur := orDefault(r.Currency, c.siteCurrency())
	if r.FaceValue == nil {
		return Coupon{}, malformed(ListSubCustomerCoupons, "coupon %s has no face_value", str(r.CouponId))
	}
	face, err := measured(ListSubCustomerCoupons, floatOf(r.FaceValue), r.MeasureId, cur)
	if err != nil {
		return Coupon{}, err
	}
	balance, err := couponBalance(r, face, cur)
	if err != nil {
		return Coupon{}, err
	}
	cp := Coupon{ID: str(r.CouponId), Code: str(r.CouponCode), CustomerID: str(r.CustomerId),
		Type: CouponType(num(r.CouponType)), Status: CouponStatus(num(r.Status)), FaceValue: face, Balance: balance,
		NoBalance: r.Balance == nil, PlanID: str(r.PromotionPlanId), PlanName: str(r.PlanName), SourceID: str(r.SourceId),
		Usage: str(r.CouponUsage), Frozen: str(r.IsFrozen) == "1", Version: num(r.CouponVersion)}
	if err := times(ListSubCustomerCoupons, []timeSlot{{"valid_time", r.ValidTime, &cp.Valid},
		{"expire_time", r.ExpireTime, &cp.Expires}}); err != nil {
		return Coupon{}, err
	}
	return cp, nil
}

// collect keeps each page at its index, so a listing read out of order is joined in order.
func collect[T any](pages *[][]T) func(int, []T) error {
	return func(i int, p []T) error {
		if i >= len(*pages) {
			*pages = append(*pages, make([][]T, i+1-len(*pages))...)
		}
		(*pages)[i] = p
		return nil
	}
}

// timeRange turns an exclusive window into the optional begin/end wire fields.
func timeRange(after, before time.Time) (begin, end *string) {
	if !after.IsZero() {
		begin = ptr(formatTime(after))
	}
	if !before.IsZero() {
		end = ptr(formatTime(before))
	}
	return begin, end
}

type timeSlot struct {
	field string
	s     *string
	dst   *time.Time
}

func times(op API, slots []timeSlot) error {
	for _, sl := range slots {
		t, err := timeField(op, sl.field, sl.s)
		if err != nil {
			return err
		}
		*sl.dst = t
	}
	return nil
}

func deref[T any](p *[]T) []T {
	if p == nil {
		return nil
	}
	return *p
}

// couponBalance is what is left of a coupon. A version-1 (single-use) coupon comes without a
// balance ("如果为老版本优惠券，该值为空", bss-api.md 10.3): while usable its unused value is its face
// value, and once used, expired or reclaimed nothing of it can be spent. Any other coupon without a
// balance is Malformed: absent is not zero.
func couponBalance(r cnmodel.IQueryUserCouponsResultV2, face money.Amount, cur string) (money.Amount, error) {
	if r.Balance != nil {
		return measured(ListSubCustomerCoupons, floatOf(r.Balance), r.MeasureId, cur)
	}
	if num(r.CouponVersion) != 1 {
		return money.Amount{}, malformed(ListSubCustomerCoupons, "coupon %s (version %d) has no balance", str(r.CouponId), num(r.CouponVersion))
	}
	if CouponStatus(num(r.Status)) == CouponUsable {
		return face, nil
	}
	return money.New(decimal.Zero, cur), nil
}

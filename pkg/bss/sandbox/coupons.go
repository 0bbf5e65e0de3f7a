package sandbox

import (
	"strings"
	"time"
)

// Wire shapes of the coupon APIs (services/bss/v2/model: QueryCouponQuotasReqExt, CouponQuotaV2,
// IQueryUserPartnerCouponsResultV2, IQueryUserCouponsResultV2).

type quotasRequest struct {
	QuotaIDs           []string `json:"quota_ids"`
	QuotaStatusList    []int32  `json:"quota_status_list"`
	QuotaType          *int32   `json:"quota_type"`
	CreateTimeBegin    *string  `json:"create_time_begin"`
	CreateTimeEnd      *string  `json:"create_time_end"`
	EffectiveTimeBegin *string  `json:"effective_time_begin"`
	EffectiveTimeEnd   *string  `json:"effective_time_end"`
	ExpireTimeBegin    *string  `json:"expire_time_begin"`
	ExpireTimeEnd      *string  `json:"expire_time_end"`
	Offset             *int32   `json:"offset"`
	Limit              *int32   `json:"limit"`
	IndirectPartnerID  *string  `json:"indirect_partner_id"`
}

type couponQuotaV2 struct {
	QuotaID        string      `json:"quota_id"`
	QuotaType      int         `json:"quota_type"`
	CreateTime     string      `json:"create_time"`
	LastUpdateTime string      `json:"last_update_time"`
	QuotaValue     *amountJSON `json:"quota_value"`
	QuotaStatus    int         `json:"quota_status"`
	Balance        *amountJSON `json:"balance"`
	MeasureID      int         `json:"measure_id"`
	Currency       string      `json:"currency"`
	EffectiveTime  string      `json:"effective_time"`
	ExpireTime     string      `json:"expire_time"`
	LimitInfos     []limitInfo `json:"limit_infos"`
}

type limitInfo struct {
	LimitKey    string       `json:"limit_key"`
	LimitValues []limitValue `json:"limit_values"`
}

type limitValue struct {
	Value1 string `json:"value1"`
	Value2 string `json:"value2,omitempty"`
}

type listQuotaCouponsResponse struct {
	TotalCount int             `json:"total_count"`
	Quotas     []couponQuotaV2 `json:"quotas"`
}

// Limits of the coupon APIs' pages and filters.
const (
	maxCouponLimit   = 100
	maxQuotaIDs      = 50
	maxQuotaStatuses = 5
)

func (s *Server) listQuotaCoupons(c *call) (any, *apiError) {
	var req quotasRequest
	if len(strings.TrimSpace(string(c.body))) > 0 {
		if err := decodeBody(c.body, &req); err != nil {
			return nil, err
		}
	}
	offset, limit, err := paging(req.Offset, req.Limit, maxCouponLimit)
	if err != nil {
		return nil, err
	}
	if len(req.QuotaIDs) > maxQuotaIDs {
		return nil, badRequest("quota_ids holds at most %d ids", maxQuotaIDs)
	}
	if len(req.QuotaStatusList) > maxQuotaStatuses {
		return nil, badRequest("quota_status_list holds at most %d statuses", maxQuotaStatuses)
	}
	typ := int32(0) // voucher quotas unless asked otherwise
	if req.QuotaType != nil {
		typ = *req.QuotaType
	}
	if typ != 0 && typ != 1 {
		return nil, badRequest("quota_type must be 0 or 1")
	}
	var bounds [6]*time.Time
	for i, f := range []struct {
		name string
		v    *string
	}{{"create_time_begin", req.CreateTimeBegin}, {"create_time_end", req.CreateTimeEnd},
		{"effective_time_begin", req.EffectiveTimeBegin}, {"effective_time_end", req.EffectiveTimeEnd},
		{"expire_time_begin", req.ExpireTimeBegin}, {"expire_time_end", req.ExpireTimeEnd}} {
		if bounds[i], err = optTime(f.name, f.v); err != nil {
			return nil, err
		}
	}
	if err := noIndirectPartner(req.IndirectPartnerID); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var all []*Quota
	for _, qt := range s.w.quotas {
		switch {
		case qt.Type != int(typ),
			len(req.QuotaIDs) > 0 && !contains(req.QuotaIDs, qt.ID),
			len(req.QuotaStatusList) > 0 && !contains(req.QuotaStatusList, int32(qt.Status)),
			!window(qt.CreateTime, bounds[0], bounds[1]),
			!window(qt.EffectiveTime, bounds[2], bounds[3]),
			!window(qt.ExpireTime, bounds[4], bounds[5]):
			continue
		}
		all = append(all, qt)
	}
	out := listQuotaCouponsResponse{TotalCount: len(all), Quotas: []couponQuotaV2{}}
	for _, qt := range pageOf(all, offset, limit) {
		out.Quotas = append(out.Quotas, couponQuotaV2{
			QuotaID: qt.ID, QuotaType: qt.Type, CreateTime: ts(qt.CreateTime), LastUpdateTime: ts(qt.LastUpdateTime),
			QuotaValue: amt(qt.Value), QuotaStatus: qt.Status, Balance: amt(qt.Balance), MeasureID: 1, Currency: qt.Currency,
			EffectiveTime: ts(qt.EffectiveTime), ExpireTime: ts(qt.ExpireTime),
			LimitInfos: []limitInfo{{LimitKey: "CLOUDSERVICETYPE", LimitValues: []limitValue{{Value1: "hws.service.type.ec2"}}}},
		})
	}
	return out, nil
}

type couponUseLimit struct {
	UseLimitiInfoID string `json:"use_limiti_info_id"` // sic: the wire name has the typo
	LimitKey        string `json:"limit_key"`
	Value1          string `json:"value1"`
	Value2          string `json:"value2,omitempty"`
	ValueUnit       string `json:"value_unit,omitempty"`
	LimitType       string `json:"limit_type"`
	PromotionPlanID string `json:"promotion_plan_id"`
}

func useLimits(cp *Coupon) []couponUseLimit {
	return []couponUseLimit{{UseLimitiInfoID: cp.PlanID + "-1", LimitKey: "USAGE_MODE", Value1: "1", LimitType: "0", PromotionPlanID: cp.PlanID}}
}

type partnerCoupon struct {
	CouponID          string           `json:"coupon_id"`
	Status            int              `json:"status"`
	CustomerID        string           `json:"customer_id"`
	CouponType        int              `json:"coupon_type"`
	MeasureID         int              `json:"measure_id"`
	FaceValue         *amountJSON      `json:"face_value"`
	EffectiveTime     string           `json:"effective_time"`
	ExpireTime        string           `json:"expire_time"`
	OrderID           string           `json:"order_id,omitempty"`
	PromotionPlanID   string           `json:"promotion_plan_id"`
	PromotionPlanName string           `json:"promotion_plan_name"`
	PromotionPlanDesc string           `json:"promotion_plan_desc"`
	MediaType         int              `json:"media_type"`
	FetchMethod       int              `json:"fetch_method"`
	UseLimits         []couponUseLimit `json:"use_limits"`
	ActiveTime        string           `json:"active_time,omitempty"`
	PromotionID       string           `json:"promotion_id,omitempty"`
	CreateTime        string           `json:"create_time"`
	Balance           *amountJSON      `json:"balance"`
	IsFrozen          string           `json:"is_frozen"`
}

type listIssuedPartnerCouponsResponse struct {
	TotalCount  int             `json:"total_count"`
	UserCoupons []partnerCoupon `json:"user_coupons"`
}

func (s *Server) listIssuedPartnerCoupons(c *call) (any, *apiError) {
	q := newQuery(c.r)
	couponID := q.str("coupon_id", 64)
	customerID := q.str("customer_id", 64)
	orderID := q.str("order_id", 64)
	typ := q.optNum("coupon_type", 1, 4)
	status := q.optNum("status", 1, 5)
	createBegin, createEnd := q.time("create_time_begin"), q.time("create_time_end")
	effBegin, effEnd := q.time("effective_time_begin"), q.time("effective_time_end")
	expBegin, expEnd := q.time("expire_time_begin"), q.time("expire_time_end")
	offset := q.num("offset", 0, 0, 1<<31-1)
	limit := q.num("limit", 10, 1, maxCouponLimit)
	ind := q.str("indirect_partner_id", 64)
	if q.err != nil {
		return nil, q.err
	}
	if err := noIndirectPartner(ind); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	now := s.couponNow()
	var all []*Coupon
	for _, cp := range s.w.issued {
		switch {
		case couponID != nil && cp.ID != *couponID,
			customerID != nil && cp.OwnerID != *customerID,
			orderID != nil && cp.OrderID != *orderID,
			typ != nil && cp.Type != *typ,
			status != nil && cp.statusAt(now) != *status,
			!window(cp.CreateTime, createBegin, createEnd),
			!window(cp.EffectiveTime, effBegin, effEnd),
			!window(cp.ExpireTime, expBegin, expEnd):
			continue
		}
		all = append(all, cp)
	}
	out := listIssuedPartnerCouponsResponse{TotalCount: len(all), UserCoupons: []partnerCoupon{}}
	for _, cp := range pageOf(all, offset, limit) {
		out.UserCoupons = append(out.UserCoupons, partnerCoupon{
			CouponID: cp.ID, Status: cp.statusAt(now), CustomerID: cp.OwnerID, CouponType: cp.Type, MeasureID: 1,
			FaceValue: amt(cp.FaceValue), EffectiveTime: ts(cp.EffectiveTime), ExpireTime: ts(cp.ExpireTime), OrderID: cp.OrderID,
			PromotionPlanID: cp.PlanID, PromotionPlanName: cp.PlanName, PromotionPlanDesc: cp.PlanDesc, MediaType: 1, FetchMethod: 1,
			UseLimits: useLimits(cp), ActiveTime: ts(cp.ActiveTime), CreateTime: ts(cp.CreateTime), Balance: amt(cp.Balance), IsFrozen: "0",
		})
	}
	return out, nil
}

type userCoupon struct {
	CouponID        string           `json:"coupon_id"`
	CouponCode      string           `json:"coupon_code"`
	Status          int              `json:"status"`
	CustomerID      string           `json:"customer_id"`
	CouponType      int              `json:"coupon_type"`
	MeasureID       int              `json:"measure_id"`
	FaceValue       *amountJSON      `json:"face_value"` // float64 in the SDK: must be a JSON number
	ValidTime       string           `json:"valid_time"`
	ExpireTime      string           `json:"expire_time"`
	OrderID         string           `json:"order_id,omitempty"`
	PromotionPlanID string           `json:"promotion_plan_id"`
	PlanName        string           `json:"plan_name"`
	PlanDesc        string           `json:"plan_desc"`
	MediaType       int              `json:"media_type"`
	FetchMethod     int              `json:"fetch_method"`
	UseLimits       []couponUseLimit `json:"use_limits"`
	ActiveTime      string           `json:"active_time,omitempty"`
	CreateTime      string           `json:"create_time"`
	CouponVersion   int              `json:"coupon_version"`
	Balance         *amountJSON      `json:"balance,omitempty"` // float64 in the SDK; absent for version 1
	IsFrozen        string           `json:"is_frozen"`
	Currency        string           `json:"currency"`
	SourceID        string           `json:"source_id"`
}

type listSubCustomerCouponsResponse struct {
	Count       int          `json:"count"`
	UserCoupons []userCoupon `json:"user_coupons"`
}

// listSubCustomerCoupons answers a customer with its own coupons and a partner with the partner's
// own coupons (test coupons included), never with the sub-customers' coupons.
func (s *Server) listSubCustomerCoupons(c *call) (any, *apiError) {
	q := newQuery(c.r)
	couponID := q.str("coupon_id", 64)
	orderID := q.str("order_id", 64)
	planID := q.str("promotion_plan_id", 64)
	typ := q.optNum("coupon_type", 1, 4)
	status := q.optNum("status", 1, 5)
	activeBegin, activeEnd := q.time("active_start_time"), q.time("active_end_time")
	hasOffset := q.v.Has("offset")
	offset := q.num("offset", 0, 0, 1<<31-1)
	limit := q.num("limit", 10, 1, maxCouponLimit)
	source := q.str("source_id", 255)
	ind := q.str("indirect_partner_id", 64)
	if q.err != nil {
		return nil, q.err
	}
	if hasOffset && !q.v.Has("limit") {
		return nil, badRequest("offset must be used together with limit")
	}
	if err := noIndirectPartner(ind); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	now := s.couponNow()
	coupons := s.w.partnerCoupons
	if c.p.kind == kindCustomer {
		coupons = s.w.byID[c.p.customerID].coupons
	}
	var all []*Coupon
	for _, cp := range coupons {
		switch {
		case couponID != nil && cp.ID != *couponID,
			orderID != nil && cp.OrderID != *orderID,
			planID != nil && cp.PlanID != *planID,
			source != nil && cp.SourceID != *source,
			typ != nil && cp.Type != *typ,
			status != nil && cp.statusAt(now) != *status,
			(activeBegin != nil || activeEnd != nil) && (cp.ActiveTime.IsZero() || !window(cp.ActiveTime, activeBegin, activeEnd)):
			continue
		}
		all = append(all, cp)
	}
	out := listSubCustomerCouponsResponse{Count: len(all), UserCoupons: []userCoupon{}}
	for _, cp := range pageOf(all, offset, limit) {
		uc := userCoupon{
			CouponID: cp.ID, CouponCode: cp.Code, Status: cp.statusAt(now), CustomerID: cp.OwnerID, CouponType: cp.Type, MeasureID: 1,
			FaceValue: amt(cp.FaceValue), ValidTime: ts(cp.EffectiveTime), ExpireTime: ts(cp.ExpireTime), OrderID: cp.OrderID,
			PromotionPlanID: cp.PlanID, PlanName: cp.PlanName, PlanDesc: cp.PlanDesc, MediaType: 1, FetchMethod: 1,
			UseLimits: useLimits(cp), ActiveTime: ts(cp.ActiveTime), CreateTime: ts(cp.CreateTime), CouponVersion: cp.Version,
			Balance: amt(cp.Balance), IsFrozen: "0", Currency: cp.Currency, SourceID: cp.SourceID,
		}
		if cp.Version == 1 {
			uc.Balance = nil // "如果为老版本优惠券，该值为空": old single-use coupons have no balance
		}
		out.UserCoupons = append(out.UserCoupons, uc)
	}
	return out, nil
}

package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Wire shapes of the yearly/monthly resource APIs (services/bss/v2/model: QueryResourcesReq,
// OrderInstanceV2, ListRenewRateOnPeriodReq/Response, RenewalResourcesReq/Response).

type resourcesRequest struct {
	ResourceIDs      []string `json:"resource_ids"`
	OrderID          *string  `json:"order_id"`
	OnlyMainResource *int32   `json:"only_main_resource"`
	StatusList       []int32  `json:"status_list"`
	Offset           *int32   `json:"offset"`
	Limit            *int32   `json:"limit"`
	ExpireTimeBegin  *string  `json:"expire_time_begin"`
	ExpireTimeEnd    *string  `json:"expire_time_end"`
	ServiceTypeCode  *string  `json:"service_type_code"`
	CustomerID       *string  `json:"customer_id"`
}

type enterpriseProject struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type orderInstanceV2 struct {
	ID                string             `json:"id"`
	ResourceID        string             `json:"resource_id"`
	ResourceName      string             `json:"resource_name"`
	RegionCode        string             `json:"region_code"`
	ServiceTypeCode   string             `json:"service_type_code"`
	ResourceTypeCode  string             `json:"resource_type_code"`
	ResourceTypeName  string             `json:"resource_type_name"`
	ServiceTypeName   string             `json:"service_type_name"`
	ResourceSpecCode  string             `json:"resource_spec_code"`
	ProjectID         string             `json:"project_id"`
	ProductID         string             `json:"product_id"`
	ParentResourceID  string             `json:"parent_resource_id,omitempty"`
	IsMainResource    int                `json:"is_main_resource"`
	Status            int                `json:"status"`
	EffectiveTime     string             `json:"effective_time"`
	ExpireTime        string             `json:"expire_time"`
	ExpirePolicy      int                `json:"expire_policy"`
	ProductSpecDesc   string             `json:"product_spec_desc"`
	SpecSize          *amountJSON        `json:"spec_size,omitempty"`
	SpecSizeMeasureID int                `json:"spec_size_measure_id,omitempty"`
	UpdateTime        string             `json:"update_time"`
	EnterpriseProject *enterpriseProject `json:"enterprise_project"`
}

type listPayPerUseCustomerResourcesResponse struct {
	Data       []orderInstanceV2 `json:"data"`
	TotalCount int               `json:"total_count"`
}

// Limits of ListPayPerUseCustomerResources.
const (
	maxResourceLimit    = 500
	maxQueryResourceIDs = 50
	maxStatusList       = 10
)

func (s *Server) listPayPerUseCustomerResources(c *call) (any, *apiError) {
	var req resourcesRequest
	if len(strings.TrimSpace(string(c.body))) > 0 {
		if err := decodeBody(c.body, &req); err != nil {
			return nil, err
		}
	}
	offset, limit, err := paging(req.Offset, req.Limit, maxResourceLimit)
	if err != nil {
		return nil, err
	}
	if len(req.ResourceIDs) > maxQueryResourceIDs {
		return nil, badRequest("resource_ids holds at most %d ids", maxQueryResourceIDs)
	}
	if len(req.StatusList) > maxStatusList {
		return nil, badRequest("status_list holds at most %d statuses", maxStatusList)
	}
	if req.OnlyMainResource != nil && *req.OnlyMainResource != 0 && *req.OnlyMainResource != 1 {
		return nil, badRequest("only_main_resource must be 0 or 1")
	}
	if req.ServiceTypeCode != nil && (*req.ServiceTypeCode == "" || len(*req.ServiceTypeCode) > 64) {
		return nil, badRequest("service_type_code must be 1 to 64 characters")
	}
	begin, err := optTime("expire_time_begin", req.ExpireTimeBegin)
	if err != nil {
		return nil, err
	}
	end, err := optTime("expire_time_end", req.ExpireTimeEnd)
	if err != nil {
		return nil, err
	}
	customerID := c.p.customerID
	if c.p.kind == kindPartner {
		// A partner must name one of its customers; anyone else's resources are not its business.
		if req.CustomerID == nil || *req.CustomerID == "" {
			return nil, badRequest("customer_id is required when a partner queries resources")
		}
		if len(*req.CustomerID) > 64 {
			return nil, badRequest("customer_id is longer than 64 characters")
		}
		customerID = *req.CustomerID
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	cu, ok := s.w.byID[customerID]
	if !ok {
		return nil, errDenied
	}
	var inOrder map[string]bool
	if req.OrderID != nil && *req.OrderID != "" {
		inOrder = map[string]bool{}
		if o, ok := s.w.orderByID[*req.OrderID]; ok && o.CustomerID == cu.ID {
			for _, id := range o.resourcesOf(*req.OrderID) {
				inOrder[id] = true
			}
		}
	}
	onlyMain := req.OnlyMainResource != nil && *req.OnlyMainResource == 1
	var ids map[string]bool
	if len(req.ResourceIDs) > 0 {
		ids = make(map[string]bool, len(req.ResourceIDs))
		for _, id := range req.ResourceIDs {
			ids[id] = true
		}
	}
	now := s.now()
	var all []*Resource
	for _, r := range cu.resources {
		mainID := r.ResourceID
		if !r.Main {
			mainID = r.ParentID
		}
		switch {
		case onlyMain && !r.Main,
			// Asking for a resource id also returns its attached parts unless only_main_resource=1.
			ids != nil && !ids[r.ResourceID] && (onlyMain || !ids[mainID]),
			inOrder != nil && !inOrder[mainID],
			len(req.StatusList) > 0 && !contains(req.StatusList, int32(statusAt(r, now))),
			req.ServiceTypeCode != nil && r.ServiceTypeCode != *req.ServiceTypeCode,
			!window(r.ExpireTime, begin, end):
			continue
		}
		all = append(all, r)
	}
	out := listPayPerUseCustomerResourcesResponse{TotalCount: len(all), Data: []orderInstanceV2{}}
	for _, r := range pageOf(all, offset, limit) {
		out.Data = append(out.Data, wireResource(r, statusAt(r, now)))
	}
	return out, nil
}

// statusAt is r's status at now on the business clock: a resource in use lapses (expired, in its
// grace period or retention) once its expiry has passed, unless it renews itself. The generator's
// statuses hold until then, and a renewal that moves the expiry past now brings it back.
func statusAt(r *Resource, now time.Time) int {
	if r.Status == StatusInUse && r.ExpirePolicy != PolicyAutoRenew && !r.ExpireTime.After(now) {
		return StatusExpired
	}
	return r.Status
}

func wireResource(r *Resource, status int) orderInstanceV2 {
	o := orderInstanceV2{
		ID: r.InstanceID, ResourceID: r.ResourceID, ResourceName: r.Name, RegionCode: r.RegionCode,
		ServiceTypeCode: r.ServiceTypeCode, ResourceTypeCode: r.ResourceTypeCode, ResourceTypeName: r.ResourceTypeName,
		ServiceTypeName: r.ServiceTypeName, ResourceSpecCode: r.SpecCode, ProjectID: r.ProjectID, ProductID: r.ProductID,
		ParentResourceID: r.ParentID, Status: status, EffectiveTime: ts(r.EffectiveTime), ExpireTime: ts(r.ExpireTime),
		ExpirePolicy: r.ExpirePolicy, ProductSpecDesc: r.SpecDesc, UpdateTime: ts(r.UpdateTime),
		EnterpriseProject: &enterpriseProject{ID: "0", Name: "default"},
	}
	if r.Main {
		o.IsMainResource = 1
	}
	if r.SpecSizeMeasure != 0 {
		o.SpecSize = amt(r.SpecSize)
		o.SpecSizeMeasureID = r.SpecSizeMeasure
	}
	return o
}

// Period types of the renewal APIs.
const (
	PeriodMonth = 2
	PeriodYear  = 3
)

// maxRenewIDs is how many main resources one renew-rate or renewal call takes.
const maxRenewIDs = 10

type renewRequest struct {
	ResourceIDs              []string `json:"resource_ids"`
	PeriodType               *int32   `json:"period_type"`
	PeriodNum                *int32   `json:"period_num"`
	IncludeRelativeResources *bool    `json:"include_relative_resources"`
	IsAutoPay                *int32   `json:"is_auto_pay"`
}

// validate checks what both renewal APIs check before looking at any resource.
func (req *renewRequest) validate() *apiError {
	if n := len(req.ResourceIDs); n < 1 || n > maxRenewIDs {
		return badRequest("resource_ids must hold 1 to %d ids, got %d", maxRenewIDs, n)
	}
	for _, id := range req.ResourceIDs {
		if id == "" || len(id) > 64 {
			return badRequest("every resource id must be 1 to 64 characters")
		}
	}
	if req.PeriodType == nil || req.PeriodNum == nil {
		return badRequest("period_type and period_num are required")
	}
	switch *req.PeriodType {
	case PeriodMonth:
		if *req.PeriodNum < 1 || *req.PeriodNum > 11 {
			return badRequest("period_num must be 1 to 11 months")
		}
	case PeriodYear:
		if *req.PeriodNum < 1 || *req.PeriodNum > 3 {
			return badRequest("period_num must be 1 to 3 years")
		}
	default:
		return badRequest("period_type must be 2 (month) or 3 (year)")
	}
	return nil
}

func duplicate(ids []string) string {
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return id
		}
		seen[id] = true
	}
	return ""
}

// months is how many monthly prices a period costs: a year costs ten months, as on the price list.
func months(periodType, periodNum int) int64 {
	if periodType == PeriodYear {
		return int64(periodNum) * 10
	}
	return int64(periodNum)
}

// officialPrice is the list price of renewing a main resource and its attached parts.
func (s *Server) officialPrice(cu *customer, main *Resource, periodType, periodNum int) decimal.Decimal {
	sum := main.MonthlyPrice
	for _, r := range cu.resources {
		if r.ParentID == main.ResourceID {
			sum = sum.Add(r.MonthlyPrice)
		}
	}
	return sum.Mul(decimal.NewFromInt(months(periodType, periodNum))).Mul(cu.priceFactor).Round(2)
}

// renewable says why a customer's resource cannot be renewed, with the codes of renew-rate; "" if it can.
// A lapsed resource (frozen or expired: grace period and retention) stays renewable until it is
// deleted (closed, here).
func (s *Server) renewable(cu *customer, id string) (res *Resource, code, msg string) {
	r, ok := s.w.resources[id]
	switch {
	case !ok || r.CustomerID != cu.ID || r.Status == StatusClosed:
		return nil, "CBC.30050009", "The resource has expired, been deleted, or does not exist."
	case !r.Main:
		return nil, "CBC.30050007", "The resource is not a primary resource."
	case s.w.unpaid[id] != "":
		return nil, "CBC.30050010", "The resource is in a pending payment order."
	}
	return r, "", ""
}

type failResourceInfo struct {
	ErrorCode  string `json:"error_code"`
	ErrorMsg   string `json:"error_msg"`
	ResourceID string `json:"resource_id"`
}

type renewInquiryResult struct {
	ResourceID string `json:"resource_id"`
	Amount     string `json:"amount"`
}

type officialRating struct {
	OfficialWebsiteAmount string `json:"official_website_amount"`
}

type discountRating struct {
	DiscountID            string `json:"discount_id"`
	Amount                string `json:"amount"`
	OfficialWebsiteAmount string `json:"official_website_amount"`
	DiscountAmount        string `json:"discount_amount"`
	DiscountType          int    `json:"discount_type"`
	DiscountName          string `json:"discount_name"`
	BestOffer             int    `json:"best_offer"`
}

type renewRateResponse struct {
	Currency                      string               `json:"currency"`
	RenewInquiryResults           []renewInquiryResult `json:"renew_inquiry_results,omitempty"`
	OfficialWebsiteRatingResult   *officialRating      `json:"official_website_rating_result,omitempty"`
	OptionalDiscountRatingResults []discountRating     `json:"optional_discount_rating_results,omitempty"`
	FailResourceInfos             []failResourceInfo   `json:"fail_resource_infos,omitempty"`
}

func (s *Server) listRenewRateOnPeriod(c *call) (any, *apiError) {
	var req renewRequest
	if err := decodeBody(c.body, &req); err != nil {
		return nil, err
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	if id := duplicate(req.ResourceIDs); id != "" {
		return nil, apiErr(http.StatusBadRequest, "CBC.30050012", "Duplicate resource ID: "+id)
	}
	pt, pn := int(*req.PeriodType), int(*req.PeriodNum)
	s.mu.RLock()
	defer s.mu.RUnlock()
	cu := s.w.byID[c.p.customerID]
	out := renewRateResponse{Currency: cu.Currency}
	total := decimal.Zero
	for _, id := range req.ResourceIDs {
		r, code, msg := s.renewable(cu, id)
		if code != "" {
			out.FailResourceInfos = append(out.FailResourceInfos, failResourceInfo{ErrorCode: code, ErrorMsg: msg, ResourceID: id})
			continue
		}
		p := s.officialPrice(cu, r, pt, pn)
		total = total.Add(p)
		out.RenewInquiryResults = append(out.RenewInquiryResults, renewInquiryResult{ResourceID: id, Amount: money2(p)})
	}
	if len(out.RenewInquiryResults) == 0 {
		return out, nil
	}
	out.OfficialWebsiteRatingResult = &officialRating{OfficialWebsiteAmount: money2(total)}
	for i, d := range discountOffers(cu.discounts, total) {
		out.OptionalDiscountRatingResults = append(out.OptionalDiscountRatingResults, discountRating{
			DiscountID: cu.discounts[i].id, Amount: money2(total.Sub(d)), OfficialWebsiteAmount: money2(total),
			DiscountAmount: money2(d), DiscountType: cu.discounts[i].typ, DiscountName: cu.discounts[i].name,
			BestOffer: boolInt(i == bestOffer(cu.discounts, total)),
		})
	}
	return out, nil
}

// discountOffers is what each of the customer's discounts takes off total.
func discountOffers(ds []discount, total decimal.Decimal) []decimal.Decimal {
	out := make([]decimal.Decimal, len(ds))
	for i, d := range ds {
		out[i] = total.Mul(d.off).Round(2)
	}
	return out
}

// bestOffer is the index of the largest discount; equal discounts go, as BSS breaks the tie, to the
// Huawei contract discount (605), then the partner-granted one (606), then the partner-set rate
// (607). -1 if there is none.
func bestOffer(ds []discount, total decimal.Decimal) int {
	best := -1
	offers := discountOffers(ds, total)
	for i := range offers {
		if best < 0 || offers[i].GreaterThan(offers[best]) ||
			offers[i].Equal(offers[best]) && ds[i].typ < ds[best].typ {
			best = i
		}
	}
	return best
}

// bestAmount is what a renewal of total costs after the best discount.
func bestAmount(ds []discount, total decimal.Decimal) decimal.Decimal {
	if b := bestOffer(ds, total); b >= 0 {
		return total.Sub(discountOffers(ds, total)[b])
	}
	return total
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

type renewalResponse struct {
	OrderIDs []string `json:"order_ids"`
}

// renewalResources creates one order for all the resources or fails as a whole without changing
// anything; with is_auto_pay=1 it pays from the balance and moves the expiry at once.
func (s *Server) renewalResources(c *call) (any, *apiError) {
	var req renewRequest
	if err := decodeBody(c.body, &req); err != nil {
		return nil, err
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	if id := duplicate(req.ResourceIDs); id != "" {
		return nil, badRequest("duplicate resource id %s", id)
	}
	autoPay := req.IsAutoPay != nil && *req.IsAutoPay == 1
	if req.IsAutoPay != nil && *req.IsAutoPay != 0 && *req.IsAutoPay != 1 {
		return nil, badRequest("is_auto_pay must be 0 or 1")
	}
	pt, pn := int(*req.PeriodType), int(*req.PeriodNum)
	s.mu.Lock()
	defer s.mu.Unlock()
	cu := s.w.byID[c.p.customerID]
	total := decimal.Zero
	for _, id := range req.ResourceIDs {
		r, code, _ := s.renewable(cu, id)
		switch code {
		case "CBC.30050009":
			return nil, apiErr(http.StatusBadRequest, "CBC.99003016", "The resource "+id+" has expired, been deleted, or does not exist.")
		case "CBC.30050007":
			return nil, apiErr(http.StatusBadRequest, "CBC.30010036", "The resource "+id+" is not a primary resource.")
		case "CBC.30050010":
			return nil, apiErr(http.StatusBadRequest, "CBC.99003100", "The resource "+id+" has an order pending payment.")
		}
		total = total.Add(s.officialPrice(cu, r, pt, pn))
	}
	amount := bestAmount(cu.discounts, total)
	// BSS keeps order times to the second, and its time filters compare them so.
	now := s.now().UTC().Truncate(time.Second)
	failPay := autoPay && cu.Balance.LessThan(amount)
	if failPay && !s.autoPayLeavesOrder.Load() {
		return nil, autoPayFailed
	}
	o := s.newOrder(cu, req.ResourceIDs, pt, pn, now)
	switch {
	case failPay:
		// The order stays behind unpaid, and the answer says only that payment failed.
		s.hold(o)
		return nil, autoPayFailed
	case autoPay:
		cu.Balance = cu.Balance.Sub(amount)
		s.pay(cu, o, now)
	default:
		s.hold(o)
	}
	return renewalResponse{OrderIDs: []string{o.ID}}, nil
}

var autoPayFailed = apiErr(http.StatusBadRequest, "CBC.30050006", "Automatic payment failed: the account balance is insufficient.")

// newOrder records an unpaid renewal order of ids. A batch of several resources becomes a combined
// order (组合交易订单) with one sub-order per resource, each with its own id and price, as BSS
// makes them for batch renewals. The caller holds s.mu.
func (s *Server) newOrder(cu *customer, ids []string, pt, pn int, now time.Time) *Order {
	id := func() string {
		s.w.orderSeq++
		return fmt.Sprintf("CS%s%05d", now.Format("0601021504"), s.w.orderSeq)
	}
	o := &Order{
		ID: id(), CustomerID: cu.ID, ResourceIDs: append([]string(nil), ids...), PeriodType: pt, PeriodNum: pn,
		Currency: cu.Currency, CreatedAt: now,
	}
	for _, rid := range ids {
		official := s.officialPrice(cu, s.w.resources[rid], pt, pn)
		o.Official = o.Official.Add(official)
		if len(ids) > 1 {
			sub := SubOrder{ID: id(), ResourceID: rid, Official: official, Amount: bestAmount(cu.discounts, official)}
			o.SubOrders = append(o.SubOrders, sub)
			s.w.orderByID[sub.ID] = o
		}
	}
	o.Amount = bestAmount(cu.discounts, o.Official)
	s.w.orders = append(s.w.orders, o)
	s.w.orderByID[o.ID] = o
	return o
}

// hold marks o's resources as held by an order waiting for payment. The caller holds s.mu.
func (s *Server) hold(o *Order) {
	for _, id := range o.ResourceIDs {
		s.w.unpaid[id] = o.ID
	}
}

// AutoPayFailureLeavesOrder sets what a renewal with is_auto_pay=1 that cannot be paid leaves
// behind: nothing (false, the default) or an unpaid order (true). Both answer 400 CBC.30050006; BSS
// does not document which happens, so a client must look the orders up before it calls the renewal
// failed.
func (s *Server) AutoPayFailureLeavesOrder(v bool) { s.autoPayLeavesOrder.Store(v) }

// pay marks o paid and moves the expiry of its resources and their attached parts by its period.
// The caller holds s.mu.
func (s *Server) pay(cu *customer, o *Order, now time.Time) {
	o.Paid, o.PaidAt = true, now
	renewed := make(map[string]bool, len(o.ResourceIDs))
	for _, id := range o.ResourceIDs {
		renewed[id] = true
		delete(s.w.unpaid, id)
	}
	for _, r := range cu.resources {
		if !renewed[r.ResourceID] && !renewed[r.ParentID] {
			continue
		}
		if o.PeriodType == PeriodYear {
			r.ExpireTime = r.ExpireTime.AddDate(o.PeriodNum, 0, 0)
		} else {
			r.ExpireTime = r.ExpireTime.AddDate(0, o.PeriodNum, 0)
		}
		if (r.Status == StatusFrozen || r.Status == StatusExpired) && r.ExpireTime.After(now) {
			r.Status = StatusInUse
		}
		r.UpdateTime = now
	}
}

// ErrNotFound is returned by the Server's Go methods for an id the sandbox does not know.
var ErrNotFound = errors.New("sandbox: not found")

// PayOrder pays an order that RenewalResources created without auto-pay, as the customer would in
// the console: the order becomes paid and its resources' expiry moves by the period. The balance is
// not touched. It returns an error wrapping ErrNotFound for an unknown order, and an error for an
// order that is already paid.
func (s *Server) PayOrder(orderID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.w.orderByID[orderID]
	if !ok {
		return fmt.Errorf("sandbox: pay order %s: %w", orderID, ErrNotFound)
	}
	if o.Paid {
		return fmt.Errorf("sandbox: pay order %s: already paid", orderID)
	}
	s.pay(s.w.byID[o.CustomerID], o, s.now().UTC().Truncate(time.Second))
	return nil
}

package sandbox

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Wire shapes of ListCustomerOrders (services/bss/v2/model: ListCustomerOrdersRequest,
// ListCustomerOrdersResponse, CustomerOrderV2; bssintl has the same).

// orderFields are the fields CustomerOrderV2 and SubCustomerOrderV2 share.
type orderFields struct {
	OrderID         string `json:"order_id"`
	CustomerID      string `json:"customer_id"`
	ServiceTypeCode string `json:"service_type_code"`
	ServiceTypeName string `json:"service_type_name"`
	SourceType      int    `json:"source_type"`
	Status          int    `json:"status"`
	OrderType       int    `json:"order_type"` // a number here, although the query parameter is a string
	// The amounts are float64 in the SDK: they must be JSON numbers.
	AmountAfterDiscount *amountJSON `json:"amount_after_discount"`
	OfficialAmount      *amountJSON `json:"official_amount"`
	MeasureID           int         `json:"measure_id"`
	CreateTime          string      `json:"create_time"`
	PaymentTime         string      `json:"payment_time,omitempty"`
	Currency            string      `json:"currency"`
}

type customerOrderV2 struct {
	orderFields
	// SubOrderInfos lists a combined order's sub-orders (SubCustomerOrderV2), which carry the resources.
	SubOrderInfos []orderFields `json:"sub_order_infos,omitempty"`
}

type listCustomerOrdersResponse struct {
	TotalCount int               `json:"total_count"`
	OrderInfos []customerOrderV2 `json:"order_infos"`
}

// Order status codes of ListCustomerOrders. A renewal with auto-pay is completed at once; one
// without waits for payment.
const (
	OrderPendingReview       = 1
	OrderProcessing          = 3
	OrderCancelled           = 4
	OrderCompleted           = 5
	OrderPendingPayment      = 6
	OrderPendingConfirmation = 9
)

// OrderTypeRenewal is the order_type of a renewal (2); the other documented types are 1 new
// purchase, 3 change, 4 unsubscription, 10 yearly/monthly to pay-per-use, 11 pay-per-use to
// yearly/monthly, 13 trial, 14 trial to commercial and 15 fee adjustment.
const OrderTypeRenewal = 2

var (
	orderStatuses = []int{OrderPendingReview, OrderProcessing, OrderCancelled, OrderCompleted, OrderPendingPayment, OrderPendingConfirmation}
	orderTypes    = []int{1, OrderTypeRenewal, 3, 4, 10, 11, 13, 14, 15}
)

// Limits of ListCustomerOrders: limit 1-100 (default 10), and a time filter's begin and end at most
// a year (here 366 days) apart.
const (
	maxOrderLimit = 100
	maxOrderSpan  = 366 * 24 * time.Hour
)

// listCustomerOrders answers a customer with its own orders and a partner with its customers'
// orders (narrowed by customer_id). The sandbox's orders are all renewals.
func (s *Server) listCustomerOrders(c *call) (any, *apiError) {
	q := newQuery(c.r)
	orderID := q.str("order_id", 64)
	customerID := q.str("customer_id", 64)
	createBegin, createEnd := q.time("create_time_begin"), q.time("create_time_end")
	payBegin, payEnd := q.time("payment_time_begin"), q.time("payment_time_end")
	service := q.str("service_type_code", 64)
	status := q.optNum("status", 1, 99)
	typ := q.str("order_type", 64)
	limit := q.num("limit", 10, 1, maxOrderLimit)
	offset := q.num("offset", 0, 0, 1<<31-1)
	orderBy := q.str("order_by", 36)
	ind := q.str("indirect_partner_id", 64)
	method := q.str("method", 64)
	if q.err != nil {
		return nil, q.err
	}
	if err := span("create_time", createBegin, createEnd); err != nil {
		return nil, err
	}
	if err := span("payment_time", payBegin, payEnd); err != nil {
		return nil, err
	}
	if status != nil && !slices.Contains(orderStatuses, *status) {
		return nil, badRequest("status %d is not an order status", *status)
	}
	var wantType *int
	if typ != nil && *typ != "" {
		n, err := strconv.Atoi(*typ)
		if err != nil || !slices.Contains(orderTypes, n) {
			return nil, badRequest("order_type %q is not an order type", *typ)
		}
		wantType = &n
	}
	newestFirst := false
	if orderBy != nil && *orderBy != "" {
		switch strings.ToLower(*orderBy) {
		case "createtime":
		case "-createtime":
			newestFirst = true
		default:
			return nil, badRequest("order_by must be createTime or -createTime")
		}
	}
	if method != nil && *method != "" && *method != "oneself" && *method != "sub_customer" {
		return nil, badRequest("method must be oneself or sub_customer")
	}
	if c.p.kind == kindPartner {
		if err := noIndirectPartner(ind); err != nil {
			return nil, err
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var all []*Order
	for _, o := range s.w.orders {
		switch {
		case c.p.kind == kindCustomer && o.CustomerID != c.p.customerID,
			// Enterprise sub-accounts whose orders a customer pays: the sandbox has none.
			method != nil && *method == "sub_customer",
			customerID != nil && *customerID != "" && o.CustomerID != *customerID,
			orderID != nil && *orderID != "" && !strings.EqualFold(o.ID, *orderID),
			service != nil && *service != "" && !strings.EqualFold(s.orderService(o).ServiceTypeCode, *service),
			status != nil && orderStatus(o) != *status,
			wantType != nil && *wantType != OrderTypeRenewal,
			!window(o.CreatedAt, createBegin, createEnd),
			(payBegin != nil || payEnd != nil) && (!o.Paid || !window(o.PaidAt, payBegin, payEnd)):
			continue
		}
		all = append(all, o)
	}
	if newestFirst {
		slices.Reverse(all)
	}
	out := listCustomerOrdersResponse{TotalCount: len(all), OrderInfos: []customerOrderV2{}}
	for _, o := range pageOf(all, offset, limit) {
		main := s.orderService(o)
		w := customerOrderV2{orderFields: orderFields{
			OrderID: o.ID, CustomerID: o.CustomerID, ServiceTypeCode: main.ServiceTypeCode, ServiceTypeName: main.ServiceTypeName,
			SourceType: 1, Status: orderStatus(o), OrderType: OrderTypeRenewal, AmountAfterDiscount: amt(o.Amount),
			OfficialAmount: amt(o.Official), MeasureID: 1, CreateTime: ts(o.CreatedAt), Currency: o.Currency,
		}}
		if o.Paid {
			w.PaymentTime = ts(o.PaidAt)
		}
		for _, sub := range o.SubOrders {
			r := s.w.resources[sub.ResourceID]
			w.SubOrderInfos = append(w.SubOrderInfos, orderFields{
				OrderID: sub.ID, CustomerID: o.CustomerID, ServiceTypeCode: r.ServiceTypeCode, ServiceTypeName: r.ServiceTypeName,
				SourceType: 1, Status: w.Status, OrderType: OrderTypeRenewal, AmountAfterDiscount: amt(sub.Amount),
				OfficialAmount: amt(sub.Official), MeasureID: 1, CreateTime: w.CreateTime, PaymentTime: w.PaymentTime, Currency: o.Currency,
			})
		}
		out.OrderInfos = append(out.OrderInfos, w)
	}
	return out, nil
}

// orderStatus is the ListCustomerOrders status of a sandbox order.
func orderStatus(o *Order) int {
	if o.Paid {
		return OrderCompleted
	}
	return OrderPendingPayment
}

// orderService is the first main resource of o, which names the order's cloud service. The caller
// holds s.mu.
func (s *Server) orderService(o *Order) Resource {
	if r, ok := s.w.resources[o.ResourceIDs[0]]; ok {
		return *r
	}
	return Resource{}
}

// span refuses a time filter whose begin and end lie more than a year apart.
func span(name string, begin, end *time.Time) *apiError {
	if begin != nil && end != nil && end.Sub(*begin) > maxOrderSpan {
		return badRequest("%s_begin and %s_end must be at most a year apart", name, name)
	}
	return nil
}

package bss

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/bsswatch/bsswatch/pkg/money"

	cnmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	intlmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"
)

// OrderStatus is where a yearly/monthly order stands (ListCustomerOrders' status).
type OrderStatus int

// The order states.
const (
	OrderPendingReview       OrderStatus = 1
	OrderProcessing          OrderStatus = 3
	OrderCancelled           OrderStatus = 4
	OrderCompleted           OrderStatus = 5
	OrderPendingPayment      OrderStatus = 6
	OrderPendingConfirmation OrderStatus = 9
)

// String names the state as a person reads it.
func (s OrderStatus) String() string {
	switch s {
	case OrderPendingReview:
		return "pending review"
	case OrderProcessing:
		return "processing"
	case OrderCancelled:
		return "cancelled"
	case OrderCompleted:
		return "completed"
	case OrderPendingPayment:
		return "pending payment"
	case OrderPendingConfirmation:
		return "pending confirmation"
	}
	return fmt.Sprintf("status %d", int(s))
}

// orderTypeRenewal is ListCustomerOrders' order_type for renewals (a string in the query, a number
// in the answer).
const orderTypeRenewal = "2"

// Order is a renewal order of the caller's own account. Amount is what the order costs after
// discounts, before coupons (amount_after_discount); the zero Amount (no currency) when BSS left it
// out, never a zero price. PaidAt is zero while the order is unpaid.
// ResourceIDs are the asked-for main resources the order renews. A batch renewal is a combined
// order (组合交易订单): ID is the combined id and SubOrderIDs the ids of its sub-orders, which BSS
// names apart (cancelling one may need the combined id, CBC.99000089).
type Order struct {
	ID          string
	SubOrderIDs []string
	Status      OrderStatus
	Amount      money.Amount
	Created     time.Time
	PaidAt      time.Time
	ResourceIDs []string
}

// Paid reports whether the order has been paid: it has a payment time, or it is completed.
func (o Order) Paid() bool { return !o.PaidAt.IsZero() || o.Status == OrderCompleted }

// RenewalOrders finds the renewal orders created after since that renew any of resourceIDs (1 to
// BatchResourceIDs distinct main resource ids), oldest first, each with the asked-for resources it
// holds; cancelled orders renewed nothing and are left out. It is how an order whose answer was lost
// is found again.
//
// ListCustomerOrders (customer credentials only here, like Renew) lists the account's renewal
// orders created after since, PageOrders per call. Neither it nor ShowCustomerOrderDetails names the
// resources of an order (the SDK's line items have no resource id), so, as the API documentation
// directs, each order's resources are then read from ListPayPerUseCustomerResources filtered by its
// order id and the asked-for ids: one more call per order, and for a combined order one per id, its
// own and each sub-order's, since the resources may hang on either. Both are reads, retried like the
// others.
//
// It fails before any call with Unsupported for a partner profile and Invalid for no, empty,
// repeated or too many ids or a zero since, and with an *Error when any call fails after retries
// (no partial answer). Finding no order is an empty result, not an error.
func (c *Client) RenewalOrders(ctx context.Context, resourceIDs []string, since time.Time) ([]Order, error) {
	op := ListCustomerOrders
	if err := c.allow(op); err != nil {
		return nil, err
	}
	if n := len(resourceIDs); n < 1 || n > BatchResourceIDs {
		return nil, invalidArg(string(op), "want 1-%d resource ids, got %d", BatchResourceIDs, n)
	}
	seen := make(map[string]bool, len(resourceIDs))
	for _, id := range resourceIDs {
		switch {
		case id == "":
			return nil, invalidArg(string(op), "empty resource id")
		case seen[id]:
			return nil, invalidArg(string(op), "resource id %q given twice", id)
		}
		seen[id] = true
	}
	if since.IsZero() {
		return nil, invalidArg(string(op), "want the time after which the orders were created")
	}
	begin := formatTime(since)
	raw, err := pageAll(ctx, c, op, PageOrders, func(i int) (page[cnmodel.CustomerOrderV2], error) {
		return c.listOrders(begin, int32(i*PageOrders))
	})
	if err != nil {
		return nil, err
	}
	var orders []Order
	for _, r := range raw {
		o, err := c.orderOf(r)
		if err != nil {
			return nil, err
		}
		if o.Status != OrderCancelled {
			orders = append(orders, o)
		}
	}
	// One lookup per (order, id): the order's own id and each of its sub-orders' ids.
	type lookup struct{ order, id string }
	var lookups []lookup
	for _, o := range orders {
		for _, id := range append([]string{o.ID}, o.SubOrderIDs...) {
			lookups = append(lookups, lookup{o.ID, id})
		}
	}
	found := make([][]string, len(lookups))
	errs := c.fanOut(ctx, ListPayPerUseCustomerResources, len(lookups), func(i int) error {
		rs, err := c.Resources(ctx, ResourceFilter{ResourceIDs: resourceIDs, OnlyMain: true, OrderID: lookups[i].id})
		for _, r := range rs {
			found[i] = append(found[i], r.ID)
		}
		return err
	})
	byOrder := map[string][]string{}
	for i, err := range errs {
		if err != nil {
			return nil, err
		}
		byOrder[lookups[i].order] = append(byOrder[lookups[i].order], found[i]...)
	}
	out := []Order{}
	for _, o := range orders {
		ids := byOrder[o.ID]
		slices.Sort(ids)
		if ids = slices.Compact(ids); len(ids) > 0 {
			o.ResourceIDs = ids
			out = append(out, o)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Created.Before(out[b].Created) })
	return out, nil
}

func (c *Client) listOrders(createdAfter string, offset int32) (page[cnmodel.CustomerOrderV2], error) {
	typ, limit := orderTypeRenewal, int32(PageOrders)
	if c.cn != nil {
		resp, err := c.cn.ListCustomerOrders(&cnmodel.ListCustomerOrdersRequest{CreateTimeBegin: &createdAfter,
			OrderType: &typ, Limit: &limit, Offset: &offset})
		if err != nil {
			return page[cnmodel.CustomerOrderV2]{}, err
		}
		return page[cnmodel.CustomerOrderV2]{items: deref(resp.OrderInfos), total: total(resp.TotalCount)}, nil
	}
	resp, err := c.intl.ListCustomerOrders(&intlmodel.ListCustomerOrdersRequest{CreateTimeBegin: &createdAfter,
		OrderType: &typ, Limit: &limit, Offset: &offset})
	if err != nil {
		return page[cnmodel.CustomerOrderV2]{}, err
	}
	p := page[cnmodel.CustomerOrderV2]{total: total(resp.TotalCount)}
	for _, o := range deref(resp.OrderInfos) {
		// Only the fields read below: the nested types differ between the two SDK packages.
		item := cnmodel.CustomerOrderV2{OrderId: o.OrderId, Status: o.Status, OrderType: o.OrderType,
			AmountAfterDiscount: o.AmountAfterDiscount, MeasureId: o.MeasureId, CreateTime: o.CreateTime,
			PaymentTime: o.PaymentTime, Currency: o.Currency}
		for _, sub := range deref(o.SubOrderInfos) {
			item.SubOrderInfos = appendTo(item.SubOrderInfos, cnmodel.SubCustomerOrderV2{OrderId: sub.OrderId})
		}
		p.items = append(p.items, item)
	}
	return p, nil
}

func (c *Client) orderOf(r cnmodel.CustomerOrderV2) (Order, error) {
	op := ListCustomerOrders
	o := Order{ID: str(r.OrderId), Status: OrderStatus(num(r.Status))}
	for _, sub := range deref(r.SubOrderInfos) {
		if id := str(sub.OrderId); id != "" && id != o.ID {
			o.SubOrderIDs = append(o.SubOrderIDs, id)
		}
	}
	var err error
	// The SDK decodes the amount as float64; it becomes a decimal here, at the edge. An order is
	// still found without one (the lookup is about ids), but no price is made up for it.
	if r.AmountAfterDiscount != nil {
		if o.Amount, err = measured(op, floatOf(r.AmountAfterDiscount), r.MeasureId, orDefault(r.Currency, c.siteCurrency())); err != nil {
			return Order{}, err
		}
	}
	err = times(op, []timeSlot{{"create_time", r.CreateTime, &o.Created}, {"payment_time", r.PaymentTime, &o.PaidAt}})
	return o, err
}

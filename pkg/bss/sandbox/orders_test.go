package sandbox

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	intlmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"
	"github.com/shopspring/decimal"
)

// shiftClock is the wall clock shifted by an offset the test sets, so orders get distinct creation
// times while the SDK's X-Sdk-Date stays inside the sandbox's 15-minute window.
type shiftClock struct {
	mu sync.Mutex
	d  time.Duration
}

func (c *shiftClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.d) }

func (c *shiftClock) set(d time.Duration) { c.mu.Lock(); c.d = d; c.mu.Unlock() }

// orderWorld is a sandbox with three renewal orders: customer a's paid order (10 minutes ago) and
// unpaid order (5 minutes ago), and customer b's paid order (now).
type orderWorld struct {
	*env
	a, b       int      // customer indexes
	aIDs, bIDs []string // the main resources each renewed
	orders     []Order  // oldest first
}

func newOrderWorld(t *testing.T, site string) *orderWorld {
	t.Helper()
	clk := &shiftClock{}
	e := newEnv(t, Options{Site: site, Seed: 60, Customers: 80, WallClock: clk.now})
	w := &orderWorld{env: e}
	var mains []Resource
	w.a, mains = renewableMain(t, e, 2)
	w.aIDs = []string{mains[0].ResourceID, mains[1].ResourceID}
	w.b = -1
	for j, c := range e.srv.Customers() {
		for _, r := range e.srv.Resources(c.ID) {
			if j != w.a && w.b < 0 && r.Main && r.Status == StatusInUse {
				w.b, w.bIDs = j, []string{r.ResourceID}
			}
		}
	}
	if w.b < 0 {
		t.Fatal("no second customer with a resource to renew")
	}
	for _, i := range []int{w.a, w.b} {
		mustOK(t, e.srv.SetCustomerBalance(e.srv.Customers()[i].ID, decimal.NewFromInt(10_000_000)))
	}
	for _, o := range []struct {
		at      time.Duration
		i       int
		id      string
		autoPay int32
	}{{-10 * time.Minute, w.a, w.aIDs[0], 1}, {-5 * time.Minute, w.a, w.aIDs[1], 0}, {0, w.b, w.bIDs[0], 1}} {
		clk.set(o.at)
		w.renew(t, o.i, o.id, o.autoPay)
	}
	w.orders = e.srv.Orders()
	if len(w.orders) != 3 {
		t.Fatalf("got %d orders, want 3", len(w.orders))
	}
	return w
}

func (w *orderWorld) renew(t *testing.T, i int, id string, autoPay int32) {
	t.Helper()
	if w.srv.Site() == SiteIntl {
		_, err := w.intl(t, w.customer(i)).RenewalResources(&intlmodel.RenewalResourcesRequest{Body: &intlmodel.RenewalResourcesReq{
			ResourceIds: []string{id}, PeriodType: PeriodMonth, PeriodNum: 1, IsAutoPay: &autoPay}})
		mustOK(t, err)
		return
	}
	_, err := w.cn(t, w.customer(i)).RenewalResources(&model.RenewalResourcesRequest{Body: &model.RenewalResourcesReq{
		ResourceIds: []string{id}, PeriodType: PeriodMonth, PeriodNum: 1, IsAutoPay: &autoPay}})
	mustOK(t, err)
}

func orderIDs(resp *model.ListCustomerOrdersResponse) []string {
	var ids []string
	for _, o := range *resp.OrderInfos {
		ids = append(ids, *o.OrderId)
	}
	return ids
}

func TestListCustomerOrders(t *testing.T) {
	w := newOrderWorld(t, SiteCN)
	paid, unpaid, other := w.orders[0], w.orders[1], w.orders[2]

	t.Run("a customer sees only its own orders, in the SDK's types", func(t *testing.T) {
		w.srv.ResetCalls()
		resp, err := w.cn(t, w.customer(w.a)).ListCustomerOrders(&model.ListCustomerOrdersRequest{Limit: ptr(int32(100))})
		mustOK(t, err)
		if got := w.srv.Calls()["ListCustomerOrders"]; got != 1 {
			t.Errorf("counted %d ListCustomerOrders calls, want 1", got)
		}
		if *resp.TotalCount != 2 || !slices.Equal(orderIDs(resp), []string{paid.ID, unpaid.ID}) {
			t.Fatalf("got total %d orders %v, want 2: %s %s", *resp.TotalCount, orderIDs(resp), paid.ID, unpaid.ID)
		}
		for k, want := range []struct {
			o      Order
			status int32
		}{{paid, OrderCompleted}, {unpaid, OrderPendingPayment}} {
			got := (*resp.OrderInfos)[k]
			if *got.Status != want.status || *got.OrderType != OrderTypeRenewal || *got.CustomerId != want.o.CustomerID ||
				*got.Currency != "CNY" || *got.MeasureId != 1 || *got.CreateTime != ts(want.o.CreatedAt) {
				t.Errorf("order %s: got %v, want status %d, type 2, customer %s, CNY, created %s", want.o.ID, got, want.status, want.o.CustomerID, ts(want.o.CreatedAt))
			}
			if a := decimal.NewFromFloat(*got.AmountAfterDiscount); !a.Equal(want.o.Amount) {
				t.Errorf("order %s: got amount %s, want %s", want.o.ID, a, want.o.Amount)
			}
			if a := decimal.NewFromFloat(*got.OfficialAmount); !a.Equal(want.o.Official) || want.o.Official.LessThan(want.o.Amount) {
				t.Errorf("order %s: got official amount %s, want %s (not below the amount %s)", want.o.ID, a, want.o.Official, want.o.Amount)
			}
			if (got.PaymentTime != nil) != want.o.Paid {
				t.Errorf("order %s: got payment time %v, want one only when paid (%v)", want.o.ID, got.PaymentTime, want.o.Paid)
			}
			for _, r := range w.srv.Resources(want.o.CustomerID) {
				if r.ResourceID == want.o.ResourceIDs[0] && (*got.ServiceTypeCode != r.ServiceTypeCode || *got.ServiceTypeName != r.ServiceTypeName) {
					t.Errorf("order %s: got service %s %s, want its resource's %s %s", want.o.ID, *got.ServiceTypeCode, *got.ServiceTypeName, r.ServiceTypeCode, r.ServiceTypeName)
				}
			}
		}
	})
	t.Run("a partner sees its customers' orders", func(t *testing.T) {
		client := w.cn(t, w.partner())
		resp, err := client.ListCustomerOrders(&model.ListCustomerOrdersRequest{})
		mustOK(t, err)
		if !slices.Equal(orderIDs(resp), []string{paid.ID, unpaid.ID, other.ID}) {
			t.Errorf("got %v, want all three orders", orderIDs(resp))
		}
		resp, err = client.ListCustomerOrders(&model.ListCustomerOrdersRequest{CustomerId: ptr(other.CustomerID)})
		mustOK(t, err)
		if !slices.Equal(orderIDs(resp), []string{other.ID}) {
			t.Errorf("got %v for customer %s, want [%s]", orderIDs(resp), other.CustomerID, other.ID)
		}
	})
	filters := []struct {
		name string
		req  model.ListCustomerOrdersRequest
		want []string
	}{
		{"created after the first order", model.ListCustomerOrdersRequest{CreateTimeBegin: ptr(ts(paid.CreatedAt))}, []string{unpaid.ID}},
		{"created before the second order", model.ListCustomerOrdersRequest{CreateTimeEnd: ptr(ts(unpaid.CreatedAt))}, []string{paid.ID}},
		{"renewals", model.ListCustomerOrdersRequest{OrderType: ptr("2")}, []string{paid.ID, unpaid.ID}},
		{"new purchases", model.ListCustomerOrdersRequest{OrderType: ptr("1")}, nil},
		{"waiting for payment", model.ListCustomerOrdersRequest{Status: ptr(int32(OrderPendingPayment))}, []string{unpaid.ID}},
		{"paid after an hour ago", model.ListCustomerOrdersRequest{PaymentTimeBegin: ptr(ts(paid.CreatedAt.Add(-time.Hour)))}, []string{paid.ID}},
		{"order id in lower case", model.ListCustomerOrdersRequest{OrderId: ptr(strings.ToLower(unpaid.ID))}, []string{unpaid.ID}},
		{"another customer's order id", model.ListCustomerOrdersRequest{OrderId: ptr(other.ID)}, nil},
		{"newest first", model.ListCustomerOrdersRequest{OrderBy: ptr("-createTime")}, []string{unpaid.ID, paid.ID}},
	}
	for _, tt := range filters {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := w.cn(t, w.customer(w.a)).ListCustomerOrders(&tt.req)
			mustOK(t, err)
			if got := orderIDs(resp); !slices.Equal(got, tt.want) || int(*resp.TotalCount) != len(tt.want) {
				t.Errorf("got %v (total %d), want %v", got, *resp.TotalCount, tt.want)
			}
		})
	}
	t.Run("pages", func(t *testing.T) {
		var got []string
		for offset := int32(0); offset <= 2; offset++ {
			resp, err := w.cn(t, w.customer(w.a)).ListCustomerOrders(&model.ListCustomerOrdersRequest{Offset: &offset, Limit: ptr(int32(1))})
			mustOK(t, err)
			if *resp.TotalCount != 2 {
				t.Errorf("offset %d: got total_count %d, want 2", offset, *resp.TotalCount)
			}
			got = append(got, orderIDs(resp)...)
		}
		if !slices.Equal(got, []string{paid.ID, unpaid.ID}) {
			t.Errorf("got %v over pages of 1, want both orders once", got)
		}
	})
	var badMethod model.ListCustomerOrdersRequestMethod
	mustOK(t, badMethod.UnmarshalJSON([]byte(`"everyone"`)))
	errs := []struct {
		name   string
		c      creds
		req    model.ListCustomerOrdersRequest
		status int
		code   string
	}{
		{"limit 0", w.customer(w.a), model.ListCustomerOrdersRequest{Limit: ptr(int32(0))}, 400, "CBC.0100"},
		{"limit 101", w.customer(w.a), model.ListCustomerOrdersRequest{Limit: ptr(int32(101))}, 400, "CBC.0100"},
		{"negative offset", w.customer(w.a), model.ListCustomerOrdersRequest{Offset: ptr(int32(-1))}, 400, "CBC.0100"},
		{"time without a zone", w.customer(w.a), model.ListCustomerOrdersRequest{CreateTimeBegin: ptr("2026-11-21T12:00:00")}, 400, "CBC.0100"},
		{"more than a year apart", w.customer(w.a), model.ListCustomerOrdersRequest{CreateTimeBegin: ptr("2025-01-01T00:00:00Z"), CreateTimeEnd: ptr("2026-11-21T00:00:00Z")}, 400, "CBC.0100"},
		{"unknown order type", w.customer(w.a), model.ListCustomerOrdersRequest{OrderType: ptr("7")}, 400, "CBC.0100"},
		{"order type not a number", w.customer(w.a), model.ListCustomerOrdersRequest{OrderType: ptr("renewal")}, 400, "CBC.0100"},
		{"unknown status", w.customer(w.a), model.ListCustomerOrdersRequest{Status: ptr(int32(2))}, 400, "CBC.0100"},
		{"order by amount", w.customer(w.a), model.ListCustomerOrdersRequest{OrderBy: ptr("amount")}, 400, "CBC.0100"},
		{"unknown method", w.customer(w.a), model.ListCustomerOrdersRequest{Method: &badMethod}, 400, "CBC.0100"},
		{"partner names a tier-2 reseller", w.partner(), model.ListCustomerOrdersRequest{IndirectPartnerId: ptr("reseller-1")}, 400, "CBC.99000037"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.cn(t, tt.c).ListCustomerOrders(&tt.req)
			wantAPIError(t, err, tt.status, tt.code)
		})
	}
	t.Run("unsigned", func(t *testing.T) {
		resp, err := http.Get(w.url + "/v2/orders/customer-orders")
		wantStatus(t, resp, err, http.StatusUnauthorized, "APIGW.0301")
	})
}

// TestResourcesOfAnOrder is how a client finds which resources an order renewed: the resource
// listing filtered by order_id (the order APIs' line items carry no resource id).
func TestResourcesOfAnOrder(t *testing.T) {
	w := newOrderWorld(t, SiteCN)
	list := func(c creds, req model.QueryResourcesReq) []string {
		t.Helper()
		req.Limit = ptr(int32(500))
		resp, err := w.cn(t, c).ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{Body: &req})
		mustOK(t, err)
		var ids []string
		for _, r := range *resp.Data {
			ids = append(ids, *r.ResourceId)
		}
		return ids
	}
	tests := []struct {
		name string
		c    creds
		req  model.QueryResourcesReq
		want []string
	}{
		{"main resources of the first order", w.customer(w.a), model.QueryResourcesReq{OrderId: ptr(w.orders[0].ID), OnlyMainResource: ptr(int32(1))}, w.aIDs[:1]},
		{"asked-for ids in the second order", w.customer(w.a), model.QueryResourcesReq{OrderId: ptr(w.orders[1].ID), OnlyMainResource: ptr(int32(1)), ResourceIds: &w.aIDs}, w.aIDs[1:]},
		{"another customer's order", w.customer(w.a), model.QueryResourcesReq{OrderId: ptr(w.orders[2].ID)}, nil},
		{"partner for the customer", w.partner(), model.QueryResourcesReq{CustomerId: ptr(w.orders[2].CustomerID), OrderId: ptr(w.orders[2].ID), OnlyMainResource: ptr(int32(1))}, w.bIDs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := list(tt.c, tt.req); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("attached parts come along without only_main_resource", func(t *testing.T) {
		got := list(w.customer(w.a), model.QueryResourcesReq{OrderId: ptr(w.orders[0].ID)})
		if len(got) < 2 || got[0] != w.aIDs[0] {
			t.Errorf("got %v, want %s and its attached parts", got, w.aIDs[0])
		}
	})
}

func TestListCustomerOrdersInternational(t *testing.T) {
	w := newOrderWorld(t, SiteIntl)
	resp, err := w.intl(t, w.customer(w.b)).ListCustomerOrders(&intlmodel.ListCustomerOrdersRequest{OrderType: ptr("2"), Limit: ptr(int32(100))})
	mustOK(t, err)
	o := w.orders[2]
	if *resp.TotalCount != 1 || len(*resp.OrderInfos) != 1 {
		t.Fatalf("got %d orders, want customer b's one", *resp.TotalCount)
	}
	got := (*resp.OrderInfos)[0]
	if *got.OrderId != o.ID || *got.Currency != "USD" || *got.Status != OrderCompleted || !decimal.NewFromFloat(*got.AmountAfterDiscount).Equal(o.Amount) {
		t.Errorf("got %v, want order %s, USD %s, completed", got, o.ID, o.Amount)
	}
}

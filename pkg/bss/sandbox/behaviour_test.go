package sandbox

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	"github.com/shopspring/decimal"
)

// renewNow places a renewal through the SDK for customer i.
func renewNow(t *testing.T, e *env, i int, ids []string, autoPay int32) (*model.RenewalResourcesResponse, error) {
	t.Helper()
	return e.cn(t, e.customer(i)).RenewalResources(&model.RenewalResourcesRequest{Body: &model.RenewalResourcesReq{
		ResourceIds: ids, PeriodType: PeriodMonth, PeriodNum: 1, IsAutoPay: &autoPay}})
}

func TestCombinedOrders(t *testing.T) {
	e := newEnv(t, Options{Seed: 70, Customers: 80})
	i, mains := renewableMain(t, e, 2)
	c := e.srv.Customers()[i]
	mustOK(t, e.srv.SetCustomerBalance(c.ID, decimal.NewFromInt(1_000_000)))
	ids := []string{mains[0].ResourceID, mains[1].ResourceID}
	resp, err := renewNow(t, e, i, ids, 1)
	mustOK(t, err)
	o := e.srv.Orders()[0]
	if len(*resp.OrderIds) != 1 || (*resp.OrderIds)[0] != o.ID || len(o.SubOrders) != 2 {
		t.Fatalf("got order ids %v and sub-orders %+v, want the combined id and two sub-orders", *resp.OrderIds, o.SubOrders)
	}
	list, err := e.cn(t, e.customer(i)).ListCustomerOrders(&model.ListCustomerOrdersRequest{OrderType: ptr("2")})
	mustOK(t, err)
	subs := *(*list.OrderInfos)[0].SubOrderInfos
	sum := decimal.Zero
	for k, s := range subs {
		if *s.OrderId != o.SubOrders[k].ID || *s.OrderId == o.ID || *s.Status != OrderCompleted {
			t.Errorf("sub-order %d: %s status %d, want %s (not the combined id), completed", k, *s.OrderId, *s.Status, o.SubOrders[k].ID)
		}
		sum = sum.Add(decimal.NewFromFloat(*s.OfficialAmount))
	}
	if !sum.Equal(o.Official) {
		t.Errorf("sub-orders' official prices add up to %s, want the order's %s", sum, o.Official)
	}
	// The resources hang on the sub-orders, not on the combined id.
	byOrder := func(id string) []string {
		r, err := e.cn(t, e.customer(i)).ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{
			Body: &model.QueryResourcesReq{OrderId: &id, OnlyMainResource: ptr(int32(1))}})
		mustOK(t, err)
		var out []string
		for _, x := range *r.Data {
			out = append(out, *x.ResourceId)
		}
		return out
	}
	if got := byOrder(o.ID); len(got) != 0 {
		t.Errorf("combined id lists %v, want nothing", got)
	}
	for k, sub := range o.SubOrders {
		if got := byOrder(sub.ID); !slices.Equal(got, ids[k:k+1]) {
			t.Errorf("sub-order %s lists %v, want %v", sub.ID, got, ids[k:k+1])
		}
	}
}

func TestAutoPayFailureLeavesOrder(t *testing.T) {
	for _, leaves := range []bool{false, true} {
		e := newEnv(t, Options{Seed: 71, Customers: 80})
		i, mains := renewableMain(t, e, 1)
		mustOK(t, e.srv.SetCustomerBalance(e.srv.Customers()[i].ID, decimal.NewFromInt(1)))
		e.srv.AutoPayFailureLeavesOrder(leaves)
		_, err := renewNow(t, e, i, []string{mains[0].ResourceID}, 1)
		wantAPIError(t, err, http.StatusBadRequest, "CBC.30050006")
		orders := e.srv.Orders()
		if leaves != (len(orders) == 1) || leaves && orders[0].Paid {
			t.Fatalf("leaves=%v: got orders %+v", leaves, orders)
		}
		if leaves {
			// The unpaid order holds the resource: a second renewal is refused.
			_, err = renewNow(t, e, i, []string{mains[0].ResourceID}, 0)
			wantAPIError(t, err, http.StatusBadRequest, "CBC.99003100")
		}
	}
}

func TestLapsedResourcesAreRenewable(t *testing.T) {
	// A world around the real now, whose business clock the orders follow; a resource that expired
	// less than 20 days ago expires ahead of it once renewed for a month.
	e := newEnv(t, Options{Seed: 72, Customers: 120, Now: time.Now()})
	var cust int
	var lapsed Resource
	for i, c := range e.srv.Customers() {
		for _, r := range e.srv.Resources(c.ID) {
			if r.Main && r.Status == StatusExpired && r.ExpireTime.After(e.srv.Clock().AddDate(0, 0, -20)) && lapsed.ResourceID == "" {
				cust, lapsed = i, r
			}
		}
	}
	if lapsed.ResourceID == "" {
		t.Fatal("no expired resource in the generated world")
	}
	c := e.srv.Customers()[cust]
	mustOK(t, e.srv.SetCustomerBalance(c.ID, decimal.NewFromInt(1_000_000)))
	rate, err := e.cn(t, e.customer(cust)).ListRenewRateOnPeriod(&model.ListRenewRateOnPeriodRequest{Body: &model.ListRenewRateOnPeriodReq{
		ResourceIds: []string{lapsed.ResourceID}, PeriodType: PeriodMonth, PeriodNum: 1}})
	mustOK(t, err)
	if rate.FailResourceInfos != nil || len(*rate.RenewInquiryResults) != 1 {
		t.Fatalf("got failures %v, want the expired resource priced", rate.FailResourceInfos)
	}
	_, err = renewNow(t, e, cust, []string{lapsed.ResourceID}, 1)
	mustOK(t, err)
	for _, r := range e.srv.Resources(c.ID) {
		if r.ResourceID != lapsed.ResourceID {
			continue
		}
		if !r.ExpireTime.Equal(lapsed.ExpireTime.AddDate(0, 1, 0)) {
			t.Errorf("expires %s, want a month after %s", r.ExpireTime, lapsed.ExpireTime)
		}
		if r.Status != StatusInUse {
			t.Errorf("status %d with expiry %s at %s, want in use again", r.Status, r.ExpireTime, e.srv.Clock())
		}
	}
}

func TestBestOfferTies(t *testing.T) {
	total := decimal.NewFromInt(1000)
	ten := decimal.RequireFromString("0.10")
	tests := []struct {
		name string
		ds   []discount
		want int // discount type of the best offer
	}{
		{"605 beats 606 and 607", []discount{{typ: 607, off: ten}, {typ: 606, off: ten}, {typ: 605, off: ten}}, 605},
		{"606 beats 607", []discount{{typ: 607, off: ten}, {typ: 606, off: ten}}, 606},
		{"a larger discount wins whatever its type", []discount{{typ: 605, off: ten}, {typ: 607, off: decimal.RequireFromString("0.2")}}, 607},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ds[bestOffer(tt.ds, total)].typ; got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestThrottlingIsPerAccount(t *testing.T) {
	e := newEnv(t, Options{Seed: 73, Customers: 2, RatePerSecond: 1})
	own := e.cn(t, e.customer(0))
	tmp, err := e.srv.IssueTemporaryCredentials(e.srv.Customers()[0].ID, time.Hour)
	mustOK(t, err)
	agency := e.cn(t, creds{ak: tmp.AK, sk: tmp.SK, token: tmp.Token, domainID: e.customer(0).domainID})
	coupons := func(c interface {
		ListSubCustomerCoupons(*model.ListSubCustomerCouponsRequest) (*model.ListSubCustomerCouponsResponse, error)
	}) error {
		_, err := c.ListSubCustomerCoupons(&model.ListSubCustomerCouponsRequest{})
		return err
	}
	mustOK(t, coupons(own))
	// Another key of the same account draws from the same bucket; another account does not.
	wantAPIError(t, coupons(agency), http.StatusTooManyRequests, "CBC.0250")
	mustOK(t, coupons(e.cn(t, e.customer(1))))
}

func TestAdvancingTheClockLapsesResources(t *testing.T) {
	e := newEnv(t, Options{Seed: 74, Customers: 80})
	var cust int
	var soon Resource
	for i, c := range e.srv.Customers() {
		for _, r := range e.srv.Resources(c.ID) {
			if r.Main && r.Status == StatusInUse && r.ExpirePolicy != PolicyAutoRenew && r.ExpireTime.Before(anchor.AddDate(0, 0, 5)) && soon.ResourceID == "" {
				cust, soon = i, r
			}
		}
	}
	if soon.ResourceID == "" {
		t.Fatal("no resource expiring within 5 days")
	}
	client := e.cn(t, e.customer(cust))
	status := func() int32 {
		t.Helper()
		resp, err := client.ListPayPerUseCustomerResources(&model.ListPayPerUseCustomerResourcesRequest{
			Body: &model.QueryResourcesReq{ResourceIds: &[]string{soon.ResourceID}, OnlyMainResource: ptr(int32(1))}})
		mustOK(t, err)
		return *(*resp.Data)[0].Status
	}
	if got := status(); got != StatusInUse {
		t.Fatalf("got status %d before the expiry, want in use", got)
	}
	e.srv.Advance(soon.ExpireTime.Sub(e.srv.Clock()) + time.Hour)
	if got := status(); got != StatusExpired {
		t.Fatalf("got status %d an hour after the expiry, want expired", got)
	}
	mustOK(t, e.srv.SetCustomerBalance(e.srv.Customers()[cust].ID, decimal.NewFromInt(1_000_000)))
	_, err := renewNow(t, e, cust, []string{soon.ResourceID}, 1)
	mustOK(t, err)
	if got := status(); got != StatusInUse {
		t.Errorf("got status %d after a renewal past the clock, want in use", got)
	}
}

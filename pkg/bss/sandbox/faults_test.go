package sandbox

import (
	"errors"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	"github.com/shopspring/decimal"
)

func TestThrottling(t *testing.T) {
	e := newEnv(t, Options{Seed: 30, Customers: 2, RatePerSecond: 2})
	partner := e.cn(t, e.partner())
	balances := func(c interface {
		ListPartnerBalances(*model.ListPartnerBalancesRequest) (*model.ListPartnerBalancesResponse, error)
	}) error {
		_, err := c.ListPartnerBalances(&model.ListPartnerBalancesRequest{})
		return err
	}
	// A bucket of one second's calls: two pass at once, the third is refused.
	mustOK(t, balances(partner))
	mustOK(t, balances(partner))
	wantAPIError(t, balances(partner), http.StatusTooManyRequests, "CBC.0250")

	// Other APIs and other access keys have their own buckets.
	_, err := partner.ListSubCustomers(&model.ListSubCustomersRequest{Body: &model.QuerySubCustomerListReq{}})
	mustOK(t, err)
	_, err = e.cn(t, e.customer(0)).ShowCustomerAccountBalances(&model.ShowCustomerAccountBalancesRequest{})
	mustOK(t, err)

	if got := e.srv.Throttled()["ListPartnerBalances"]; got != 1 {
		t.Errorf("got %d throttled calls, want 1", got)
	}
	if got := e.srv.Calls()["ListPartnerBalances"]; got != 3 {
		t.Errorf("got %d calls counted, want 3 (throttled calls count)", got)
	}
	if got := e.srv.CallsByKey()[CallKey{AK: e.partner().ak, API: "ListPartnerBalances"}]; got != 3 {
		t.Errorf("got %d calls for the partner key, want 3", got)
	}

	e.srv.SetRate(0)
	for range 5 {
		mustOK(t, balances(partner))
	}
	e.srv.ResetCalls()
	if len(e.srv.Calls()) != 0 || len(e.srv.Throttled()) != 0 {
		t.Errorf("got %v and %v after ResetCalls, want none", e.srv.Calls(), e.srv.Throttled())
	}
}

func TestFailNext(t *testing.T) {
	e := newEnv(t, Options{Seed: 31, Customers: 1})
	client := e.cn(t, e.partner())
	e.srv.FailNext("ListPartnerBalances", 2, 0, "")
	e.srv.FailNext("ListPartnerBalances", 1, http.StatusServiceUnavailable, "CBC.0999")
	for _, want := range []int{500, 500, 503} {
		_, err := client.ListPartnerBalances(&model.ListPartnerBalancesRequest{})
		wantAPIError(t, err, want, "CBC.0999")
	}
	_, err := client.ListPartnerBalances(&model.ListPartnerBalancesRequest{})
	mustOK(t, err)
}

func TestHangNext(t *testing.T) {
	e := newEnv(t, Options{Seed: 32, Customers: 1})
	e.srv.HangNext("ListPartnerBalances", 1)
	client := e.cnTimeout(t, e.partner(), 200*time.Millisecond)
	_, err := client.ListPartnerBalances(&model.ListPartnerBalancesRequest{})
	var ue *url.Error
	if !errors.As(err, &ue) || !ue.Timeout() {
		t.Fatalf("got %v, want a client timeout", err)
	}
	_, err = client.ListPartnerBalances(&model.ListPartnerBalancesRequest{})
	mustOK(t, err)
}

func TestLatency(t *testing.T) {
	e := newEnv(t, Options{Seed: 33, Customers: 1, Latency: time.Minute})
	client := e.cnTimeout(t, e.partner(), 100*time.Millisecond)
	_, err := client.ListPartnerBalances(&model.ListPartnerBalancesRequest{})
	var ue *url.Error
	if !errors.As(err, &ue) || !ue.Timeout() {
		t.Fatalf("got %v with a minute of latency, want a client timeout", err)
	}
	e.srv.SetLatency(0)
	_, err = client.ListPartnerBalances(&model.ListPartnerBalancesRequest{})
	mustOK(t, err)
}

func TestFailAfterRenewal(t *testing.T) {
	e := newEnv(t, Options{Seed: 34, Customers: 80})
	i, mains := renewableMain(t, e, 2)
	c := e.srv.Customers()[i]
	mustOK(t, e.srv.SetCustomerBalance(c.ID, decimal.NewFromInt(1_000_000)))
	client := e.cnTimeout(t, e.customer(i), 200*time.Millisecond)
	renew := func(id string) error {
		_, err := client.RenewalResources(&model.RenewalResourcesRequest{Body: &model.RenewalResourcesReq{
			ResourceIds: []string{id}, PeriodType: PeriodMonth, PeriodNum: 1, IsAutoPay: ptr(int32(1)),
		}})
		return err
	}
	e.srv.FailAfterNext("RenewalResources", 1, 0, "")
	wantAPIError(t, renew(mains[0].ResourceID), http.StatusInternalServerError, "CBC.0999")
	e.srv.HangAfterNext("RenewalResources", 1)
	if err := renew(mains[1].ResourceID); err == nil {
		t.Fatalf("got no error from a hung renewal")
	}
	orders := e.srv.Orders()
	if len(orders) != 2 || !orders[0].Paid || !orders[1].Paid {
		t.Fatalf("got orders %+v, want two paid orders behind the lost answers", orders)
	}
	got := expiries(e.srv.Resources(c.ID))
	for _, m := range mains {
		if want := m.ExpireTime.AddDate(0, 1, 0); !got[m.ResourceID].Equal(want) {
			t.Errorf("resource %s: got expiry %s, want %s", m.ResourceID, got[m.ResourceID], want)
		}
	}
}

// TestConcurrentRenewals fires parallel renewals of one resource: exactly one may win, the others
// must see the pending order.
func TestConcurrentRenewals(t *testing.T) {
	e := newEnv(t, Options{Seed: 35, Customers: 80})
	i, mains := renewableMain(t, e, 1)
	client := e.cn(t, e.customer(i))
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := client.RenewalResources(&model.RenewalResourcesRequest{Body: &model.RenewalResourcesReq{
				ResourceIds: []string{mains[0].ResourceID}, PeriodType: PeriodMonth, PeriodNum: 1,
			}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		if err == nil {
			ok++
			continue
		}
		wantAPIError(t, err, http.StatusBadRequest, "CBC.99003100")
	}
	if ok != 1 || len(e.srv.Orders()) != 1 {
		t.Errorf("got %d successful renewals and %d orders, want 1 and 1", ok, len(e.srv.Orders()))
	}
	if got := e.srv.Calls()["RenewalResources"]; got != n {
		t.Errorf("got %d calls counted, want %d", got, n)
	}
}

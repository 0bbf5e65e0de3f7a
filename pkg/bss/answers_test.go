package bss_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
)

// TestAnswersThatOnlyLookLikeSuccess sends the real SDK answers that BSS gives (or the sandbox
// makes up to test the edge) and checks that none of them reads as data.
func TestAnswersThatOnlyLookLikeSuccess(t *testing.T) {
	ctx := context.Background()
	type call func(t *testing.T, e *env) error
	partnerBalances := func(t *testing.T, e *env) error { _, err := e.partner(t, fast()).PartnerBalances(ctx); return err }
	subCustomers := func(t *testing.T, e *env) error { _, err := e.partner(t, fast()).SubCustomers(ctx); return err }
	customerBalances := func(t *testing.T, e *env) error {
		ids := []string{e.man.Customers[0].CustomerID, e.man.Customers[1].CustomerID}
		got, err := e.partner(t, fast()).CustomerBalances(ctx, ids)
		var be *bss.BatchError
		if err != nil && (!errors.As(err, &be) || len(be.Failed) != 2 || len(got) != 0) {
			t.Errorf("got %v and %v, want both ids reported as not evaluated and no balance", got, err)
		}
		return err
	}
	ownBalance := func(t *testing.T, e *env) error {
		_, err := e.customer(t, e.advisory(t), fast()).OwnBalances(ctx)
		return err
	}
	resources := func(t *testing.T, e *env) error {
		_, err := e.customer(t, 0, fast()).Resources(ctx, bss.ResourceFilter{OnlyMain: true})
		return err
	}
	renewRate := func(t *testing.T, e *env) error {
		i, ids := e.renewables(t, 2)
		_, err := e.customer(t, i, fast()).RenewRate(ctx, bss.RenewRequest{ResourceIDs: ids, PeriodType: bss.Month, PeriodNum: 1})
		return err
	}
	tests := []struct {
		name  string
		fault func(e *env) string // the sandbox fault, as the admin API takes it
		call  call
		want  bss.Kind
		code  string
		text  string // in the error text
		tries int64  // attempts of the API, when it matters
	}{
		{"200 with a parameter error", fixed(`{"api":"ListPartnerBalances","status":200,"code":"CBC.0100","message":"bad offset"}`),
			partnerBalances, bss.Invalid, "CBC.0100", "bad offset", 1},
		{"200 with forbidden", fixed(`{"api":"ListPartnerBalances","status":200,"code":"CBC.0155","message":"Request not allowed."}`),
			partnerBalances, bss.Forbidden, "CBC.0155", "forbidden (200 CBC.0155): the account or IAM user lacks permission for ListPartnerBalances: Request not allowed.", 1},
		{"403 CBC.0155 is forbidden, not bad keys", fixed(`{"api":"ListSubCustomers","status":403,"code":"CBC.0155","message":"Request not allowed."}`),
			subCustomers, bss.Forbidden, "CBC.0155", "lacks permission for ListSubCustomers", 1},
		{"200 with the catch-all error is transient and retried", fixed(`{"api":"ListPartnerBalances","status":200,"code":"CBC.0999"}`),
			partnerBalances, bss.Transient, "CBC.0999", "", 5},
		{"undocumented IP limit is not throttling", fixed(`{"api":"ListPartnerBalances","status":400,"code":"CBC.99007197"}`),
			partnerBalances, bss.Invalid, "CBC.99007197", "", 1},
		{"partner account without amount", fixed(`{"api":"ListPartnerBalances","body":"{\"account_balances\":[{\"account_id\":\"A1\",\"account_type\":1,\"currency\":\"CNY\",\"measure_id\":1}]}"}`),
			partnerBalances, bss.Malformed, "", "account_balances[0] has no amount", 1},
		{"partner balances 200 {}", fixed(`{"api":"ListPartnerBalances","body":"{}"}`), partnerBalances, bss.Malformed, "", "no account_balances", 1},
		{"list without total", fixed(`{"api":"ListSubCustomers","body":"{\"customer_infos\":[]}"}`), subCustomers, bss.Malformed, "", "no total", 1},
		{"customer balances 200 {}", fixed(`{"api":"ListCustomersBalancesDetail","body":"{}"}`), customerBalances, bss.Malformed, "", "no customer_balances", 1},
		{"customer balance without amount", func(e *env) string {
			return fmt.Sprintf(`{"api":"ListCustomersBalancesDetail","body":"{\"customer_balances\":[{\"customer_id\":\"%s\",\"measure_id\":1}]}"}`, e.man.Customers[0].CustomerID)
		}, customerBalances, bss.Malformed, "", "has no amount", 1},
		{"own balance 200 {}", fixed(`{"api":"ShowCustomerAccountBalances","body":"{}"}`), ownBalance, bss.Malformed, "", "no account_balances", 1},
		{"resources without total", fixed(`{"api":"ListPayPerUseCustomerResources","body":"{\"data\":[]}"}`), resources, bss.Malformed, "", "no total", 1},
		{"renew-rate 200 {}", fixed(`{"api":"ListRenewRateOnPeriod","body":"{}"}`), renewRate, bss.Malformed, "", "neither priced nor refused", 1},
		{"renew-rate 200 with an error body", fixed(`{"api":"ListRenewRateOnPeriod","status":200,"code":"CBC.30050008","message":"period unavailable"}`),
			renewRate, bss.Invalid, "CBC.30050008", "period unavailable", 1},
		{"renew-rate pricing one of two", func(e *env) string {
			_, ids := e.renewables(t, 2)
			return fmt.Sprintf(`{"api":"ListRenewRateOnPeriod","body":"{\"renew_inquiry_results\":[{\"resource_id\":\"%s\",\"amount\":\"10.00\"}]}"}`, ids[0])
		}, renewRate, bss.Malformed, "", "neither priced nor refused", 1},
		{"renew-rate at zero", func(e *env) string {
			_, ids := e.renewables(t, 2)
			return fmt.Sprintf(`{"api":"ListRenewRateOnPeriod","body":"{\"renew_inquiry_results\":[{\"resource_id\":\"%s\",\"amount\":\"0.00\"},{\"resource_id\":\"%s\",\"amount\":\"0\"}]}"}`, ids[0], ids[1])
		}, renewRate, bss.Malformed, "", "priced at 0", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 40})
			f, err := sandbox.ParseFault(tt.fault(e))
			if err != nil {
				t.Fatal(err)
			}
			if err := e.srv.AddFault(f); err != nil {
				t.Fatal(err)
			}
			err = tt.call(t, e)
			var be *bss.Error
			if !errors.As(err, &be) || be.Kind != tt.want || be.Code != tt.code {
				t.Fatalf("got %v, want %v %s", err, tt.want, tt.code)
			}
			if tt.code != "" && be.RequestID == "" {
				t.Errorf("got no request id in %v", err)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("got %q, want it to say %q", err, tt.text)
			}
			if got := int64(e.srv.Calls()[f.API]); got != tt.tries {
				t.Errorf("got %d calls of %s, want %d", got, f.API, tt.tries)
			}
		})
	}
}

func fixed(s string) func(*env) string { return func(*env) string { return s } }

// advisory returns the index of a customer that is not a China resale customer, so it has a
// balance of its own.
func (e *env) advisory(t *testing.T) int {
	t.Helper()
	for i, c := range e.srv.Customers() {
		if !c.Reseller {
			return i
		}
	}
	t.Fatal("no advisory customer")
	return 0
}

func TestNegativeBalanceIsAccepted(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 1})
	if err := e.srv.SetPartnerBalance(sandbox.AccountCash, dec("-1234.56")); err != nil {
		t.Fatal(err)
	}
	p := e.partner(t, fast())
	got, err := p.PartnerBalances(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cash := 0
	for _, a := range got {
		if a.Type == bss.Cash {
			cash++
			if !a.Amount.Value.Equal(dec("-1234.56")) {
				t.Errorf("got cash %s, want -1234.56", a.Amount)
			}
		}
	}
	if cash != 1 {
		t.Errorf("got %d cash accounts, want 1", cash)
	}
	// Nothing documents that a customer's amount is clamped at zero either.
	id := e.man.Customers[0].CustomerID
	body := fmt.Sprintf(`{"customer_balances":[{"customer_id":%q,"amount":-50.25,"debt_amount":50.25,"currency":"CNY","measure_id":1}]}`, id)
	if err := e.srv.AddFault(sandbox.Fault{API: "ListCustomersBalancesDetail", Count: 1, Body: body}); err != nil {
		t.Fatal(err)
	}
	cb, err := p.CustomerBalances(context.Background(), []string{id})
	if err != nil || len(cb) != 1 || !cb[0].Amount.Value.Equal(dec("-50.25")) || !cb[0].Debt.Value.Equal(dec("50.25")) {
		t.Errorf("got %+v, %v; want amount -50.25 and debt 50.25", cb, err)
	}
}

func TestThrottledAnswerPausesTheSharedBucket(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 1})
	if err := e.srv.AddFault(sandbox.Fault{API: "ListPartnerBalances", Count: 1, Status: 429, Code: "APIGW.0308",
		RetryAfter: sandbox.Duration(3 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	shared := bss.NewLimits()
	opts := fast()
	opts.Limits, opts.MaxRetries = shared, -1
	_, err := e.partner(t, opts).PartnerBalances(context.Background())
	var be *bss.Error
	if !errors.As(err, &be) || be.Kind != bss.Throttled || be.RetryAfter != 3*time.Second {
		t.Fatalf("got %v, want throttled with Retry-After 3s", err)
	}
	// Another client of the same account (same bucket) waits out the Retry-After before sending:
	// with less time than that it gives up without a call.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = e.partner(t, opts).PartnerBalances(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || e.srv.Calls()["ListPartnerBalances"] != 1 {
		t.Fatalf("got %v after %d calls, want the deadline before a second call", err, e.srv.Calls()["ListPartnerBalances"])
	}
	// A client with its own bucket (another process) is not held back by this one's pause.
	other := fast()
	if _, err := e.partner(t, other).PartnerBalances(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestTwoClientsOfOneAccountRideOutTheLimit(t *testing.T) {
	// Two processes of one account (each with its own buckets, as two Lambda containers) each
	// pace themselves at the account's limit: together they go over it, and BSS (the sandbox,
	// counting per account and API) answers 429 until both slow down.
	const limit, calls = 50, 52
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 1, RatePerSecond: limit})
	opts := func() bss.Options {
		return bss.Options{RatePerSecond: limit, Burst: limit, Concurrency: 4, MaxRetries: 10, BaseDelay: 20 * time.Millisecond,
			MaxDelay: 200 * time.Millisecond, Limits: bss.NewLimits()}
	}
	clients := []*bss.Client{e.partner(t, opts()), e.partner(t, opts())}
	var wg sync.WaitGroup
	errs := make(chan error, 2*calls)
	for _, c := range clients {
		for range 4 { // a few goroutines per process, as a check's concurrent pages are
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range calls / 4 {
					if _, err := c.PartnerBalances(context.Background()); err != nil {
						errs <- err
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a call failed: %v", err)
	}
	if e.srv.Throttled()["ListPartnerBalances"] == 0 {
		t.Error("the sandbox throttled nothing; the test proves nothing")
	}
	for i, c := range clients {
		if s := c.Stats()[bss.ListPartnerBalances]; s.Failures != 0 || s.Attempts-s.Retries != calls/4*4 {
			t.Errorf("client %d: %+v, want %d calls and no failure", i, s, calls/4*4)
		}
	}
}

func TestCouponAmountsAreNeverMadeUp(t *testing.T) {
	ctx := context.Background()
	coupon := func(version int, status int, balance string) string {
		b := ""
		if balance != "" {
			b = `,"balance":` + balance
		}
		return fmt.Sprintf(`{"count":1,"user_coupons":[{"coupon_id":"CP1","status":%d,"coupon_type":1,"measure_id":1,"face_value":300,"coupon_version":%d,"currency":"CNY","expire_time":"2026-12-31T00:00:00Z"%s}]}`,
			status, version, b)
	}
	tests := []struct {
		name    string
		body    string
		balance string // want; "" for a Malformed answer
	}{
		{"version 1 usable without balance: the face value", coupon(1, 2, ""), "300"},
		{"version 1 used without balance: nothing left", coupon(1, 3, ""), "0"},
		{"version 2 without balance", coupon(2, 2, ""), ""},
		{"version 2 with its balance", coupon(2, 2, "120.5"), "120.5"},
		{"no face value", `{"count":1,"user_coupons":[{"coupon_id":"CP1","status":2,"coupon_version":2,"balance":5}]}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 1})
			if err := e.srv.AddFault(sandbox.Fault{API: "ListSubCustomerCoupons", Body: tt.body}); err != nil {
				t.Fatal(err)
			}
			got, err := e.customer(t, 0, fast()).Coupons(ctx, bss.CouponFilter{})
			if tt.balance == "" {
				if bss.KindOf(err) != bss.Malformed {
					t.Errorf("got %+v, %v; want malformed", got, err)
				}
				return
			}
			if err != nil || len(got) != 1 || !got[0].Balance.Value.Equal(dec(tt.balance)) || got[0].Balance.Currency != "CNY" {
				t.Errorf("got %+v, %v; want a balance of CNY %s", got, err, tt.balance)
			}
		})
	}
	t.Run("quota without balance", func(t *testing.T) {
		e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 1})
		body := `{"total_count":1,"quotas":[{"quota_id":"Q1","quota_type":0,"quota_value":1000,"quota_status":0,"measure_id":1,"currency":"CNY"}]}`
		if err := e.srv.AddFault(sandbox.Fault{API: "ListQuotaCoupons", Body: body}); err != nil {
			t.Fatal(err)
		}
		_, err := e.partner(t, fast()).QuotaCoupons(ctx, bss.QuotaFilter{})
		if bss.KindOf(err) != bss.Malformed {
			t.Errorf("got %v, want malformed", err)
		}
	})
}

package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	"github.com/shopspring/decimal"
)

// admin sends one admin API request and decodes the answer into out (if not nil).
func (e *env) admin(t *testing.T, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: answer %s: %v", method, path, b, err)
		}
	}
	return resp.StatusCode
}

func TestAdminClock(t *testing.T) {
	e := newEnv(t, Options{Seed: 40, Customers: 20})
	var before ClockState
	if got := e.admin(t, http.MethodGet, "/_sandbox/clock", "", &before); got != http.StatusOK {
		t.Fatalf("GET clock: got %d, want 200", got)
	}
	if before.Offset != 0 || !before.Anchor.Equal(anchor) {
		t.Errorf("got offset %v anchor %v, want 0 and %v", before.Offset, before.Anchor, anchor)
	}
	for _, bad := range []string{`{"advance":"-1h"}`, `{"advance":"soon"}`, `{"advance":"0s"}`, `{"advanse":"1h"}`, ``} {
		if got := e.admin(t, http.MethodPost, "/_sandbox/clock", bad, nil); got != http.StatusBadRequest {
			t.Errorf("POST clock %s: got %d, want 400", bad, got)
		}
	}
	var after ClockState
	if got := e.admin(t, http.MethodPost, "/_sandbox/clock", `{"advance":"72h"}`, &after); got != http.StatusOK {
		t.Fatalf("POST clock: got %d, want 200", got)
	}
	if time.Duration(after.Offset) != 72*time.Hour || e.srv.Offset() != 72*time.Hour {
		t.Errorf("got offset %v (server %v), want 72h after the bad requests changed nothing", after.Offset, e.srv.Offset())
	}
	if d := after.Now.Sub(before.Now); d < 72*time.Hour {
		t.Errorf("got the clock moved by %v, want at least 72h", d)
	}
	e.srv.Advance(-time.Hour)
	if e.srv.Offset() != 72*time.Hour {
		t.Errorf("got offset %v after a negative Advance, want it unchanged", e.srv.Offset())
	}

	// Signatures still check against the wall clock, while the order is stamped on the business clock.
	i, mains := renewableMain(t, e, 1)
	mustOK(t, e.srv.SetCustomerBalance(e.srv.Customers()[i].ID, decimal.NewFromInt(1_000_000)))
	autoPay := int32(1)
	_, err := e.cn(t, e.customer(i)).RenewalResources(&model.RenewalResourcesRequest{Body: &model.RenewalResourcesReq{
		ResourceIds: []string{mains[0].ResourceID}, PeriodType: PeriodMonth, PeriodNum: 1, IsAutoPay: &autoPay}})
	mustOK(t, err)
	o := e.srv.Orders()[0]
	// The world started at the anchor: the order is stamped 72h (and the moments the test took) later.
	if o.CreatedAt.Before(anchor.Add(72*time.Hour)) || o.CreatedAt.After(anchor.Add(73*time.Hour)) || o.PaidAt.Before(o.CreatedAt) {
		t.Errorf("got an order created %v and paid %v, want about 72h after the anchor %v", o.CreatedAt, o.PaidAt, anchor)
	}
}

func TestAdminFaults(t *testing.T) {
	balances := func(c interface {
		ListPartnerBalances(*model.ListPartnerBalancesRequest) (*model.ListPartnerBalancesResponse, error)
	}) (*model.ListPartnerBalancesResponse, error) {
		return c.ListPartnerBalances(&model.ListPartnerBalancesRequest{})
	}
	tests := []struct {
		name  string
		fault string
		check func(t *testing.T, resp *model.ListPartnerBalancesResponse, err error)
	}{
		{"200 with an error body", `{"api":"ListPartnerBalances","count":1,"status":200,"code":"CBC.0999"}`,
			func(t *testing.T, resp *model.ListPartnerBalancesResponse, err error) {
				// The SDK takes it as success with no data: exactly what pkg/bss must refuse.
				if err != nil || resp.AccountBalances != nil || resp.HttpStatusCode != 200 {
					t.Errorf("got %+v, %v; want an empty 200 the SDK accepts", resp, err)
				}
			}},
		{"200 {}", `{"api":"ListPartnerBalances","count":1,"body":"{}"}`,
			func(t *testing.T, resp *model.ListPartnerBalancesResponse, err error) {
				if err != nil || resp.AccountBalances != nil {
					t.Errorf("got %+v, %v; want an empty 200", resp, err)
				}
			}},
		{"403 CBC.0155", `{"api":"ListPartnerBalances","count":1,"status":403,"code":"CBC.0155","message":"The request is not allowed."}`,
			func(t *testing.T, _ *model.ListPartnerBalancesResponse, err error) {
				wantAPIError(t, err, http.StatusForbidden, "CBC.0155")
			}},
		{"401", `{"api":"ListPartnerBalances","count":1,"status":401,"code":"APIGW.0301"}`,
			func(t *testing.T, _ *model.ListPartnerBalancesResponse, err error) {
				wantAPIError(t, err, http.StatusUnauthorized, "APIGW.0301")
			}},
		{"latency past the client's timeout", `{"api":"ListPartnerBalances","count":1,"latency":"3s"}`,
			func(t *testing.T, _ *model.ListPartnerBalancesResponse, err error) {
				if ue := (*url.Error)(nil); !errors.As(err, &ue) || !ue.Timeout() {
					t.Errorf("got %v, want a client timeout", err)
				}
			}},
		{"hang", `[{"api":"ListPartnerBalances","count":1,"hang":true}]`,
			func(t *testing.T, _ *model.ListPartnerBalancesResponse, err error) {
				if ue := (*url.Error)(nil); !errors.As(err, &ue) || !ue.Timeout() {
					t.Errorf("got %v, want a client timeout", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{Seed: 41, Customers: 1})
			client := e.cnTimeout(t, e.partner(), 300*time.Millisecond)
			if got := e.admin(t, http.MethodPost, "/_sandbox/faults", tt.fault, nil); got != http.StatusOK {
				t.Fatalf("POST faults: got %d, want 200", got)
			}
			resp, err := balances(client)
			tt.check(t, resp, err)
			// A fault with a count is used up: the next call is served for real.
			resp, err = balances(client)
			mustOK(t, err)
			if len(*resp.AccountBalances) == 0 {
				t.Errorf("got no balances after the fault was used up")
			}
		})
	}
}

func TestAdminFaultLifetime(t *testing.T) {
	e := newEnv(t, Options{Seed: 42, Customers: 1})
	client := e.cn(t, e.partner())
	call := func() error { _, err := client.ListPartnerBalances(&model.ListPartnerBalancesRequest{}); return err }

	// Faults queue in order; one without a count stays until cleared.
	body := `[{"api":"ListPartnerBalances","count":2,"status":503},{"api":"ListPartnerBalances","status":429,"code":"CBC.0250"}]`
	if got := e.admin(t, http.MethodPost, "/_sandbox/faults", body, nil); got != http.StatusOK {
		t.Fatalf("POST faults: got %d, want 200", got)
	}
	var listed struct{ Faults []Fault }
	e.admin(t, http.MethodGet, "/_sandbox/faults", "", &listed)
	if len(listed.Faults) != 2 || listed.Faults[0].Count != 2 || listed.Faults[1].Count != 0 {
		t.Fatalf("got faults %+v, want the two set", listed.Faults)
	}
	for _, want := range []struct {
		status int
		code   string
	}{{503, "CBC.0999"}, {503, "CBC.0999"}, {429, "CBC.0250"}, {429, "CBC.0250"}, {429, "CBC.0250"}} {
		wantAPIError(t, call(), want.status, want.code)
	}
	// Other APIs are untouched.
	_, err := client.ListSubCustomers(&model.ListSubCustomersRequest{Body: &model.QuerySubCustomerListReq{}})
	mustOK(t, err)

	if got := e.admin(t, http.MethodDelete, "/_sandbox/faults?api=ListSubCustomers", "", nil); got != http.StatusOK {
		t.Fatalf("DELETE faults of another API: got %d", got)
	}
	wantAPIError(t, call(), 429, "CBC.0250")
	e.admin(t, http.MethodDelete, "/_sandbox/faults?api=ListPartnerBalances", "", nil)
	mustOK(t, call())

	var counts CallCounts
	if got := e.admin(t, http.MethodGet, "/_sandbox/calls", "", &counts); got != http.StatusOK {
		t.Fatalf("GET calls: got %d", got)
	}
	if counts.Calls["ListPartnerBalances"] != 7 || counts.Calls["ListSubCustomers"] != 1 {
		t.Errorf("got calls %v, want 7 ListPartnerBalances and 1 ListSubCustomers (admin requests not counted)", counts.Calls)
	}
	var reset CallCounts
	e.admin(t, http.MethodDelete, "/_sandbox/calls", "", &reset)
	if len(reset.Calls) != 0 || len(e.srv.Calls()) != 0 {
		t.Errorf("got calls %v after DELETE, want none", reset.Calls)
	}
}

func TestAdminRefusesBadRequests(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		want                     int
	}{
		{"unknown API", "POST", "/_sandbox/faults", `{"api":"ListEverything","status":500}`, 400},
		{"status not HTTP", "POST", "/_sandbox/faults", `{"api":"ListPartnerBalances","status":7}`, 400},
		{"body not JSON", "POST", "/_sandbox/faults", `{"api":"ListPartnerBalances","body":"{oops"}`, 400},
		{"body and code", "POST", "/_sandbox/faults", `{"api":"ListPartnerBalances","body":"{}","code":"CBC.0999"}`, 400},
		{"does nothing", "POST", "/_sandbox/faults", `{"api":"ListPartnerBalances","count":3}`, 400},
		{"negative count", "POST", "/_sandbox/faults", `{"api":"ListPartnerBalances","count":-1,"status":500}`, 400},
		{"misspelt field", "POST", "/_sandbox/faults", `{"api":"ListPartnerBalances","cout":1,"status":500}`, 400},
		{"one bad in a list", "POST", "/_sandbox/faults", `[{"api":"ListPartnerBalances","status":500},{"api":"Nope","status":500}]`, 400},
		{"unknown operation", "GET", "/_sandbox/nothing", ``, 404},
		{"wrong method", "PUT", "/_sandbox/clock", `{"advance":"1h"}`, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Options{Seed: 43, Customers: 1})
			if got := e.admin(t, tt.method, tt.path, tt.body, nil); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
			if f := e.srv.Faults(); len(f) != 0 || e.srv.Offset() != 0 {
				t.Errorf("got faults %+v and offset %v, want nothing changed", f, e.srv.Offset())
			}
		})
	}
}

func TestOptionsFaultsAndAdvance(t *testing.T) {
	if _, err := New(Options{Site: SiteCN, Faults: []Fault{{API: "Nope", Status: 500}}}); err == nil {
		t.Error("got no error for a fault on an unknown API")
	}
	if _, err := New(Options{Site: SiteCN, Advance: -time.Hour}); err == nil {
		t.Error("got no error for a negative advance")
	}
	e := newEnv(t, Options{Seed: 44, Customers: 1, Advance: 48 * time.Hour,
		Faults: []Fault{{API: "ListPartnerBalances", Count: 1, Status: 403, Code: "CBC.0155"}}})
	if e.srv.Offset() != 48*time.Hour {
		t.Errorf("got offset %v, want 48h", e.srv.Offset())
	}
	_, err := e.cn(t, e.partner()).ListPartnerBalances(&model.ListPartnerBalancesRequest{})
	wantAPIError(t, err, http.StatusForbidden, "CBC.0155")
}

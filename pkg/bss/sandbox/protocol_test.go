package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
)

func TestRawRequests(t *testing.T) {
	e := newEnv(t, Options{Seed: 50, Customers: 3})
	subCustomers := e.url + "/v2/partners/sub-customers/query"
	tests := []struct {
		name    string
		body    string
		headers map[string]string
		status  int
		code    string
	}{
		{"valid body", `{"limit":2}` + "\n", nil, 200, `"count":3`},
		{"broken JSON", `{"limit":`, nil, 400, "CBC.0100"},
		{"limit as a string", `{"limit":"2"}`, nil, 400, "CBC.0100"},
		{"unknown fields are ignored", `{"limit":1,"colour":"red"}`, nil, 200, `"count":3`},
		{"unsigned payload", `{"limit":1}`, map[string]string{"Content-Type": "text/plain"}, 200, `"count":3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := signedDo(t, http.MethodPost, subCustomers, tt.body, tt.headers, e.partner())
			wantStatus(t, resp, err, tt.status, tt.code)
		})
	}
	t.Run("query added after signing", func(t *testing.T) {
		// The canonical query is signed: a parameter slipped in later breaks the signature.
		resp, err := signedDo(t, http.MethodGet, e.url+"/v2/promotions/benefits/coupons?limit=1", "", nil, e.partner())
		wantStatus(t, resp, err, http.StatusUnauthorized, "APIGW.0301")
	})
	t.Run("no Authorization header", func(t *testing.T) {
		resp, err := http.Post(subCustomers, "application/json", strings.NewReader(`{}`))
		body := wantStatus(t, resp, err, http.StatusUnauthorized, "APIGW.0301")
		var eb map[string]string
		if err := json.Unmarshal(body, &eb); err != nil || !strings.HasPrefix(eb["error_msg"], "Incorrect IAM authentication information: ") || eb["request_id"] == "" {
			t.Errorf("got error body %s, want error_code, error_msg and request_id", body)
		}
	})
	t.Run("unknown path", func(t *testing.T) {
		resp, err := http.Get(e.url + "/v2/no/such/api")
		wantStatus(t, resp, err, http.StatusNotFound, "APIGW.0101")
	})
}

func TestRequestIDsAreUnique(t *testing.T) {
	e := newEnv(t, Options{Seed: 51, Customers: 1})
	seen := map[string]bool{}
	for range 50 {
		resp, err := http.Get(e.url + "/v2/accounts/partner-accounts/balances")
		mustOK(t, err)
		resp.Body.Close()
		id := resp.Header.Get("X-Request-Id")
		if id == "" || seen[id] {
			t.Fatalf("got request id %q twice or empty", id)
		}
		seen[id] = true
	}
}

// TestDomainLookup lets the SDK resolve the domain id through IAM, as it does when credentials
// carry none: the sandbox answers GET /v3/auth/domains for the signing account.
func TestDomainLookup(t *testing.T) {
	e := newEnv(t, Options{Seed: 52, Customers: 2})
	c := e.customer(1)
	cred, err := global.NewCredentialsBuilder().WithAk(c.ak).WithSk(c.sk).WithIamEndpointOverride(e.url).SafeBuild()
	mustOK(t, err)
	hc, err := bss.BssClientBuilder().WithRegion(region.NewRegion("cn-north-1", e.url)).WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithTimeout(5 * time.Second)).SafeBuild()
	mustOK(t, err)
	if cred.DomainId != c.domainID {
		t.Fatalf("got domain id %q from IAM, want %q", cred.DomainId, c.domainID)
	}
	_, err = bss.NewBssClient(hc).ListSubCustomerCoupons(&model.ListSubCustomerCouponsRequest{})
	mustOK(t, err)
	if got := e.srv.Calls()["KeystoneListAuthDomains"]; got != 1 {
		t.Errorf("got %d domain lookups, want 1", got)
	}
}

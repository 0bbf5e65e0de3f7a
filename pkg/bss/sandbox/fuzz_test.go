package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzServeHTTP throws arbitrary requests at the sandbox: it must never panic, and every answer
// must carry a request id and, for errors, a BSS error body.
func FuzzServeHTTP(f *testing.F) {
	srv, err := New(Options{Site: SiteCN, Seed: 1, Customers: 3, Now: anchor})
	if err != nil {
		f.Fatal(err)
	}
	p := srv.Partner()
	f.Add("POST", "/v2/partners/sub-customers/query", "", `{"limit":1}`)
	f.Add("GET", "/v2/accounts/partner-accounts/balances?indirect_partner_id=x", "SDK-HMAC-SHA256 Access="+p.AK+", SignedHeaders=x-sdk-date, Signature=ab", "")
	f.Add("GET", "/v1.0/%2F/payments/intl-invoices", "SDK-HMAC-SHA256 ,,,=", "")
	f.Add("POST", "/v2/bills/ratings/period-resources/renew-rate", "SDK-HMAC-SHA256 Access=, SignedHeaders=;;, Signature=", `{"resource_ids":[1]}`)
	f.Fuzz(func(t *testing.T, method, target, auth, body string) {
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		req, err := http.NewRequest(method, "http://sandbox"+target, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", auth)
		req.Header.Set("X-Sdk-Date", "20261121T120000Z")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Header().Get("X-Request-Id") == "" {
			t.Fatalf("%s %s: no request id", method, target)
		}
		if rec.Code >= 400 {
			var e map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e["error_code"] == "" || e["error_msg"] == "" {
				t.Fatalf("%s %s: got %d %q, want a BSS error body", method, target, rec.Code, rec.Body.String())
			}
		}
	})
}

func FuzzParseAuthorization(f *testing.F) {
	f.Add("SDK-HMAC-SHA256 Access=AK, SignedHeaders=user-agent;x-sdk-date, Signature=00ff")
	f.Add("SDK-HMAC-SHA256 Access=, SignedHeaders=, Signature=")
	f.Fuzz(func(t *testing.T, v string) {
		h, err := parseAuthorization(v)
		if err == nil && (h.ak == "" || h.signature == "" || len(h.signedHeaders) == 0) {
			t.Fatalf("%q: accepted with an empty part: %+v", v, h)
		}
	})
}

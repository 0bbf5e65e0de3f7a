package sandbox

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/signer"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	bssintl "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2"
)

// anchor is the fixed "now" the test worlds are generated around.
var anchor = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// env is a sandbox served over loopback HTTP.
type env struct {
	srv *Server
	url string
}

func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	if opts.Site == "" {
		opts.Site = SiteCN
	}
	if opts.Now.IsZero() {
		opts.Now = anchor
	}
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New(%+v): %v", opts, err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	t.Cleanup(srv.Close) // runs first: releases hung requests so ts.Close can return
	return &env{srv: srv, url: ts.URL}
}

type creds struct {
	ak, sk, domainID, token string
}

func (e *env) partner() creds {
	p := e.srv.Partner()
	return creds{ak: p.AK, sk: p.SK, domainID: p.DomainID}
}

func (e *env) customer(i int) creds {
	c := e.srv.Customers()[i]
	return creds{ak: c.AK, sk: c.SK, domainID: c.DomainID}
}

func credential(t testing.TB, c creds) *global.Credentials {
	t.Helper()
	b := global.NewCredentialsBuilder().WithAk(c.ak).WithSk(c.sk).WithDomainId(c.domainID)
	if c.token != "" {
		b = b.WithSecurityToken(c.token)
	}
	cred, err := b.SafeBuild()
	if err != nil {
		t.Fatalf("build credentials: %v", err)
	}
	return cred
}

const clientTimeout = 5 * time.Second

// cn returns a China-site SDK client of the sandbox for c.
func (e *env) cn(t testing.TB, c creds) *bss.BssClient {
	t.Helper()
	return e.cnTimeout(t, c, clientTimeout)
}

func (e *env) cnTimeout(t testing.TB, c creds, timeout time.Duration) *bss.BssClient {
	t.Helper()
	hc, err := bss.BssClientBuilder().
		WithRegion(region.NewRegion("cn-north-1", e.url)).
		WithCredential(credential(t, c)).
		WithHttpConfig(config.DefaultHttpConfig().WithTimeout(timeout)).
		SafeBuild()
	if err != nil {
		t.Fatalf("build bss client: %v", err)
	}
	return bss.NewBssClient(hc)
}

// intl returns an international-site SDK client of the sandbox for c.
func (e *env) intl(t *testing.T, c creds) *bssintl.BssintlClient {
	t.Helper()
	hc, err := bssintl.BssintlClientBuilder().
		WithRegion(region.NewRegion("ap-southeast-1", e.url)).
		WithCredential(credential(t, c)).
		WithHttpConfig(config.DefaultHttpConfig().WithTimeout(clientTimeout)).
		SafeBuild()
	if err != nil {
		t.Fatalf("build bssintl client: %v", err)
	}
	return bssintl.NewBssintlClient(hc)
}

// wantAPIError checks that err is a BSS error answer with the status and code.
func wantAPIError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var se *sdkerr.ServiceResponseError
	if !errors.As(err, &se) {
		t.Fatalf("got error %v (%T), want a service error %d %s", err, err, status, code)
	}
	if se.StatusCode != status || se.ErrorCode != code {
		t.Fatalf("got %d %s (%s), want %d %s", se.StatusCode, se.ErrorCode, se.ErrorMessage, status, code)
	}
	if se.RequestId == "" {
		t.Errorf("got no request id on %d %s", status, code)
	}
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
}

// signedDo signs a hand-made request with the SDK's own signer and sends it, for requests the SDK
// clients cannot make (broken JSON, a path that disagrees with the credentials). headers are added
// before signing; a Content-Type other than JSON makes the signer use UNSIGNED-PAYLOAD.
func signedDo(t *testing.T, method, rawURL, body string, headers map[string]string, c creds) (*http.Response, error) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	b := request.NewHttpRequestBuilder().WithEndpoint(u.Scheme+"://"+u.Host).WithPath(u.Path).WithMethod(method).
		AddHeaderParam("X-Domain-Id", c.domainID)
	for k, v := range headers {
		b = b.AddHeaderParam(k, v)
	}
	if body != "" {
		b = b.WithBody("", body)
	}
	sreq := b.Build()
	signed, err := signer.Sign(sreq, c.ak, c.sk)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range sreq.GetHeaderParams() {
		req.Header.Set(k, v)
	}
	for k, v := range signed {
		req.Header.Set(k, v)
	}
	return http.DefaultClient.Do(req)
}

// wantStatus checks the answer's status and BSS error code ("" for a success) and returns the body.
func wantStatus(t *testing.T, resp *http.Response, err error, status int, code string) []byte {
	t.Helper()
	if err != nil {
		t.Fatalf("got error %v, want status %d", err, status)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status || !strings.Contains(string(body), code) {
		t.Errorf("got %d %s, want %d %s", resp.StatusCode, body, status, code)
	}
	return body
}

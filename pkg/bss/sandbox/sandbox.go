package sandbox

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"
)

// Sites the sandbox can play.
const (
	SiteCN   = "cn"   // China site: services/bss/v2, CNY
	SiteIntl = "intl" // international site: services/bssintl/v2, USD
)

// Options configure a sandbox.
type Options struct {
	Site      string // SiteCN or SiteIntl
	Seed      int64
	Customers int
	// Now anchors the generated data (expiry dates, coupon validity); zero means time.Now().
	Now time.Time
	// WallClock is the server clock for the X-Sdk-Date window and temporary credentials; the business
	// clock (see Clock) runs at its pace from Now. nil means time.Now.
	WallClock func() time.Time
	// Advance starts the business clock this far ahead of the wall clock.
	Advance time.Duration
	Latency time.Duration
	// RatePerSecond limits calls per account and API; above it the sandbox answers 429 CBC.0250.
	// Zero means no throttling.
	RatePerSecond float64
	// Faults are injected from the start, as AddFault does.
	Faults []Fault
}

// maxCustomers bounds the generator so a typo cannot exhaust memory.
const maxCustomers = 1_000_000

// Server is the sandbox: an http.Handler that serves one site's BSS API over the generated world. It
// is safe for concurrent use.
type Server struct {
	site   string
	seed   int64
	anchor time.Time
	wall   func() time.Time
	// started is the wall-clock time of New, from which the business clock runs on from the anchor.
	started time.Time

	mu         sync.RWMutex // guards the world below
	w          *world
	principals map[string]*principal
	agencies   map[agencyKey]bool // agencies created or deleted by SetAgency

	faults faults
	calls  counters

	offset atomic.Int64 // how far Advance moved the business clock, in nanoseconds
	// autoPayLeavesOrder: a failed auto-payment leaves an unpaid order (AutoPayFailureLeavesOrder).
	autoPayLeavesOrder atomic.Bool

	closeOnce sync.Once
	closed    chan struct{}
}

// New generates the world described by opts and returns a server for it. It returns an error for an
// unknown site or a negative or absurd number of customers.
func New(opts Options) (*Server, error) {
	if opts.Site != SiteCN && opts.Site != SiteIntl {
		return nil, fmt.Errorf("sandbox: unknown site %q (want %q or %q)", opts.Site, SiteCN, SiteIntl)
	}
	if opts.Customers < 0 || opts.Customers > maxCustomers {
		return nil, fmt.Errorf("sandbox: customers must be between 0 and %d, got %d", maxCustomers, opts.Customers)
	}
	if opts.Latency < 0 || opts.RatePerSecond < 0 || opts.Advance < 0 {
		return nil, errors.New("sandbox: latency, rate and clock advance must not be negative")
	}
	for _, f := range opts.Faults {
		if err := f.Validate(); err != nil {
			return nil, fmt.Errorf("sandbox: fault for %s: %w", f.API, err)
		}
	}
	anchor := opts.Now
	if anchor.IsZero() {
		anchor = time.Now()
	}
	anchor = anchor.UTC().Truncate(time.Second)
	wall := opts.WallClock
	if wall == nil {
		wall = time.Now
	}
	s := &Server{
		site:    opts.Site,
		seed:    opts.Seed,
		anchor:  anchor,
		wall:    wall,
		started: wall(),
		w:       generate(opts.Site, opts.Seed, opts.Customers, anchor),
		closed:  make(chan struct{}),
	}
	s.principals = make(map[string]*principal, len(s.w.customers)+1)
	s.principals[s.w.partner.AK] = &principal{kind: kindPartner, ak: s.w.partner.AK, sk: s.w.partner.SK, domainID: s.w.partner.DomainID}
	for _, c := range s.w.customers {
		s.principals[c.AK] = &principal{kind: kindCustomer, ak: c.AK, sk: c.SK, domainID: c.DomainID, customerID: c.ID}
	}
	s.faults.init(opts.Latency, opts.RatePerSecond)
	for _, f := range opts.Faults {
		s.faults.add(f)
	}
	s.calls.init()
	s.Advance(opts.Advance)
	return s, nil
}

// Site returns SiteCN or SiteIntl.
func (s *Server) Site() string { return s.site }

// Now returns the anchor time the world was generated around. It does not move; Clock is the
// sandbox's "now", which starts there.
func (s *Server) Now() time.Time { return s.anchor }

// Close releases every request that is hanging because of HangNext, so an http.Server or
// httptest.Server that serves the sandbox can shut down. The sandbox keeps answering other requests.
func (s *Server) Close() { s.closeOnce.Do(func() { close(s.closed) }) }

// apiError is an error answer in the BSS shape, or (raw set) a verbatim body an injected fault sends.
type apiError struct {
	status int
	code   string
	msg    string
	raw    string
	// retryAfter, if set, goes out as a Retry-After header.
	retryAfter time.Duration
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func badRequest(format string, a ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "CBC.0100", msg: fmt.Sprintf(format, a...)}
}

var errDenied = &apiError{status: http.StatusForbidden, code: "CBC.0151", msg: "Access denied."}

// call is one authenticated request on its way to a handler.
type call struct {
	r    *http.Request
	body []byte
	p    *principal
	// pathDomain is the {domain_id} path parameter (ListInvoices only).
	pathDomain string
}

type route struct {
	api    string // the SDK method name
	method string
	path   string // exact path; "{domain_id}" matches one segment
	sites  []string
	// allow says whether the principal's kind may call the API on this site.
	allow  func(site string, p *principal) bool
	handle func(s *Server, c *call) (any, *apiError)
	noXDom bool // the IAM domain lookup is signed without X-Domain-Id
}

func partnerOnly(_ string, p *principal) bool  { return p.kind == kindPartner }
func customerOnly(_ string, p *principal) bool { return p.kind == kindCustomer }
func anyone(string, *principal) bool           { return true }

var routes = []route{
	{api: "ListPartnerBalances", method: http.MethodGet, path: "/v2/accounts/partner-accounts/balances", sites: []string{SiteCN}, allow: partnerOnly, handle: (*Server).listPartnerBalances},
	{api: "ListSubCustomers", method: http.MethodPost, path: "/v2/partners/sub-customers/query", sites: []string{SiteCN, SiteIntl}, allow: partnerOnly, handle: (*Server).listSubCustomers},
	{api: "ListCustomersBalancesDetail", method: http.MethodPost, path: "/v2/accounts/customer-accounts/balances/batch-query", sites: []string{SiteCN}, allow: partnerOnly, handle: (*Server).listCustomersBalancesDetail},
	// Documented for a customer's own account only (intl doc mac_00001): partners get 403.
	{api: "ShowCustomerAccountBalances", method: http.MethodGet, path: "/v2/accounts/customer-accounts/balances", sites: []string{SiteCN, SiteIntl}, allow: customerOnly, handle: (*Server).showCustomerAccountBalances},
	{api: "ListQuotaCoupons", method: http.MethodPost, path: "/v2/partners/coupon-quotas/query", sites: []string{SiteCN}, allow: partnerOnly, handle: (*Server).listQuotaCoupons},
	{api: "ListIssuedPartnerCoupons", method: http.MethodGet, path: "/v2/promotions/benefits/partner-coupons", sites: []string{SiteCN}, allow: partnerOnly, handle: (*Server).listIssuedPartnerCoupons},
	{api: "ListSubCustomerCoupons", method: http.MethodGet, path: "/v2/promotions/benefits/coupons", sites: []string{SiteCN, SiteIntl}, allow: anyone, handle: (*Server).listSubCustomerCoupons},
	{api: "ListPayPerUseCustomerResources", method: http.MethodPost, path: "/v2/orders/suscriptions/resources/query", sites: []string{SiteCN, SiteIntl}, allow: anyone, handle: (*Server).listPayPerUseCustomerResources},
	{api: "ListRenewRateOnPeriod", method: http.MethodPost, path: "/v2/bills/ratings/period-resources/renew-rate", sites: []string{SiteCN, SiteIntl}, allow: customerOnly, handle: (*Server).listRenewRateOnPeriod},
	{api: "RenewalResources", method: http.MethodPost, path: "/v2/orders/subscriptions/resources/renew", sites: []string{SiteCN, SiteIntl}, allow: customerOnly, handle: (*Server).renewalResources},
	{api: "ListCustomerOrders", method: http.MethodGet, path: "/v2/orders/customer-orders", sites: []string{SiteCN, SiteIntl}, allow: anyone, handle: (*Server).listCustomerOrders},
	{api: "ListInvoices", method: http.MethodGet, path: "/v1.0/{domain_id}/payments/intl-invoices", sites: []string{SiteIntl}, allow: anyone, handle: (*Server).listInvoices},
	// IAM: the partner's credential assumes a customer's agency (bss-api.md section 10 item 14).
	{api: "CreateTemporaryAccessKeyByAgency", method: http.MethodPost, path: "/v3.0/OS-CREDENTIAL/securitytokens", sites: []string{SiteCN, SiteIntl}, allow: partnerOnly, handle: (*Server).createTemporaryAccessKeyByAgency},
	{api: "KeystoneListAuthDomains", method: http.MethodGet, path: "/v3/auth/domains", sites: []string{SiteCN, SiteIntl}, allow: anyone, handle: (*Server).listAuthDomains, noXDom: true},
}

// match finds the route for method and path on site and the {domain_id} it matched, if any.
func (s *Server) match(method, path string) (*route, string) {
	segs := strings.Split(path, "/")
	for i := range routes {
		rt := &routes[i]
		if rt.method != method || !contains(rt.sites, s.site) {
			continue
		}
		want := strings.Split(rt.path, "/")
		if len(want) != len(segs) {
			continue
		}
		dom, ok := "", true
		for j := range want {
			if want[j] == "{domain_id}" && segs[j] != "" {
				dom = segs[j]
				continue
			}
			if want[j] != segs[j] {
				ok = false
				break
			}
		}
		if ok {
			return rt, dom
		}
	}
	return nil, ""
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// maxRequestBody bounds what the sandbox reads; BSS request bodies are a few kilobytes.
const maxRequestBody = 1 << 20

// ServeHTTP answers one BSS call: route, authenticate, throttle, inject faults, check the role, handle.
// Paths under AdminPrefix go to the admin API instead.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, AdminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	reqID := newRequestID()
	w.Header().Set("X-Request-Id", reqID)
	if err := sleep(r.Context(), s.faults.baseLatency(), s.closed); err != nil {
		return
	}
	rt, dom := s.match(r.Method, r.URL.Path)
	if rt == nil {
		writeError(w, reqID, &apiError{status: http.StatusNotFound, code: "APIGW.0101", msg: "The API does not exist or has not been published in the environment"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		writeError(w, reqID, badRequest("the request body could not be read"))
		return
	}
	if len(body) > maxRequestBody {
		writeError(w, reqID, &apiError{status: http.StatusRequestEntityTooLarge, code: "APIGW.0201", msg: "Request entity too large"})
		return
	}
	ak := ""
	if h, err := parseAuthorization(r.Header.Get("Authorization")); err == nil {
		ak = h.ak
	}
	s.calls.add(ak, rt.api)
	p, err := s.authenticate(r, body)
	if err != nil {
		writeError(w, reqID, &apiError{status: http.StatusUnauthorized, code: "APIGW.0301", msg: err.Error()})
		return
	}
	if !rt.noXDom && r.Header.Get(headerDomainID) != p.domainID {
		writeError(w, reqID, &apiError{status: http.StatusForbidden, code: "CBC.0151", msg: "Access denied. X-Domain-Id does not match the access key's account."})
		return
	}
	if !s.faults.allow(p.domainID, rt.api) {
		s.calls.throttle(rt.api)
		writeError(w, reqID, &apiError{status: http.StatusTooManyRequests, code: "CBC.0250", msg: "Flow control"})
		return
	}
	f, faulty := s.faults.take(rt.api)
	if faulty && !f.After {
		if !s.strike(w, r, reqID, f) {
			return
		}
	}
	if !rt.allow(s.site, p) {
		writeError(w, reqID, errDenied)
		return
	}
	resp, ae := rt.handle(s, &call{r: r, body: body, p: p, pathDomain: dom})
	if faulty && f.After {
		if !s.strike(w, r, reqID, f) {
			return
		}
	}
	if ae != nil {
		writeError(w, reqID, ae)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// strike applies an injected fault: it waits the fault's latency, hangs, or answers in place of the
// real answer. It reports whether the call should go on.
func (s *Server) strike(w http.ResponseWriter, r *http.Request, reqID string, f Fault) bool {
	if err := sleep(r.Context(), time.Duration(f.Latency), s.closed); err != nil {
		return false
	}
	if f.Hang {
		s.hang(r)
		return false
	}
	if ae := f.answer(); ae != nil {
		writeError(w, reqID, ae)
		return false
	}
	return true
}

// hang blocks until the client gives up or the sandbox closes.
func (s *Server) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.closed:
	}
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

func writeError(w http.ResponseWriter, reqID string, e *apiError) {
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.retryAfter.Seconds()))))
	}
	if e.raw != "" {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(e.status)
		_, _ = io.WriteString(w, e.raw)
		return
	}
	writeJSON(w, e.status, map[string]string{"error_code": e.code, "error_msg": e.msg, "request_id": reqID})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a programming error in a response type gets here; answer like the service's catch-all.
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error_code":"CBC.0999","error_msg":"Other errors."}`)
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// decodeBody reads a JSON request body into v. Unknown fields are ignored, as the service does; a body
// that is not JSON or has a field of the wrong type is a parameter error.
func decodeBody(body []byte, v any) *apiError {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("the request body is empty")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return badRequest("the request body is not valid: %v", err)
	}
	return nil
}

// amountJSON writes a decimal as a bare JSON number, as BSS sends amounts; the SDK decodes float64
// fields strictly and rejects strings there.
type amountJSON decimal.Decimal

func (a amountJSON) MarshalJSON() ([]byte, error) { return []byte(decimal.Decimal(a).String()), nil }

func amt(d decimal.Decimal) *amountJSON { a := amountJSON(d); return &a }

// money2 formats an amount as the renew-rate API does: a string with two decimals.
func money2(d decimal.Decimal) string { return d.StringFixed(2) }

const timeLayout = "2006-01-02T15:04:05Z"

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func ptr[T any](v T) *T { return &v }

// randomString draws n characters of set from crypto/rand, for secrets that must not be guessable
// from the seed.
func randomString(set string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	for i := range b {
		b[i] = set[int(b[i])%len(set)]
	}
	return string(b)
}

func apiErr(status int, code, msg string) *apiError {
	return &apiError{status: status, code: code, msg: msg}
}

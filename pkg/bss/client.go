package bss

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
	cnbss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	intlbss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2"
	iam "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3"
	"golang.org/x/time/rate"
)

// API names one BSS operation; it keys rate limits and call counts, and is the Op of an *Error.
type API string

// The APIs this package calls.
const (
	ListPartnerBalances             API = "ListPartnerBalances"
	ListSubCustomers                API = "ListSubCustomers"
	ListCustomersBalancesDetail     API = "ListCustomersBalancesDetail"
	ShowCustomerAccountBalances     API = "ShowCustomerAccountBalances"
	ListQuotaCoupons                API = "ListQuotaCoupons"
	ListIssuedPartnerCoupons        API = "ListIssuedPartnerCoupons"
	ListSubCustomerCoupons          API = "ListSubCustomerCoupons"
	ListPayPerUseCustomerResources  API = "ListPayPerUseCustomerResources"
	ListRenewRateOnPeriod           API = "ListRenewRateOnPeriod"
	RenewalResources                API = "RenewalResources"
	ListCustomerOrders              API = "ListCustomerOrders"
	ListInvoices                    API = "ListInvoices"
	ListPartnerAccountChangeRecords API = "ListPartnerAccountChangeRecords"
	ListConsumeSubCustomers         API = "ListConsumeSubCustomers"
	ListSubCustomerBillDetail       API = "ListSubCustomerBillDetail"
	ListCustomerselfResourceRecords API = "ListCustomerselfResourceRecords"
	// CreateTemporaryAccessKeyByAgency is IAM's, not BSS's: a partner assumes a customer's agency.
	CreateTemporaryAccessKeyByAgency API = "CreateTemporaryAccessKeyByAgency"
)

var allAPIs = [...]API{ListPartnerBalances, ListSubCustomers, ListCustomersBalancesDetail,
	ShowCustomerAccountBalances, ListQuotaCoupons, ListIssuedPartnerCoupons, ListSubCustomerCoupons,
	ListPayPerUseCustomerResources, ListRenewRateOnPeriod, RenewalResources, ListCustomerOrders, ListInvoices,
	ListPartnerAccountChangeRecords, ListConsumeSubCustomers, ListSubCustomerBillDetail, ListCustomerselfResourceRecords,
	CreateTemporaryAccessKeyByAgency}

// apiIndex is each API's place in allAPIs, which is its place in a Client's counters.
var apiIndex = func() map[API]int {
	m := make(map[API]int, len(allAPIs))
	for i, api := range allAPIs {
		m[api] = i
	}
	return m
}()

// Defaults for Options.
const (
	DefaultRatePerSecond = 10 // BSS's documented default per (source IP, API, account)
	DefaultBurst         = 1
	DefaultMaxRetries    = 4
	DefaultBaseDelay     = 200 * time.Millisecond
	DefaultMaxDelay      = 5 * time.Second
	DefaultConcurrency   = 4
)

// Idle-connection limits of the shared transport: a partner's clients all talk to one or two hosts,
// so a few idle connections per host serve every client, and idle ones are closed well before a
// frozen Lambda container would find them dead.
const (
	maxIdlePerHost  = 2 * DefaultConcurrency
	idleConnTimeout = 30 * time.Second
)

// sharedTransport carries every Client's requests unless Options.Transport names another: the SDK
// builds a transport (and its connection pool) per client otherwise, which at thousands of
// customers is most of the process's memory.
var sharedTransport = &http.Transport{
	DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	MaxIdleConns:          4 * maxIdlePerHost,
	MaxIdleConnsPerHost:   maxIdlePerHost,
	IdleConnTimeout:       idleConnTimeout,
	TLSHandshakeTimeout:   5 * time.Second,
	ExpectContinueTimeout: time.Second,
}

// CloseIdleConnections closes the shared transport's idle connections. A server that shuts down
// gracefully waits for connections that never carried a request (the transport may dial one more
// than it ends up using), so a process stopping a server it talked to calls this first.
func CloseIdleConnections() { sharedTransport.CloseIdleConnections() }

// Options tune a Client; the zero value gives the defaults above. MaxRetries is the number of
// retries after the first attempt of a read (a negative value means none). Concurrency is how many
// pages (after the first) or batches of ids one method call fetches at once (Resources with more than
// BatchResourceIDs ids pages each batch this way too): it hides network latency, while the rate
// limit still caps the calls per second. Limits is the registry of token
// buckets; nil means one registry shared by the whole process. Transport carries the requests; nil
// means one transport shared by the whole process.
type Options struct {
	RatePerSecond float64
	Burst         int
	MaxRetries    int
	BaseDelay     time.Duration
	MaxDelay      time.Duration
	Concurrency   int
	Limits        *Limits
	Transport     *http.Transport
}

func (o Options) withDefaults() Options {
	if o.RatePerSecond <= 0 {
		o.RatePerSecond = DefaultRatePerSecond
	}
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = DefaultMaxRetries
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = DefaultBaseDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.MaxDelay < o.BaseDelay {
		o.MaxDelay = o.BaseDelay
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Limits == nil {
		o.Limits = processLimits
	}
	if o.Transport == nil {
		o.Transport = sharedTransport
	}
	return o
}

// Limits is a registry of token buckets, one per (account domain id, API), shared by every Client
// given it. BSS limits calls per account and API, so two profiles of the same account (or two checks
// in one process) must draw from the same bucket. The first Client to use a key sets its rate.
type Limits struct {
	mu sync.Mutex
	m  map[limitKey]*bucket
}

type limitKey struct {
	domain string
	api    API
}

// NewLimits returns an empty registry.
func NewLimits() *Limits { return &Limits{m: map[limitKey]*bucket{}} }

var processLimits = NewLimits()

func (l *Limits) get(domain string, api API, r float64, burst int) *bucket {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := limitKey{domain, api}
	b, ok := l.m[k]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(r), burst)}
		l.m[k] = b
	}
	return b
}

// bucket is the token bucket of one (account, API) with a pause: after a 429 no caller of the
// bucket sends before the pause ends, so every goroutine and client sharing the account's limit
// backs off together, not only the call that was refused.
type bucket struct {
	lim   *rate.Limiter
	mu    sync.Mutex
	until time.Time
}

// wait blocks until the pause is over and a token is free, or ctx ends.
func (b *bucket) wait(ctx context.Context) error {
	b.mu.Lock()
	d := time.Until(b.until)
	b.mu.Unlock()
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return b.lim.Wait(ctx)
}

// pause stops the bucket's callers for d from now (a longer pause already set stands).
func (b *bucket) pause(d time.Duration) {
	b.mu.Lock()
	if t := time.Now().Add(d); t.After(b.until) {
		b.until = t
	}
	b.mu.Unlock()
}

// throttled slows the bucket of api after a throttled answer: for the wait the answer asked for
// (Retry-After), else for a second (BSS counts calls per second) or MaxDelay if shorter.
func (c *Client) throttled(api API, e *Error) {
	d := e.RetryAfter
	if d <= 0 {
		d = min(time.Second, c.opts.MaxDelay)
	}
	c.bucket(api).pause(d)
}

// bucket is the token bucket of (this account, api), made on first use: most clients call two or
// three of the APIs, and a bucket per API per client is most of a large partner's start-up.
func (c *Client) bucket(api API) *bucket {
	return c.opts.Limits.get(c.profile.DomainID, api, c.opts.RatePerSecond, c.opts.Burst)
}

// Counts are the calls one Client made to one API. Attempts counts requests sent (first tries and
// retries), Retries the attempts after the first, Throttles the answers that were throttled,
// Failures the calls that returned an error in the end.
type Counts struct {
	Attempts  int64
	Retries   int64
	Throttles int64
	Failures  int64
}

type counters struct{ attempts, retries, throttles, failures atomic.Int64 }

// Client calls BSS with one profile's credentials. It is safe for concurrent use.
type Client struct {
	profile Profile
	opts    Options
	cn      *cnbss.BssClient
	intl    *intlbss.BssintlClient
	iamc    *iam.IamClient // set only for an Agency's partner
	stats   [len(allAPIs)]counters
	secrets []string
}

// New builds the SDK client for p's site without any network call: credentials always carry the
// domain id (so the SDK does not ask IAM for it), the region is a fresh region.NewRegion with p's
// endpoint (the SDK's static regions are left alone) and every HTTP attempt is bounded by p's
// timeout. It returns an error when p is invalid or the SDK refuses the configuration; the error
// never contains the AK, SK or token.
func New(p Profile, opts Options) (*Client, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	c := &Client{
		profile: p,
		opts:    opts,
		secrets: p.secrets(),
	}
	cb := global.NewCredentialsBuilder().WithAk(p.AK).WithSk(p.SK).WithDomainId(p.DomainID)
	if p.SecurityToken != "" {
		cb = cb.WithSecurityToken(p.SecurityToken)
	}
	cred, err := cb.SafeBuild()
	if err != nil {
		return nil, fmt.Errorf("bss: profile %q: credentials: %s", p.Name, scrub(err.Error(), c.secrets))
	}
	hcfg := config.DefaultHttpConfig().WithTimeout(p.timeout()).WithHttpTransport(opts.Transport)
	reg := region.NewRegion(p.region(), p.endpoint())
	switch p.Site {
	case China:
		hc, err := cnbss.BssClientBuilder().WithRegion(reg).WithCredential(cred).WithHttpConfig(hcfg).
			WithErrorHandler(answerCheck{}).SafeBuild()
		if err != nil {
			return nil, fmt.Errorf("bss: profile %q: build client: %s", p.Name, scrub(err.Error(), c.secrets))
		}
		c.cn = cnbss.NewBssClient(hc)
	default:
		hc, err := intlbss.BssintlClientBuilder().WithRegion(reg).WithCredential(cred).WithHttpConfig(hcfg).
			WithErrorHandler(answerCheck{}).SafeBuild()
		if err != nil {
			return nil, fmt.Errorf("bss: profile %q: build client: %s", p.Name, scrub(err.Error(), c.secrets))
		}
		c.intl = intlbss.NewBssintlClient(hc)
	}
	return c, nil
}

// String names the client by its profile, without secrets (fmt would otherwise print the fields).
func (c *Client) String() string { return "bss.Client(" + c.profile.String() + ")" }

// GoString is String, for %#v.
func (c *Client) GoString() string { return c.String() }

// Profile returns the profile the client was built from.
func (c *Client) Profile() Profile { return c.profile }

// Stats returns a snapshot of the calls made so far, per API (APIs never called are absent).
func (c *Client) Stats() map[API]Counts {
	out := map[API]Counts{}
	for i := range c.stats {
		s, api := &c.stats[i], allAPIs[i]
		n := Counts{Attempts: s.attempts.Load(), Retries: s.retries.Load(),
			Throttles: s.throttles.Load(), Failures: s.failures.Load()}
		if n != (Counts{}) {
			out[api] = n
		}
	}
	return out
}

// read performs an idempotent call: it waits for the (account, API) token bucket, runs fn, and
// retries throttled and transient failures with jittered exponential backoff. The SDK takes no
// context, so fn runs in its own goroutine and a cancelled ctx returns at once; the abandoned
// attempt ends within the profile's HTTP timeout.
func read[T any](ctx context.Context, c *Client, api API, fn func() (T, error)) (T, error) {
	var out T
	st := &c.stats[apiIndex[api]]
	eb := backoff.NewExponentialBackOff()
	eb.InitialInterval = c.opts.BaseDelay
	eb.MaxInterval = c.opts.MaxDelay
	eb.MaxElapsedTime = 0
	b := backoff.WithContext(backoff.WithMaxRetries(eb, uint64(c.opts.MaxRetries)), ctx)
	first := true
	var last *Error
	op := func() error {
		if !first {
			st.retries.Add(1)
		}
		first = false
		if err := c.bucket(api).wait(ctx); err != nil {
			return backoff.Permanent(c.contextError(api, ctx, err, last))
		}
		st.attempts.Add(1)
		v, err := detach(ctx, fn)
		if err == nil {
			out = v
			return nil
		}
		last = classify(string(api), err, c.secrets)
		if last.Kind == Throttled {
			st.throttles.Add(1)
			c.throttled(api, last)
		}
		if ctx.Err() != nil {
			return backoff.Permanent(c.contextError(api, ctx, ctx.Err(), last))
		}
		if !last.retryable() {
			return backoff.Permanent(last)
		}
		return last
	}
	err := backoff.Retry(op, b)
	if err == nil {
		return out, nil
	}
	st.failures.Add(1)
	var e *Error
	if !errors.As(err, &e) {
		// backoff gives up with the bare context error when ctx ends during a wait.
		e = c.contextError(api, ctx, err, last)
	}
	var zero T
	return zero, e
}

// contextError reports a call abandoned because ctx ended (or would end before the rate limiter
// lets the call go). It keeps the status, code and request id of the last answer, if any, and wraps
// ctx's error so errors.Is(err, context.DeadlineExceeded) holds.
func (c *Client) contextError(api API, ctx context.Context, err error, last *Error) *Error {
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	e := &Error{Op: string(api), Kind: Transient, Err: err, errText: scrub(err.Error(), c.secrets)}
	if last != nil && last.Err == nil {
		e.Status, e.Code, e.Message, e.RequestID = last.Status, last.Code, last.Message, last.RequestID
	}
	return e
}

func detach[T any](ctx context.Context, fn func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := fn()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// write performs an order-creating call exactly once. It waits for the token bucket (a cancelled ctx
// stops it there, before anything is sent) and then waits for the answer even if ctx ends, because
// abandoning it would turn a known outcome into an unknown one. Any failure after the request may
// have reached the service is Ambiguous; a 4xx answer (or a refused connection) means no order.
func write[T any](ctx context.Context, c *Client, api API, fn func() (T, error)) (T, error) {
	st := &c.stats[apiIndex[api]]
	if err := c.bucket(api).wait(ctx); err != nil {
		st.failures.Add(1)
		var zero T
		return zero, c.contextError(api, ctx, err, nil)
	}
	st.attempts.Add(1)
	v, err := fn()
	if err == nil {
		return v, nil
	}
	st.failures.Add(1)
	e := classify(string(api), err, c.secrets)
	if e.Kind == Throttled {
		st.throttles.Add(1)
		c.throttled(api, e)
	}
	var se *sdkerr.ServiceResponseError
	switch {
	case errors.As(err, &se) && se.StatusCode >= 400 && se.StatusCode < 500:
	case errors.As(err, &se) && se.StatusCode < 300 && se.ErrorCode != "":
		// A definite refusal inside a 2xx answer: BSS said what happened.
	case refusedBeforeSending(err):
	default:
		e.Kind = Ambiguous
	}
	return v, e
}

// refusedBeforeSending reports a dial failure: the request never left, so nothing was ordered.
func refusedBeforeSending(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}

// fanOut runs fn for i in [0, n) with at most c.opts.Concurrency in flight and returns the errors by
// index. It stops starting new work once ctx ends; work not started fails with a Transient error.
func (c *Client) fanOut(ctx context.Context, api API, n int, fn func(i int) error) []error {
	errs := make([]error, n)
	sem := make(chan struct{}, c.opts.Concurrency)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			for j := i; j < n; j++ {
				errs[j] = c.contextError(api, ctx, ctx.Err(), nil)
			}
			wg.Wait()
			return errs
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	return errs
}

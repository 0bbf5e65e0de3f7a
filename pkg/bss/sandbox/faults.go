package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Fault is misbehaviour injected into the calls of one API: an answer instead of the real one (a BSS
// error, or any status with a raw body such as "200 {}"), a delay, or a hang. The admin API and the
// --fault flag take it as JSON, e.g.
//
//	{"api":"ListRenewRateOnPeriod","count":1,"status":200,"code":"CBC.0999"}
type Fault struct {
	// API is the SDK method name, e.g. "ListPartnerBalances".
	API string `json:"api"`
	// Count is how many calls the fault strikes; 0 means every call until the fault is cleared.
	Count int `json:"count,omitempty"`
	// Status, Code and Message make the answer {"error_code": Code, "error_msg": Message, ...} with
	// HTTP Status. A Code without a Status answers 500; a Status 200 with a Code is the "200 with an
	// error body" BSS sends for some business failures.
	Status  int    `json:"status,omitempty"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	// Body, when set, is sent verbatim (as JSON) with Status (200 when Status is 0), e.g. "{}".
	Body string `json:"body,omitempty"`
	// RetryAfter sends a Retry-After header (whole seconds, rounded up) with the answer, as a
	// gateway may with a 429.
	RetryAfter Duration `json:"retry_after,omitempty"`
	// Latency delays the answer.
	Latency Duration `json:"latency,omitempty"`
	// Hang makes the call never answer until the client gives up or the sandbox closes.
	Hang bool `json:"hang,omitempty"`
	// After lets the call take effect (a renewal places its order) before the fault strikes, so the
	// client loses the answer of work that was done.
	After bool `json:"after,omitempty"`
}

// Duration is a time.Duration that reads and writes JSON as a Go duration string ("250ms").
type Duration time.Duration

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string such as "1.5s"; it returns an error for anything else.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration string such as \"250ms\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Validate reports what is wrong with f: an unknown API, a negative count or latency, a status that
// is not HTTP, a body that is not JSON, or nothing to do.
func (f Fault) Validate() error {
	var errs []error
	if !slices.ContainsFunc(routes, func(r route) bool { return r.api == f.API }) {
		errs = append(errs, fmt.Errorf("api %q is not an API the sandbox serves", f.API))
	}
	if f.Count < 0 {
		errs = append(errs, fmt.Errorf("count must not be negative, got %d", f.Count))
	}
	if f.Status != 0 && (f.Status < 100 || f.Status > 599) {
		errs = append(errs, fmt.Errorf("status %d is not an HTTP status", f.Status))
	}
	if f.Body != "" && !json.Valid([]byte(f.Body)) {
		errs = append(errs, errors.New("body must be JSON"))
	}
	if f.Body != "" && (f.Code != "" || f.Message != "") {
		errs = append(errs, errors.New("body and code/message are exclusive"))
	}
	if f.Latency < 0 || f.RetryAfter < 0 {
		errs = append(errs, errors.New("latency and retry_after must not be negative"))
	}
	if f.RetryAfter > 0 && !f.answers() {
		errs = append(errs, errors.New("retry_after needs an answer (a status, code or body) to go with"))
	}
	if !f.answers() && !f.Hang && f.Latency == 0 {
		errs = append(errs, errors.New("the fault does nothing: give a status, code, body, latency or hang"))
	}
	return errors.Join(errs...)
}

func (f Fault) answers() bool { return f.Status != 0 || f.Code != "" || f.Body != "" }

// answer is what the fault sends instead of the real answer, or nil when it only delays or hangs.
func (f Fault) answer() *apiError {
	if !f.answers() {
		return nil
	}
	if f.Body != "" {
		return &apiError{status: orDefault(f.Status, http.StatusOK), raw: f.Body, retryAfter: time.Duration(f.RetryAfter)}
	}
	status := orDefault(f.Status, http.StatusInternalServerError)
	code := f.Code
	if code == "" {
		code = "CBC.0999"
	}
	msg := f.Message
	switch {
	case msg != "":
	case code == "CBC.0999":
		msg = "Other errors."
	default:
		msg = http.StatusText(status)
	}
	return &apiError{status: status, code: code, msg: msg, retryAfter: time.Duration(f.RetryAfter)}
}

func orDefault(v, zero int) int {
	if v == 0 {
		return zero
	}
	return v
}

// faults holds the switchable misbehaviour: latency, throttling, injected answers and hangs.
type faults struct {
	mu       sync.Mutex
	latency  time.Duration
	rate     float64
	limiters map[limiterKey]*rate.Limiter
	// queue holds per API the faults in the order they were set; each call takes the first.
	queue map[string][]*Fault
}

// limiterKey is what BSS counts calls by: the account (ParentUid) and the API, not the access key,
// so every key and temporary credential of one account shares a bucket.
type limiterKey struct{ account, api string }

func (f *faults) init(latency time.Duration, perSecond float64) {
	f.latency = latency
	f.rate = perSecond
	f.limiters = map[limiterKey]*rate.Limiter{}
	f.queue = map[string][]*Fault{}
}

// sleep waits d, or less if the request ends or the server closes first.
func sleep(ctx context.Context, d time.Duration, closed <-chan struct{}) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-closed:
		return context.Canceled
	}
}

func (f *faults) baseLatency() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.latency
}

// allow takes a token from the (account, API) bucket. The bucket holds one second's worth of calls,
// the way API Gateway counts calls per second, so a client pacing itself at the rate is never refused.
func (f *faults) allow(account, api string) bool {
	f.mu.Lock()
	if f.rate <= 0 {
		f.mu.Unlock()
		return true
	}
	k := limiterKey{account, api}
	l, ok := f.limiters[k]
	if !ok {
		l = rate.NewLimiter(rate.Limit(f.rate), burst(f.rate))
		f.limiters[k] = l
	}
	f.mu.Unlock()
	return l.Allow()
}

func burst(perSecond float64) int { return max(1, int(math.Ceil(perSecond))) }

// take returns the fault for the API's next call, if any, and uses up one of its calls.
func (f *faults) take(api string) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.queue[api]
	if len(q) == 0 {
		return Fault{}, false
	}
	head := *q[0]
	if q[0].Count > 0 {
		q[0].Count--
		if q[0].Count == 0 {
			f.queue[api] = q[1:]
		}
	}
	return head, true
}

func (f *faults) add(ft Fault) {
	f.mu.Lock()
	f.queue[ft.API] = append(f.queue[ft.API], &ft)
	f.mu.Unlock()
}

// SetLatency makes every following request wait d before it is answered (0 switches it off).
// Negative values count as 0.
func (s *Server) SetLatency(d time.Duration) {
	s.faults.mu.Lock()
	s.faults.latency = max(d, 0)
	s.faults.mu.Unlock()
}

// SetRate limits every (account, API) pair to perSecond calls per second; calls above it get
// 429 CBC.0250. 0 (or less) switches throttling off. Changing the rate starts every bucket full.
func (s *Server) SetRate(perSecond float64) {
	s.faults.mu.Lock()
	s.faults.rate = max(perSecond, 0)
	s.faults.limiters = map[limiterKey]*rate.Limiter{}
	s.faults.mu.Unlock()
}

// AddFault injects f after the faults already set for its API: each authenticated call of the API
// takes the first fault in line, which is used up after its Count calls (or stays, with Count 0,
// until ClearFaults). It returns f's validation error and changes nothing then.
func (s *Server) AddFault(f Fault) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("sandbox: fault: %w", err)
	}
	s.faults.add(f)
	return nil
}

// Faults returns the faults in force, per API in the order calls take them, with their remaining
// counts.
func (s *Server) Faults() []Fault {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	var out []Fault
	for _, api := range slices.Sorted(maps.Keys(s.faults.queue)) {
		for _, f := range s.faults.queue[api] {
			out = append(out, *f)
		}
	}
	return out
}

// ClearFaults removes the faults of the given APIs, or of every API when none is given. Latency and
// rate set by SetLatency and SetRate stay.
func (s *Server) ClearFaults(apis ...string) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if len(apis) == 0 {
		s.faults.queue = map[string][]*Fault{}
		return
	}
	for _, api := range apis {
		delete(s.faults.queue, api)
	}
}

// FailNext makes the next n authenticated calls of api (an SDK method name such as
// "ListPartnerBalances") answer status with the BSS error code. status 0 means 500 and an empty
// code means CBC.0999. Calls queue after any faults already injected for api.
func (s *Server) FailNext(api string, n int, status int, code string) {
	s.queueFailures(api, n, Fault{Status: status, Code: code})
}

// FailAfterNext is FailNext for an answer lost after the work was done: the next n authenticated
// calls of api run for real (a renewal creates its order and moves the expiry) and then answer
// status with code instead of the result. It is how a client proves it never repeats an order whose
// outcome it could not see.
func (s *Server) FailAfterNext(api string, n int, status int, code string) {
	s.queueFailures(api, n, Fault{Status: status, Code: code, After: true})
}

// HangNext makes the next n authenticated calls of api never answer: each blocks until the client
// gives up (its request context ends) or Close is called.
func (s *Server) HangNext(api string, n int) { s.queueFailures(api, n, Fault{Hang: true}) }

// HangAfterNext is HangNext after the work was done: the next n authenticated calls of api take
// effect and then never answer, like a timeout after an order was placed.
func (s *Server) HangAfterNext(api string, n int) {
	s.queueFailures(api, n, Fault{Hang: true, After: true})
}

func (s *Server) queueFailures(api string, n int, f Fault) {
	if n < 1 {
		return
	}
	f.API, f.Count = api, n
	if !f.Hang && f.Code == "" {
		f.Code = "CBC.0999"
	}
	s.faults.add(f)
}

// counters counts calls as they arrive, before authentication, so throttled and refused calls count.
type counters struct {
	mu        sync.Mutex
	calls     map[string]int
	byAK      map[CallKey]int
	throttled map[string]int
}

// CallKey names one (access key, API) pair in CallsByKey.
type CallKey struct {
	AK  string
	API string
}

func (c *counters) init() {
	c.calls = map[string]int{}
	c.byAK = map[CallKey]int{}
	c.throttled = map[string]int{}
}

func (c *counters) add(ak, api string) {
	c.mu.Lock()
	c.calls[api]++
	c.byAK[CallKey{ak, api}]++
	c.mu.Unlock()
}

func (c *counters) throttle(api string) {
	c.mu.Lock()
	c.throttled[api]++
	c.mu.Unlock()
}

// Calls returns how many requests reached each API (by SDK method name) since the start or the last
// ResetCalls, whatever their outcome. Requests for paths the site does not serve are not counted.
func (s *Server) Calls() map[string]int {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	return maps.Clone(s.calls.calls)
}

// CallsByKey returns the same counts as Calls split by the access key that signed them ("" for
// requests without a readable Authorization header).
func (s *Server) CallsByKey() map[CallKey]int {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	return maps.Clone(s.calls.byAK)
}

// Throttled returns how many calls per API were answered 429 CBC.0250.
func (s *Server) Throttled() map[string]int {
	s.calls.mu.Lock()
	defer s.calls.mu.Unlock()
	return maps.Clone(s.calls.throttled)
}

// ResetCalls sets every call and throttle counter back to zero.
func (s *Server) ResetCalls() {
	s.calls.mu.Lock()
	s.calls.init()
	s.calls.mu.Unlock()
}

package sandbox

import (
	"context"
	"maps"
	"math"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// faults holds the switchable misbehaviour: latency, throttling, injected errors and hangs.
type faults struct {
	mu       sync.Mutex
	latency  time.Duration
	rate     float64
	limiters map[limiterKey]*rate.Limiter
	fail     map[string][]*apiError // per API, the answers for its next calls
	hang     map[string]int         // per API, how many of its next calls hang
	// failAfter and hangAfter act after the handler ran: the call took effect, the answer is lost.
	failAfter map[string][]*apiError
	hangAfter map[string]int
}

type limiterKey struct{ ak, api string }

func (f *faults) init(latency time.Duration, perSecond float64) {
	f.latency = latency
	f.rate = perSecond
	f.limiters = map[limiterKey]*rate.Limiter{}
	f.fail = map[string][]*apiError{}
	f.hang = map[string]int{}
	f.failAfter = map[string][]*apiError{}
	f.hangAfter = map[string]int{}
}

// sleep waits the configured latency, or less if the request ends or the server closes first.
func (f *faults) sleep(ctx context.Context, closed <-chan struct{}) error {
	f.mu.Lock()
	d := f.latency
	f.mu.Unlock()
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

// allow takes a token from the (AK, API) bucket. The bucket holds one second's worth of calls, the
// way API Gateway counts calls per second, so a client pacing itself at the rate is never refused.
func (f *faults) allow(ak, api string) bool {
	f.mu.Lock()
	if f.rate <= 0 {
		f.mu.Unlock()
		return true
	}
	k := limiterKey{ak, api}
	l, ok := f.limiters[k]
	if !ok {
		l = rate.NewLimiter(rate.Limit(f.rate), burst(f.rate))
		f.limiters[k] = l
	}
	f.mu.Unlock()
	return l.Allow()
}

func burst(perSecond float64) int { return max(1, int(math.Ceil(perSecond))) }

// next pops the injected outcome for the API's next call: an error to answer, a hang, or neither.
func (f *faults) next(api string) (*apiError, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return pop(f.fail, f.hang, api)
}

// nextAfter is next for the faults that strike once the handler has run.
func (f *faults) nextAfter(api string) (*apiError, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return pop(f.failAfter, f.hangAfter, api)
}

func pop(fail map[string][]*apiError, hang map[string]int, api string) (*apiError, bool) {
	if n := hang[api]; n > 0 {
		hang[api] = n - 1
		return nil, true
	}
	if q := fail[api]; len(q) > 0 {
		fail[api] = q[1:]
		return q[0], false
	}
	return nil, false
}

// SetLatency makes every following request wait d before it is answered (0 switches it off).
// Negative values count as 0.
func (s *Server) SetLatency(d time.Duration) {
	s.faults.mu.Lock()
	s.faults.latency = max(d, 0)
	s.faults.mu.Unlock()
}

// SetRate limits every (access key, API) pair to perSecond calls per second; calls above it get
// 429 CBC.0250. 0 (or less) switches throttling off. Changing the rate starts every bucket full.
func (s *Server) SetRate(perSecond float64) {
	s.faults.mu.Lock()
	s.faults.rate = max(perSecond, 0)
	s.faults.limiters = map[limiterKey]*rate.Limiter{}
	s.faults.mu.Unlock()
}

// FailNext makes the next n authenticated calls of api (an SDK method name such as
// "ListPartnerBalances") answer status with the BSS error code. status 0 means 500 and an empty
// code means CBC.0999. Calls queue after any failures already injected for api.
func (s *Server) FailNext(api string, n int, status int, code string) {
	s.faults.mu.Lock()
	queueFailures(s.faults.fail, api, n, status, code)
	s.faults.mu.Unlock()
}

// FailAfterNext is FailNext for an answer lost after the work was done: the next n authenticated
// calls of api run for real (a renewal creates its order and moves the expiry) and then answer
// status with code instead of the result. It is how a client proves it never repeats an order whose
// outcome it could not see.
func (s *Server) FailAfterNext(api string, n int, status int, code string) {
	s.faults.mu.Lock()
	queueFailures(s.faults.failAfter, api, n, status, code)
	s.faults.mu.Unlock()
}

func queueFailures(q map[string][]*apiError, api string, n, status int, code string) {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if code == "" {
		code = "CBC.0999"
	}
	msg := http.StatusText(status)
	if code == "CBC.0999" {
		msg = "Other errors."
	}
	for range max(n, 0) {
		q[api] = append(q[api], &apiError{status, code, msg})
	}
}

// HangNext makes the next n authenticated calls of api never answer: each blocks until the client
// gives up (its request context ends) or Close is called.
func (s *Server) HangNext(api string, n int) {
	s.faults.mu.Lock()
	s.faults.hang[api] += max(n, 0)
	s.faults.mu.Unlock()
}

// HangAfterNext is HangNext after the work was done: the next n authenticated calls of api take
// effect and then never answer, like a timeout after an order was placed.
func (s *Server) HangAfterNext(api string, n int) {
	s.faults.mu.Lock()
	s.faults.hangAfter[api] += max(n, 0)
	s.faults.mu.Unlock()
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

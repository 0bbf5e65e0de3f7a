package notify

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// settings are the knobs shared by all destinations; each destination reads the ones that apply to it.
type settings struct {
	apiURL         string
	client         *http.Client
	now            func() time.Time
	sleep          func(context.Context, time.Duration) error
	attempts       int
	initial        time.Duration
	maxInterval    time.Duration
	maxElapsed     time.Duration
	maxRetryAfter  time.Duration
	attemptTimeout time.Duration
}

func defaults() settings {
	return settings{
		client:        http.DefaultClient,
		now:           time.Now,
		sleep:         sleep,
		attempts:      4,
		initial:       500 * time.Millisecond,
		maxInterval:   10 * time.Second,
		maxElapsed:    time.Minute,
		maxRetryAfter: 30 * time.Second,
		// Standard Webhooks asks senders to wait 15 to 30 s for an answer.
		attemptTimeout: 15 * time.Second,
	}
}

// Option tunes a destination. Every option has a default that suits a Lambda function.
type Option func(*settings)

// WithAPIURL points a Slack bot destination at another Web API base URL (a local stand-in); the
// default is Slack's. Webhook destinations post to their own URL and ignore it.
func WithAPIURL(u string) Option { return func(s *settings) { s.apiURL = u } }

// WithHTTPClient sets the HTTP client. Webhook destinations use a copy that never follows redirects:
// a 3xx answer is a failure (Standard Webhooks), and following it could send the payload elsewhere.
func WithHTTPClient(c *http.Client) Option { return func(s *settings) { s.client = c } }

// WithClock sets the clock used for webhook timestamps, Retry-After dates, and deciding whether a
// wait would outlast the context's deadline.
func WithClock(now func() time.Time) Option { return func(s *settings) { s.now = now } }

// WithSleep replaces how a destination waits between attempts; it must return ctx.Err() when ctx ends
// first. Tests use it to record waits instead of taking them.
func WithSleep(fn func(ctx context.Context, d time.Duration) error) Option {
	return func(s *settings) { s.sleep = fn }
}

// WithAttempts bounds the attempts per Slack call or webhook delivery, the first included (default 4).
func WithAttempts(n int) Option { return func(s *settings) { s.attempts = max(n, 1) } }

// WithBackoff sets a generic webhook's jittered exponential backoff: the first wait, the longest
// wait, and the time after which it stops retrying (defaults 500 ms, 10 s, 1 min).
func WithBackoff(initial, maxInterval, maxElapsed time.Duration) Option {
	return func(s *settings) { s.initial, s.maxInterval, s.maxElapsed = initial, maxInterval, maxElapsed }
}

// WithMaxRetryAfter is the longest Retry-After a destination waits out (default 30 s); a longer one
// ends the delivery with an error rather than retrying early against the receiver's wish.
func WithMaxRetryAfter(d time.Duration) Option { return func(s *settings) { s.maxRetryAfter = d } }

// WithTimeout bounds each HTTP attempt (default 15 s).
func WithTimeout(d time.Duration) Option { return func(s *settings) { s.attemptTimeout = d } }

func build(opts []Option) settings {
	s := defaults()
	for _, o := range opts {
		o(&s)
	}
	return s
}

// noRedirects returns a copy of c that hands 3xx answers back instead of following them.
func noRedirects(c *http.Client) *http.Client {
	cp := *c
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// waitFor waits d unless that would run past ctx's deadline, in which case it gives up at once: a
// Lambda function should spend its remaining time on other destinations, not on a doomed wait.
func (s settings) waitFor(ctx context.Context, d time.Duration) error {
	if deadline, ok := ctx.Deadline(); ok && s.now().Add(d).After(deadline) {
		return errWaitPastDeadline
	}
	return s.sleep(ctx, d)
}

var errWaitPastDeadline = errors.New("retry wait would pass the deadline")

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

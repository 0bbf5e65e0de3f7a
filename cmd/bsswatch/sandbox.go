package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
)

func runSandbox(ctx context.Context, args []string, _, stderr io.Writer) error {
	return serveSandbox(ctx, args, stderr, nil)
}

// serveSandbox parses the flags, serves the sandbox until ctx ends and calls ready (if not nil) with
// the endpoint once it is listening and the manifest is written.
func serveSandbox(ctx context.Context, args []string, stderr io.Writer, ready func(endpoint string)) error {
	fs := flag.NewFlagSet("bsswatch sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address; port 0 picks a free port (the manifest has the real one)")
	customers := fs.Int("customers", 100, "number of generated customers")
	seed := fs.Int64("seed", 1, "seed of the generated world: the same seed gives the same data and credentials")
	site := fs.String("site", sandbox.SiteCN, `site to play: "cn" (bss/v2, CNY) or "intl" (bssintl/v2, USD)`)
	manifest := fs.String("manifest", "", "write the endpoint and every credential (JSON, mode 0600) to this file once listening")
	latency := fs.Duration("latency", 0, "delay before every answer, e.g. 50ms")
	rate := fs.Float64("rate", 0, "calls per second allowed per account and API before 429 CBC.0250 (0: no limit)")
	advance := fs.Duration("advance", 0, "start the business clock this far ahead of the wall clock, e.g. 720h")
	invoices := fs.Int("partner-invoices", 0, "intl only: give the partner this many more invoice requests, applied for over the last 80 days")
	verbose := fs.Bool("v", false, "log every request")
	issued := fs.Int("issued-coupons", 0, "issue this many more coupons to the reseller customers, expiries spread over a year (for coupon-expiry at scale)")
	fails := apiCounts{}
	fs.Func("fail-next", "API=N: answer the next N calls of API (an SDK method name) with 500 CBC.0999; repeatable", fails.set)
	hangs := apiCounts{}
	fs.Func("hang-next", "API=N: never answer the next N calls of API; repeatable", hangs.set)
	var faults []sandbox.Fault
	fs.Func("fault", `a fault as JSON, as the admin API takes it, e.g. '{"api":"ListRenewRateOnPeriod","count":1,"body":"{}"}'; repeatable`,
		func(v string) error {
			f, err := sandbox.ParseFault(v)
			if err != nil {
				return err
			}
			faults = append(faults, f)
			return nil
		})
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected arguments %q", fs.Args())}
	}
	if *site != sandbox.SiteCN && *site != sandbox.SiteIntl {
		return usageError{fmt.Sprintf("--site must be %q or %q, got %q", sandbox.SiteCN, sandbox.SiteIntl, *site)}
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))

	start := time.Now()
	srv, err := sandbox.New(sandbox.Options{Site: *site, Seed: *seed, Customers: *customers, Latency: *latency, RatePerSecond: *rate,
		Advance: *advance, Faults: faults})
	if err != nil {
		return usageError{err.Error()}
	}
	if *invoices > 0 {
		srv.AddPartnerInvoices(*invoices)
	}
	if err := srv.IssueCoupons(*seed, *issued); err != nil {
		return usageError{err.Error()}
	}
	for api, n := range fails {
		srv.FailNext(api, n, 0, "")
	}
	for api, n := range hangs {
		srv.HangNext(api, n)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	endpoint := "http://" + ln.Addr().String()
	if *manifest != "" {
		if err := writeManifest(*manifest, srv.Manifest(endpoint)); err != nil {
			ln.Close()
			return err
		}
	}
	hs := &http.Server{Handler: logRequests(log, srv), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	log.Info("sandbox listening", "endpoint", endpoint, "site", *site, "customers", *customers, "seed", *seed,
		"manifest", *manifest, "latency", latency.String(), "rate", *rate, "advance", advance.String(), "admin", endpoint+sandbox.AdminPrefix,
		"generated_in", time.Since(start).Round(time.Millisecond).String())
	if ready != nil {
		ready(endpoint)
	}

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	srv.Close() // release hung requests so shutdown does not wait for them
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	log.Info("sandbox stopped", "calls", srv.Calls(), "throttled", srv.Throttled())
	return nil
}

// writeManifest writes m to path through a temporary file, so a reader never sees half a manifest.
// The file holds secret keys, hence mode 0600.
func writeManifest(path string, m sandbox.Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encode manifest: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".manifest-*")
	if err != nil {
		return fmt.Errorf("write manifest %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write manifest %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write manifest %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write manifest %s: %w", path, err)
	}
	return nil
}

// logRequests logs method, path, status, request id and duration of each request at debug level;
// never headers or bodies, which carry signatures and amounts.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	if !log.Enabled(context.Background(), slog.LevelDebug) {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"request_id", w.Header().Get("X-Request-Id"), "duration", time.Since(start).String())
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// apiCounts collects repeatable API=N flags.
type apiCounts map[string]int

func (a apiCounts) set(v string) error {
	api, num, ok := strings.Cut(v, "=")
	n, err := strconv.Atoi(num)
	if !ok || api == "" || err != nil || n < 1 {
		return fmt.Errorf("want API=N with N >= 1, got %q", v)
	}
	a[api] += n
	return nil
}

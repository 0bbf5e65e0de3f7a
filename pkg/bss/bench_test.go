package bss_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
)

// sweep is the partner balance check's BSS traffic: every sub-customer, then every balance.
func sweep(b *testing.B, c *bss.Client) {
	b.Helper()
	ctx := context.Background()
	custs, err := c.SubCustomers(ctx)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, len(custs))
	for i, cu := range custs {
		ids[i] = cu.ID
	}
	if _, err := c.CustomerBalances(ctx, ids); err != nil {
		b.Fatal(err)
	}
}

func benchServer(b *testing.B, customers int, latency time.Duration, rate float64) (*sandbox.Server, sandbox.Manifest) {
	b.Helper()
	srv, err := sandbox.New(sandbox.Options{Site: sandbox.SiteCN, Seed: 1, Customers: customers, Now: anchor,
		Latency: latency, RatePerSecond: rate})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	b.Cleanup(ts.Close)
	b.Cleanup(srv.Close)
	return srv, srv.Manifest(ts.URL)
}

func benchClient(b *testing.B, m sandbox.Manifest, opts bss.Options) *bss.Client {
	b.Helper()
	c, err := bss.New(bss.Profile{Name: "bench", Role: bss.Partner, Site: bss.China, AK: m.Partner.AK, SK: m.Partner.SK,
		DomainID: m.Partner.DomainID, Endpoint: m.Endpoint}, opts)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkSweep10k measures the client's own cost (signing, decoding, conversion) for a partner with
// 10,000 customers, with no rate limit or latency, and reports the calls made against the minimum
// (100 pages of customers + 100 batches of balances).
func BenchmarkSweep10k(b *testing.B) {
	const n = 10_000
	srv, m := benchServer(b, n, 0, 0)
	c := benchClient(b, m, bss.Options{RatePerSecond: 1e6, Burst: 1000, Limits: bss.NewLimits()})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		srv.ResetCalls()
		sweep(b, c)
	}
	calls := srv.Calls()
	b.ReportMetric(float64(calls["ListSubCustomers"]+calls["ListCustomersBalancesDetail"]), "calls/op")
	b.ReportMetric(float64(bss.Pages(n, bss.PageSubCustomers)+bss.Pages(n, bss.BatchCustomerBalances)), "mincalls/op")
}

// BenchmarkSweepAtRateLimit runs the same sweep for 2,000 customers at BSS's default 10 calls per
// second per API, with 30 ms of latency per call, and reports the wall time against the floor the
// rate limit sets: (calls-1)/rate per API, the APIs one after the other. It takes about 4 s per op.
func BenchmarkSweepAtRateLimit(b *testing.B) {
	const n, rate = 2_000, 10.0
	srv, m := benchServer(b, n, 30*time.Millisecond, rate)
	pages, batches := bss.Pages(n, bss.PageSubCustomers), bss.Pages(n, bss.BatchCustomerBalances)
	floor := time.Duration(float64(pages-1+batches-1) / rate * float64(time.Second))
	var wall time.Duration
	for b.Loop() {
		srv.ResetCalls()
		// A fresh registry per op: the buckets start full, as in a new Lambda invocation.
		c := benchClient(b, m, bss.Options{Limits: bss.NewLimits()})
		start := time.Now()
		sweep(b, c)
		wall += time.Since(start)
		if t := srv.Throttled(); t["ListSubCustomers"]+t["ListCustomersBalancesDetail"] != 0 {
			b.Fatalf("throttled: %v", t)
		}
	}
	calls := srv.Calls()
	b.ReportMetric(float64(calls["ListSubCustomers"]+calls["ListCustomersBalancesDetail"]), "calls/op")
	b.ReportMetric(float64(pages+batches), "mincalls/op")
	b.ReportMetric(float64(wall)/float64(b.N)/float64(floor), "wall/floor")
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/state/bolt"
)

// benchInvoiceRequests is the invoice history the bench gives the international partner: requests
// applied for within the check's default 90-day window.
const benchInvoiceRequests = 20_000

// benchInvoice measures invoice-status for an international partner with benchInvoiceRequests
// invoice requests: the first run (which records every request) and a second, unchanged one.
func benchInvoice(ctx context.Context, f benchFlags, stdout io.Writer, spawn spawnSandbox) error {
	dir, box, m, err := benchSandbox(ctx, spawn, f, "--site", sandbox.SiteIntl, "--customers", "1",
		"--partner-invoices", strconv.Itoa(benchInvoiceRequests))
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	defer box.stop()
	hook, posts := countingHook()
	defer hook.Close()
	doc := fmt.Sprintf(`profiles:
  partner-intl: {role: partner, site: intl, domain_id: %q, ak: env:PARTNER_AK, sk: env:PARTNER_SK, endpoint: %q, rate_per_second: %s}
state: {backend: bolt, path: %q}
destinations:
  hook: {type: webhook, url: %q, secret: env:HOOK_SECRET}
routes: [{to: [hook]}]
ops: [hook]
checks:
  invoice:
    accounts: [{profile: partner-intl}]
`, m.Partner.DomainID, m.Endpoint, strconv.FormatFloat(f.rate, 'g', -1, 64), filepath.Join(dir, "state.db"), hook.URL)
	cfgPath := filepath.Join(dir, "bsswatch.yaml")
	if err := os.WriteFile(cfgPath, []byte(doc), 0o600); err != nil {
		return fmt.Errorf("write the configuration: %w", err)
	}
	secrets := map[string]string{"PARTNER_AK": m.Partner.AK, "PARTNER_SK": m.Partner.SK, "HOOK_SECRET": "bench-signing-secret"}

	// An earlier bench in this process must not count in this one's peak: "5" resets VmHWM (Linux).
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	mem := sampleMemory(10 * time.Millisecond)
	began := time.Now()
	a, err := app.Start(ctx, cfgPath, func(k string) string { return secrets[k] }, app.Options{File: bolt.Opener(true)})
	cold := time.Since(began)
	if err != nil {
		mem.stop()
		return fmt.Errorf("start: %w", err)
	}
	defer a.Close()
	run := func() (app.Result, time.Duration, error) {
		began := time.Now()
		res, err := a.Run(ctx, check.Invoice, app.Event{})
		if err == nil && len(res.CheckErrors) > 0 {
			err = fmt.Errorf("the check failed: %s", strings.Join(res.CheckErrors, "; "))
		}
		return res, time.Since(began), err
	}
	first, wall, err := run()
	heap := mem.stop()
	rss, rssErr := peakRSS()
	if err != nil {
		return fmt.Errorf("first run: %w", err)
	}
	var made bss.Counts
	for _, c := range a.Clients {
		made = c.Stats()[bss.ListInvoices]
	}
	second, wall2, err := run()
	if err != nil {
		return fmt.Errorf("second run: %w", err)
	}
	seen, seenErr := box.stop()

	least := int64(bss.Pages(first.Findings, bss.PageInvoices))
	floor := time.Duration(float64(least) / f.rate * float64(time.Second))
	ratio := float64(wall) / float64(floor)
	fmt.Fprintf(stdout, "invoice check: an international partner with %d invoice requests in the window (%d tracked), sandbox latency %s, rate %g calls/s\n",
		benchInvoiceRequests, first.Findings, f.latency, f.rate)
	fmt.Fprintf(stdout, "first run (records every request, tells nothing): sent %v; second run, nothing changed: sent %v in %s; webhook posts: %d\n\n",
		first.Sent, second.Sent, wall2.Round(time.Millisecond), posts.Load())
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tmeasured\ttarget\tresult")
	fmt.Fprintf(tw, "ListInvoices calls (first run)\t%d\t= %d (minimum: %d requests / %d per page)\t%s\n", made.Attempts, least, first.Findings, bss.PageInvoices, verdict(made.Attempts == least))
	if seenErr == nil {
		fmt.Fprintf(tw, "calls the sandbox saw (both runs)\t%d\t= 2 x %d\t%s\n", seen[string(bss.ListInvoices)], least, verdict(int64(seen[string(bss.ListInvoices)]) == 2*least))
	}
	fmt.Fprintf(tw, "wall time of the first run\t%s\t<= %s (%.1fx floor %s)\t%s (%.2fx floor)\n", wall.Round(time.Millisecond),
		scale(floor, targetWallRatio).Round(time.Millisecond), targetWallRatio, floor.Round(time.Millisecond), verdict(wall <= scale(floor, targetWallRatio)), ratio)
	fmt.Fprintf(tw, "cold start (app.Start)\t%s\t< %s before the first call\t%s\n", cold.Round(10*time.Microsecond), targetColdStart, verdict(cold < targetColdStart))
	if rssErr == nil {
		fmt.Fprintf(tw, "peak RSS (VmHWM)\t%s\t< %s\t%s\n", mib(rss), mib(targetRSS), verdict(rss < targetRSS))
	}
	fmt.Fprintf(tw, "peak Go heap (objects)\t%s\t(information, GOGC default)\t\n", mib(heap.objects))
	if err := tw.Flush(); err != nil {
		return err
	}
	benchLine(stdout, check.Invoice, 1, made.Attempts, least, wall, floor, rss, "requests="+strconv.Itoa(first.Findings),
		fmt.Sprintf("ratio=%.2f", ratio), "throttled="+itoa(made.Throttles), "retries="+itoa(made.Retries),
		fmt.Sprintf("second_run_s=%.2f", wall2.Seconds()), fmt.Sprintf("cold_start_ms=%.1f", float64(cold.Microseconds())/1000))
	return nil
}

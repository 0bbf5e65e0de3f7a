package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/app/renewalapp"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
)

// benchRenewal measures one renewal scan of every customer of a partner with f.customers customers,
// as the scheduled scan of a cold renewal-quote function would run it: listing through the partner,
// quoting with each customer's credentials, quotes stored and posted to the Slack stand-in.
func benchRenewal(ctx context.Context, f benchFlags, stdout io.Writer, spawn spawnSandbox) error {
	dir, box, m, err := benchSandbox(ctx, spawn, f)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	defer box.stop()
	slack := slacklocal.New()
	defer slack.Close()
	cfgPath, env, err := writeRenewalBenchConfig(dir, m, slack.APIURL(), f.rate)
	if err != nil {
		return err
	}
	m = sandbox.Manifest{} // the bench's own copy of 10,000 key pairs is not the function's memory

	mem := sampleMemory(10 * time.Millisecond)
	began := time.Now()
	a, err := app.Start(ctx, cfgPath, env, app.Options{NoSync: true, BSS: bss.Options{RatePerSecond: f.rate}})
	if err != nil {
		mem.stop()
		return fmt.Errorf("start: %w", err)
	}
	defer a.Close()
	svc, inproc, err := renewalapp.Local(a)
	cold := time.Since(began)
	if err != nil {
		mem.stop()
		return fmt.Errorf("start: %w", err)
	}
	began = time.Now()
	out, runErr := renewalapp.Handler(a, svc, nil)(ctx, json.RawMessage(`{}`))
	wall := time.Since(began)
	inproc.Wait()
	heap := mem.stop()
	rss, rssErr := peakRSS()
	if runErr != nil {
		return fmt.Errorf("run: %w", runErr)
	}
	res := out.(renewalapp.Result)
	made := map[bss.API]int64{}
	for _, c := range a.Clients {
		for api, n := range c.Stats() {
			made[api] += n.Attempts
		}
	}
	var quotes, failed int
	for _, r := range res.Reports {
		quotes += len(r.Quoted)
		if r.Err != "" {
			failed++
		}
	}
	if _, err := box.stop(); err != nil {
		return err
	}
	// The floor is the partner's listing: one page per customer at the partner's rate. Quotes use
	// each customer's own limit and run alongside.
	lists := made[bss.ListPayPerUseCustomerResources]
	minimum := int64(f.customers) + int64(quotes)
	calls := lists + made[bss.ListRenewRateOnPeriod]
	floor := time.Duration(float64(f.customers) / f.rate * float64(time.Second))
	if rssErr != nil {
		return rssErr
	}
	fmt.Fprintf(stdout, "renewal scan: %d customers, sandbox latency %s, rate %g calls/s per API and account\n", f.customers, f.latency, f.rate)
	fmt.Fprintf(stdout, "accounts %d (not scanned %d), quotes %d, messages %d, listing calls %d, quote calls %d, cold start %s, peak Go heap %s\n",
		len(res.Reports), failed, quotes, len(slack.Messages("")), lists, made[bss.ListRenewRateOnPeriod], cold.Round(time.Millisecond), mib(heap.objects))
	benchLine(stdout, check.Renewal, f.customers, calls, minimum, wall, floor, rss,
		fmt.Sprintf("ratio=%.2f", float64(wall)/float64(floor)), fmt.Sprintf("cold_start_ms=%.1f", float64(cold.Microseconds())/1000),
		"quotes="+strconv.Itoa(quotes), "not_scanned="+strconv.Itoa(failed))
	return nil
}

// writeRenewalBenchConfig writes a renewal-quote configuration for every customer of the sandbox:
// one customer profile (a key pair) per customer, listed through the partner.
func writeRenewalBenchConfig(dir string, m sandbox.Manifest, slackURL string, rate float64) (string, func(string) string, error) {
	r := strconv.FormatFloat(rate, 'g', -1, 64)
	secrets := map[string]string{"PARTNER_AK": m.Partner.AK, "PARTNER_SK": m.Partner.SK, "SLACK_TOKEN": "xoxb-bench", "SIGNING": "bench-signing-secret"}
	var profiles, accounts strings.Builder
	for i, c := range m.Customers {
		fmt.Fprintf(&profiles, "  c%d: {role: customer, site: cn, domain_id: %q, ak: env:AK%d, sk: env:SK%d, endpoint: %q, rate_per_second: %s}\n", i, c.DomainID, i, i, m.Endpoint, r)
		fmt.Fprintf(&accounts, "      - {profile: c%d, list_with: partner-cn}\n", i)
		secrets["AK"+strconv.Itoa(i)], secrets["SK"+strconv.Itoa(i)] = c.AK, c.SK
	}
	doc := fmt.Sprintf(`profiles:
  partner-cn: {role: partner, site: cn, domain_id: %q, ak: env:PARTNER_AK, sk: env:PARTNER_SK, endpoint: %q, rate_per_second: %s}
%sstate: {backend: bolt, path: %q}
destinations:
  quotes: {type: slack, token: env:SLACK_TOKEN, channel: CQUOTES, api_url: %q}
routes: [{to: [quotes]}]
ops: [quotes]
slack_app: {signing_secret: env:SIGNING, team_id: T0BENCH, app_id: A0BENCH, destination: quotes}
approvals: {users: [U0ADA]}
checks:
  renewal:
    accounts:
%s    period: {type: year, num: 1}
`, m.Partner.DomainID, m.Endpoint, r, profiles.String(), filepath.Join(dir, "state.db"), slackURL, accounts.String())
	path := filepath.Join(dir, "bsswatch.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		return "", nil, fmt.Errorf("write the configuration: %w", err)
	}
	return path, func(k string) string { return secrets[k] }, nil
}

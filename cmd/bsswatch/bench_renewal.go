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
	"github.com/bsswatch/bsswatch/pkg/renewal"
	"github.com/bsswatch/bsswatch/pkg/state/bolt"
)

// benchRenewal measures one renewal scan of every reseller customer of a partner with f.customers
// customers, as the scheduled scan of a cold renewal-quote function would run it: customers found and
// their resources listed through the partner, quoted through each customer's agency, quotes stored
// and posted to the Slack stand-in. Calls are counted by the sandbox.
func benchRenewal(ctx context.Context, f benchFlags, stdout io.Writer, spawn spawnSandbox) error {
	dir, box, m, err := benchSandbox(ctx, spawn, f)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	defer box.stop()
	slack := slacklocal.New()
	defer slack.Close()
	cfgPath, secrets, err := writeRenewalBenchConfig(dir, m, slack.APIURL(), f.rate, fmt.Sprintf("{backend: bolt, path: %q}", filepath.Join(dir, "state.db")))
	if err != nil {
		return err
	}
	env := func(k string) string { return secrets[k] }

	mem := sampleMemory(10 * time.Millisecond)
	began := time.Now()
	a, err := app.Start(ctx, cfgPath, env, app.Options{File: bolt.Opener(true), BSS: bss.Options{RatePerSecond: f.rate}})
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
	var quotes, failed, quotedAccounts int
	for _, r := range res.Reports {
		quotes += len(r.Quoted)
		if len(r.Quoted) > 0 {
			quotedAccounts++
		}
		if r.Err != "" {
			failed++
		}
	}
	t, err := tallyRenewal(stdout, f, box, m, slack, quotedAccounts, quotes)
	if err != nil {
		return err
	}
	if rssErr != nil {
		return rssErr
	}
	fmt.Fprintf(stdout, "renewal scan: %d customers (%d reseller), sandbox latency %s, rate %g calls/s per API and account\n", f.customers, t.resellers, f.latency, f.rate)
	fmt.Fprintf(stdout, "accounts %d (not scanned %d), quotes %d, messages %d, cold start %s, peak Go heap %s\n",
		len(res.Reports), failed, quotes, len(slack.Messages("")), cold.Round(time.Millisecond), mib(heap.objects))
	benchLine(stdout, check.Renewal, f.customers, t.calls, t.minimum, wall, t.floor, rss,
		fmt.Sprintf("ratio=%.2f", float64(wall)/float64(t.floor)), fmt.Sprintf("cold_start_ms=%.1f", float64(cold.Microseconds())/1000),
		"quotes="+strconv.Itoa(quotes), "not_scanned="+strconv.Itoa(failed),
		"items="+strconv.Itoa((t.resellers+renewal.AccountsPerItem-1)/renewal.AccountsPerItem), "messages="+strconv.Itoa(len(slack.Messages(""))))
	return nil
}

// renewalTally is what a renewal bench tells after the scan: the calls the sandbox saw and their
// minimum, the floor, and how many summaries the channel got.
type renewalTally struct {
	calls, minimum       int64
	floor                time.Duration
	resellers, summaries int
}

// tallyRenewal stops the sandbox and prints, per API, the calls it saw against the minimum, then the
// channel's summaries. The minimum: the customers at the largest page, one resource page per
// reseller customer, one agency per customer with something to quote, one quote call per quote
// (batches of ten). The floor is the partner's busiest API, the resource listing: one call per
// reseller customer at the partner's rate. Quotes use each customer's own limit and run alongside.
func tallyRenewal(out io.Writer, f benchFlags, box *child, m sandbox.Manifest, slack *slacklocal.Server, quotedAccounts, quotes int) (renewalTally, error) {
	seen, err := box.stop()
	if err != nil {
		return renewalTally{}, err
	}
	resellers, err := countResellers(f, m)
	if err != nil {
		return renewalTally{}, err
	}
	t := renewalTally{resellers: resellers, floor: time.Duration(float64(resellers) / f.rate * float64(time.Second))}
	want := map[bss.API]int{
		bss.ListSubCustomers:                 bss.Pages(f.customers, bss.PageSubCustomers),
		bss.ListPayPerUseCustomerResources:   resellers,
		bss.CreateTemporaryAccessKeyByAgency: quotedAccounts,
		bss.ListRenewRateOnPeriod:            quotes,
	}
	for api, n := range want {
		t.calls += int64(seen[string(api)])
		t.minimum += int64(n)
		fmt.Fprintf(out, "%-34s calls %6d  minimum %6d\n", api, seen[string(api)], n)
	}
	for _, msg := range slack.Messages("") {
		if strings.HasPrefix(msg.Text, "Renewal scan:") {
			t.summaries++
			fmt.Fprintln(out, "channel summary: "+msg.Text)
		}
	}
	return t, nil
}

// The Slack app of the renewal bench configuration: the click bench signs and addresses its clicks
// with them.
const (
	benchSigningSecret = "bench-signing-secret"
	benchTeamID        = "T0BENCH"
	benchAppID         = "A0BENCH"
	benchApprover      = "U0ADA"
	benchQuoteChannel  = "CQUOTES"
)

// writeRenewalBenchConfig writes a renewal-quote configuration for every reseller customer of the
// sandbox partner, reached through their agency: the configuration holds no customer's keys. New
// messages are not held to Slack's pace (post_every): the figures are BSS's, and the bench prints
// the messages a scan posts, whose time at Slack's pace is their number in seconds. state
// is the state section's value. It returns the configuration's path and the secrets it reads from
// the environment.
func writeRenewalBenchConfig(dir string, m sandbox.Manifest, slackURL string, rate float64, state string) (string, map[string]string, error) {
	r := strconv.FormatFloat(rate, 'g', -1, 64)
	secrets := map[string]string{"PARTNER_AK": m.Partner.AK, "PARTNER_SK": m.Partner.SK, "SLACK_TOKEN": "xoxb-bench", "SIGNING": benchSigningSecret}
	doc := fmt.Sprintf(`profiles:
  partner-cn: {role: partner, site: cn, domain_id: %q, ak: env:PARTNER_AK, sk: env:PARTNER_SK, endpoint: %q, rate_per_second: %s}
state: %s
destinations:
  quotes: {type: slack, token: env:SLACK_TOKEN, channel: %s, api_url: %q}
routes: [{to: [quotes]}]
ops: [quotes]
slack_app: {signing_secret: env:SIGNING, team_id: %s, app_id: %s, destination: quotes}
approvals: {users: [%s]}
checks:
  renewal:
    accounts:
      - {customers_of: partner-cn, agency: %s, iam_endpoint: %q}
    period: {type: year, num: 1}
    post_every: 1ms
`, m.Partner.DomainID, m.Endpoint, r, state, benchQuoteChannel, slackURL, benchTeamID, benchAppID, benchApprover, sandbox.DefaultAgency, m.Endpoint)
	path := filepath.Join(dir, "bsswatch.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		return "", nil, fmt.Errorf("write the configuration: %w", err)
	}
	return path, secrets, nil
}

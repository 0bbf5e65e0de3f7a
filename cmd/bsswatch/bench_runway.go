package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/bsswatch/bsswatch/pkg/runway"
	"github.com/bsswatch/bsswatch/pkg/state/bolt"
)

// benchCeiling is the runway bench's ceiling: only customers below ¥1,000 have their records read,
// as a partner that watches the runways of its smaller balances would configure it.
var benchCeiling = decimal.NewFromInt(1000)

// benchRunwayAPIs are the calls of the balance check with runways, in the order the bench prints them.
var benchRunwayAPIs = append(slices.Clone(benchAPIs), bss.ListPartnerAccountChangeRecords, bss.ListConsumeSubCustomers,
	bss.ListSubCustomerBillDetail, bss.ListCustomerselfResourceRecords)

// benchRunway measures the balance check with checks.balance.runway on (window 14 days, ceiling
// ¥1,000) for a partner with f.customers customers: the balances as benchBalance reads them, plus
// the spend records of the partner, of the customer read with its own credentials, and of the
// customers that spent and are below the ceiling.
func benchRunway(ctx context.Context, f benchFlags, stdout io.Writer, spawn spawnSandbox) error {
	dir, box, m, err := benchSandbox(ctx, spawn, f)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	defer box.stop()
	hook, _ := countingHook()
	defer hook.Close()
	cfgPath, env, err := writeBenchConfig(dir, m, hook.URL, f.rate)
	if err != nil {
		return err
	}
	section := fmt.Sprintf("    runway: {window_days: 14, ceiling: {currency: CNY, amount: %q}}\n", benchCeiling.String())
	if err := appendFile(cfgPath, section); err != nil {
		return err
	}

	began := time.Now()
	a, err := app.Start(ctx, cfgPath, env, app.Options{File: bolt.Opener(true)})
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	defer a.Close()
	now := time.Now()
	res, runErr := a.Run(ctx, check.Balance, app.Event{})
	wall := time.Since(began)
	rss, rssErr := peakRSS()
	if runErr != nil {
		return fmt.Errorf("run: %w", runErr)
	}
	if len(res.CheckErrors) > 0 {
		return fmt.Errorf("run: the check failed: %s", strings.Join(res.CheckErrors, "; "))
	}
	if rssErr != nil {
		return rssErr
	}
	made := callsByAPI(a)
	seen, _ := box.stop()
	mins, watched, err := runwayMinimum(f, m, now)
	if err != nil {
		return err
	}

	fmt.Fprintf(stdout, "\nbalance check with runways: %d customers, ceiling %s, window 14 days; %d customers' records read; %d findings\n",
		f.customers, money.New(benchCeiling, "CNY"), watched, res.Findings)
	var calls, least int64
	busiest := 0
	for _, api := range benchRunwayAPIs {
		calls += made[api].Attempts
		least += int64(mins[api])
		busiest = max(busiest, int(made[api].Attempts), mins[api])
		fmt.Fprintf(stdout, "  %-32s calls=%d minimum=%d sandbox_saw=%d\n", api, made[api].Attempts, mins[api], seen[string(api)])
	}
	floor := time.Duration(float64(busiest) / f.rate * float64(time.Second))
	benchLine(stdout, "runway", f.customers, calls, least, wall, floor, rss,
		fmt.Sprintf("ratio=%.2f", float64(wall)/float64(floor)), fmt.Sprintf("records_read=%d", watched),
		"ceiling_cny="+benchCeiling.String())
	return nil
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return fmt.Errorf("configuration: %w", err)
	}
	return f.Close()
}

// runwayMinimum regenerates the sandbox's partner in this process (after the measurement) and
// counts the fewest calls of the balance check with runways: the balance listings, one record
// listing of the partner and of the own account per bill cycle of the window, the consumers of
// each cycle at the largest page, and one fee-record call per cycle for each reseller customer that
// spent and is below the ceiling (a customer's 14 days of records fit one page).
func runwayMinimum(f benchFlags, m sandbox.Manifest, now time.Time) (map[bss.API]int, int, error) {
	box, err := sandbox.New(sandbox.Options{Site: sandbox.SiteCN, Seed: f.seed, Customers: f.customers})
	if err != nil {
		return nil, 0, fmt.Errorf("runway minimum: %w", err)
	}
	rules := runway.Rules{Window: 14}
	cycles := len(rules.Cycles(now))
	resellers, consumers, watched := 0, 0, 0
	for i, c := range box.Customers() {
		if i >= len(m.Customers) || m.Customers[i].CustomerID != c.ID {
			return nil, 0, errors.New("runway minimum: the regenerated partner is not the one the sandbox serves")
		}
		spends := box.SpendOf(c.ID).Daily.IsPositive()
		if spends {
			consumers++
		}
		if c.Reseller {
			resellers++
			if spends && c.Balance.LessThan(benchCeiling) {
				watched++
			}
		}
	}
	mins := minimum(f.customers, resellers)
	mins[bss.ListPartnerAccountChangeRecords] = 1 // 14 days of consumption records fit one page
	mins[bss.ListConsumeSubCustomers] = cycles * bss.Pages(consumers, bss.PageConsumers)
	mins[bss.ListSubCustomerBillDetail] = cycles * watched
	mins[bss.ListCustomerselfResourceRecords] = cycles // asked even without spend: the answer tells there is none
	return mins, watched, nil
}

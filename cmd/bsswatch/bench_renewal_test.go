package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"testing"

	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/renewal"
)

func TestBenchRenewal(t *testing.T) {
	const rate = 200
	out, resellers := renewalBench(t, rate, "1ms")
	floor := strconv.FormatFloat(float64(resellers)/rate, 'f', 2, 64)
	line := regexp.MustCompile(`(?m)^bench check=renewal customers=120 calls=(\d+) minimum=(\d+) wall_s=\d+\.\d\d floor_s=` + regexp.QuoteMeta(floor) +
		` peak_rss_mib=\d+\.\d ratio=\d+\.\d\d cold_start_ms=\d+\.\d quotes=(\d+) not_scanned=0` +
		` items=` + strconv.Itoa((resellers+renewal.AccountsPerItem-1)/renewal.AccountsPerItem) + ` messages=(\d+)$`)
	m := line.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no design line matches %q", line)
	}
	calls, _ := strconv.Atoi(m[1])
	minimum, _ := strconv.Atoi(m[2])
	quotes, _ := strconv.Atoi(m[3])
	// One message per quote (no customer here has more than 8), and the scan's summary.
	if messages, _ := strconv.Atoi(m[4]); messages != quotes+1 {
		t.Errorf("%d messages for %d quotes, want one each and the summary", messages, quotes)
	}
	// Every reseller customer listed once, the customers in two pages at most, and per quote one
	// quote call and at most one agency.
	if quotes == 0 || calls != minimum || minimum < resellers+quotes+2 || minimum > resellers+2+2*quotes {
		t.Errorf("calls %d, minimum %d, quotes %d, resellers %d: want quotes and calls = minimum", calls, minimum, quotes, resellers)
	}
}

// TestBenchRenewalLambda runs the scan of 120 customers as Lambda runs it, on the built bootstrap:
// a planner process and two environments taking the work items from local-aws-sqs, the state in
// dynalite. Every call is at the minimum, every planned item runs once, and the channel gets one
// summary.
func TestBenchRenewalLambda(t *testing.T) {
	const rate = 1000
	out, resellers := renewalBench(t, rate, "0", "--lambda")
	floor := strconv.FormatFloat(float64(resellers)/rate, 'f', 2, 64)
	items := strconv.Itoa((resellers + renewal.AccountsPerItem - 1) / renewal.AccountsPerItem)
	line := regexp.MustCompile(`(?m)^bench check=renewal customers=120 calls=(\d+) minimum=(\d+) wall_s=\d+\.\d\d floor_s=` + regexp.QuoteMeta(floor) +
		` peak_rss_mib=(\d+\.\d) mode=lambda environments=2 ratio=\d+\.\d\d items=` + items + ` invocations=` + items +
		` item_max_s=(\d+\.\d\d) item_p50_s=(\d+\.\d\d) planner_rss_mib=(\d+\.\d) quotes=(\d+) messages=(\d+) summaries=1$`)
	m := line.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no design line matches %q", line)
	}
	calls, _ := strconv.Atoi(m[1])
	minimum, _ := strconv.Atoi(m[2])
	peak, _ := strconv.ParseFloat(m[3], 64)
	itemMax, _ := strconv.ParseFloat(m[4], 64)
	itemP50, _ := strconv.ParseFloat(m[5], 64)
	planner, _ := strconv.ParseFloat(m[6], 64)
	quotes, _ := strconv.Atoi(m[7])
	if quotes == 0 || calls != minimum || minimum < resellers+quotes+2 {
		t.Errorf("calls %d, minimum %d, quotes %d, resellers %d: want quotes and calls = minimum", calls, minimum, quotes, resellers)
	}
	if messages, _ := strconv.Atoi(m[8]); messages != quotes+1 {
		t.Errorf("%d messages for %d quotes, want one each and the summary", messages, quotes)
	}
	if planner <= 0 || peak < planner || itemP50 > itemMax {
		t.Errorf("peak RSS %.1f MiB, planner's %.1f, items p50 %.2f s, max %.2f: want 0 < planner <= peak, p50 <= max", peak, planner, itemP50, itemMax)
	}
}

// renewalBench runs the renewal bench for a partner of 120 customers at rate and latency, with extra
// flags, and returns its output and the number of the partner's reseller customers.
func renewalBench(t *testing.T, rate int, latency string, extra ...string) (string, int) {
	t.Helper()
	const customers, seed = 120, 5
	var stdout, stderr bytes.Buffer
	err := bench(context.Background(), append([]string{"--check", "renewal", "--customers", strconv.Itoa(customers), "--rate", strconv.Itoa(rate),
		"--latency", latency, "--seed", strconv.Itoa(seed)}, extra...), &stdout, &stderr, testSandbox)
	if err != nil {
		t.Fatalf("bench: %v\nstderr:\n%s", err, stderr.String())
	}
	t.Log("\n" + stdout.String())
	return stdout.String(), testResellers(t, seed, customers)
}

// testResellers counts the reseller customers of the generated sandbox partner: the bench's
// minimum, computed here on its own.
func testResellers(t *testing.T, seed int64, customers int) int {
	t.Helper()
	box, err := sandbox.New(sandbox.Options{Site: sandbox.SiteCN, Seed: seed, Customers: customers})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range box.Customers() {
		if c.Reseller {
			n++
		}
	}
	return n
}

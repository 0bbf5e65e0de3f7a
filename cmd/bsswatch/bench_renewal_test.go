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
	const customers, seed, rate = 120, 5, 200
	var stdout, stderr bytes.Buffer
	err := bench(context.Background(), []string{"--check", "renewal", "--customers", strconv.Itoa(customers), "--rate", strconv.Itoa(rate),
		"--latency", "1ms", "--seed", strconv.Itoa(seed)}, &stdout, &stderr, testSandbox)
	if err != nil {
		t.Fatalf("bench: %v\nstderr:\n%s", err, stderr.String())
	}
	out := stdout.String()
	t.Log("\n" + out)
	box, err := sandbox.New(sandbox.Options{Site: sandbox.SiteCN, Seed: seed, Customers: customers})
	if err != nil {
		t.Fatal(err)
	}
	resellers := 0
	for _, c := range box.Customers() {
		if c.Reseller {
			resellers++
		}
	}
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

package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"testing"
)

func TestBenchRenewal(t *testing.T) {
	const customers = 120
	var stdout, stderr bytes.Buffer
	err := bench(context.Background(), []string{"--check", "renewal", "--customers", strconv.Itoa(customers), "--rate", "200",
		"--latency", "1ms", "--seed", "5"}, &stdout, &stderr, testSandbox)
	if err != nil {
		t.Fatalf("bench: %v\nstderr:\n%s", err, stderr.String())
	}
	out := stdout.String()
	t.Log("\n" + out)
	line := regexp.MustCompile(`(?m)^bench check=renewal customers=120 calls=(\d+) minimum=(\d+) wall_s=\d+\.\d\d floor_s=0\.60 peak_rss_mib=\d+\.\d ratio=\d+\.\d\d cold_start_ms=\d+\.\d quotes=(\d+) not_scanned=0$`)
	m := line.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no design line matches %q", line)
	}
	calls, _ := strconv.Atoi(m[1])
	minimum, _ := strconv.Atoi(m[2])
	quotes, _ := strconv.Atoi(m[3])
	if quotes == 0 || calls != minimum || minimum != customers+quotes {
		t.Errorf("calls %d, minimum %d, quotes %d: want quotes, and calls = minimum = %d listings + one per quote", calls, minimum, quotes, customers)
	}
}

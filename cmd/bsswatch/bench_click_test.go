package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestBenchClick measures a few clicks on a partner of 10 customers and one of 200: every click must
// have been answered 200 and have rejected its quote in the store, and the figures must be measured.
func TestBenchClick(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := bench(context.Background(), []string{"--click", "--customers", "200", "--click-cold", "3", "--click-warm", "5"}, &stdout, &stderr, testSandbox)
	if err != nil {
		t.Fatalf("bench --click: %v\nstderr:\n%s", err, stderr.String())
	}
	t.Log("\n" + stdout.String() + stderr.String())
	line := regexp.MustCompile(`(?m)^bench function=renewal-quote click=(\w+) customers=(\d+) runs=(\d+) p50_ms=(\d+\.\d) p99_ms=(\d+\.\d) rejected=(\d+)$`)
	var got []string
	for _, m := range line.FindAllStringSubmatch(stdout.String(), -1) {
		got = append(got, m[1]+" "+m[2]+" "+m[3])
		p50, _ := strconv.ParseFloat(m[4], 64)
		p99, _ := strconv.ParseFloat(m[5], 64)
		if p50 <= 0 || p50 > p99 {
			t.Errorf("%s clicks at %s customers: p50 %s ms, p99 %s ms: want 0 < p50 <= p99", m[1], m[2], m[4], m[5])
		}
		if m[6] != m[3] {
			t.Errorf("%s clicks at %s customers: %s of %s quotes rejected in the store", m[1], m[2], m[6], m[3])
		}
	}
	// Each size is one line of cold clicks and one of warm; 10 customers need several scans for 8 quotes.
	if want := []string{"cold 10 3", "warm 10 5", "cold 200 3", "warm 200 5"}; strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("click lines (kind customers runs) = %q, want %q", got, want)
	}
	if !strings.Contains(stderr.String(), "against the 1s acknowledgement target (Slack gives up at 3s)") {
		t.Errorf("stderr does not compare the clicks with the targets:\n%s", stderr.String())
	}
}

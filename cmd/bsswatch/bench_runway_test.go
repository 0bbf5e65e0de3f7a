package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"testing"
)

// TestBenchRunway: the balance check with runways makes exactly the minimum of calls (the fee
// records of only the spenders under the ceiling) and prints DESIGN.md's line for check=runway.
func TestBenchRunway(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := bench(context.Background(), []string{"--check", "runway", "--customers", "200", "--rate", "100", "--latency", "1ms", "--seed", "4"},
		&stdout, &stderr, testSandbox)
	if err != nil {
		t.Fatalf("bench: %v\nstderr:\n%s", err, stderr.String())
	}
	out := stdout.String()
	t.Log("\n" + out)
	line := regexp.MustCompile(`(?m)^bench check=runway customers=200 calls=(\d+) minimum=(\d+) wall_s=\d+\.\d\d floor_s=\d+\.\d\d peak_rss_mib=\d+\.\d ratio=\d+\.\d\d records_read=(\d+) ceiling_cny=1000$`)
	m := line.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no runway bench line in:\n%s", out)
	}
	if m[1] != m[2] {
		t.Errorf("calls = %s, want the minimum %s", m[1], m[2])
	}
	if n, _ := strconv.Atoi(m[3]); n == 0 || n >= 200 {
		t.Errorf("records read for %d customers, want some but far from all 200", n)
	}
	for _, api := range []string{"ListConsumeSubCustomers", "ListSubCustomerBillDetail", "ListPartnerAccountChangeRecords", "ListCustomerselfResourceRecords"} {
		row := regexp.MustCompile(`(?m)^  ` + api + `\s+calls=(\d+) minimum=(\d+) sandbox_saw=(\d+)$`).FindStringSubmatch(out)
		if row == nil || row[1] != row[2] || row[1] != row[3] || row[1] == "0" {
			t.Errorf("%s: row %v, want calls = minimum = what the sandbox saw, not zero", api, row)
		}
	}
}

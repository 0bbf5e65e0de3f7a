package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"testing"
)

func TestBenchCoupon(t *testing.T) {
	const customers = 300
	var stdout, stderr bytes.Buffer
	err := bench(context.Background(), []string{"--check", "coupon", "--customers", strconv.Itoa(customers), "--rate", "50", "--latency", "1ms"},
		&stdout, &stderr, testSandbox)
	if err != nil {
		t.Fatalf("bench: %v\nstderr:\n%s", err, stderr.String())
	}
	out := stdout.String()
	t.Log("\n" + out)
	line := regexp.MustCompile(`(?m)^bench check=coupon customers=300 calls=(\d+) minimum=(\d+) wall_s=\d+\.\d\d floor_s=\d+\.\d\d peak_rss_mib=\d+\.\d issued=3000 findings=\d+ ratio=\d+\.\d\d throttled=0 retries=0 cold_start_ms=\d+\.\d$`)
	m := line.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no design line for the coupon check in:\n%s", out)
	}
	if m[1] != m[2] {
		t.Errorf("calls %s, minimum %s: want the minimum", m[1], m[2])
	}
	// The partner's issued coupons take more than one page: the minimum counts the pages.
	if !regexp.MustCompile(`ListIssuedPartnerCoupons\s+([2-9]|\d\d+)\s`).MatchString(out) {
		t.Errorf("issued coupons fit one page; the bench would not show paging:\n%s", out)
	}
}

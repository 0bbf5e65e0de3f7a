package main

import (
	"bytes"
	"context"
	"regexp"
	"testing"
)

func TestBenchInvoice(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := bench(context.Background(), []string{"--check", "invoice", "--rate", "200", "--latency", "1ms"}, &stdout, &stderr, testSandbox)
	if err != nil {
		t.Fatalf("bench: %v\nstderr:\n%s", err, stderr.String())
	}
	out := stdout.String()
	t.Log("\n" + out)
	line := regexp.MustCompile(`bench check=invoice customers=1 calls=(\d+) minimum=(\d+) wall_s=\S+ floor_s=\S+ peak_rss_mib=\S+ requests=(\d+) `).FindStringSubmatch(out)
	if line == nil {
		t.Fatalf("no bench line for the invoice check:\n%s", out)
	}
	// 20,000 generated requests plus the partner's own in the window, 100 per page.
	if line[1] != line[2] || line[1] != "201" || line[3] != "20013" {
		t.Errorf("calls=%s minimum=%s requests=%s; want 201 calls, the minimum, for 20013 requests", line[1], line[2], line[3])
	}
	if !regexp.MustCompile(`calls the sandbox saw \(both runs\)\s+402\s+= 2 x 201\s+PASS`).MatchString(out) {
		t.Errorf("the sandbox did not see exactly the calls made:\n%s", out)
	}
}

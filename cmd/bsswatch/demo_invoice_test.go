package main

import (
	"regexp"
	"strings"
	"testing"
)

func TestDemoInvoice(t *testing.T) {
	code, out, stderr, _ := runDemoCmd(t)
	if code != 0 {
		t.Fatalf("got exit %d, want 0; stderr:\n%s", code, stderr)
	}
	part := out[strings.Index(out, "▶ Run 5"):]
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`Run 5 at .*: invoice-status for partner-intl .*\n  \d+ invoice requests tracked · 0 Slack calls · 1 ListInvoices calls`),
		regexp.MustCompile(`Run 6 at .*\n  \d+ invoice requests tracked · 1 Slack calls`),
		regexp.MustCompile(`• Invoice request IR\w+ \(\$[\d,.]+, [^)]+\): pending review \(1\) -> completed \(8\), Invoice no\. INV\d+`),
		regexp.MustCompile(`• Invoice request IR\w+ \(\$[\d,.]+, [^)]+\): info -> warning, pending review \(1\) -> rejected: awaiting rejection review \(11\), Reason The tax ID does not match the invoice title\.`),
		regexp.MustCompile(`Run 7 at .*\n  \d+ invoice requests tracked · 0 Slack calls`),
	} {
		if !want.MatchString(part) {
			t.Errorf("invoice part of the demo lacks %s:\n%s", want, part)
		}
	}
	if n := strings.Count(part, "-> completed (8)"); n != 1 {
		t.Errorf("the issued request is told %d times, want once:\n%s", n, part)
	}
}

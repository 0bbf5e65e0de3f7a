package main

import (
	"os"
	"strings"
	"testing"
)

// TestRunDryRunShowsRunways: with checks.balance.runway, a dry run lists each short runway beside
// the low balances, saying the balance, the rate, the days left and the date it runs out.
func TestRunDryRunShowsRunways(t *testing.T) {
	e := setupRun(t)
	doc, err := os.ReadFile(e.config)
	if err != nil {
		t.Fatal(err)
	}
	doc = append(doc, "    runway: {window_days: 14, warning_days: 14, critical_days: 3}\n"...)
	if err := os.WriteFile(e.config, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, "run", "balance-alert", "--config", e.config, "--dry-run")
	if code != 0 {
		t.Fatalf("dry run: got exit %d, want 0; stderr:\n%s", code, stderr)
	}
	dry := decodeResult(t, stdout)
	runways := 0
	for _, it := range dry.Items {
		if !strings.HasSuffix(it.Title, " runway") {
			continue
		}
		runways++
		fields := strings.Join(it.Fields, "\n")
		for _, want := range []string{"Days left: ", "Balance: ¥", "Spend rate: ¥", "Runs out: 20"} {
			if !strings.Contains(fields, want) {
				t.Errorf("runway item %q lacks %q in %q", it.Title, want, fields)
			}
		}
		if !strings.Contains(it.Text, "runs out around") {
			t.Errorf("runway item text %q does not say when the balance runs out", it.Text)
		}
	}
	if runways == 0 {
		t.Errorf("dry run listed no runway among %d findings:\n%s", len(dry.Items), stdout)
	}
	if len(e.slack.Events()) != 0 {
		t.Error("a dry run sent to Slack")
	}
}

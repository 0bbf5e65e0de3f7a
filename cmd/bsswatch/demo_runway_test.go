package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

// TestDemoRunway plays the runway part alone: a customer with ¥80,000, far above its threshold,
// shows up with 5 days of runway, its balance, rate and the date it runs out.
func TestDemoRunway(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	d, err := startDemo(context.Background(), 30, 1, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	// Run 1 posts the digests the runway then joins.
	if _, _, err := d.invoke(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := d.playRunway(context.Background(), &out, d.cfg.Destinations[demoDestination].Channel); err != nil {
		t.Fatalf("playRunway: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"runway: {window_days: 14, warning_days: 14, critical_days: 3}",
		"has ¥80,000.00 (warning at ¥1,000.00) but spent ¥16,000.00 a day",
		"runway (new)",
		"Days left: 5.0 · Balance: ¥80,000.00 · Spend rate: ¥16,000.00/day · Runs out: 2026-11-26 (Thu)",
		"runs out around Thu 26 Nov 2026",
		"runway: warning, Days left 5.0",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

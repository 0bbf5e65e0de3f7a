package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
)

// TestRunwayRecordsFailingResolveNothing: runways found in one run stay as they were while the fee
// records cannot be read; ops hears it once per episode, and "recovered" when they can again.
func TestRunwayRecordsFailingResolveNothing(t *testing.T) {
	e := setupChecks(t, 80, "", customersOnly+"    runway: {window_days: 14, warning_days: 14, critical_days: 3}\n")
	first := e.run(t)
	if len(first.CheckErrors) != 0 {
		t.Fatalf("first run: %v", first.CheckErrors)
	}
	digest := e.slack.Messages(channel)
	if len(digest) != 1 || !strings.Contains(digest[0].Render(), " runway") {
		t.Fatalf("first run: %d messages; want a digest with runways:\n%v", len(digest), digest)
	}
	if err := e.box.AddFault(sandbox.Fault{API: "ListSubCustomerBillDetail", Status: 500, Code: "CBC.0999"}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		e.now = e.now.Add(time.Hour)
		res := e.run(t)
		if len(res.CheckErrors) != 1 || res.Sent["update"]+res.Sent["resolved"] != 0 {
			t.Fatalf("run %d with failing records: %+v, want the failure reported and nothing resolved", i+2, res)
		}
	}
	if m, _ := e.slack.Message(channel, digest[0].TS); m.Edits != 0 {
		t.Errorf("the digest was edited %d times while no runway could be read", m.Edits)
	}
	ops := e.slack.Messages(opsChannel)
	if len(ops) != 1 || !strings.Contains(ops[0].Render(), "customer runways not checked") || !strings.Contains(ops[0].Render(), "CBC.0999") {
		t.Fatalf("ops got %d messages, want one saying how many customer runways were not checked and why:\n%v", len(ops), ops)
	}
	e.box.ClearFaults("ListSubCustomerBillDetail")
	e.now = e.now.Add(time.Hour)
	if res := e.run(t); len(res.CheckErrors) != 0 || res.Sent["resolved"] != 1 || res.Sent["update"] != 0 {
		t.Errorf("run after the fault: %+v, want only the ops episode closed", res)
	}
}

package alert_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

func TestSnoozeQuietsRemindersUntilAFindingGetsWorse(t *testing.T) {
	v := newEnv(t)
	ctx := context.Background()
	a, b := finding("c-1", notify.Warning, "¥900.00"), finding("c-2", notify.Warning, "¥800.00")
	v.run(t, eval(a, b))
	v.alerts.take()

	n, err := alert.Snooze(ctx, v.st, "balance", "partner-cn", "", "U0ADA", v.clk.Now(), v.clk.Now().Add(7*24*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("Snooze = %d, %v; want both open findings snoozed", n, err)
	}
	st, err := alert.ReadStatus(ctx, v.st, "balance", "partner-cn", v.clk.Now())
	if err != nil || len(st.Snoozes) != 1 || st.Snoozes[0].By != "U0ADA" || st.Snoozes[0].Findings != 2 {
		t.Fatalf("status snoozes = %+v, %v; want U0ADA's snooze of 2 findings", st.Snoozes, err)
	}

	// Past the repeat interval, snoozed findings are not reminded.
	v.clk.Advance(25 * time.Hour)
	v.run(t, eval(a, b))
	none(t, v.alerts)

	// One gets worse: it breaks through, and once told it is reminded again.
	a = finding("c-1", notify.Critical, "¥50.00")
	v.clk.Advance(time.Hour)
	v.run(t, eval(a, b))
	got := one(t, v.alerts)
	if got.Msg.Kind != notify.KindUpdate {
		t.Errorf("worse finding: kind %s, want an update", got.Msg.Kind)
	}
	if diff := cmp.Diff([]string{"Customer c-1: warning -> critical, Balance ¥50.00"}, got.Msg.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	v.clk.Advance(25 * time.Hour)
	v.run(t, eval(a, b))
	if got := one(t, v.alerts); got.Msg.Kind != notify.KindRepeat {
		t.Errorf("after the interval: kind %s, want a reminder for the finding that broke through", got.Msg.Kind)
	}

	// Unsnoozed, the rest is reminded too; a snooze past its end quiets nothing.
	if n, err := alert.Unsnooze(ctx, v.st, "balance", "partner-cn"); err != nil || n != 1 {
		t.Fatalf("Unsnooze = %d, %v; want the one snooze ended", n, err)
	}
	if st, _ := alert.ReadStatus(ctx, v.st, "balance", "partner-cn", v.clk.Now()); len(st.Snoozes) != 0 {
		t.Errorf("status after unsnooze: %+v", st.Snoozes)
	}
}

func TestSnoozeEndsOnTime(t *testing.T) {
	v := newEnv(t)
	a := finding("c-1", notify.Warning, "¥900.00")
	v.run(t, eval(a))
	v.alerts.take()
	if _, err := alert.Snooze(context.Background(), v.st, "balance", "partner-cn", "", "U0ADA", v.clk.Now(), v.clk.Now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	v.clk.Advance(23 * time.Hour)
	v.run(t, eval(a))
	none(t, v.alerts)
	v.clk.Advance(2 * time.Hour)
	v.run(t, eval(a))
	if got := one(t, v.alerts); got.Msg.Kind != notify.KindRepeat {
		t.Errorf("after the snooze: kind %s, want the reminder", got.Msg.Kind)
	}
}

func TestSnoozeWithNothingOpenRecordsNothing(t *testing.T) {
	v := newEnv(t)
	if n, err := alert.Snooze(context.Background(), v.st, "balance", "partner-cn", "", "U0ADA", v.clk.Now(), v.clk.Now().Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("Snooze = %d, %v; want nothing snoozed", n, err)
	}
}

func TestSnoozeOneFindingLeavesTheOthersReminded(t *testing.T) {
	v := newEnv(t)
	a, b := finding("c-1", notify.Warning, "¥900.00"), finding("c-2", notify.Warning, "¥800.00")
	v.run(t, eval(a, b))
	v.alerts.take()
	n, err := alert.Snooze(context.Background(), v.st, "balance", "partner-cn", a.Fingerprint(), "U0ADA", v.clk.Now(), v.clk.Now().Add(7*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("Snooze = %d, %v; want the one finding", n, err)
	}
	v.clk.Advance(25 * time.Hour)
	v.run(t, eval(a, b))
	if got := one(t, v.alerts); got.Msg.Kind != notify.KindRepeat {
		t.Errorf("kind %s, want a reminder for the finding nobody snoozed", got.Msg.Kind)
	}
}

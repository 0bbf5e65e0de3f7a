package alert_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/state"
	"github.com/google/go-cmp/cmp"
)

func TestFirstRunFiresOneDigestPerGroup(t *testing.T) {
	v := newEnv(t)
	coupon := alert.Evaluation{Check: "coupon", Account: "partner-cn", Findings: []alert.Finding{{
		Check: "coupon", Account: "partner-cn", Subject: "coupon/k-1", Tier: "expires in 7 days",
		Severity: notify.Warning, Title: "Coupon k-1",
	}}}
	rep := v.run(t,
		eval(finding("c-2", notify.Warning, "¥900.00"), finding("c-1", notify.Critical, "¥80.00"), finding("c-3", notify.Warning, "¥700.00")),
		coupon)

	if rep.Groups != 2 || rep.Firing != 2 || rep.Delivered != 3 || len(rep.Errors) != 0 {
		t.Errorf("report = %+v, want 2 groups, 2 firing, 3 delivered (balance to alerts and backup, coupon to alerts)", rep)
	}
	got := v.alerts.take()
	if len(got) != 2 {
		t.Fatalf("alerts got %d messages, want one per group", len(got))
	}
	byCheck := map[string]sent{}
	for _, s := range got {
		byCheck[s.Msg.Check] = s
		if s.Msg.Kind != notify.KindFiring || !s.Prev.IsZero() {
			t.Errorf("%s: kind %s prev %+v, want a new firing message", s.Msg.Check, s.Msg.Kind, s.Prev)
		}
	}
	bal := byCheck["balance"].Msg
	if diff := cmp.Diff([]string{"Customer c-1=new", "Customer c-2=new", "Customer c-3=new"}, statuses(bal)); diff != "" {
		t.Errorf("items, worst first (-want +got):\n%s", diff)
	}
	if bal.Severity != notify.Critical {
		t.Errorf("severity = %s, want critical", bal.Severity)
	}
	if want := "3 findings: 1 critical, 2 warning"; bal.Summary != want {
		t.Errorf("summary = %q, want %q", bal.Summary, want)
	}
	if b := one(t, v.backup); b.Msg.ID != bal.ID {
		t.Errorf("backup got %s, want the same message %s", b.Msg.ID, bal.ID)
	}
	none(t, v.ops)
}

func TestSecondIdenticalRunSendsAndWritesNothing(t *testing.T) {
	v := newEnv(t)
	ev := eval(finding("c-1", notify.Critical, "¥80.00"), finding("c-2", notify.Warning, "¥900.00"))
	v.run(t, ev)
	v.alerts.take()
	v.backup.take()
	v.st.reset()

	v.clk.Advance(time.Hour)
	// The amounts of the day change; that alone is no news and costs no write.
	rep := v.run(t, eval(finding("c-2", notify.Warning, "¥850.00"), finding("c-1", notify.Critical, "¥75.00")))

	if diff := cmp.Diff(alert.Report{Groups: 1}, rep); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	none(t, v.alerts, v.backup, v.ops)
	if got := v.st.writes(); got != 0 {
		t.Errorf("writes = %d, want 0", got)
	}
	if got := v.st.lists.Load() + v.st.gets.Load(); got != 1 {
		t.Errorf("reads = %d, want 1 (one List of the group)", got)
	}
}

func TestSeverityChangeUpdatesInPlace(t *testing.T) {
	v := newEnv(t)
	v.run(t, eval(finding("c-1", notify.Warning, "¥900.00"), finding("c-2", notify.Warning, "¥700.00")))
	first := one(t, v.alerts)

	v.clk.Advance(time.Hour)
	rep := v.run(t, eval(finding("c-1", notify.Critical, "¥80.00"), finding("c-2", notify.Warning, "¥700.00")))

	if rep.Updated != 1 {
		t.Errorf("updated = %d, want 1", rep.Updated)
	}
	got := one(t, v.alerts)
	if got.Msg.Kind != notify.KindUpdate {
		t.Errorf("kind = %s, want update", got.Msg.Kind)
	}
	if want := (notify.Ref{Channel: "Calerts", TS: "1"}); got.Prev != want {
		t.Errorf("prev = %+v, want the first message %+v", got.Prev, want)
	}
	if got.Msg.ID == first.Msg.ID {
		t.Errorf("update reused message id %s", got.Msg.ID)
	}
	if diff := cmp.Diff([]string{"Customer c-1: warning -> critical, Balance ¥80.00"}, got.Msg.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Customer c-1=changed", "Customer c-2=firing"}, statuses(got.Msg)); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if want := "2 findings: 1 critical, 1 warning; 1 changed"; got.Msg.Summary != want {
		t.Errorf("summary = %q, want %q", got.Msg.Summary, want)
	}
	// Backup only takes critical messages: it sees the group for the first time, as a new post.
	if b := one(t, v.backup); !b.Prev.IsZero() {
		t.Errorf("backup prev = %+v, want none (it never had the message)", b.Prev)
	}
}

func TestTierChangeUpdates(t *testing.T) {
	v := newEnv(t)
	c := alert.Finding{Check: "coupon", Account: "a", Subject: "k-1", Tier: "expires in 30 days", Severity: notify.Warning, Title: "Coupon k-1"}
	ev := alert.Evaluation{Check: "coupon", Account: "a", Findings: []alert.Finding{c}}
	v.run(t, ev)
	v.alerts.take()
	c.Tier = "expires in 7 days"
	ev.Findings = []alert.Finding{c}
	v.run(t, ev)
	got := one(t, v.alerts)
	if diff := cmp.Diff([]string{"Coupon k-1: expires in 30 days -> expires in 7 days"}, got.Msg.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

func TestRepeatAfterInterval(t *testing.T) {
	v := newEnv(t)
	ev := eval(finding("c-1", notify.Warning, "¥900.00"))
	v.run(t, ev)
	first := one(t, v.alerts)

	tests := []struct {
		name    string
		advance time.Duration
		want    []notify.Kind
	}{
		{"just before the interval", 24*time.Hour - time.Second, nil},
		{"at the interval", time.Second, []notify.Kind{notify.KindRepeat}},
		{"right after the reminder", time.Minute, nil},
		{"an interval after the reminder", 24 * time.Hour, []notify.Kind{notify.KindRepeat}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v.clk.Advance(tt.advance)
			rep := v.run(t, ev)
			got := v.alerts.take()
			if diff := cmp.Diff(tt.want, kinds(got)); diff != "" {
				t.Fatalf("kinds (-want +got):\n%s", diff)
			}
			if rep.Repeated != len(tt.want) {
				t.Errorf("repeated = %d, want %d", rep.Repeated, len(tt.want))
			}
			for _, s := range got {
				if s.Prev.IsZero() || s.Prev.TS != "1" {
					t.Errorf("reminder prev = %+v, want the first message", s.Prev)
				}
				if s.Msg.ID == first.Msg.ID {
					t.Errorf("reminder reused id %s", s.Msg.ID)
				}
			}
		})
	}
}

func TestPartialResolveUpdates(t *testing.T) {
	v := newEnv(t)
	v.run(t, eval(finding("c-1", notify.Warning, "¥900.00"), finding("c-2", notify.Critical, "¥80.00")))
	v.alerts.take()
	v.backup.take()

	rep := v.run(t, eval(finding("c-1", notify.Warning, "¥900.00")))
	if rep.Updated != 1 || rep.Resolved != 0 {
		t.Errorf("report = %+v, want one update and no group resolved", rep)
	}
	got := one(t, v.alerts)
	if got.Msg.Kind != notify.KindUpdate || got.Prev.IsZero() {
		t.Errorf("kind %s prev %+v, want an update of the original", got.Msg.Kind, got.Prev)
	}
	if diff := cmp.Diff([]string{"resolved: Customer c-2"}, got.Msg.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Customer c-1=firing", "Customer c-2=resolved"}, statuses(got.Msg)); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	// The critical route saw c-2 fire, so it hears that c-2 is resolved.
	if got.Msg.Severity != notify.Critical {
		t.Errorf("severity = %s, want critical (the worst it changes)", got.Msg.Severity)
	}
	if b := one(t, v.backup); b.Prev.IsZero() {
		t.Errorf("the critical route got a new message, want an update of its original")
	}
}

func TestAllResolvedClosesAndNextFindingStartsAGroup(t *testing.T) {
	v := newEnv(t)
	v.run(t, eval(finding("c-1", notify.Warning, "¥900.00")))
	first := one(t, v.alerts)

	rep := v.run(t, eval())
	if rep.Resolved != 1 {
		t.Errorf("resolved = %d, want 1", rep.Resolved)
	}
	res := one(t, v.alerts)
	if res.Msg.Kind != notify.KindResolved || res.Prev.TS != "1" {
		t.Errorf("kind %s prev %+v, want resolved editing the first message", res.Msg.Kind, res.Prev)
	}
	if want := "all resolved: 1 finding"; res.Msg.Summary != want {
		t.Errorf("summary = %q, want %q", res.Msg.Summary, want)
	}
	if res.Msg.Severity != notify.Warning {
		t.Errorf("severity = %s, want warning, routed like the alert it closes", res.Msg.Severity)
	}

	v.run(t, eval())
	none(t, v.alerts)

	v.run(t, eval(finding("c-1", notify.Warning, "¥800.00")))
	again := one(t, v.alerts)
	if again.Msg.Kind != notify.KindFiring || !again.Prev.IsZero() {
		t.Errorf("kind %s prev %+v, want a new firing message", again.Msg.Kind, again.Prev)
	}
	v.run(t, eval(finding("c-1", notify.Critical, "¥10.00")))
	upd := one(t, v.alerts)
	if upd.Prev == first.Prev || upd.Prev.TS != "3" {
		t.Errorf("update prev = %+v, want the new group's message (ts 3), not the closed one", upd.Prev)
	}
}

func TestSkippedSubjectsAreNotResolved(t *testing.T) {
	v := newEnv(t)
	v.run(t, eval(finding("c-1", notify.Warning, "¥900.00"), finding("c-2", notify.Warning, "¥800.00")))
	v.alerts.take()

	ev := eval(finding("c-1", notify.Warning, "¥900.00"))
	ev.Skipped = []string{"c-2"}
	ev.Err = errors.New("1 of 2 customers not checked: bss: list balances: batch 2: throttled")
	ev.Partial = true
	rep := v.run(t, ev)
	none(t, v.alerts)
	if rep.Resolved+rep.Updated != 0 || rep.CheckFailed != 1 {
		t.Errorf("report = %+v, want nothing resolved and one ops message", rep)
	}
	f := one(t, v.ops)
	if want := "balance check could not cover everything for partner-cn: 1 of 2 customers not checked: bss: list balances: batch 2: throttled"; f.Msg.Summary != want || f.Msg.Kind != notify.KindCheckFailed {
		t.Errorf("ops got %s %q, want %q", f.Msg.Kind, f.Msg.Summary, want)
	}
	v.run(t, ev)
	none(t, v.alerts, v.ops)

	v.run(t, eval(finding("c-1", notify.Warning, "¥900.00")))
	got := one(t, v.alerts)
	if diff := cmp.Diff([]string{"resolved: Customer c-2"}, got.Msg.Changes); diff != "" {
		t.Errorf("once evaluated, c-2 resolves (-want +got):\n%s", diff)
	}
	if rec := one(t, v.ops); rec.Msg.Kind != notify.KindCheckRecovered {
		t.Errorf("ops got %s, want the episode closed (recovered)", rec.Msg.Kind)
	}
}

func TestSkippedPrefixCoversItsSubjects(t *testing.T) {
	v := newEnv(t)
	v.run(t, eval(finding("partner/cash", notify.Critical, "¥10.00"), finding("customer/c-1", notify.Warning, "¥900.00")))
	v.alerts.take()

	// The customer list failed: its subjects cannot be named, only covered by their prefix.
	ev := eval(finding("partner/cash", notify.Critical, "¥10.00"))
	ev.Skipped = []string{"customer/"}
	ev.Err = errors.New("sub-customers: bss: transient")
	ev.Partial = true
	v.run(t, ev)
	none(t, v.alerts)
	one(t, v.ops)

	// A prefix covers only what starts with it.
	ev = eval(finding("customer/c-1", notify.Warning, "¥900.00"))
	ev.Skipped = []string{"customer/"}
	ev.Partial, ev.Err = true, errors.New("partner accounts failed")
	v.run(t, ev)
	got := one(t, v.alerts)
	if diff := cmp.Diff([]string{"resolved: Customer partner/cash"}, got.Msg.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

func TestCheckFailureRequestIDIsNotANewReason(t *testing.T) {
	v := newEnv(t)
	failed := func(reason string) alert.Evaluation {
		ev := eval()
		ev.Err = errors.New(reason)
		return ev
	}
	v.run(t, failed("bss: ListPartnerBalances: auth (401 APIGW.0301): bad signature (request id r-1)"))
	one(t, v.ops)
	v.run(t, failed("bss: ListPartnerBalances: auth (401 APIGW.0301): bad signature (request id r-2)"))
	none(t, v.ops)
	v.run(t, failed("bss: ListPartnerBalances: throttled (429 CBC.0250): flow control (request id r-3)"))
	if got := one(t, v.ops); len(got.Msg.Changes) != 1 || !strings.Contains(got.Msg.Changes[0], "CBC.0250") {
		t.Errorf("a new reason: changes = %v", got.Msg.Changes)
	}
}

func TestCheckFailure(t *testing.T) {
	v := newEnv(t)
	var logs bytes.Buffer
	v.e.Log = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ok := eval(finding("c-1", notify.Warning, "¥900.00"))
	failed := func(reason string) alert.Evaluation {
		ev := eval()
		ev.Err = errors.New(reason)
		return ev
	}
	v.run(t, ok)
	v.alerts.take()

	rep := v.run(t, failed("bss: wrong credentials"))
	if rep.CheckFailed != 1 || rep.Resolved != 0 {
		t.Errorf("report = %+v, want one check failure and nothing resolved", rep)
	}
	none(t, v.alerts)
	f := one(t, v.ops)
	if f.Msg.Kind != notify.KindCheckFailed || !f.Prev.IsZero() {
		t.Errorf("ops got kind %s prev %+v, want a new check_failed message", f.Msg.Kind, f.Prev)
	}
	if want := "balance check could not run for partner-cn: bss: wrong credentials"; f.Msg.Summary != want {
		t.Errorf("summary = %q, want %q", f.Msg.Summary, want)
	}

	v.clk.Advance(time.Hour)
	v.run(t, failed("bss: wrong credentials"))
	none(t, v.alerts, v.ops)

	v.clk.Advance(time.Hour)
	v.run(t, failed("bss: 503 from BSS"))
	upd := one(t, v.ops)
	if upd.Msg.Kind != notify.KindCheckFailed || upd.Prev.TS != "1" {
		t.Errorf("new reason: kind %s prev %+v, want the failure message edited", upd.Msg.Kind, upd.Prev)
	}
	if diff := cmp.Diff([]string{"now failing with: bss: 503 from BSS"}, upd.Msg.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}

	v.clk.Advance(24 * time.Hour)
	v.run(t, failed("bss: 503 from BSS"))
	if r := one(t, v.ops); r.Msg.Kind != notify.KindCheckFailed || r.Prev.TS != "1" {
		t.Errorf("after the repeat interval: kind %s prev %+v, want a reminder on the failure message", r.Msg.Kind, r.Prev)
	}

	rep = v.run(t, ok)
	// The alert group itself was last notified 26 hours ago: its reminder is due, and unrelated.
	if diff := cmp.Diff([]notify.Kind{notify.KindRepeat}, kinds(v.alerts.take())); diff != "" {
		t.Errorf("alerts kinds (-want +got):\n%s", diff)
	}
	rec := one(t, v.ops)
	if rec.Msg.Kind != notify.KindCheckRecovered || rec.Prev.TS != "1" {
		t.Errorf("recovery: kind %s prev %+v, want check_recovered on the failure message", rec.Msg.Kind, rec.Prev)
	}
	if rep.Resolved != 1 {
		t.Errorf("resolved = %d, want 1 (the recovery)", rep.Resolved)
	}

	v.run(t, ok)
	none(t, v.alerts, v.ops)

	if !strings.Contains(logs.String(), `"check":"balance","account":"partner-cn","destination":"ops"`) {
		t.Errorf("logs lack the stable keys:\n%s", logs.String())
	}
	recs, err := v.st.List(context.Background(), "alert/balance/partner-cn", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if bytes.Contains(r.Value, []byte("AKSECRET")) {
			t.Errorf("record %s carries the secret: %s", r.Key.Sort, r.Value)
		}
	}
}

func TestChangesAreCappedAtMaxItems(t *testing.T) {
	v := newEnv(t)
	v.e.MaxItems = 2
	v.run(t, eval(finding("c-9", notify.Warning, "¥1.00")))
	v.alerts.take()
	v.run(t, eval(finding("c-1", notify.Warning, "¥1.00"), finding("c-2", notify.Warning, "¥2.00"), finding("c-3", notify.Warning, "¥3.00")))
	got := one(t, v.alerts).Msg
	want := []string{"new: Customer c-1: warning, Balance ¥1.00", "new: Customer c-2: warning, Balance ¥2.00", "and 2 more changes"}
	if diff := cmp.Diff(want, got.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if want := "3 findings: 3 warning; 3 new, 1 resolved; 2 more not listed"; got.Summary != want {
		t.Errorf("summary = %q, want %q", got.Summary, want)
	}
}

func TestDestinationNoLongerRoutedIsDropped(t *testing.T) {
	v := newEnv(t)
	v.backup.fail = func(notify.Message) error { return errDown }
	ev := eval(finding("c-1", notify.Critical, "¥80.00"))
	v.run(t, ev)
	router, err := notify.NewRouter([]notify.Route{{To: []string{"alerts"}}}, nil, map[string]notify.Destination{"alerts": v.alerts})
	if err != nil {
		t.Fatal(err)
	}
	v.e.Router = router
	rep := v.run(t, ev)
	if rep.Dropped != 1 || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Error(), "destination backup is no longer routed") {
		t.Errorf("report = %+v, want the backup delivery dropped", rep)
	}
}

func TestFailedDeliveryIsRetriedFirstWithTheSameID(t *testing.T) {
	v := newEnv(t)
	down := true
	v.backup.fail = func(notify.Message) error {
		if down {
			return errDown
		}
		return nil
	}
	rep := v.run(t, eval(finding("c-1", notify.Critical, "¥80.00")))
	if rep.Delivered != 1 || rep.Failed != 1 || len(rep.Errors) != 1 {
		t.Errorf("report = %+v, want 1 delivered, 1 failed, its error listed", rep)
	}
	firing := one(t, v.alerts)
	none(t, v.backup)

	down = false
	v.clk.Advance(time.Hour)
	rep = v.run(t, eval(finding("c-1", notify.Critical, "¥80.00"), finding("c-2", notify.Critical, "¥10.00")))
	got := v.backup.take()
	if diff := cmp.Diff([]notify.Kind{notify.KindFiring, notify.KindUpdate}, kinds(got)); diff != "" {
		t.Fatalf("backup kinds (-want +got):\n%s", diff)
	}
	if got[0].Msg.ID != firing.Msg.ID {
		t.Errorf("retry id = %s, want the original %s", got[0].Msg.ID, firing.Msg.ID)
	}
	if got[1].Prev.IsZero() {
		t.Errorf("update to backup has no prev; want the Ref of the retried message")
	}
	if upd := one(t, v.alerts); upd.Msg.Kind != notify.KindUpdate {
		t.Errorf("alerts got %s, want only the update (the firing was delivered before)", upd.Msg.Kind)
	}
	if rep.Delivered != 3 || rep.Failed != 0 {
		t.Errorf("report = %+v, want 3 delivered", rep)
	}

	v.run(t, eval(finding("c-1", notify.Critical, "¥80.00"), finding("c-2", notify.Critical, "¥10.00")))
	none(t, v.alerts, v.backup)
}

func TestFailedDeliveryKeepsOrderWhileDown(t *testing.T) {
	v := newEnv(t)
	v.backup.fail = func(notify.Message) error { return errDown }
	v.run(t, eval(finding("c-1", notify.Critical, "¥80.00")))
	v.run(t, eval(finding("c-1", notify.Critical, "¥80.00"), finding("c-2", notify.Critical, "¥10.00")))
	if v.backup.n != 2 {
		t.Errorf("backup tried %d times, want 2 (once per run: later messages wait behind the failed one)", v.backup.n)
	}
	v.backup.fail = nil
	v.run(t, eval(finding("c-1", notify.Critical, "¥80.00"), finding("c-2", notify.Critical, "¥10.00")))
	if diff := cmp.Diff([]notify.Kind{notify.KindFiring, notify.KindUpdate}, kinds(v.backup.take())); diff != "" {
		t.Errorf("backup kinds (-want +got):\n%s", diff)
	}
}

func TestDroppedDeliveries(t *testing.T) {
	tests := []struct {
		name    string
		fail    error
		advance time.Duration
	}{
		{"destination gone", errGone, time.Hour},
		{"older than the outbox TTL", errDown, 8 * 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newEnv(t)
			v.backup.fail = func(notify.Message) error { return tt.fail }
			ev := eval(finding("c-1", notify.Critical, "¥80.00"))
			v.run(t, ev)
			v.alerts.take()
			tries := v.backup.n

			v.clk.Advance(tt.advance)
			v.backup.fail = nil
			v.e.RepeatInterval = 365 * 24 * time.Hour
			v.run(t, ev)
			none(t, v.backup, v.alerts)
			if v.backup.n != tries {
				t.Errorf("backup tried %d more times, want 0", v.backup.n-tries)
			}
			if n, _ := sizes(t, v.st, "alert/balance/partner-cn"); n != 3 {
				t.Errorf("%d records, want 3 (head, one chunk, one ref): the outbox is empty", n)
			}
		})
	}
}

func TestGoneIsReportedAndNotRetried(t *testing.T) {
	v := newEnv(t)
	v.backup.fail = func(notify.Message) error { return errGone }
	rep := v.run(t, eval(finding("c-1", notify.Critical, "¥80.00")))
	if rep.Dropped != 1 || rep.Failed != 0 || len(rep.Errors) != 1 || !errors.Is(rep.Errors[0], notify.ErrGone) {
		t.Errorf("report = %+v, want one drop with an ErrGone error", rep)
	}
}

func TestOutboxTTLDropIsReported(t *testing.T) {
	v := newEnv(t)
	v.backup.fail = func(notify.Message) error { return errDown }
	v.run(t, eval(finding("c-1", notify.Critical, "¥80.00")))
	v.clk.Advance(7*24*time.Hour + time.Second)
	v.e.RepeatInterval = 365 * 24 * time.Hour
	rep := v.run(t, eval(finding("c-1", notify.Critical, "¥80.00")))
	if rep.Dropped != 1 || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Error(), "undelivered for 168h0m1s") {
		t.Errorf("report = %+v, want one drop saying how long it waited", rep)
	}
}

func TestLargeGroup(t *testing.T) {
	v := newEnv(t)
	var fs []alert.Finding
	for i := range 5000 {
		sev := notify.Warning
		if i%1000 == 0 {
			sev = notify.Critical
		}
		f := finding(fmt.Sprintf("customer/c-%05d/CNY", i), sev, "¥1,234.56")
		f.Title = fmt.Sprintf("Shanghai Example Trading Company Limited %05d (c-%05d)", i, i)
		fs = append(fs, f)
	}
	ev := eval(fs...)
	ev.Noun = "customers below threshold"
	v.run(t, ev)

	n, largest := sizes(t, v.st, "alert/balance/partner-cn")
	if largest > 350<<10 {
		t.Errorf("largest record = %d bytes, want at most 350 KB", largest)
	}
	if n > 256+3 {
		t.Errorf("%d records, want at most 256 chunks plus head and refs", n)
	}
	msg := one(t, v.alerts).Msg
	if len(msg.Items) != 40 {
		t.Errorf("%d items, want 40", len(msg.Items))
	}
	if want := "5000 customers below threshold: 5 critical, 4995 warning; 4960 more not listed"; msg.Summary != want {
		t.Errorf("summary = %q, want %q", msg.Summary, want)
	}
	t.Logf("%d records, largest %d bytes", n, largest)

	// One customer moves to another tier: one chunk is rewritten, the head is leased and released, and
	// the update is queued, claimed and dequeued for its two destinations (the group is critical).
	v.st.reset()
	fs[7].Tier = "warning, second notice"
	v.run(t, ev)
	if diff := cmp.Diff(map[string]int{"head": 2, "f": 1, "o": 4}, v.st.putsTo); diff != "" {
		t.Errorf("puts by record (-want +got):\n%s", diff)
	}
	if got := v.st.deletes.Load(); got != 2 {
		t.Errorf("deletes = %d, want 2 (the delivered messages)", got)
	}
	if got := one(t, v.alerts).Msg.Changes; len(got) != 1 {
		t.Errorf("changes = %q, want one line", got)
	}
}

func TestInvalidEvaluationChangesNothing(t *testing.T) {
	wrong := finding("c-1", notify.Warning, "¥1.00")
	wrong.Check = "coupon"
	tests := []struct {
		name string
		ev   alert.Evaluation
		want string
	}{
		{"finding of another group", eval(wrong), `finding "c-1" belongs to coupon/partner-cn`},
		{"subject twice", eval(finding("c-1", notify.Warning, "¥1.00"), finding("c-1", notify.Critical, "¥0.00")), `subject "c-1" found twice`},
		{"no account", alert.Evaluation{Check: "balance"}, `account "" must be non-empty`},
		{"slash in check", alert.Evaluation{Check: "a/b", Account: "x"}, `contain no '/'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newEnv(t)
			rep, err := v.e.Run(context.Background(), []alert.Evaluation{tt.ev})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if len(rep.Errors) != 1 || rep.Groups != 0 {
				t.Errorf("report = %+v, want the error and no group", rep)
			}
			if w := v.st.writes(); w != 0 {
				t.Errorf("%d writes, want 0", w)
			}
			none(t, v.alerts, v.backup, v.ops)
		})
	}
}

func TestConcurrentRunsNotifyOnce(t *testing.T) {
	for i := range 20 {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			v := newEnv(t)
			// Both runs read the empty group before either writes, so both decide to fire.
			var arrived sync.WaitGroup
			arrived.Add(2)
			var lists atomic.Int64
			v.st.onList = func() {
				if lists.Add(1) <= 2 {
					arrived.Done()
					arrived.Wait()
				}
			}
			ev := eval(finding("c-1", notify.Critical, "¥80.00"))
			reps := make([]alert.Report, 2)
			var wg sync.WaitGroup
			for j := range 2 {
				wg.Go(func() {
					rep, err := v.e.Run(context.Background(), []alert.Evaluation{ev})
					if err != nil {
						t.Errorf("run %d: %v", j, err)
					}
					reps[j] = rep
				})
			}
			wg.Wait()
			one(t, v.alerts)
			one(t, v.backup)
			if f := reps[0].Firing + reps[1].Firing; f != 1 {
				t.Errorf("firing over both runs = %d, want 1 (%+v, %+v)", f, reps[0], reps[1])
			}
		})
	}
}

func TestRunHoldingTheLeaseKeepsOthersAway(t *testing.T) {
	v := newEnv(t)
	leased, release := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	// The first run stops between writing its lease and writing the findings.
	v.st.onPut = func(r state.Record) error {
		if strings.HasPrefix(r.Key.Sort, "f/") && first.CompareAndSwap(false, true) {
			close(leased)
			<-release
		}
		return nil
	}
	ev := eval(finding("c-1", notify.Warning, "¥80.00"))
	done := make(chan alert.Report)
	go func() {
		rep, err := v.e.Run(context.Background(), []alert.Evaluation{ev})
		if err != nil {
			t.Errorf("first run: %v", err)
		}
		done <- rep
	}()
	<-leased
	second := v.run(t, ev)
	close(release)
	firstRep := <-done
	if second.Busy != 1 || second.Firing != 0 {
		t.Errorf("second run = %+v, want it to find the group busy and send nothing", second)
	}
	if firstRep.Firing != 1 {
		t.Errorf("first run = %+v, want it to fire", firstRep)
	}
	one(t, v.alerts)
}

func TestStoreFailureMidCommitLosesNoMessage(t *testing.T) {
	v := newEnv(t)
	broken := errors.New("dynamodb: 500")
	v.st.onPut = func(r state.Record) error {
		if strings.HasPrefix(r.Key.Sort, "f/") {
			return broken
		}
		return nil
	}
	ev := eval(finding("c-1", notify.Warning, "¥80.00"))
	_, err := v.e.Run(context.Background(), []alert.Evaluation{ev})
	if !errors.Is(err, broken) {
		t.Fatalf("err = %v, want the store's error", err)
	}
	if got := one(t, v.alerts); got.Msg.Kind != notify.KindFiring {
		t.Errorf("kind = %s, want the queued firing message delivered anyway", got.Msg.Kind)
	}
	v.st.onPut = nil

	// Until the crashed commit's lease runs out the group is left alone; then it is repaired.
	if rep := v.run(t, ev); rep.Busy != 1 {
		t.Errorf("within the lease: %+v, want busy", rep)
	}
	v.clk.Advance(16 * time.Minute)
	v.run(t, ev)
	if got := one(t, v.alerts); got.Msg.Kind != notify.KindUpdate || got.Prev.IsZero() {
		t.Errorf("after the lease: kind %s prev %+v, want the message updated (a repeat, not a loss)", got.Msg.Kind, got.Prev)
	}
	v.run(t, ev)
	none(t, v.alerts)
}

func TestDigestIsWorstFirst(t *testing.T) {
	v := newEnv(t)
	ranked := func(subject string, sev notify.Severity, rank int64) alert.Finding {
		f := finding(subject, sev, "")
		f.Rank = rank
		return f
	}
	v.run(t, eval(
		ranked("c-3", notify.Warning, 90000),
		ranked("c-2", notify.Critical, 5000),
		ranked("c-1", notify.Warning, 100),
		ranked("c-0", notify.Critical, -200),
	))
	got := one(t, v.alerts)
	want := []string{"Customer c-0=new", "Customer c-2=new", "Customer c-1=new", "Customer c-3=new"}
	if diff := cmp.Diff(want, statuses(got.Msg)); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

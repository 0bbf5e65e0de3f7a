package alert_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

func coupon(subject, tier string, sev notify.Severity) alert.Finding {
	return alert.Finding{Check: "coupon", Account: "a", Subject: subject, Tier: tier, Severity: sev,
		Title: "Coupon " + subject, Fields: []notify.Field{{Name: "Unused", Value: "¥500.00"}}}
}

func expired(subject string) alert.Finding {
	f := coupon(subject, "expired unused", notify.Warning)
	f.Final, f.Text = true, "expired unused: ¥500.00"
	return f
}

func coupons(fs ...alert.Finding) alert.Evaluation {
	return alert.Evaluation{Check: "coupon", Account: "a", Noun: "coupons", Findings: fs}
}

func TestFinalNoticeIsAnnouncedOnceAndNeverResolved(t *testing.T) {
	v := newEnv(t)
	v.run(t, coupons(coupon("k-1", "within 1 day", notify.Critical), coupon("k-2", "within 7 days", notify.Warning)))
	v.alerts.take()
	v.backup.take()

	steps := []struct {
		name        string
		eval        alert.Evaluation
		wantKinds   []notify.Kind
		wantChanges []string
		wantSummary string
		wantItems   []string
	}{
		{"the coupon expires: one notice in the thread", coupons(expired("k-1"), coupon("k-2", "within 7 days", notify.Warning)),
			[]notify.Kind{notify.KindUpdate}, []string{"Coupon k-1: expired unused: ¥500.00"},
			"1 coupon: 1 warning; 1 expired unused", []string{"Coupon k-1=changed", "Coupon k-2=firing"}},
		{"still reported: nothing new", coupons(expired("k-1"), coupon("k-2", "within 7 days", notify.Warning)), nil, nil, "", nil},
		{"gone from the answer: no resolved line", coupons(coupon("k-2", "within 7 days", notify.Warning)), nil, nil, "", nil},
		{"another coupon resolves: the digest no longer lists the notice", coupons(),
			[]notify.Kind{notify.KindResolved}, []string{"resolved: Coupon k-2"}, "all resolved: 1 coupon", []string{"Coupon k-2=resolved"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			v.clk.Advance(time.Hour)
			v.run(t, s.eval)
			got := v.alerts.take()
			if diff := cmp.Diff(s.wantKinds, kinds(got)); diff != "" {
				t.Fatalf("kinds (-want +got):\n%s", diff)
			}
			if len(got) == 0 {
				return
			}
			msg := got[0].Msg
			if diff := cmp.Diff(s.wantChanges, msg.Changes); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if msg.Summary != s.wantSummary {
				t.Errorf("summary = %q, want %q", msg.Summary, s.wantSummary)
			}
			if diff := cmp.Diff(s.wantItems, statuses(msg)); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFinalNoticeAlone(t *testing.T) {
	v := newEnv(t)
	v.run(t, coupons(expired("k-9")))
	got := one(t, v.alerts)
	if got.Msg.Kind != notify.KindFiring || got.Msg.Summary != "1 expired unused" {
		t.Errorf("kind %s summary %q, want a firing digest saying 1 expired unused", got.Msg.Kind, got.Msg.Summary)
	}
	if diff := cmp.Diff([]string{"Coupon k-9=new"}, statuses(got.Msg)); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	v.run(t, coupons(expired("k-9"))) // closes the group, silently
	none(t, v.alerts)
	v.st.reset()
	v.run(t, coupons(expired("k-9")))
	none(t, v.alerts)
	if n := v.st.writes(); n != 0 {
		t.Errorf("a notice reported again wrote %d records, want 0", n)
	}
	// The notice kept no group open: the next finding starts a new message.
	v.run(t, coupons(coupon("k-1", "within 30 days", notify.Info)))
	if next := one(t, v.alerts); next.Msg.Kind != notify.KindFiring || !next.Prev.IsZero() {
		t.Errorf("kind %s prev %+v, want a new firing message", next.Msg.Kind, next.Prev)
	}
}

func TestFinalNoticeSurvivesASkippedRun(t *testing.T) {
	v := newEnv(t)
	v.run(t, coupons(expired("issued/k-1")))
	v.alerts.take()
	ev := coupons()
	ev.Skipped = []string{"issued/"}
	ev.Err, ev.Partial = errDown, true
	v.run(t, ev)
	v.alerts.take()
	v.run(t, coupons(expired("issued/k-1")))
	none(t, v.alerts)
}

func TestNotesReachTheDigest(t *testing.T) {
	v := newEnv(t)
	ev := coupons(coupon("k-1", "within 7 days", notify.Warning))
	ev.Notes = []string{"¥500.00 in 1 coupon expires within 7 days"}
	v.run(t, ev)
	if diff := cmp.Diff(ev.Notes, one(t, v.alerts).Msg.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}

package alert_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

// request is an invoice-like finding: its tier is a state, and final states end it.
func request(id, state string, final bool) alert.Finding {
	return alert.Finding{Check: "invoice", Account: "intl", Subject: "request/" + id, Tier: state,
		Severity: notify.Info, Title: "Request " + id, Final: final,
		Fields: []notify.Field{{Name: "State", Value: state}}}
}

func requests(fs ...alert.Finding) alert.Evaluation {
	return alert.Evaluation{Check: "invoice", Account: "intl", Noun: "invoice requests", Findings: fs}
}

func TestFinalFindingIsToldOnceThenDroppedSilently(t *testing.T) {
	v := newEnv(t)
	v.run(t, requests(request("r-1", "pending", false), request("r-2", "pending", false)))
	one(t, v.alerts)

	v.clk.Advance(time.Hour)
	v.run(t, requests(request("r-1", "completed", true), request("r-2", "pending", false)))
	got := one(t, v.alerts)
	if diff := cmp.Diff([]string{"Request r-1: pending -> completed, State completed"}, got.Msg.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}

	tests := []struct {
		name  string
		ev    alert.Evaluation
		kinds []notify.Kind
	}{
		{"reported again unchanged", requests(request("r-1", "completed", true), request("r-2", "pending", false)), nil},
		{"no longer reported", requests(request("r-2", "pending", false)), nil},
		{"the rest changes", requests(request("r-2", "review", false)), []notify.Kind{notify.KindUpdate}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v.clk.Advance(time.Hour)
			v.st.reset()
			rep := v.run(t, tt.ev)
			got := v.alerts.take()
			if diff := cmp.Diff(tt.kinds, kinds(got)); diff != "" {
				t.Fatalf("messages (-want +got):\n%s", diff)
			}
			if rep.Resolved != 0 {
				t.Errorf("resolved = %d, want 0: a final finding is never resolved", rep.Resolved)
			}
			for _, s := range got {
				for _, it := range s.Msg.Items {
					if it.Title == "Request r-1" {
						t.Errorf("digest still lists the ended request: %v", statuses(s.Msg))
					}
				}
			}
		})
	}
}

func TestGroupOfOnlyFinalFindingsClosesWithoutResolving(t *testing.T) {
	v := newEnv(t)
	v.run(t, requests(request("r-1", "pending", false)))
	one(t, v.alerts)
	v.run(t, requests(request("r-1", "completed", true)))
	if got := one(t, v.alerts); got.Msg.Kind != notify.KindUpdate {
		t.Fatalf("kind = %s, want update", got.Msg.Kind)
	}
	rep := v.run(t, requests(request("r-1", "completed", true)))
	none(t, v.alerts)
	if rep.Resolved != 0 {
		t.Errorf("resolved = %d, want 0", rep.Resolved)
	}
	// The group closed: the next request opens a new message.
	v.run(t, requests(request("r-1", "completed", true), request("r-3", "pending", false)))
	got := one(t, v.alerts)
	if got.Msg.Kind != notify.KindFiring || !got.Prev.IsZero() {
		t.Errorf("kind %s prev %+v, want a new firing message", got.Msg.Kind, got.Prev)
	}
	if diff := cmp.Diff([]string{"Request r-3=new"}, statuses(got.Msg)); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
}

func TestSkippedFinalMarkerIsKept(t *testing.T) {
	v := newEnv(t)
	v.run(t, requests(request("r-1", "completed", true)))
	one(t, v.alerts)
	ev := requests()
	ev.Skipped = []string{"request/"}
	v.run(t, ev)
	none(t, v.alerts)
	// Had the marker gone, the same final finding would be told again.
	v.run(t, requests(request("r-1", "completed", true)))
	none(t, v.alerts)
}

func TestForgetGoneDropsWithoutResolving(t *testing.T) {
	v := newEnv(t)
	ev := requests(request("r-1", "pending", false), request("r-2", "pending", false))
	ev.ForgetGone = true
	v.run(t, ev)
	one(t, v.alerts)

	ev.Findings = ev.Findings[1:]
	rep := v.run(t, ev)
	none(t, v.alerts)
	if rep.Resolved != 0 {
		t.Errorf("resolved = %d, want 0", rep.Resolved)
	}
	ev.Findings = []alert.Finding{request("r-2", "review", false)}
	v.run(t, ev)
	got := one(t, v.alerts)
	if diff := cmp.Diff([]string{"Request r-2=changed"}, statuses(got.Msg)); diff != "" {
		t.Errorf("items (-want +got), the forgotten request must not show:\n%s", diff)
	}
}

func TestFirstRun(t *testing.T) {
	existing := []alert.Finding{request("r-1", "pending", false), request("r-2", "completed", true)}
	tests := []struct {
		name  string
		mode  alert.FirstRun
		first []string // items of the first run's message; nil: no message
	}{
		{"tell", alert.FirstRunTell, []string{"Request r-1=new", "Request r-2=new"}},
		{"record", alert.FirstRunRecord, nil},
		{"open", alert.FirstRunOpen, []string{"Request r-1=new"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newEnv(t)
			ev := requests(existing...)
			ev.FirstRun = tt.mode
			v.run(t, ev)
			got := v.alerts.take()
			switch {
			case tt.first == nil && len(got) != 0:
				t.Fatalf("first run sent %v, want nothing", kinds(got))
			case tt.first != nil && len(got) != 1:
				t.Fatalf("first run sent %v, want one message", kinds(got))
			case tt.first != nil:
				if diff := cmp.Diff(tt.first, statuses(got[0].Msg)); diff != "" {
					t.Errorf("items (-want +got):\n%s", diff)
				}
			}

			// The same state again tells nothing.
			v.run(t, ev)
			none(t, v.alerts)

			// A change is told as a change, with the state it came from.
			ev.Findings = []alert.Finding{request("r-1", "completed", true), existing[1]}
			v.run(t, ev)
			msg := one(t, v.alerts).Msg
			if diff := cmp.Diff([]string{"Request r-1: pending -> completed, State completed"}, msg.Changes); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"Request r-1=changed"}, statuses(msg)); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFirstRunRecordWithNothingFoundStillCounts(t *testing.T) {
	v := newEnv(t)
	ev := requests()
	ev.FirstRun = alert.FirstRunRecord
	v.run(t, ev)
	ev.Findings = []alert.Finding{request("r-9", "pending", false)}
	v.run(t, ev)
	got := one(t, v.alerts)
	if diff := cmp.Diff([]string{"Request r-9=new"}, statuses(got.Msg)); diff != "" {
		t.Errorf("a request after an empty first run is news (-want +got):\n%s", diff)
	}
}

func TestNoRepeat(t *testing.T) {
	tests := []struct {
		name     string
		noRepeat bool
		want     []notify.Kind
	}{
		{"reminded after the interval", false, []notify.Kind{notify.KindRepeat}},
		{"never reminded", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newEnv(t)
			ev := requests(request("r-1", "pending", false))
			ev.NoRepeat = tt.noRepeat
			v.run(t, ev)
			one(t, v.alerts)
			v.clk.Advance(alert.DefaultRepeatInterval + time.Hour)
			v.run(t, ev)
			if diff := cmp.Diff(tt.want, kinds(v.alerts.take())); diff != "" {
				t.Errorf("messages a day later (-want +got):\n%s", diff)
			}
			// A change is still told.
			ev.Findings = []alert.Finding{request("r-1", "review", false)}
			v.run(t, ev)
			if got := one(t, v.alerts); got.Msg.Kind != notify.KindUpdate {
				t.Errorf("kind = %s, want update", got.Msg.Kind)
			}
		})
	}
}

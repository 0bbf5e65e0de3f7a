package notify_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bsswatch/bsswatch/pkg/notify"
)

// named is the smallest Destination; the router only reads names.
type named string

func (n named) Name() string { return string(n) }
func (n named) Send(context.Context, notify.Message, notify.Ref) (notify.Ref, error) {
	return notify.Ref{}, errors.New("not for sending")
}

func dests(names ...string) map[string]notify.Destination {
	m := map[string]notify.Destination{}
	for _, n := range names {
		m[n] = named(n)
	}
	return m
}

func TestRouterRoute(t *testing.T) {
	routes := []notify.Route{
		{To: []string{"all"}},
		{Checks: []string{"balance", "coupons"}, MinSeverity: notify.Warning, To: []string{"finance", "all"}},
		{Accounts: []string{"partner-cn"}, MinSeverity: notify.Critical, To: []string{"pager"}},
		{Checks: []string{"renewal"}, Accounts: []string{"partner-intl"}, To: []string{"renewals"}},
	}
	r, err := notify.NewRouter(routes, []string{"ops"}, dests("all", "finance", "pager", "renewals", "ops"))
	if err != nil {
		t.Fatalf("NewRouter: %v", err)
	}
	tests := []struct {
		name string
		msg  notify.Message
		want []string
	}{
		{"info balance goes to the catch-all only", notify.Message{Check: "balance", Account: "partner-cn", Severity: notify.Info}, []string{"all"}},
		{"warning balance adds finance once", notify.Message{Check: "balance", Account: "partner-cn", Severity: notify.Warning}, []string{"all", "finance"}},
		{"critical on partner-cn pages", notify.Message{Check: "balance", Account: "partner-cn", Severity: notify.Critical}, []string{"all", "finance", "pager"}},
		{"critical elsewhere does not page", notify.Message{Check: "balance", Account: "other", Severity: notify.Critical}, []string{"all", "finance"}},
		{"check and account must both match", notify.Message{Check: "renewal", Account: "partner-cn", Severity: notify.Info}, []string{"all"}},
		{"renewal on intl", notify.Message{Check: "renewal", Account: "partner-intl", Severity: notify.Info}, []string{"all", "renewals"}},
		{"check failure goes to ops only", notify.Message{Kind: notify.KindCheckFailed, Check: "balance", Account: "partner-cn", Severity: notify.Critical}, []string{"ops"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, d := range r.Route(tt.msg) {
				got = append(got, d.Name())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("destinations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRouterCheckFailureWithoutOpsIsRouted(t *testing.T) {
	r, err := notify.NewRouter([]notify.Route{{To: []string{"all"}}}, nil, dests("all"))
	if err != nil {
		t.Fatalf("NewRouter: %v", err)
	}
	got := r.Route(notify.Message{Kind: notify.KindCheckFailed, Severity: notify.Critical})
	if len(got) != 1 || got[0].Name() != "all" {
		t.Errorf("got %v, want [all]", got)
	}
}

func TestNewRouterListsEveryProblem(t *testing.T) {
	d := dests("a")
	d["b"] = named("not-b")
	_, err := notify.NewRouter([]notify.Route{{To: []string{"a", "x"}}, {}}, []string{"y"}, d)
	want := `notify: routes: destination "b" is registered under another name; ops: unknown destination "y"; ` +
		`route 1: unknown destination "x"; route 2: no destinations`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestParseSeverity(t *testing.T) {
	for _, s := range []notify.Severity{notify.Info, notify.Warning, notify.Critical} {
		if got, err := notify.ParseSeverity(s.String()); err != nil || got != s {
			t.Errorf("ParseSeverity(%q) = %v, %v; want %v", s, got, err, s)
		}
	}
	if _, err := notify.ParseSeverity("Critical"); err == nil {
		t.Error("ParseSeverity accepted a wrong spelling")
	}
}

// TestDeliverSlowDestinationDoesNotBlockOthers holds one receiver's answer until the other two have
// been answered: sequential delivery would never get there.

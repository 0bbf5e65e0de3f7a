package slackapp

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/slack-go/slack/slacktest"
)

// groups is a usergroups.users.list handler for slacktest, which has none: members by group id,
// a count of calls, and a switch that makes Slack fail.
type groups struct {
	mu      sync.Mutex
	members map[string][]string
	calls   int
	fail    string // a Slack error code to answer with; "" answers normally
	status  int    // an HTTP status to answer with; 0 answers 200
}

func (g *groups) bind(c slacktest.Customize) {
	c.Handle("/usergroups.users.list", func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.calls++
		if g.status != 0 {
			w.WriteHeader(g.status)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		members, ok := g.members[r.Form.Get("usergroup")]
		switch {
		case g.fail != "":
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": g.fail})
		case !ok:
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": "no_such_subteam"})
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "users": members})
		}
	})
}

func (g *groups) set(f func(g *groups)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f(g)
}

func (g *groups) callCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

// slackServer starts slacktest with the groups handler and returns a client pointed at it.
func slackServer(t *testing.T, g *groups) *notify.Slack {
	t.Helper()
	s := slacktest.NewTestServer(g.bind)
	s.Start()
	t.Cleanup(s.Stop)
	c, err := notify.NewSlack("approvals", "xoxb-test-token", "C0APPROVALS", notify.WithAPIURL(s.GetAPIURL()), notify.WithAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestApproversAllowed(t *testing.T) {
	g := &groups{members: map[string][]string{"S0FINANCE": {"U0GROUP01", "U0GROUP02"}}}
	client := slackServer(t, g)
	tests := []struct {
		name      string
		approvers *Approvers
		user      string
		want      bool
		wantCalls int
	}{
		{"listed user, no call to Slack", &Approvers{Users: []string{"U0LISTED"}, Group: "S0FINANCE", Client: client}, "U0LISTED", true, 0},
		{"group member", &Approvers{Users: []string{"U0LISTED"}, Group: "S0FINANCE", Client: client}, "U0GROUP02", true, 1},
		{"neither listed nor in the group", &Approvers{Users: []string{"U0LISTED"}, Group: "S0FINANCE", Client: client}, "U0STRANGER", false, 1},
		{"not listed, no group", &Approvers{Users: []string{"U0LISTED"}}, "U0GROUP01", false, 0},
		{"empty user id", &Approvers{Users: []string{""}, Group: "S0FINANCE", Client: client}, "", false, 0},
		{"zero value allows nobody", &Approvers{}, "U0LISTED", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := g.callCount()
			got, err := tt.approvers.Allowed(context.Background(), tt.user)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Allowed(%s) = %v, want %v", tt.user, got, tt.want)
			}
			if calls := g.callCount() - before; calls != tt.wantCalls {
				t.Errorf("usergroups.users.list calls = %d, want %d", calls, tt.wantCalls)
			}
		})
	}
}

func TestApproversCacheTheGroup(t *testing.T) {
	g := &groups{members: map[string][]string{"S0FINANCE": {"U0ALICE"}}}
	clk := &clock{t: clickTime}
	a := &Approvers{Group: "S0FINANCE", Client: slackServer(t, g), Now: clk.Now, TTL: 5 * time.Minute}
	allowed := func(user string) bool {
		t.Helper()
		ok, err := a.Allowed(context.Background(), user)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !allowed("U0ALICE") || allowed("U0BOB") {
		t.Fatal("first read: want Alice allowed and Bob not")
	}
	// Bob joins and Alice leaves the group; the cached list still holds for the TTL.
	g.set(func(g *groups) { g.members["S0FINANCE"] = []string{"U0BOB"} })
	clk.Add(5*time.Minute - time.Second)
	if !allowed("U0ALICE") || allowed("U0BOB") {
		t.Error("inside the TTL: want the cached list (Alice allowed, Bob not)")
	}
	if got, want := g.callCount(), 1; got != want {
		t.Errorf("calls inside the TTL = %d, want %d", got, want)
	}
	clk.Add(time.Second)
	if allowed("U0ALICE") || !allowed("U0BOB") {
		t.Error("at the TTL: want the new list (Bob allowed, Alice not)")
	}
	if got, want := g.callCount(), 2; got != want {
		t.Errorf("calls after the TTL = %d, want %d", got, want)
	}
	// A clock that goes back does not stretch the cache.
	clk.Add(-time.Hour)
	allowed("U0BOB")
	if got, want := g.callCount(), 3; got != want {
		t.Errorf("calls after the clock went back = %d, want %d", got, want)
	}
}

func TestApproversSlackFailureIsAnError(t *testing.T) {
	tests := []struct {
		name  string
		group string
		set   func(g *groups)
		want  string
	}{
		{"Slack error code", "S0FINANCE", func(g *groups) { g.fail = "missing_scope" }, "missing_scope"},
		{"unknown group", "S0NOSUCH", func(*groups) {}, "no_such_subteam"},
		{"server error", "S0FINANCE", func(g *groups) { g.status = http.StatusServiceUnavailable }, "503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &groups{members: map[string][]string{"S0FINANCE": {"U0ALICE"}}}
			clk := &clock{t: clickTime}
			a := &Approvers{Group: tt.group, Client: slackServer(t, g), Now: clk.Now}
			tt.set(g)
			ok, err := a.Allowed(context.Background(), "U0ALICE")
			if err == nil || ok {
				t.Fatalf("Allowed = %v, %v; want false and an error", ok, err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.group) {
				t.Errorf("error %q does not name the group and %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "xoxb-test-token") {
				t.Errorf("error %q carries the bot token", err)
			}
			// A failed read is not cached: once Slack answers, the member is allowed.
			g.set(func(g *groups) { g.fail, g.status = "", 0; g.members[tt.group] = []string{"U0ALICE"} })
			if ok, err := a.Allowed(context.Background(), "U0ALICE"); err != nil || !ok {
				t.Errorf("Allowed after Slack recovered = %v, %v; want true", ok, err)
			}
		})
	}
	t.Run("no client", func(t *testing.T) {
		a := &Approvers{Users: []string{"U0LISTED"}, Group: "S0FINANCE"}
		if ok, err := a.Allowed(context.Background(), "U0ALICE"); err == nil || ok {
			t.Errorf("Allowed = %v, %v; want false and an error", ok, err)
		}
	})
}

func TestApproversConcurrentClicksShareOneRead(t *testing.T) {
	g := &groups{members: map[string][]string{"S0FINANCE": {"U0ALICE"}}}
	a := &Approvers{Group: "S0FINANCE", Client: slackServer(t, g), Now: fixedClock(clickTime)}
	var wg sync.WaitGroup
	results := make([]bool, 8)
	for i := range results {
		wg.Go(func() {
			ok, err := a.Allowed(context.Background(), "U0ALICE")
			results[i] = ok && err == nil
		})
	}
	wg.Wait()
	if slices.Contains(results, false) {
		t.Errorf("results = %v, want all allowed", results)
	}
	if got, want := g.callCount(), 1; got != want {
		t.Errorf("usergroups.users.list calls = %d, want %d", got, want)
	}
}

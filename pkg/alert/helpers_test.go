package alert_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/state"
	"github.com/bsswatch/bsswatch/pkg/state/bolt"
)

var start = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// counting wraps the real store and counts its calls, so tests can assert that an unchanged run writes
// nothing. onList, when set, runs before each List.
type counting struct {
	state.Store
	gets, lists, puts, deletes atomic.Int64
	onList                     func()
	// onPut, when set, runs before each Put; an error it returns is returned instead of writing.
	onPut func(state.Record) error

	mu sync.Mutex
	// putsTo counts Puts by the first part of the sort key ("head", "f", "o", "r").
	putsTo map[string]int
}

func (c *counting) reset() {
	c.gets.Store(0)
	c.lists.Store(0)
	c.puts.Store(0)
	c.deletes.Store(0)
	c.mu.Lock()
	c.putsTo = nil
	c.mu.Unlock()
}

func (c *counting) Get(ctx context.Context, k state.Key) (state.Record, error) {
	c.gets.Add(1)
	return c.Store.Get(ctx, k)
}

func (c *counting) Put(ctx context.Context, r state.Record) (state.Record, error) {
	c.puts.Add(1)
	if c.onPut != nil {
		if err := c.onPut(r); err != nil {
			return state.Record{}, err
		}
	}
	c.mu.Lock()
	if c.putsTo == nil {
		c.putsTo = map[string]int{}
	}
	c.putsTo[strings.SplitN(r.Key.Sort, "/", 2)[0]]++
	c.mu.Unlock()
	return c.Store.Put(ctx, r)
}

func (c *counting) Delete(ctx context.Context, k state.Key, v int64) error {
	c.deletes.Add(1)
	return c.Store.Delete(ctx, k, v)
}

func (c *counting) List(ctx context.Context, p, prefix string) ([]state.Record, error) {
	c.lists.Add(1)
	if c.onList != nil {
		c.onList()
	}
	return c.Store.List(ctx, p, prefix)
}

func (c *counting) writes() int64 { return c.puts.Load() + c.deletes.Load() }

// sent is one call of a recording destination.
type sent struct {
	Msg  notify.Message
	Prev notify.Ref
}

// recorder is a destination that records what it is sent and answers with a fresh Ref (or the prev it
// was given, as an editing destination does). fail, when set, decides an error per call.
type recorder struct {
	name string
	mu   sync.Mutex
	got  []sent
	n    int
	fail func(notify.Message) error
}

func (d *recorder) Name() string { return d.name }

func (d *recorder) Send(_ context.Context, msg notify.Message, prev notify.Ref) (notify.Ref, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.n++
	if d.fail != nil {
		if err := d.fail(msg); err != nil {
			return notify.Ref{}, err
		}
	}
	d.got = append(d.got, sent{Msg: msg, Prev: prev})
	if !prev.IsZero() {
		return prev, nil
	}
	return notify.Ref{Channel: "C" + d.name, TS: strconv.Itoa(d.n)}, nil
}

// take returns and forgets what was delivered so far.
func (d *recorder) take() []sent {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := d.got
	d.got = nil
	return out
}

type env struct {
	e      *alert.Engine
	st     *counting
	clk    *clock
	alerts *recorder
	backup *recorder
	ops    *recorder
}

// newEnv builds an engine over a real bbolt file, the real router, and recording destinations:
// every alert goes to "alerts", critical ones to "backup" as well, and check failures to "ops".
func newEnv(t *testing.T) *env {
	t.Helper()
	clk := &clock{t: start}
	db, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"), bolt.Options{Now: clk.Now, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	v := &env{
		st:     &counting{Store: db},
		clk:    clk,
		alerts: &recorder{name: "alerts"},
		backup: &recorder{name: "backup"},
		ops:    &recorder{name: "ops"},
	}
	router, err := notify.NewRouter([]notify.Route{
		{To: []string{"alerts"}},
		{MinSeverity: notify.Critical, To: []string{"backup"}},
	}, []string{"ops"}, map[string]notify.Destination{"alerts": v.alerts, "backup": v.backup, "ops": v.ops})
	if err != nil {
		t.Fatal(err)
	}
	var ids atomic.Int64
	v.e = &alert.Engine{
		Store:  v.st,
		Router: router,
		Now:    clk.Now,
		NewID:  func() string { return fmt.Sprintf("id-%d", ids.Add(1)) },
	}
	return v
}

func (v *env) run(t *testing.T, evals ...alert.Evaluation) alert.Report {
	t.Helper()
	rep, err := v.e.Run(context.Background(), evals)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep
}

func finding(subject string, sev notify.Severity, balance string) alert.Finding {
	return alert.Finding{
		Check: "balance", Account: "partner-cn", Subject: subject,
		Tier: sev.String(), Severity: sev,
		Title:  "Customer " + subject,
		Text:   "balance is low",
		Fields: []notify.Field{{Name: "Balance", Value: balance}},
	}
}

func eval(findings ...alert.Finding) alert.Evaluation {
	return alert.Evaluation{Check: "balance", Account: "partner-cn", Findings: findings}
}

func kinds(got []sent) []notify.Kind {
	var out []notify.Kind
	for _, s := range got {
		out = append(out, s.Msg.Kind)
	}
	return out
}

func statuses(msg notify.Message) []string {
	var out []string
	for _, it := range msg.Items {
		out = append(out, it.Title+"="+it.Status)
	}
	return out
}

// one asserts that exactly one message was delivered and returns it.
func one(t *testing.T, d *recorder) sent {
	t.Helper()
	got := d.take()
	if len(got) != 1 {
		t.Fatalf("%s got %d messages %v, want 1", d.name, len(got), kinds(got))
	}
	return got[0]
}

func none(t *testing.T, ds ...*recorder) {
	t.Helper()
	for _, d := range ds {
		if got := d.take(); len(got) != 0 {
			t.Errorf("%s got %v, want nothing", d.name, kinds(got))
		}
	}
}

var errGone = fmt.Errorf("webhook: answered 410: %w", notify.ErrGone)

var errDown = errors.New("webhook: answered 503")

func sizes(t *testing.T, st state.Store, part string) (n, largest int) {
	t.Helper()
	recs, err := st.List(context.Background(), part, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		largest = max(largest, len(r.Value))
	}
	return len(recs), largest
}

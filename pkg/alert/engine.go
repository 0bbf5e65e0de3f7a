package alert

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/state"
)

// Router picks the destinations of a message; *notify.Router implements it. Route cannot fail: a
// message nobody should get has no destinations.
type Router interface {
	Route(notify.Message) []notify.Destination
}

// Defaults for the Engine's zero fields.
const (
	DefaultRepeatInterval = 24 * time.Hour
	DefaultMaxItems       = 40
	DefaultOutboxTTL      = 7 * 24 * time.Hour
)

// leaseFor bounds how long a crashed run can hold a group: the longest a Lambda invocation lives.
const leaseFor = 15 * time.Minute

// maxAttempts bounds how often a group is re-read and re-evaluated after losing a write to another run.
const maxAttempts = 4

// Engine turns evaluations into notifications: it compares each (check, account) group's findings
// with the stored ones, decides what to say, persists that before sending, and delivers it.
type Engine struct {
	Store  state.Store
	Router Router
	// Now is the clock; nil means time.Now. One Run reads it once.
	Now func() time.Time
	// RepeatInterval is how long a group that still fires unchanged waits before a reminder.
	RepeatInterval time.Duration
	// MaxItems is how many items (and change lines) a message shows; the rest are counted.
	MaxItems int
	// OutboxTTL is how long an undelivered message is retried before it is dropped.
	OutboxTTL time.Duration
	Log       *slog.Logger
	// NewID returns a unique message or episode id; nil means 26 random base32 characters.
	NewID func() string
}

// Report counts what a Run did. Message counts are per group (one message may go to several
// destinations); Delivered, Failed and Dropped are per destination.
type Report struct {
	// Groups is the number of valid evaluations processed.
	Groups int
	// Firing, Updated, Repeated, Resolved and CheckFailed count messages queued by kind; Resolved
	// includes "check recovered" messages.
	Firing, Updated, Repeated, Resolved, CheckFailed int
	Delivered, Failed                                int
	// Dropped counts deliveries given up: the destination is gone (ErrGone), no longer routed, or the
	// message outlived OutboxTTL.
	Dropped int
	// Busy counts groups left alone because another run was changing them at the same time.
	Busy   int
	Errors []error
}

// Run processes one run's evaluations: first it retries messages earlier runs could not deliver, then
// it updates every group and queues its message, then it delivers. It returns an error (also listed in
// Report.Errors) when an evaluation was invalid or a group's state could not be read or written; those
// groups are left as they were. Delivery failures are only reported: the messages stay queued and the
// next Run retries them first.
func (e *Engine) Run(ctx context.Context, evals []Evaluation) (Report, error) {
	return e.RunAt(ctx, e.clock(), evals)
}

// RunAt is Run at a clock reading the caller took once for the whole run, so the checks that made
// the evaluations and the engine that files them see the same time.
func (e *Engine) RunAt(ctx context.Context, now time.Time, evals []Evaluation) (Report, error) {
	if e.Store == nil || e.Router == nil {
		return Report{}, errors.New("alert: engine needs a Store and a Router")
	}
	r := &run{
		e:       e,
		now:     now,
		id:      e.newID(),
		log:     e.logger(),
		blocked: map[string]bool{},
	}
	var groups []Evaluation
	seen := map[string]bool{}
	for _, ev := range evals {
		err := validate(ev)
		if err == nil && seen[partition(ev.Check, ev.Account)] {
			err = fmt.Errorf("alert: %s/%s evaluated twice in one run", ev.Check, ev.Account)
		}
		if err != nil {
			r.fatal(err)
			continue
		}
		seen[partition(ev.Check, ev.Account)] = true
		groups = append(groups, ev)
	}
	r.report.Groups = len(groups)

	// Earlier runs' messages go first, so that a destination sees a group's messages in order.
	snaps := make([]*snapshot, len(groups))
	unreadable := make([]bool, len(groups))
	for i, ev := range groups {
		part := partition(ev.Check, ev.Account)
		s, err := load(ctx, e.Store, part)
		if err != nil {
			r.fatal(err)
			unreadable[i] = true
			continue
		}
		if len(s.outbox) > 0 {
			r.deliver(ctx, s)
			s = nil // deliveries changed the partition
		}
		snaps[i] = s
	}
	queued := make([]bool, len(groups))
	for i, ev := range groups {
		if unreadable[i] {
			continue
		}
		n := r.queued
		if err := r.evaluate(ctx, ev, snaps[i]); err != nil {
			r.fatal(err)
		}
		queued[i] = r.queued > n
	}
	for i, ev := range groups {
		if !queued[i] {
			continue
		}
		s, err := load(ctx, e.Store, partition(ev.Check, ev.Account))
		if err != nil {
			r.fatal(err)
			continue
		}
		r.deliver(ctx, s)
	}
	return r.report, errors.Join(r.fatalErrs...)
}

func (e *Engine) clock() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) newID() string {
	if e.NewID != nil {
		return e.NewID()
	}
	return rand.Text()
}

func (e *Engine) logger() *slog.Logger {
	if e.Log != nil {
		return e.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (e *Engine) repeatInterval() time.Duration {
	if e.RepeatInterval > 0 {
		return e.RepeatInterval
	}
	return DefaultRepeatInterval
}

func (e *Engine) maxItems() int {
	if e.MaxItems > 0 {
		return e.MaxItems
	}
	return DefaultMaxItems
}

func (e *Engine) outboxTTL() time.Duration {
	if e.OutboxTTL > 0 {
		return e.OutboxTTL
	}
	return DefaultOutboxTTL
}

// validate rejects an evaluation the engine cannot file without mixing it up with another group.
func validate(ev Evaluation) error {
	for _, s := range []string{ev.Check, ev.Account} {
		if s == "" || strings.Contains(s, "/") {
			return fmt.Errorf("alert: invalid evaluation: check %q and account %q must be non-empty and contain no '/'", ev.Check, ev.Account)
		}
	}
	seen := map[string]string{}
	for _, f := range ev.Findings {
		if f.Check != ev.Check || f.Account != ev.Account {
			return fmt.Errorf("alert: %s/%s: finding %q belongs to %s/%s", ev.Check, ev.Account, f.Subject, f.Check, f.Account)
		}
		if f.Subject == "" {
			return fmt.Errorf("alert: %s/%s: finding %q has no subject", ev.Check, ev.Account, f.Title)
		}
		fp := f.Fingerprint()
		if s, dup := seen[fp]; dup {
			return fmt.Errorf("alert: %s/%s: subject %q found twice in one evaluation", ev.Check, ev.Account, s)
		}
		seen[fp] = f.Subject
	}
	return nil
}

// run is the state of one Run: one clock reading, one owner id for leases, and the report.
type run struct {
	e   *Engine
	now time.Time
	id  string
	log *slog.Logger

	mu        sync.Mutex
	report    Report
	fatalErrs []error
	queued    int
	// blocked holds partition+destination pairs whose delivery failed in this run: later messages to
	// them wait, in order, for the next run.
	blocked map[string]bool
}

func (r *run) fatal(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fatalErrs = append(r.fatalErrs, err)
	r.report.Errors = append(r.report.Errors, err)
}

func (r *run) count(f func(*Report)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&r.report)
}

// errBusy means another run holds the group's lease.
var errBusy = errors.New("alert: group busy")

// change is one decided transition of a group or check-failure record.
type change struct {
	target string
	old    headRec
	next   head
	// msg is nil for a change of state alone (a title that changed, a group closed without news).
	msg    *notify.Message
	chunks []chunkWrite
	tally  func(*Report)
}

type chunkWrite struct {
	rec    state.Record // key and read version; Value is the new content, nil to delete
	delete bool
}

// evaluate applies one evaluation: a check that could not run only touches its check-failure record;
// otherwise the group is updated and a failure episode, if open, is closed.
func (r *run) evaluate(ctx context.Context, ev Evaluation, s *snapshot) error {
	if ev.Err != nil && !ev.Partial {
		_, err := r.transition(ctx, ev, s, r.planFailure)
		return err
	}
	if ev.Err != nil {
		r.log.Warn("check ran in part", "check", ev.Check, "account", ev.Account, "skipped", len(ev.Skipped), "error", ev.Err.Error())
	}
	// The group's transition does not write the check-failure record, so what it read still serves.
	s, err := r.transition(ctx, ev, s, r.planGroup)
	if err != nil {
		return err
	}
	_, err = r.transition(ctx, ev, s, r.planFailure)
	return err
}

// transition decides and commits one change, re-reading and deciding again when another run wrote the
// same record in between.
func (r *run) transition(ctx context.Context, ev Evaluation, s *snapshot, plan func(Evaluation, *snapshot) (*change, error)) (*snapshot, error) {
	part := partition(ev.Check, ev.Account)
	for attempt := 1; ; attempt++ {
		if s == nil {
			var err error
			if s, err = load(ctx, r.e.Store, part); err != nil {
				return nil, err
			}
		}
		c, err := plan(ev, s)
		if err == nil && c != nil {
			err = r.commit(ctx, s, c)
		}
		switch {
		case errors.Is(err, errBusy):
			r.log.Info("group busy, left to the other run", "check", ev.Check, "account", ev.Account)
			r.count(func(rep *Report) { rep.Busy++ })
			return s, nil
		case errors.Is(err, state.ErrConflict) && !errors.As(err, new(*afterLease)) && attempt < maxAttempts:
			s = nil
			continue
		case err != nil:
			return nil, fmt.Errorf("alert: %s/%s: %w", ev.Check, ev.Account, err)
		}
		return s, nil
	}
}

// commit writes a change so that nothing is lost if the run dies half-way: first the head, with a
// lease that keeps other runs away (and loses cleanly to a concurrent writer); then the message in the
// outbox; then the findings; last the head again, releasing the lease. A run that dies after queuing
// the message may repeat it once; one that dies before never notified anyone.
func (r *run) commit(ctx context.Context, s *snapshot, c *change) error {
	st := r.e.Store
	next := c.next
	next.Lease = &lease{Owner: r.id, Until: r.now.Add(leaseFor)}
	rec, err := putJSON(ctx, st, c.old.rec, next)
	if err != nil {
		return err
	}
	if c.msg != nil {
		if err := r.enqueue(ctx, s, c); err != nil {
			return &afterLease{err}
		}
	}
	for _, w := range c.chunks {
		if w.delete {
			err = st.Delete(ctx, w.rec.Key, w.rec.Version)
		} else {
			_, err = st.Put(ctx, w.rec)
		}
		if err != nil {
			// Only a run that took the lease over after it expired writes here too; it re-evaluates
			// from what it reads, so this run stops.
			return &afterLease{fmt.Errorf("alert: write %s: %w", w.rec.Key.Sort, err)}
		}
	}
	next.Lease = nil
	if _, err := putJSON(ctx, st, rec, next); err != nil {
		return &afterLease{fmt.Errorf("alert: release %s: %w", c.target, err)}
	}
	if c.tally != nil {
		r.count(c.tally)
	}
	return nil
}

// afterLease marks an error met after the lease was taken: the message may be queued already, so the
// change is not decided again (that could queue it twice); the lease runs out and a later run repairs
// the group from what it reads.
type afterLease struct{ err error }

func (e *afterLease) Error() string { return e.err.Error() }
func (e *afterLease) Unwrap() error { return e.err }

func putJSON(ctx context.Context, st state.Store, at state.Record, v any) (state.Record, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return state.Record{}, fmt.Errorf("alert: encode %s: %w", at.Key.Sort, err)
	}
	return st.Put(ctx, state.Record{Key: at.Key, Value: b, Version: at.Version})
}

// enqueue stores the message once per routed destination before anything is sent.
func (r *run) enqueue(ctx context.Context, s *snapshot, c *change) error {
	part := s.group.rec.Key.Partition
	msg := *c.msg
	dests := r.e.Router.Route(routing(msg, c.target))
	if len(dests) == 0 {
		r.log.Warn("no destination for message", "check", msg.Check, "account", msg.Account, "kind", msg.Kind)
	}
	seen := map[string]bool{}
	for _, d := range dests {
		name := d.Name()
		if seen[name] {
			continue
		}
		seen[name] = true
		e := outboxEntry{Msg: msg, Dest: name, Target: c.target, Epoch: c.next.Epoch, Created: r.now,
			Prev: s.ref(c.target, c.next.Epoch, name)}
		key := state.Key{Partition: part, Sort: outboxSort(r.now, msg.ID, name)}
		// The store drops an entry a while after OutboxTTL in case no run comes by to report it.
		rec := state.Record{Key: key, ExpiresAt: r.now.Add(2 * r.e.outboxTTL())}
		if _, err := putJSON(ctx, r.e.Store, rec, e); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.queued++
	r.mu.Unlock()
	r.log.Info("message queued", "check", msg.Check, "account", msg.Account, "kind", msg.Kind, "id", msg.ID, "items", len(msg.Items), "destinations", len(seen))
	return nil
}

// routing is the message the router sees: a check failure's later messages (its recovery too) go
// where the failure went.
func routing(msg notify.Message, target string) notify.Message {
	if target == failSort {
		msg.Kind = notify.KindCheckFailed
	}
	return msg
}

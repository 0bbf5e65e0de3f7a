package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"

	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/state"
)

// deliver sends a group's queued messages: each destination in its own goroutine, so that a slow or
// failing one neither blocks nor hides the others, and in queue order per destination, so that an
// update never overtakes the message it edits.
func (r *run) deliver(ctx context.Context, s *snapshot) {
	part := s.group.rec.Key.Partition
	queues := map[string][]outboxRec{}
	for _, o := range s.outbox {
		queues[o.e.Dest] = append(queues[o.e.Dest], o)
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		placed []placedRec
	)
	for name, q := range queues {
		if r.isBlocked(part, name) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := r.deliverQueue(ctx, s, name, q)
			mu.Lock()
			placed = append(placed, got...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(placed, func(i, j int) bool { return placed[i].rec.Key.Sort < placed[j].rec.Key.Sort })
	for _, p := range placed {
		if err := r.recordRef(ctx, s, p); err != nil {
			r.fatal(err)
		}
	}
}

func (r *run) isBlocked(part, dest string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.blocked[part+"\x00"+dest]
}

func (r *run) block(part, dest string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.blocked[part+"\x00"+dest] = true
}

// deliverQueue sends one destination's queue until a delivery fails, and returns where the delivered
// messages now live.
func (r *run) deliverQueue(ctx context.Context, s *snapshot, name string, queue []outboxRec) []placedRec {
	part := s.group.rec.Key.Partition
	latest := map[string]placed{}
	for _, o := range queue {
		e := o.e
		log := r.log.With("check", e.Msg.Check, "account", e.Msg.Account, "destination", name, "id", e.Msg.ID, "kind", e.Msg.Kind)
		if age := r.now.Sub(e.Created); age > r.e.outboxTTL() {
			r.drop(ctx, o.rec, log, fmt.Errorf("alert: message %s to %s undelivered for %s: dropped", e.Msg.ID, name, age.Round(1e9)))
			continue
		}
		if e.Claim.heldByOther(r.id, r.now) {
			// Another run is sending it; what follows must wait for it.
			return placements(part, name, latest)
		}
		dest := r.destination(e)
		if dest == nil {
			r.drop(ctx, o.rec, log, fmt.Errorf("alert: message %s: destination %s is no longer routed: dropped", e.Msg.ID, name))
			continue
		}
		e.Attempts++
		e.Claim = &lease{Owner: r.id, Until: r.now.Add(leaseFor)}
		rec, err := putJSON(ctx, r.e.Store, o.rec, e)
		if err != nil {
			if !errors.Is(err, state.ErrConflict) {
				r.fatal(fmt.Errorf("alert: claim message %s to %s: %w", e.Msg.ID, name, err))
			}
			return placements(part, name, latest)
		}
		prev := e.Prev
		if p, ok := latest[e.Target]; ok && p.Epoch == e.Epoch {
			prev = p.Ref
		} else if ref := s.ref(e.Target, e.Epoch, name); !ref.IsZero() {
			prev = ref
		}
		msg := e.Msg
		// A stored message comes back with a bare UTC offset; show its time in the clock's zone
		// (the configured one), with the zone's name.
		msg.At = msg.At.In(r.now.Location())
		ref, err := dest.Send(ctx, msg, prev)
		if errors.Is(err, notify.ErrGone) {
			r.drop(ctx, rec, log, fmt.Errorf("alert: deliver %s to %s: %w: dropped", e.Msg.ID, name, err))
			continue
		}
		if err != nil {
			r.count(func(rep *Report) {
				rep.Failed++
				rep.Errors = append(rep.Errors, fmt.Errorf("alert: deliver %s to %s (attempt %d): %w", e.Msg.ID, name, e.Attempts, err))
			})
			log.Warn("delivery failed, kept for the next run", "attempt", e.Attempts, "error", err.Error())
			r.block(part, name)
			e.Claim = nil
			e.LastError = err.Error()
			if _, err := putJSON(ctx, r.e.Store, rec, e); err != nil {
				r.fatal(fmt.Errorf("alert: release message %s to %s: %w", e.Msg.ID, name, err))
			}
			return placements(part, name, latest)
		}
		r.count(func(rep *Report) { rep.Delivered++ })
		log.Info("delivered", "attempt", e.Attempts)
		if err := r.e.Store.Delete(ctx, rec.Key, rec.Version); err != nil {
			// Sent but still queued: the next run sends it again with the same id.
			r.fatal(fmt.Errorf("alert: dequeue message %s to %s: %w", e.Msg.ID, name, err))
		}
		if !ref.IsZero() {
			latest[e.Target] = placed{Epoch: e.Epoch, Ref: ref}
		}
	}
	return placements(part, name, latest)
}

func placements(part, dest string, latest map[string]placed) []placedRec {
	var out []placedRec
	for target, p := range latest {
		out = append(out, placedRec{rec: state.Record{Key: state.Key{Partition: part, Sort: refSort(target, dest)}}, p: p})
	}
	return out
}

// destination finds the entry's destination among those the router picks today.
func (r *run) destination(e outboxEntry) notify.Destination {
	for _, d := range r.e.Router.Route(routing(e.Msg, e.Target)) {
		if d.Name() == e.Dest {
			return d
		}
	}
	return nil
}

func (r *run) drop(ctx context.Context, rec state.Record, log *slog.Logger, why error) {
	log.Warn("delivery dropped", "reason", why.Error())
	r.count(func(rep *Report) {
		rep.Dropped++
		rep.Errors = append(rep.Errors, why)
	})
	if err := r.e.Store.Delete(ctx, rec.Key, rec.Version); err != nil && !errors.Is(err, state.ErrNotFound) {
		r.fatal(fmt.Errorf("alert: drop %s: %w", rec.Key.Sort, err))
	}
}

// recordRef stores where a delivered message lives, unless it is already known.
func (r *run) recordRef(ctx context.Context, s *snapshot, p placedRec) error {
	cur, ok := s.refs[p.rec.Key.Sort]
	for attempt := 1; ; attempt++ {
		if ok && cur.p == p.p {
			return nil
		}
		at := p.rec
		if ok {
			at.Version = cur.rec.Version
		}
		_, err := putJSON(ctx, r.e.Store, at, p.p)
		if !errors.Is(err, state.ErrConflict) || attempt == maxAttempts {
			if err != nil {
				return fmt.Errorf("alert: record %s: %w", p.rec.Key.Sort, err)
			}
			return nil
		}
		rec, err := r.e.Store.Get(ctx, p.rec.Key)
		switch {
		case errors.Is(err, state.ErrNotFound):
			ok = false
		case err != nil:
			return fmt.Errorf("alert: read %s: %w", p.rec.Key.Sort, err)
		default:
			cur = placedRec{rec: rec}
			if err := json.Unmarshal(rec.Value, &cur.p); err != nil {
				return fmt.Errorf("alert: decode %s: %w", p.rec.Key.Sort, err)
			}
			ok = true
		}
	}
}

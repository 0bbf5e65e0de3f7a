package renewal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/bsswatch/bsswatch/pkg/state"
)

// Retention is how long a decided quote and its audit records stay in the store.
const Retention = 400 * 24 * time.Hour

// ErrNotFound is returned for a quote id the store does not hold.
var ErrNotFound = errors.New("renewal: no such quote")

// ErrState is matched (errors.Is) by a *StateError.
var ErrState = errors.New("renewal: quote is not in a state that allows this")

// StateError says a quote could not make a move because of the state it is in; Quote is the quote as
// it is now, so the caller can tell a person who decided what and when.
type StateError struct {
	Quote Quote
	Want  []State
}

// Error names the quote, its state and the states the move needed.
func (e *StateError) Error() string {
	return fmt.Sprintf("renewal: quote %s is %s, not %v", e.Quote.ID, e.Quote.State, e.Want)
}

// Is makes errors.Is(err, ErrState) hold.
func (e *StateError) Is(target error) bool { return target == ErrState }

// Store keeps quotes, the holds that stop a resource from being quoted twice, and audit records in a
// state.Store. Keys:
//
//	renewal/quote/<id>       quote           the quote, versioned
//	renewal/hold/<account>   <resource id>   the live quote holding that resource
//	renewal/audit/<id>       <time>/<rand>   one record per step
type Store struct {
	st  state.Store
	now func() time.Time
}

// NewStore returns a quote store over st; now is the clock of Updated and audit times (nil: time.Now).
func NewStore(st state.Store, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{st: st, now: now}
}

func quoteKey(id string) state.Key { return state.Key{Partition: "renewal/quote/" + id, Sort: "quote"} }

func holdPartition(account string) string { return "renewal/hold/" + account }

// hold is the value of a hold record.
type hold struct {
	QuoteID string    `json:"quote_id"`
	At      time.Time `json:"at"`
}

// orphanAfter is how old a hold must be before a missing quote lets another quote take it: Create
// writes the holds first and the quote right after, so a young hold without its quote is in flight.
const orphanAfter = 5 * time.Minute

// Get returns the quote with id, or an error wrapping ErrNotFound. A malformed id is not found.
func (s *Store) Get(ctx context.Context, id string) (Quote, error) {
	if !ValidID(id) {
		return Quote{}, fmt.Errorf("renewal: quote %q: %w", id, ErrNotFound)
	}
	rec, err := s.st.Get(ctx, quoteKey(id))
	if errors.Is(err, state.ErrNotFound) {
		return Quote{}, fmt.Errorf("renewal: quote %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Quote{}, fmt.Errorf("renewal: read quote %s: %w", id, err)
	}
	var q Quote
	if err := json.Unmarshal(rec.Value, &q); err != nil {
		return Quote{}, fmt.Errorf("renewal: decode quote %s: %w", id, err)
	}
	q.version = rec.Version
	return q, nil
}

// Holds returns, for one account, the quote id holding each resource that has a hold record. A
// record may outlive its quote's life by a crash between the final move and the release; callers
// check the quote's state.
func (s *Store) Holds(ctx context.Context, account string) (map[string]string, error) {
	recs, err := s.st.List(ctx, holdPartition(account), "")
	if err != nil {
		return nil, fmt.Errorf("renewal: list holds of %s: %w", account, err)
	}
	out := make(map[string]string, len(recs))
	for _, r := range recs {
		var h hold
		if err := json.Unmarshal(r.Value, &h); err != nil {
			return nil, fmt.Errorf("renewal: decode hold %s: %w", r.Key, err)
		}
		out[r.Key.Sort] = h.QuoteID
	}
	return out, nil
}

// Create stores q as a new quote after taking a hold on each of its resources. A resource held by a
// live quote other than q.Supersedes makes it fail with an error wrapping state.ErrConflict, and the
// holds it took are given back; holds of q.Supersedes (or of a quote that is no longer live) are taken
// over.
func (s *Store) Create(ctx context.Context, q *Quote) error {
	var taken []string
	giveBack := func() {
		for _, id := range taken {
			_ = s.release(context.WithoutCancel(ctx), q.Account, id, q.ID)
		}
	}
	for _, it := range q.Items {
		if err := s.take(ctx, q.Account, it.ID, q.ID, q.Supersedes); err != nil {
			giveBack()
			return err
		}
		taken = append(taken, it.ID)
	}
	q.Updated = s.now()
	b, err := json.Marshal(q)
	if err != nil {
		giveBack()
		return fmt.Errorf("renewal: encode quote %s: %w", q.ID, err)
	}
	rec, err := s.st.Put(ctx, state.Record{Key: quoteKey(q.ID), Value: b})
	if err != nil {
		giveBack()
		return fmt.Errorf("renewal: store quote %s: %w", q.ID, err)
	}
	q.version = rec.Version
	return nil
}

// take writes the hold of resourceID for quoteID. An existing hold is replaced only when it belongs to
// takeOver or to a quote that is gone or no longer live.
func (s *Store) take(ctx context.Context, account, resourceID, quoteID, takeOver string) error {
	key := state.Key{Partition: holdPartition(account), Sort: resourceID}
	val, _ := json.Marshal(hold{QuoteID: quoteID, At: s.now()})
	var version int64
	rec, err := s.st.Get(ctx, key)
	switch {
	case errors.Is(err, state.ErrNotFound):
	case err != nil:
		return fmt.Errorf("renewal: read hold of %s: %w", resourceID, err)
	default:
		var h hold
		_ = json.Unmarshal(rec.Value, &h)
		if h.QuoteID != takeOver && h.QuoteID != quoteID {
			other, err := s.Get(ctx, h.QuoteID)
			if err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
			inFlight := err != nil && s.now().Sub(h.At) < orphanAfter
			if inFlight || err == nil && other.State.Live() {
				return fmt.Errorf("renewal: resource %s is held by quote %s: %w", resourceID, h.QuoteID, state.ErrConflict)
			}
		}
		version = rec.Version
	}
	if _, err := s.st.Put(ctx, state.Record{Key: key, Value: val, Version: version}); err != nil {
		return fmt.Errorf("renewal: hold %s for %s: %w", resourceID, quoteID, err)
	}
	return nil
}

// release deletes the hold of resourceID if quoteID still owns it.
func (s *Store) release(ctx context.Context, account, resourceID, quoteID string) error {
	key := state.Key{Partition: holdPartition(account), Sort: resourceID}
	rec, err := s.st.Get(ctx, key)
	if errors.Is(err, state.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("renewal: read hold of %s: %w", resourceID, err)
	}
	var h hold
	if json.Unmarshal(rec.Value, &h) == nil && h.QuoteID != quoteID {
		return nil
	}
	err = s.st.Delete(ctx, key, rec.Version)
	if err != nil && !errors.Is(err, state.ErrNotFound) && !errors.Is(err, state.ErrConflict) {
		return fmt.Errorf("renewal: release %s from %s: %w", resourceID, quoteID, err)
	}
	return nil
}

// Transition moves the quote id from one of the states in from, applying mutate to a fresh copy and
// writing it at the version read; on a version conflict it reads again and retries, so a move is
// decided on the latest state. mutate sets the new state (or keeps it, to record an approval or a
// note) and may return an error to abandon the move. It fails with a *StateError (carrying the quote
// as it is) when the quote is in none of from, with an error for a move the state machine forbids,
// with mutate's error, or with a store error; the quote is then unchanged. A move to a final state
// gives back the quote's holds and starts its retention.
func (s *Store) Transition(ctx context.Context, id string, from []State, mutate func(*Quote) error) (Quote, error) {
	for {
		q, err := s.Get(ctx, id)
		if err != nil {
			return Quote{}, err
		}
		if !slices.Contains(from, q.State) {
			return q, &StateError{Quote: q, Want: from}
		}
		next := q
		next.Items = slices.Clone(q.Items)
		next.Approvals = slices.Clone(q.Approvals)
		next.OrderIDs = slices.Clone(q.OrderIDs)
		if err := mutate(&next); err != nil {
			return q, err
		}
		if !CanMove(q.State, next.State) {
			return q, fmt.Errorf("renewal: quote %s cannot move from %s to %s", id, q.State, next.State)
		}
		next.Updated = s.now()
		b, err := json.Marshal(&next)
		if err != nil {
			return q, fmt.Errorf("renewal: encode quote %s: %w", id, err)
		}
		rec := state.Record{Key: quoteKey(id), Value: b, Version: q.version}
		if next.State.Final() {
			rec.ExpiresAt = next.Updated.Add(Retention)
		}
		stored, err := s.st.Put(ctx, rec)
		if errors.Is(err, state.ErrConflict) {
			continue
		}
		if err != nil {
			return q, fmt.Errorf("renewal: write quote %s: %w", id, err)
		}
		next.version = stored.Version
		if next.State.Final() {
			for _, it := range next.Items {
				if err := s.release(ctx, next.Account, it.ID, id); err != nil {
					return next, err
				}
			}
		}
		return next, nil
	}
}

// Entry is one audit record: who did what to a quote, and when. It never holds a secret.
type Entry struct {
	QuoteID string    `json:"quote_id"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"` // a Slack user ("Ada (U123)"), or "scan" / "worker"
	Action  string    `json:"action"`
	Detail  string    `json:"detail,omitempty"`
}

// Audit appends e to the quote's audit trail.
func (s *Store) Audit(ctx context.Context, e Entry) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	var r [4]byte
	_, _ = rand.Read(r[:])
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("renewal: encode audit of %s: %w", e.QuoteID, err)
	}
	key := state.Key{Partition: "renewal/audit/" + e.QuoteID, Sort: e.At.UTC().Format("2006-01-02T15:04:05.000000000Z") + "/" + hex.EncodeToString(r[:])}
	if _, err := s.st.Put(ctx, state.Record{Key: key, Value: b, ExpiresAt: e.At.Add(Retention)}); err != nil {
		return fmt.Errorf("renewal: audit %s of %s: %w", e.Action, e.QuoteID, err)
	}
	return nil
}

// Trail returns the audit records of a quote, oldest first.
func (s *Store) Trail(ctx context.Context, quoteID string) ([]Entry, error) {
	recs, err := s.st.List(ctx, "renewal/audit/"+quoteID, "")
	if err != nil {
		return nil, fmt.Errorf("renewal: audit of %s: %w", quoteID, err)
	}
	out := make([]Entry, 0, len(recs))
	for _, r := range recs {
		var e Entry
		if err := json.Unmarshal(r.Value, &e); err != nil {
			return nil, fmt.Errorf("renewal: decode audit %s: %w", r.Key, err)
		}
		out = append(out, e)
	}
	return out, nil
}

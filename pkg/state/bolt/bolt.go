// Package bolt is the embedded state.Store: one bbolt file, for local runs and the demo.
//
// Layout: a root bucket "records" holds one nested bucket per partition, keyed by Sort, so List is a
// cursor seek inside one bucket and partitions can never leak into each other whatever bytes their names
// contain. Each value is an 18-byte header (format, expiry flag, version, expiry in epoch seconds)
// followed by the caller's bytes. Expired records are absent to every operation, are overwritten by a Put
// at version 0, and are deleted by Sweep.
package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/bsswatch/bsswatch/pkg/state"
	bbolt "go.etcd.io/bbolt"
)

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// Now is the clock that decides expiry; nil means time.Now.
	Now func() time.Time
	// NoSync skips the fsync after each write: several times faster, but a machine crash can lose or
	// corrupt the file. Only for throwaway files (the demo, tests).
	NoSync bool
}

// Store is a state.Store in a bbolt file. It is safe for concurrent use: reads run in parallel, and
// concurrent writes share transactions (group commit).
type Store struct {
	db       *bbolt.DB
	now      func() time.Time
	writes   chan writeReq
	closing  chan struct{}
	loopDone chan struct{}
	close    sync.Once
}

var _ state.Store = (*Store)(nil)

var recordsBucket = []byte("records")

const (
	formatV1   = 1
	headerSize = 18
)

// Open opens (creating if needed) the store file at path. It returns an error if the file cannot be
// opened, is locked by another process for more than a second, or is not a bbolt file.
func Open(path string, opts Options) (*Store, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, NoSync: opts.NoSync})
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(recordsBucket)
		return err
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("bolt: open %s: create bucket: %w", path, err)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s := &Store{
		db:       db,
		now:      now,
		writes:   make(chan writeReq),
		closing:  make(chan struct{}),
		loopDone: make(chan struct{}),
	}
	go s.writeLoop()
	return s, nil
}

// Close waits for queued writes, then releases the file. Operations after Close return an error. Close
// returns bbolt's error from closing the file, if any; calling it again returns nil.
func (s *Store) Close() error {
	first := false
	s.close.Do(func() { first = true; close(s.closing) })
	if !first {
		return nil
	}
	<-s.loopDone
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("bolt: close: %w", err)
	}
	return nil
}

// Get returns the live record at key, ErrNotFound, or ErrInvalid for an invalid key.
func (s *Store) Get(ctx context.Context, key state.Key) (state.Record, error) {
	if err := key.Validate(); err != nil {
		return state.Record{}, fmt.Errorf("bolt: get %s: %w", key, err)
	}
	if err := ctx.Err(); err != nil {
		return state.Record{}, fmt.Errorf("bolt: get %s: %w", key, err)
	}
	now := s.now()
	var rec state.Record
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(recordsBucket).Bucket([]byte(key.Partition))
		if b == nil {
			return state.ErrNotFound
		}
		raw := b.Get([]byte(key.Sort))
		if raw == nil {
			return state.ErrNotFound
		}
		r, err := decode(key, raw)
		if err != nil {
			return err
		}
		if !state.Live(r.ExpiresAt, now) {
			return state.ErrNotFound
		}
		rec = r
		return nil
	})
	if err != nil {
		return state.Record{}, fmt.Errorf("bolt: get %s: %w", key, err)
	}
	return rec, nil
}

// Put stores rec if the live stored version equals rec.Version and returns it with Version+1 and
// ExpiresAt truncated to the second. It returns ErrConflict if another version is stored, ErrInvalid for
// a record that fails Validate, the context's error if ctx ends before the write is queued, or bbolt's.
func (s *Store) Put(ctx context.Context, rec state.Record) (state.Record, error) {
	if err := rec.Validate(); err != nil {
		return state.Record{}, fmt.Errorf("bolt: put %s: %w", rec.Key, err)
	}
	out := rec
	out.Version = rec.Version + 1
	if !rec.ExpiresAt.IsZero() {
		out.ExpiresAt = time.Unix(rec.ExpiresAt.Unix(), 0).UTC()
	}
	now := s.now()
	err := s.write(ctx, func(tx *bbolt.Tx) error {
		root := tx.Bucket(recordsBucket)
		if b := root.Bucket([]byte(rec.Key.Partition)); b != nil {
			stored, err := liveVersion(b, rec.Key, now)
			if err != nil {
				return err
			}
			if stored != rec.Version {
				return state.ErrConflict
			}
		} else if rec.Version != 0 {
			return state.ErrConflict
		}
		b, err := root.CreateBucketIfNotExists([]byte(rec.Key.Partition))
		if err != nil {
			return abort{err}
		}
		if err := b.Put([]byte(rec.Key.Sort), encode(out)); err != nil {
			return abort{err}
		}
		return nil
	})
	if err != nil {
		return state.Record{}, fmt.Errorf("bolt: put %s at version %d: %w", rec.Key, rec.Version, err)
	}
	return out, nil
}

// Delete removes the live record at key if its version equals version. It returns ErrNotFound if no live
// record exists, ErrConflict if another version is stored, ErrInvalid for an invalid key, the context's
// error if ctx ends before the delete is queued, or bbolt's.
func (s *Store) Delete(ctx context.Context, key state.Key, version int64) error {
	if err := key.Validate(); err != nil {
		return fmt.Errorf("bolt: delete %s: %w", key, err)
	}
	now := s.now()
	err := s.write(ctx, func(tx *bbolt.Tx) error {
		root := tx.Bucket(recordsBucket)
		b := root.Bucket([]byte(key.Partition))
		if b == nil {
			return state.ErrNotFound
		}
		stored, err := liveVersion(b, key, now)
		if err != nil {
			return err
		}
		if stored == 0 {
			return state.ErrNotFound
		}
		if stored != version {
			return state.ErrConflict
		}
		if err := b.Delete([]byte(key.Sort)); err != nil {
			return abort{err}
		}
		if err := dropIfEmpty(root, b, key.Partition); err != nil {
			return abort{err}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bolt: delete %s at version %d: %w", key, version, err)
	}
	return nil
}

// List returns the live records of partition whose Sort starts with sortPrefix, in Sort byte order. It
// returns ErrInvalid for an empty partition and the context's error if ctx ends while listing.
func (s *Store) List(ctx context.Context, partition, sortPrefix string) ([]state.Record, error) {
	if partition == "" {
		return nil, fmt.Errorf("bolt: list %q: %w: empty partition", partition, state.ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("bolt: list %s/%s*: %w", partition, sortPrefix, err)
	}
	now := s.now()
	var recs []state.Record
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(recordsBucket).Bucket([]byte(partition))
		if b == nil {
			return nil
		}
		prefix := []byte(sortPrefix)
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			r, err := decode(state.Key{Partition: partition, Sort: string(k)}, v)
			if err != nil {
				return err
			}
			if state.Live(r.ExpiresAt, now) {
				recs = append(recs, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: list %s/%s*: %w", partition, sortPrefix, err)
	}
	return recs, nil
}

// Sweep deletes every expired record and returns how many it deleted. Reads already ignore expired
// records; Sweep only keeps a long-lived file from growing. It returns the context's error if ctx ends
// before the sweep is queued, or bbolt's error, having deleted nothing.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	now := s.now()
	deleted := 0
	err := s.write(ctx, func(tx *bbolt.Tx) error {
		n, err := sweep(tx, now)
		if err != nil {
			return abort{err}
		}
		deleted = n
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("bolt: sweep: %w", err)
	}
	return deleted, nil
}

func sweep(tx *bbolt.Tx, now time.Time) (int, error) {
	root := tx.Bucket(recordsBucket)
	var partitions [][]byte
	if err := root.ForEachBucket(func(name []byte) error {
		partitions = append(partitions, bytes.Clone(name))
		return nil
	}); err != nil {
		return 0, err
	}
	deleted := 0
	for _, p := range partitions {
		b := root.Bucket(p)
		var expired [][]byte
		if err := b.ForEach(func(k, v []byte) error {
			r, err := decode(state.Key{Partition: string(p), Sort: string(k)}, v)
			if err != nil {
				return err
			}
			if !state.Live(r.ExpiresAt, now) {
				expired = append(expired, bytes.Clone(k))
			}
			return nil
		}); err != nil {
			return 0, err
		}
		for _, k := range expired {
			if err := b.Delete(k); err != nil {
				return 0, err
			}
		}
		deleted += len(expired)
		if err := dropIfEmpty(root, b, string(p)); err != nil {
			return 0, err
		}
	}
	return deleted, nil
}

// liveVersion returns the version stored at key, or 0 if there is none or it has expired.
func liveVersion(b *bbolt.Bucket, key state.Key, now time.Time) (int64, error) {
	raw := b.Get([]byte(key.Sort))
	if raw == nil {
		return 0, nil
	}
	r, err := decode(key, raw)
	if err != nil {
		return 0, err
	}
	if !state.Live(r.ExpiresAt, now) {
		return 0, nil
	}
	return r.Version, nil
}

// dropIfEmpty deletes a partition's bucket once its last record is gone, so that partitions used once
// (a quote id, a run id) do not pile up.
func dropIfEmpty(root, b *bbolt.Bucket, partition string) error {
	if k, _ := b.Cursor().First(); k != nil {
		return nil
	}
	return root.DeleteBucket([]byte(partition))
}

func encode(r state.Record) []byte {
	buf := make([]byte, headerSize+len(r.Value))
	buf[0] = formatV1
	binary.BigEndian.PutUint64(buf[2:10], uint64(r.Version))
	if !r.ExpiresAt.IsZero() {
		buf[1] = 1
		binary.BigEndian.PutUint64(buf[10:18], uint64(r.ExpiresAt.Unix()))
	}
	copy(buf[headerSize:], r.Value)
	return buf
}

var errCorrupt = errors.New("corrupt record")

// decode copies raw out of the bbolt page, which is only valid inside the transaction.
func decode(key state.Key, raw []byte) (state.Record, error) {
	if len(raw) < headerSize || raw[0] != formatV1 || raw[1] > 1 {
		return state.Record{}, fmt.Errorf("%w at %s", errCorrupt, key)
	}
	r := state.Record{
		Key:     key,
		Version: int64(binary.BigEndian.Uint64(raw[2:10])),
		Value:   bytes.Clone(raw[headerSize:]),
	}
	if raw[1] == 1 {
		r.ExpiresAt = time.Unix(int64(binary.BigEndian.Uint64(raw[10:18])), 0).UTC()
	}
	return r, nil
}

// Opener returns an opener of state files for app.Options.File: each call opens path with the
// caller's clock (noSync as in Options) and returns the store and its Close. Its errors are Open's.
func Opener(noSync bool) func(path string, now func() time.Time) (state.Store, func() error, error) {
	return func(path string, now func() time.Time) (state.Store, func() error, error) {
		st, err := Open(path, Options{Now: now, NoSync: noSync})
		if err != nil {
			return nil, nil, err
		}
		return st, st.Close, nil
	}
}

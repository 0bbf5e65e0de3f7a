package bolt

import (
	"context"
	"errors"

	bbolt "go.etcd.io/bbolt"
)

// Writes go through one goroutine that commits whatever is queued as one bbolt transaction (group
// commit): a lone writer pays one commit and no waiting, and concurrent writers share a commit's fsync
// instead of queueing for one each. bbolt's own DB.Batch waits up to MaxBatchDelay to fill a batch, which
// a sequential writer (the demo writing thousands of records) would pay on every call, and it rolls the
// whole batch back whenever one function returns an error, which ErrConflict does routinely.

// maxBatch bounds one transaction, so that one commit's dirty pages stay small.
const maxBatch = 256

// errClosed is returned by writes after Close.
var errClosed = errors.New("store is closed")

// writeFunc is one operation in a shared transaction. It must decide before it writes: any error it
// returns without writing (ErrConflict, ErrNotFound, a corrupt record) leaves the transaction for the
// others, and an error from a write must be returned as abort, which rolls the transaction back.
type writeFunc func(tx *bbolt.Tx) error

// abort marks an error from a bbolt write: the transaction holds a partial change and must not commit.
type abort struct{ err error }

func (a abort) Error() string { return a.err.Error() }
func (a abort) Unwrap() error { return a.err }

type writeReq struct {
	fn   writeFunc
	done chan error
}

// write queues fn and waits for its outcome. Once queued, fn runs even if ctx ends: a commit takes about
// a millisecond, and the caller must learn whether its write happened.
func (s *Store) write(ctx context.Context, fn writeFunc) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	req := writeReq{fn: fn, done: make(chan error, 1)}
	select {
	case s.writes <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closing:
		return errClosed
	}
	return <-req.done
}

// writeLoop runs until Close; Close waits for it before closing the file.
func (s *Store) writeLoop() {
	defer close(s.loopDone)
	for {
		var batch []writeReq
		select {
		case req := <-s.writes:
			batch = append(batch, req)
		case <-s.closing:
			return
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case req := <-s.writes:
				batch = append(batch, req)
			default:
				break drain
			}
		}
		s.commit(batch)
	}
}

func (s *Store) commit(batch []writeReq) {
	results := make([]error, len(batch))
	err := s.db.Update(func(tx *bbolt.Tx) error {
		for i, req := range batch {
			results[i] = req.fn(tx)
			var a abort
			if errors.As(results[i], &a) {
				return a.err
			}
		}
		return nil
	})
	switch {
	case err == nil:
		for i, req := range batch {
			req.done <- results[i]
		}
	case len(batch) == 1:
		batch[0].done <- err
	default:
		// One write failed in bbolt (or the commit did) and took the others down with it: give each
		// its own transaction, so only the writes that really fail report it.
		for _, req := range batch {
			req.done <- s.db.Update(func(tx *bbolt.Tx) error { return unwrapAbort(req.fn(tx)) })
		}
	}
}

func unwrapAbort(err error) error {
	var a abort
	if errors.As(err, &a) {
		return a.err
	}
	return err
}

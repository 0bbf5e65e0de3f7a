// Package state is the small durable store every function shares: alert groups, pending deliveries,
// renewal quotes and audit records. Two implementations pass one conformance suite (statetest):
// DynamoDB for production and an embedded bbolt file for local runs and the demo.
package state

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by Get when no live record has the key. A record past its ExpiresAt is
// absent even if the backend has not deleted it yet (DynamoDB's TTL sweeps up to days late).
var ErrNotFound = errors.New("state: not found")

// ErrConflict is returned by Put and Delete when the stored version is not the one the caller read:
// another writer won.
var ErrConflict = errors.New("state: version conflict")

// Key addresses one record. Records that share a Partition can be listed together in Sort order.
type Key struct {
	Partition string
	Sort      string
}

// Record is one stored value with the version it was read at.
type Record struct {
	Key Key
	// Value is opaque to the store; callers keep JSON here.
	Value []byte
	// Version is 0 for a record that does not exist yet; each successful Put stores Version+1.
	Version int64
	// ExpiresAt, when not zero, is when the record stops existing.
	ExpiresAt time.Time
}

// Store is a key-value store with optimistic concurrency.
type Store interface {
	// Get returns the live record at key, or ErrNotFound.
	Get(ctx context.Context, key Key) (Record, error)
	// Put writes rec if the stored version equals rec.Version (0: no live record may exist; an expired
	// one counts as absent) and returns the record as stored, with Version incremented. Of concurrent
	// Puts at the same version exactly one succeeds; the others get ErrConflict and change nothing.
	Put(ctx context.Context, rec Record) (Record, error)
	// Delete removes the record at key if its stored version equals version, else ErrConflict.
	// Deleting an absent record returns ErrNotFound.
	Delete(ctx context.Context, key Key, version int64) error
	// List returns the live records of partition whose Sort starts with sortPrefix, in Sort order.
	List(ctx context.Context, partition, sortPrefix string) ([]Record, error)
}

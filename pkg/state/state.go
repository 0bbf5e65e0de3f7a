// Package state is the small durable store every function shares: alert groups, pending deliveries,
// renewal quotes and audit records. Two implementations pass one conformance suite (statetest):
// DynamoDB for production and an embedded bbolt file for local runs and the demo.
package state

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// ErrNotFound is returned by Get when no live record has the key. A record past its ExpiresAt is
// absent even if the backend has not deleted it yet (DynamoDB's TTL sweeps up to days late).
var ErrNotFound = errors.New("state: not found")

// ErrConflict is returned by Put and Delete when the stored version is not the one the caller read:
// another writer won.
var ErrConflict = errors.New("state: version conflict")

// ErrInvalid is returned by Put, Get, Delete and List for a key, version or value that no backend can
// store (see Key.Validate and Record.Validate); nothing is changed.
var ErrInvalid = errors.New("state: invalid record")

// MaxKeyPartSize is the longest Partition or Sort in bytes: DynamoDB caps a sort key at 1024 bytes, and
// the embedded store keeps the same limit so that code tested locally fits in production.
const MaxKeyPartSize = 1024

// MaxValueSize is the largest Value in bytes. A DynamoDB item (keys, version, expiry and value together)
// must stay under 400 KB; this leaves room for the rest, and the embedded store enforces it too.
const MaxValueSize = 384 << 10

// Key addresses one record. Records that share a Partition can be listed together in Sort order.
type Key struct {
	Partition string
	Sort      string
}

// String returns the key as partition/sort for error messages.
func (k Key) String() string { return k.Partition + "/" + k.Sort }

// Validate returns an error wrapping ErrInvalid unless Partition and Sort are both non-empty (DynamoDB
// rejects empty key strings), valid UTF-8 (DynamoDB strings are) and at most MaxKeyPartSize bytes.
func (k Key) Validate() error {
	switch {
	case k.Partition == "":
		return fmt.Errorf("%w: empty partition", ErrInvalid)
	case k.Sort == "":
		return fmt.Errorf("%w: empty sort key in partition %q", ErrInvalid, k.Partition)
	case len(k.Partition) > MaxKeyPartSize:
		return fmt.Errorf("%w: partition is %d bytes, over %d", ErrInvalid, len(k.Partition), MaxKeyPartSize)
	case len(k.Sort) > MaxKeyPartSize:
		return fmt.Errorf("%w: sort key is %d bytes, over %d", ErrInvalid, len(k.Sort), MaxKeyPartSize)
	case !utf8.ValidString(k.Partition) || !utf8.ValidString(k.Sort):
		return fmt.Errorf("%w: key %q/%q is not valid UTF-8", ErrInvalid, k.Partition, k.Sort)
	}
	return nil
}

// Record is one stored value with the version it was read at.
type Record struct {
	Key Key
	// Value is opaque to the store; callers keep JSON here.
	Value []byte
	// Version is 0 for a record that does not exist yet; each successful Put stores Version+1.
	Version int64
	// ExpiresAt, when not zero, is when the record stops existing. Stores keep it to the whole second
	// (DynamoDB's TTL attribute is epoch seconds): Put truncates it and returns the truncated time.
	ExpiresAt time.Time
}

// Validate returns an error wrapping ErrInvalid unless the key is valid, Version is not negative and
// Value is at most MaxValueSize bytes.
func (r Record) Validate() error {
	if err := r.Key.Validate(); err != nil {
		return err
	}
	if r.Version < 0 {
		return fmt.Errorf("%w: negative version %d for %s", ErrInvalid, r.Version, r.Key)
	}
	if len(r.Value) > MaxValueSize {
		return fmt.Errorf("%w: value of %s is %d bytes, over %d", ErrInvalid, r.Key, len(r.Value), MaxValueSize)
	}
	return nil
}

// Live reports whether a record with expiry expiresAt still exists at now: a zero expiry never ends, and
// a record is gone from its ExpiresAt on.
func Live(expiresAt, now time.Time) bool { return expiresAt.IsZero() || now.Before(expiresAt) }

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

// Package statetest is the conformance suite every state.Store implementation must pass, so that the
// embedded store used locally behaves like DynamoDB in production.
package statetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/state"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// NewStore returns an empty store that reads the time from now. Run calls it once per subtest; the
// store must be closed (if it needs closing) by a t.Cleanup registered inside NewStore.
type NewStore func(t *testing.T, now func() time.Time) state.Store

// Run checks every part of the state.Store contract against stores made by newStore. It reports
// failures through t and returns nothing.
func Run(t *testing.T, newStore NewStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s state.Store, c *Clock)
	}{
		{"get missing is not found", testGetMissing},
		{"put version 0 creates version 1", testPutCreates},
		{"put at current version increments it", testPutUpdates},
		{"put at stale version conflicts and changes nothing", testPutStale},
		{"put version 0 over live record conflicts", testPutZeroOverLive},
		{"put nonzero version on absent record conflicts", testPutNonzeroOnAbsent},
		{"expired record is absent and can be re-created", testExpiry},
		{"expiry is kept to the second", testExpiryTruncated},
		{"delete", testDelete},
		{"list by partition and sort prefix", testList},
		{"values round-trip byte-exact", testValues},
		{"invalid input is rejected and changes nothing", testInvalid},
		{"largest value fits", testLargeValue},
		{"list longer than one DynamoDB page", testListPages},
		{"concurrent puts at one version: exactly one wins", testConcurrentPuts},
		{"cancelled context", testCancelled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClock(time.Date(2026, 3, 1, 9, 0, 0, 250_000_000, time.UTC))
			tt.run(t, newStore(t, c.Now), c)
		})
	}
}

// Clock is a test clock that only moves when told to. It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock stopped at start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var recordCmp = cmpopts.EquateEmpty()

func mustPut(t *testing.T, s state.Store, rec state.Record) state.Record {
	t.Helper()
	got, err := s.Put(context.Background(), rec)
	if err != nil {
		t.Fatalf("Put(%s, version %d): %v", rec.Key, rec.Version, err)
	}
	return got
}

func mustGet(t *testing.T, s state.Store, key state.Key) state.Record {
	t.Helper()
	got, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	return got
}

func wantGet(t *testing.T, s state.Store, want state.Record) {
	t.Helper()
	got := mustGet(t, s, want.Key)
	if diff := cmp.Diff(want, got, recordCmp); diff != "" {
		t.Errorf("Get(%s) mismatch (-want +got):\n%s", want.Key, diff)
	}
}

func wantAbsent(t *testing.T, s state.Store, key state.Key) {
	t.Helper()
	got, err := s.Get(context.Background(), key)
	if !errors.Is(err, state.ErrNotFound) {
		t.Errorf("Get(%s) = %+v, %v; want ErrNotFound", key, got, err)
	}
}

func keysOf(recs []state.Record) []string {
	keys := make([]string, len(recs))
	for i, r := range recs {
		keys[i] = r.Key.String()
	}
	return keys
}

func testGetMissing(t *testing.T, s state.Store, _ *Clock) {
	wantAbsent(t, s, state.Key{Partition: "p", Sort: "missing"})
}

func testPutCreates(t *testing.T, s state.Store, c *Clock) {
	key := state.Key{Partition: "quote", Sort: "q-1"}
	in := state.Record{Key: key, Value: []byte(`{"state":"pending"}`), ExpiresAt: c.Now().Add(time.Hour).Truncate(time.Second)}
	got := mustPut(t, s, in)
	want := in
	want.Version = 1
	if diff := cmp.Diff(want, got, recordCmp); diff != "" {
		t.Errorf("Put returned (-want +got):\n%s", diff)
	}
	wantGet(t, s, want)
}

func testPutUpdates(t *testing.T, s state.Store, _ *Clock) {
	key := state.Key{Partition: "quote", Sort: "q-1"}
	r1 := mustPut(t, s, state.Record{Key: key, Value: []byte("one")})
	r1.Value = []byte("two")
	r2 := mustPut(t, s, r1)
	if got, want := r2.Version, int64(2); got != want {
		t.Errorf("second Put version = %d, want %d", got, want)
	}
	r2.Value = []byte("three")
	r3 := mustPut(t, s, r2)
	if got, want := r3.Version, int64(3); got != want {
		t.Errorf("third Put version = %d, want %d", got, want)
	}
	wantGet(t, s, state.Record{Key: key, Value: []byte("three"), Version: 3})
}

func testPutStale(t *testing.T, s state.Store, c *Clock) {
	key := state.Key{Partition: "quote", Sort: "q-1"}
	exp := c.Now().Add(time.Hour).Truncate(time.Second)
	r1 := mustPut(t, s, state.Record{Key: key, Value: []byte("pending"), ExpiresAt: exp})
	winner := r1
	winner.Value = []byte("approving")
	r2 := mustPut(t, s, winner)

	loser := r1
	loser.Value = []byte("rejected")
	loser.ExpiresAt = time.Time{}
	got, err := s.Put(context.Background(), loser)
	if !errors.Is(err, state.ErrConflict) {
		t.Fatalf("Put at stale version = %+v, %v; want ErrConflict", got, err)
	}
	wantGet(t, s, r2)
}

func testPutZeroOverLive(t *testing.T, s state.Store, _ *Clock) {
	key := state.Key{Partition: "quote", Sort: "q-1"}
	r1 := mustPut(t, s, state.Record{Key: key, Value: []byte("first")})
	got, err := s.Put(context.Background(), state.Record{Key: key, Value: []byte("second")})
	if !errors.Is(err, state.ErrConflict) {
		t.Fatalf("Put version 0 over live record = %+v, %v; want ErrConflict", got, err)
	}
	wantGet(t, s, r1)
}

func testPutNonzeroOnAbsent(t *testing.T, s state.Store, _ *Clock) {
	key := state.Key{Partition: "quote", Sort: "q-1"}
	got, err := s.Put(context.Background(), state.Record{Key: key, Value: []byte("x"), Version: 1})
	if !errors.Is(err, state.ErrConflict) {
		t.Fatalf("Put version 1 on absent record = %+v, %v; want ErrConflict", got, err)
	}
	wantAbsent(t, s, key)
}

func testExpiry(t *testing.T, s state.Store, c *Clock) {
	ctx := context.Background()
	key := state.Key{Partition: "quote", Sort: "q-1"}
	other := state.Key{Partition: "quote", Sort: "q-2"}
	exp := c.Now().Add(time.Hour).Truncate(time.Second)
	r1 := mustPut(t, s, state.Record{Key: key, Value: []byte("short"), ExpiresAt: exp})
	r1.Value = []byte("short, updated")
	r2 := mustPut(t, s, r1)
	mustPut(t, s, state.Record{Key: other, Value: []byte("forever")})

	c.Set(exp.Add(-time.Nanosecond))
	wantGet(t, s, r2)

	c.Set(exp)
	wantAbsent(t, s, key)
	list, err := s.List(ctx, "quote", "")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if got, want := keysOf(list), []string{other.String()}; !cmp.Equal(got, want) {
		t.Errorf("List after expiry = %q, want %q", got, want)
	}
	if err := s.Delete(ctx, key, r2.Version); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("Delete of expired record = %v, want ErrNotFound", err)
	}
	if got, err := s.Put(ctx, r2); !errors.Is(err, state.ErrConflict) {
		t.Errorf("Put at the expired record's version = %+v, %v; want ErrConflict", got, err)
	}
	wantAbsent(t, s, key)

	again := mustPut(t, s, state.Record{Key: key, Value: []byte("again")})
	if got, want := again.Version, int64(1); got != want {
		t.Errorf("re-created version = %d, want %d", got, want)
	}
	wantGet(t, s, state.Record{Key: key, Value: []byte("again"), Version: 1})
	c.Advance(365 * 24 * time.Hour)
	wantGet(t, s, state.Record{Key: key, Value: []byte("again"), Version: 1})
}

func testExpiryTruncated(t *testing.T, s state.Store, c *Clock) {
	key := state.Key{Partition: "quote", Sort: "q-1"}
	exp := c.Now().Add(90 * time.Minute).Add(700 * time.Millisecond)
	got := mustPut(t, s, state.Record{Key: key, Value: []byte("x"), ExpiresAt: exp})
	want := exp.Truncate(time.Second)
	if !got.ExpiresAt.Equal(want) {
		t.Errorf("Put ExpiresAt = %v, want %v", got.ExpiresAt, want)
	}
	if r := mustGet(t, s, key); !r.ExpiresAt.Equal(want) {
		t.Errorf("Get ExpiresAt = %v, want %v", r.ExpiresAt, want)
	}
	c.Set(want)
	wantAbsent(t, s, key)
}

func testDelete(t *testing.T, s state.Store, _ *Clock) {
	ctx := context.Background()
	key := state.Key{Partition: "quote", Sort: "q-1"}
	r1 := mustPut(t, s, state.Record{Key: key, Value: []byte("v1")})
	r2 := mustPut(t, s, r1)

	for _, v := range []int64{0, 1, 3} {
		if err := s.Delete(ctx, key, v); !errors.Is(err, state.ErrConflict) {
			t.Errorf("Delete at version %d (stored %d) = %v, want ErrConflict", v, r2.Version, err)
		}
	}
	wantGet(t, s, r2)

	if err := s.Delete(ctx, key, r2.Version); err != nil {
		t.Fatalf("Delete at current version: %v", err)
	}
	wantAbsent(t, s, key)
	if err := s.Delete(ctx, key, r2.Version); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("second Delete = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, state.Key{Partition: "never", Sort: "written"}, 0); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("Delete of never written key = %v, want ErrNotFound", err)
	}
	again := mustPut(t, s, state.Record{Key: key, Value: []byte("new")})
	if got, want := again.Version, int64(1); got != want {
		t.Errorf("version after delete and re-create = %d, want %d", got, want)
	}
}

func testList(t *testing.T, s state.Store, _ *Clock) {
	ctx := context.Background()
	records := map[string][]string{
		"a":  {"x#2", "x#10", "x#1", "y#1", "x", "x#", "x$", "w#9", "x#\u00ff"},
		"ab": {"x#0", "x#3"},
		"b":  {"x#1"},
		"A":  {"x#1"},
	}
	for p, sorts := range records {
		for _, sk := range sorts {
			mustPut(t, s, state.Record{Key: state.Key{Partition: p, Sort: sk}, Value: []byte(p + "|" + sk)})
		}
	}
	tests := []struct {
		partition, prefix string
		want              []string
	}{
		{"a", "x#", []string{"x#", "x#1", "x#10", "x#2", "x#\u00ff"}},
		{"a", "x", []string{"x", "x#", "x#1", "x#10", "x#2", "x#\u00ff", "x$"}},
		{"a", "", []string{"w#9", "x", "x#", "x#1", "x#10", "x#2", "x#\u00ff", "x$", "y#1"}},
		{"a", "x#1", []string{"x#1", "x#10"}},
		{"a", "z", nil},
		{"ab", "", []string{"x#0", "x#3"}},
		{"b", "x#", []string{"x#1"}},
		{"c", "", nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%q", tt.partition, tt.prefix), func(t *testing.T) {
			got, err := s.List(ctx, tt.partition, tt.prefix)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			var sorts []string
			for _, r := range got {
				if r.Key.Partition != tt.partition {
					t.Errorf("List(%q) returned record of partition %q", tt.partition, r.Key.Partition)
				}
				if want := tt.partition + "|" + r.Key.Sort; string(r.Value) != want {
					t.Errorf("value of %s = %q, want %q", r.Key, r.Value, want)
				}
				if r.Version != 1 {
					t.Errorf("version of %s = %d, want 1", r.Key, r.Version)
				}
				sorts = append(sorts, r.Key.Sort)
			}
			if diff := cmp.Diff(tt.want, sorts); diff != "" {
				t.Errorf("sort keys (-want +got):\n%s", diff)
			}
		})
	}
}

func testValues(t *testing.T, s state.Store, _ *Clock) {
	ctx := context.Background()
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	values := []struct {
		name  string
		value []byte
	}{
		{"nil", nil},
		{"empty", []byte{}},
		{"zero byte", []byte{0}},
		{"every byte", all},
		{"invalid utf-8", []byte{0xff, 0xfe, 0xc3, 0x28}},
		{"json", []byte(`{"amount":"12345.60","currency":"CNY","note":"续费 ✓"}`)},
		{"trailing newline and spaces", []byte("x \n\t ")},
	}
	for i, v := range values {
		t.Run(v.name, func(t *testing.T) {
			key := state.Key{Partition: "values", Sort: fmt.Sprintf("v%02d", i)}
			mustPut(t, s, state.Record{Key: key, Value: v.value})
			if got := mustGet(t, s, key).Value; !bytes.Equal(got, v.value) {
				t.Errorf("Get value = %q, want %q", got, v.value)
			}
		})
	}
	list, err := s.List(ctx, "values", "v")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if got, want := len(list), len(values); got != want {
		t.Fatalf("List returned %d records, want %d", got, want)
	}
	for i, r := range list {
		if !bytes.Equal(r.Value, values[i].value) {
			t.Errorf("List value of %s = %q, want %q", r.Key, r.Value, values[i].value)
		}
	}
}

func testInvalid(t *testing.T, s state.Store, _ *Clock) {
	ctx := context.Background()
	long := strings.Repeat("k", state.MaxKeyPartSize+1)
	records := []struct {
		name string
		rec  state.Record
	}{
		{"empty partition", state.Record{Key: state.Key{Sort: "s"}}},
		{"empty sort", state.Record{Key: state.Key{Partition: "p"}}},
		{"long partition", state.Record{Key: state.Key{Partition: long, Sort: "s"}}},
		{"long sort", state.Record{Key: state.Key{Partition: "p", Sort: long}}},
		{"sort not utf-8", state.Record{Key: state.Key{Partition: "p", Sort: "s\xff"}}},
		{"negative version", state.Record{Key: state.Key{Partition: "p", Sort: "s"}, Version: -1}},
		{"value too large", state.Record{Key: state.Key{Partition: "p", Sort: "s"}, Value: make([]byte, state.MaxValueSize+1)}},
	}
	for _, tt := range records {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := s.Put(ctx, tt.rec); !errors.Is(err, state.ErrInvalid) {
				t.Errorf("Put = %+v, %v; want ErrInvalid", got, err)
			}
			if tt.rec.Key.Validate() != nil {
				if _, err := s.Get(ctx, tt.rec.Key); !errors.Is(err, state.ErrInvalid) {
					t.Errorf("Get = %v, want ErrInvalid", err)
				}
				if err := s.Delete(ctx, tt.rec.Key, 1); !errors.Is(err, state.ErrInvalid) {
					t.Errorf("Delete = %v, want ErrInvalid", err)
				}
			}
		})
	}
	if _, err := s.List(ctx, "", ""); !errors.Is(err, state.ErrInvalid) {
		t.Errorf("List of empty partition = %v, want ErrInvalid", err)
	}
	if got, err := s.List(ctx, "p", ""); err != nil || len(got) != 0 {
		t.Errorf("List after rejected puts = %d records, %v; want none", len(got), err)
	}
}

func testLargeValue(t *testing.T, s state.Store, _ *Clock) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range []struct {
		name string
		key  state.Key
		size int
	}{
		{"300 KB", state.Key{Partition: "big", Sort: "300k"}, 300 << 10},
		{"MaxValueSize with longest keys", state.Key{
			Partition: strings.Repeat("p", state.MaxKeyPartSize),
			Sort:      strings.Repeat("s", state.MaxKeyPartSize),
		}, state.MaxValueSize},
	} {
		t.Run(tt.name, func(t *testing.T) {
			value := make([]byte, tt.size)
			for i := range value {
				value[i] = byte(rng.UintN(256))
			}
			r1 := mustPut(t, s, state.Record{Key: tt.key, Value: value})
			if got := mustGet(t, s, tt.key).Value; !bytes.Equal(got, value) {
				t.Fatalf("Get returned %d bytes, not the %d bytes stored", len(got), len(value))
			}
			r1.Value = value[:len(value)/2]
			mustPut(t, s, r1)
			list, err := s.List(context.Background(), tt.key.Partition, "")
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if len(list) != 1 || !bytes.Equal(list[0].Value, value[:len(value)/2]) {
				t.Errorf("List returned %d records, want the one updated", len(list))
			}
		})
	}
}

// testListPages lists 4 MB: DynamoDB answers a Query with at most 1 MB, so a List that does not follow
// LastEvaluatedKey to the end comes back short.
func testListPages(t *testing.T, s state.Store, _ *Clock) {
	const n = 12
	value := bytes.Repeat([]byte("0123456789abcdef"), state.MaxValueSize/16)
	var want []string
	for i := range n {
		key := state.Key{Partition: "big", Sort: fmt.Sprintf("r%03d", i)}
		mustPut(t, s, state.Record{Key: key, Value: value})
		want = append(want, key.String())
	}
	mustPut(t, s, state.Record{Key: state.Key{Partition: "big", Sort: "s"}, Value: []byte("not in prefix")})
	got, err := s.List(context.Background(), "big", "r")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if diff := cmp.Diff(want, keysOf(got)); diff != "" {
		t.Errorf("List keys (-want +got):\n%s", diff)
	}
	for _, r := range got {
		if !bytes.Equal(r.Value, value) {
			t.Errorf("value of %s: %d bytes, want the %d stored", r.Key, len(r.Value), len(value))
		}
	}
}

func testConcurrentPuts(t *testing.T, s state.Store, _ *Clock) {
	const writers = 20
	key := state.Key{Partition: "quote", Sort: "q-1"}
	for _, tt := range []struct {
		name    string
		version int64
	}{
		{"create", 0},
		{"update", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			start := make(chan struct{})
			type result struct {
				writer int
				rec    state.Record
				err    error
			}
			results := make(chan result, writers)
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					<-start
					rec, err := s.Put(context.Background(), state.Record{
						Key: key, Version: tt.version, Value: fmt.Appendf(nil, "writer %d", w),
					})
					results <- result{w, rec, err}
				})
			}
			close(start)
			wg.Wait()
			close(results)
			var wins []result
			conflicts := 0
			for r := range results {
				switch {
				case r.err == nil:
					wins = append(wins, r)
				case errors.Is(r.err, state.ErrConflict):
					conflicts++
				default:
					t.Errorf("writer %d: unexpected error %v", r.writer, r.err)
				}
			}
			if len(wins) != 1 || conflicts != writers-1 {
				t.Fatalf("%d wins and %d conflicts, want 1 and %d", len(wins), conflicts, writers-1)
			}
			wantGet(t, s, wins[0].rec)
			if got, want := wins[0].rec.Version, tt.version+1; got != want {
				t.Errorf("winner version = %d, want %d", got, want)
			}
		})
	}
}

func testCancelled(t *testing.T, s state.Store, _ *Clock) {
	key := state.Key{Partition: "quote", Sort: "q-1"}
	existing := state.Key{Partition: "quote", Sort: "q-0"}
	r := mustPut(t, s, state.Record{Key: existing, Value: []byte("keep")})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	if _, err := s.Put(ctx, state.Record{Key: key, Value: []byte("x")}); !errors.Is(err, context.Canceled) {
		t.Errorf("Put = %v, want context.Canceled", err)
	}
	if _, err := s.Get(ctx, existing); !errors.Is(err, context.Canceled) {
		t.Errorf("Get = %v, want context.Canceled", err)
	}
	if err := s.Delete(ctx, existing, r.Version); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete = %v, want context.Canceled", err)
	}
	if _, err := s.List(ctx, "quote", ""); !errors.Is(err, context.Canceled) {
		t.Errorf("List = %v, want context.Canceled", err)
	}
	wantAbsent(t, s, key)
	wantGet(t, s, r)
}

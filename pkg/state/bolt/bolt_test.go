package bolt_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/state"
	"github.com/bsswatch/bsswatch/pkg/state/bolt"
	"github.com/bsswatch/bsswatch/pkg/state/statetest"
)

func open(t testing.TB, path string, now func() time.Time) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(path, bolt.Options{Now: now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	statetest.Run(t, func(t *testing.T, now func() time.Time) state.Store {
		return open(t, filepath.Join(t.TempDir(), "state.db"), now)
	})
}

func TestReopenKeepsRecords(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	clock := statetest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	s, err := bolt.Open(path, bolt.Options{Now: clock.Now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	want, err := s.Put(ctx, state.Record{
		Key: state.Key{Partition: "quote", Sort: "q-1"}, Value: []byte("pending"), ExpiresAt: clock.Now().Add(time.Hour),
	})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	got, err := open(t, path, clock.Now).Get(ctx, want.Key)
	if err != nil {
		t.Fatalf("Get after reopen: %v", err)
	}
	if !got.ExpiresAt.Equal(want.ExpiresAt) || got.Version != want.Version || string(got.Value) != "pending" {
		t.Errorf("after reopen got %+v, want %+v", got, want)
	}
}

func TestOpenNotABoltFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := bolt.Open(filepath.Dir(path), bolt.Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open of a directory succeeded, want an error")
	}
}

func TestSweep(t *testing.T) {
	ctx := context.Background()
	clock := statetest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	s := open(t, filepath.Join(t.TempDir(), "state.db"), clock.Now)
	put := func(p, sk string, ttl time.Duration) {
		t.Helper()
		rec := state.Record{Key: state.Key{Partition: p, Sort: sk}, Value: []byte(sk)}
		if ttl > 0 {
			rec.ExpiresAt = clock.Now().Add(ttl)
		}
		if _, err := s.Put(ctx, rec); err != nil {
			t.Fatalf("Put: %v", err)
		}
	}
	put("a", "1", time.Minute)
	put("a", "2", time.Hour)
	put("a", "3", 0)
	put("a", "4", time.Minute)
	put("b", "1", time.Minute)
	put("c", "1", 0)

	clock.Advance(time.Minute)
	n, err := s.Sweep(ctx)
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if got, want := n, 3; got != want {
		t.Errorf("Sweep deleted %d, want %d", got, want)
	}
	// A second sweep finds nothing: the first really deleted, not just hid.
	if n, err := s.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("second Sweep = %d, %v; want 0, nil", n, err)
	}
	clock.Set(clock.Now().Add(-time.Hour))
	for _, k := range []state.Key{{Partition: "a", Sort: "1"}, {Partition: "a", Sort: "4"}, {Partition: "b", Sort: "1"}} {
		if _, err := s.Get(ctx, k); !errors.Is(err, state.ErrNotFound) {
			t.Errorf("Get(%s) with clock turned back = %v, want ErrNotFound (swept)", k, err)
		}
	}
	for _, k := range []state.Key{{Partition: "a", Sort: "2"}, {Partition: "a", Sort: "3"}, {Partition: "c", Sort: "1"}} {
		if _, err := s.Get(ctx, k); err != nil {
			t.Errorf("Get(%s) = %v, want the live record", k, err)
		}
	}
}

func BenchmarkStore(b *testing.B) {
	for _, noSync := range []bool{false, true} {
		b.Run(fmt.Sprintf("NoSync=%t", noSync), func(b *testing.B) {
			statetest.Bench(b, func(b *testing.B) state.Store {
				s, err := bolt.Open(filepath.Join(b.TempDir(), "state.db"), bolt.Options{NoSync: noSync})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { s.Close() })
				return s
			})
		})
	}
}

func TestClose(t *testing.T) {
	ctx := context.Background()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"), bolt.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	// Writers racing Close either land or get an error; none hangs, and Close does not wait on them.
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			s.Put(ctx, state.Record{Key: state.Key{Partition: "p", Sort: fmt.Sprint(i)}})
		})
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	if _, err := s.Put(ctx, state.Record{Key: state.Key{Partition: "p", Sort: "late"}}); err == nil {
		t.Error("Put after Close succeeded, want an error")
	}
	if _, err := s.Get(ctx, state.Key{Partition: "p", Sort: "late"}); err == nil || errors.Is(err, state.ErrNotFound) {
		t.Errorf("Get after Close = %v, want an error other than ErrNotFound", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}

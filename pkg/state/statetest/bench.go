package statetest

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/bsswatch/bsswatch/pkg/state"
)

// Bench measures a store's Get and Put with a 1 KB value, roughly an alert group or a quote:
// updates of one record in sequence, creates of distinct records from about 20 goroutines, and reads.
// newStore is called once per sub-benchmark and must return an empty store.
func Bench(b *testing.B, newStore func(b *testing.B) state.Store) {
	ctx := context.Background()
	value := make([]byte, 1024)
	b.Run("Put/update", func(b *testing.B) {
		s := newStore(b)
		rec := state.Record{Key: state.Key{Partition: "bench", Sort: "one"}, Value: value}
		b.ReportAllocs()
		for b.Loop() {
			var err error
			if rec, err = s.Put(ctx, rec); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Put/create-parallel", func(b *testing.B) {
		s := newStore(b)
		var n atomic.Int64
		b.ReportAllocs()
		// About 20 writers at once, like a burst of handler invocations sharing one store.
		b.SetParallelism(max(1, 20/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				key := state.Key{Partition: "bench", Sort: fmt.Sprintf("r%09d", n.Add(1))}
				if _, err := s.Put(ctx, state.Record{Key: key, Value: value}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("Get", func(b *testing.B) {
		s := newStore(b)
		key := state.Key{Partition: "bench", Sort: "one"}
		if _, err := s.Put(ctx, state.Record{Key: key, Value: value}); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Get(ctx, key); err != nil {
				b.Fatal(err)
			}
		}
	})
}

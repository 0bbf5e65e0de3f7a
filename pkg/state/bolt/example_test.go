package bolt_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bsswatch/bsswatch/pkg/state"
	"github.com/bsswatch/bsswatch/pkg/state/bolt"
)

// The read-modify-write loop every caller of a state.Store uses: read, change, write at the version
// read, and start over on ErrConflict. A real caller checks after re-reading that its change still
// applies: in the renewal protocol a conflict means someone else already decided.
func Example() {
	dir, _ := os.MkdirTemp("", "state")
	defer os.RemoveAll(dir)
	s, err := bolt.Open(filepath.Join(dir, "state.db"), bolt.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	ctx := context.Background()
	key := state.Key{Partition: "quote", Sort: "q-7f3a"}

	if _, err := s.Put(ctx, state.Record{Key: key, Value: []byte("pending")}); err != nil {
		fmt.Println(err)
		return
	}
	for {
		rec, err := s.Get(ctx, key)
		if err != nil {
			fmt.Println(err)
			return
		}
		rec.Value = []byte("approving")
		rec, err = s.Put(ctx, rec)
		if errors.Is(err, state.ErrConflict) {
			continue
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s is %s at version %d\n", rec.Key, rec.Value, rec.Version)
		return
	}
	// Output: quote/q-7f3a is approving at version 2
}

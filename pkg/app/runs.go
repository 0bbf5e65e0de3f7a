package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bsswatch/bsswatch/pkg/state"
)

// LastRun is what the store keeps of a check's latest run, for `/bsswatch status`.
type LastRun struct {
	Check    string    `json:"check"`
	At       time.Time `json:"at"`
	Accounts int       `json:"accounts"`
	Findings int       `json:"findings"`
	// CheckErrors say which accounts could not be (fully) checked, and why.
	CheckErrors []string `json:"check_errors,omitempty"`
}

// runsPartition holds one record per check (sort key: the check's name), so one List reads them all.
const runsPartition = "runs"

// recordRun keeps res as the check's latest run. It is bookkeeping for people asking, so a failure is
// logged and does not fail the run.
func (a *App) recordRun(ctx context.Context, res Result, at time.Time) {
	v, err := json.Marshal(LastRun{Check: res.Check, At: at, Accounts: res.Accounts, Findings: res.Findings, CheckErrors: res.CheckErrors})
	if err == nil {
		key := state.Key{Partition: runsPartition, Sort: res.Check}
		for range 3 {
			var cur state.Record
			if cur, err = a.Store.Get(ctx, key); errors.Is(err, state.ErrNotFound) {
				cur, err = state.Record{Key: key}, nil
			}
			if err != nil {
				break
			}
			cur.Value = v
			if _, err = a.Store.Put(ctx, cur); !errors.Is(err, state.ErrConflict) {
				break
			}
		}
	}
	if err != nil {
		a.Log.Warn("record the run", "check", res.Check, "error", err.Error())
	}
}

// LastRuns returns the latest run of every check that has run, by check name.
func (a *App) LastRuns(ctx context.Context) (map[string]LastRun, error) {
	recs, err := a.Store.List(ctx, runsPartition, "")
	if err != nil {
		return nil, fmt.Errorf("app: read the last runs: %w", err)
	}
	out := make(map[string]LastRun, len(recs))
	for _, r := range recs {
		var lr LastRun
		if err := json.Unmarshal(r.Value, &lr); err != nil {
			return nil, fmt.Errorf("app: read the last run of %s: %w", r.Key.Sort, err)
		}
		out[r.Key.Sort] = lr
	}
	return out, nil
}

package renewal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/state"
)

// AccountsPerItem is how many accounts one work item of a scan covers. At the partner's share of its
// listing rate (10 calls/s split between two concurrent invocations) fifty customers are listed in
// about ten seconds, and posting their messages at Slack's pace takes at most a few minutes more:
// well inside the function's timeout, and a retry redoes little.
const AccountsPerItem = 50

// progressTTL is how long a scan's progress records are kept: long enough for the last retry of its
// slowest item, short enough not to pile up.
const progressTTL = 7 * 24 * time.Hour

// WorkItem is one work item of a scan: a few accounts, scanned in one invocation. Of is the number of
// items of the scan, so the one that finishes last can tell and post the scan's summary.
type WorkItem struct {
	Scan     string   `json:"scan"`
	Index    int      `json:"index"`
	Of       int      `json:"of"`
	Accounts []string `json:"accounts"`
}

// WorkItemEvent is the body of a work item's queue message: {"renewal_scan":{...}}.
type WorkItemEvent struct {
	RenewalScan *WorkItem `json:"renewal_scan"`
}

// scanIDPattern is what a scan id may hold: it becomes part of a state key.
var scanIDPattern = regexp.MustCompile(`^[A-Za-z0-9:._-]{1,128}$`)

// ParseWorkItem reads a work item's message body strictly (unknown fields and trailing data are errors)
// and checks its shape; the error says what is wrong.
func ParseWorkItem(raw []byte) (WorkItem, error) {
	var ev WorkItemEvent
	if err := decodeStrict(raw, &ev, "work item"); err != nil {
		return WorkItem{}, err
	}
	it := ev.RenewalScan
	switch {
	case it == nil:
		return WorkItem{}, errors.New("renewal: work item: renewal_scan is missing")
	case !scanIDPattern.MatchString(it.Scan):
		return WorkItem{}, errors.New("renewal: work item: scan is missing or not a scan id")
	case it.Of < 1 || it.Index < 0 || it.Index >= it.Of:
		return WorkItem{}, fmt.Errorf("renewal: work item: index %d of %d is out of range", it.Index, it.Of)
	case len(it.Accounts) == 0 || len(it.Accounts) > 10*AccountsPerItem:
		return WorkItem{}, fmt.Errorf("renewal: work item: %d accounts (1 to %d)", len(it.Accounts), 10*AccountsPerItem)
	}
	return *it, nil
}

// ScanID turns what identifies a run (a scheduled time, an execution or run id) into a scan id, so
// that a retried invocation plans the same items and the same progress records count; empty means a
// fresh random id.
func ScanID(from string) string {
	if from != "" {
		if scanIDPattern.MatchString(from) {
			return from
		}
		return "s" + hex.EncodeToString([]byte(from))[:min(2*len(from), 120)]
	}
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "s" + hex.EncodeToString(b[:])
}

// Plan lists every account a scan covers and splits them into work items of AccountsPerItem. A
// partner whose customers could not be listed, or a configured customer it does not resell to, is a
// report with an error; each partner listed is a report without one, so an earlier failure closes.
func (s *Service) Plan(ctx context.Context, scanID string) ([]WorkItem, []Report) {
	accounts, reports := s.accounts(ctx)
	n := (len(accounts) + AccountsPerItem - 1) / AccountsPerItem
	items := make([]WorkItem, 0, n)
	for i := range n {
		it := WorkItem{Scan: scanID, Index: i, Of: n}
		for _, a := range accounts[i*AccountsPerItem : min((i+1)*AccountsPerItem, len(accounts))] {
			it.Accounts = append(it.Accounts, a.Name)
		}
		items = append(items, it)
	}
	return items, reports
}

// progress is what a work item has done so far, kept in the store so that a retry (after a failure
// it reported) carries on with the accounts not done. It is written once per attempt: an attempt cut
// off by its timeout redoes its item's accounts (at most AccountsPerItem, and the quotes they already
// have hold their resources), never the scan's.
type progress struct {
	Done  map[string]bool `json:"done"`
	Tally tally           `json:"tally"`
}

// A scan's records: item/<index> its progress, done/<index> (empty) once it has finished, so that
// telling whether the scan is complete reads small records, and summary once the summary is claimed.
func progressPartition(scan string) string { return "renewal/scan/" + scan }

func itemKey(it WorkItem) state.Key {
	return state.Key{Partition: progressPartition(it.Scan), Sort: fmt.Sprintf("item/%06d", it.Index)}
}

func doneKey(it WorkItem) state.Key {
	return state.Key{Partition: progressPartition(it.Scan), Sort: fmt.Sprintf("done/%06d", it.Index)}
}

// ScanItem scans the item's accounts that an earlier attempt did not finish, and records them as
// done. It returns the reports of the accounts it scanned now. An account that failed in a way a
// later attempt may not (retryableScan) is left undone and the error is non-nil, so the queue
// retries the item; on the final attempt it is recorded as failed instead. When the item is done
// and it was the scan's last, it posts the scan's summary.
func (s *Service) ScanItem(ctx context.Context, it WorkItem, final bool) ([]Report, error) {
	rec, err := s.Store.st.Get(ctx, itemKey(it))
	var p progress
	switch {
	case errors.Is(err, state.ErrNotFound):
		rec = state.Record{Key: itemKey(it)}
	case err != nil:
		return nil, storeError{err}
	default:
		if err := json.Unmarshal(rec.Value, &p); err != nil {
			return nil, fmt.Errorf("renewal: progress of item %d of scan %s: %w", it.Index, it.Scan, err)
		}
	}
	var todo []Account
	var reports []Report
	for _, name := range it.Accounts {
		if p.Done[name] {
			continue
		}
		a, err := s.find(name)
		if err != nil {
			reports = append(reports, Report{Account: name, Err: err.Error()})
			continue
		}
		todo = append(todo, a)
	}
	// Stop scanning in time to record what is done: an invocation about to time out leaves the rest
	// to the retry instead of losing its whole attempt.
	scanCtx := ctx
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		scanCtx, cancel = context.WithDeadline(ctx, dl.Add(-ItemMargin))
		defer cancel()
	}
	scanned, errs := s.scanAccounts(scanCtx, todo, false)
	var retry []error
	for i, r := range scanned {
		if errs[i] != nil && !final && retryableScan(errs[i]) {
			retry = append(retry, errs[i])
			continue
		}
		reports = append(reports, r)
	}
	if err := s.recordProgress(ctx, rec, reports); err != nil {
		return reports, storeError{err}
	}
	if len(retry) > 0 {
		return reports, fmt.Errorf("renewal: item %d of scan %s: %d accounts to retry: %w", it.Index, it.Scan, len(retry), errors.Join(retry...))
	}
	done := state.Record{Key: doneKey(it), Value: []byte(`{}`), ExpiresAt: s.now().Add(progressTTL)}
	if _, err := s.Store.st.Put(ctx, done); err != nil && !errors.Is(err, state.ErrConflict) {
		return reports, storeError{err}
	}
	if err := s.finishScan(ctx, it); err != nil {
		return reports, storeError{err}
	}
	return reports, nil
}

// recordProgress adds reports to the item's progress record. A concurrent attempt of the same item
// (a queue delivers at least once) may have written meanwhile: its record is read again and merged.
func (s *Service) recordProgress(ctx context.Context, rec state.Record, reports []Report) error {
	if len(reports) == 0 {
		return nil
	}
	for {
		var p progress
		if rec.Version > 0 {
			if err := json.Unmarshal(rec.Value, &p); err != nil {
				return err
			}
		}
		if p.Done == nil {
			p.Done = map[string]bool{}
		}
		for _, r := range reports {
			if !p.Done[r.Account] {
				p.Done[r.Account] = true
				p.Tally.add(r)
			}
		}
		v, err := json.Marshal(p)
		if err != nil {
			return err
		}
		_, err = s.Store.st.Put(ctx, state.Record{Key: rec.Key, Value: v, Version: rec.Version, ExpiresAt: s.now().Add(progressTTL)})
		if !errors.Is(err, state.ErrConflict) {
			return err
		}
		if rec, err = s.Store.st.Get(ctx, rec.Key); err != nil {
			return err
		}
	}
}

// finishScan posts the scan's summary when every item of it has finished. Of two items finishing
// at once, both may see the scan complete; the summary record, written only if absent, lets one post.
func (s *Service) finishScan(ctx context.Context, it WorkItem) error {
	done, err := s.Store.st.List(ctx, progressPartition(it.Scan), "done/")
	if err != nil || len(done) < it.Of {
		return err
	}
	recs, err := s.Store.st.List(ctx, progressPartition(it.Scan), "item/")
	if err != nil {
		return err
	}
	var scan tally
	for _, r := range recs {
		var p progress
		if err := json.Unmarshal(r.Value, &p); err != nil {
			return fmt.Errorf("renewal: progress %s: %w", r.Key, err)
		}
		scan.merge(p.Tally)
	}
	claim := state.Record{Key: state.Key{Partition: progressPartition(it.Scan), Sort: "summary"},
		Value: []byte(`{}`), ExpiresAt: s.now().Add(progressTTL)}
	if _, err := s.Store.st.Put(ctx, claim); errors.Is(err, state.ErrConflict) {
		return nil
	} else if err != nil {
		return err
	}
	s.summarize(ctx, scan)
	return nil
}

// RunItems runs a scan's items in this process, Concurrency accounts at a time in each of up to
// ItemConcurrency items at once, as the queue would in Lambda; an item that asks to be retried is
// retried at once, its last attempt final. It returns every account's report.
func (s *Service) RunItems(ctx context.Context, items []WorkItem) ([]Report, error) {
	var mu sync.Mutex
	var all []Report
	var errs []error
	sem := make(chan struct{}, max(s.ItemConcurrency, 1))
	var wg sync.WaitGroup
	for _, it := range items {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			var reports []Report
			var err error
			for attempt := 1; attempt <= ItemAttempts; attempt++ {
				var r []Report
				r, err = s.ScanItem(ctx, it, attempt == ItemAttempts)
				reports = append(reports, r...)
				if err == nil || ctx.Err() != nil {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			all = append(all, reports...)
			if isStoreError(err) {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	return all, errors.Join(errs...)
}

// ItemMargin is how long before its invocation's deadline a work item stops scanning, to record its
// progress and answer the queue.
const ItemMargin = 15 * time.Second

// ItemAttempts is how many times a work item is tried before its failures are final: the queue's
// maxReceiveCount in template.yaml.
const ItemAttempts = 3

// find returns the account named name without credentials to quote with yet (an agency is only
// assumed for a customer with something to quote).
func (s *Service) find(name string) (Account, error) {
	if a, ok := s.Accounts[name]; ok {
		return a, nil
	}
	pn, id, cut := cutAccount(name)
	p, known := s.Partners[pn]
	if !cut || !known || !p.covers(id) {
		return Account{}, fmt.Errorf("renewal: account %q is not configured for renewals", name)
	}
	return p.account(id), nil
}

// retryableScan reports whether an account's scan failure may pass on a later attempt: the store
// failed, or BSS was throttled, unavailable or answered what could not be read.
func retryableScan(err error) bool {
	switch bss.KindOf(err) {
	case bss.Throttled, bss.Transient, bss.Malformed:
		return true
	}
	return isStoreError(err)
}

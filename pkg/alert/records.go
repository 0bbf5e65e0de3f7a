package alert

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/state"
)

// The sort keys of a group's partition; doc.go describes the layout.
const (
	groupSort    = "head"
	failSort     = "fail"
	chunkPrefix  = "f/"
	outboxPrefix = "o/"
	refPrefix    = "r/"
	snoozePrefix = "z/"
)

// maxChunkBytes keeps every findings chunk well under DynamoDB's 400 KB item limit, with room for the
// key, version and expiry attributes.
const maxChunkBytes = 350 << 10

func partition(check, account string) string { return "alert/" + check + "/" + account }

// chunkSort spreads a group's findings over at most 256 records by the first byte of the fingerprint
// (a hash), so a change to one finding rewrites one small chunk and a group of tens of thousands of
// findings still fits the item size limit.
func chunkSort(fingerprint string) string { return chunkPrefix + fingerprint[:2] }

// lease marks a record as being changed by one run until Until; other runs leave the group alone
// meanwhile. A run that dies holding it blocks the group only until Until.
type lease struct {
	Owner string    `json:"owner"`
	Until time.Time `json:"until"`
}

func (l *lease) heldByOther(owner string, now time.Time) bool {
	return l != nil && l.Owner != owner && now.Before(l.Until)
}

// head is the state of an alert group (sort "head") or of a check-failure episode (sort "fail").
type head struct {
	// Open is true while the group fires (or the check fails).
	Open bool `json:"open,omitempty"`
	// Epoch changes each time the group opens; outbox entries carry it so that a message of a closed
	// group never picks up the Ref of a newer one.
	Epoch    string    `json:"epoch,omitempty"`
	Since    time.Time `json:"since,omitzero"`
	LastSent time.Time `json:"last_sent,omitzero"`
	// Reason is the check failure's text (check-failure records only).
	Reason string `json:"reason,omitempty"`
	Lease  *lease `json:"lease,omitempty"`
}

// placed records where a group's (or failure's) message lives at one destination. It is a record of
// its own so that recording a delivery never conflicts with a run that holds the head's lease.
type placed struct {
	// Epoch is the head's epoch the Ref belongs to; a Ref of an earlier epoch is ignored.
	Epoch string     `json:"epoch"`
	Ref   notify.Ref `json:"ref"`
}

func refSort(target, dest string) string { return refPrefix + target + "/" + dest }

// stored is what the engine remembers of a finding: enough to detect a change and to name it once it
// is resolved. Text and fields (amounts of the day) are left out so that they do not cause writes.
type stored struct {
	Subject  string          `json:"s"`
	Severity notify.Severity `json:"v"`
	Tier     string          `json:"t,omitempty"`
	Title    string          `json:"n"`
	// Final marks a Finding.Final that was told: a silent marker until the check stops reporting it.
	Final bool `json:"e,omitempty"`
}

// outboxEntry is one message waiting for one destination.
type outboxEntry struct {
	Msg notify.Message `json:"msg"`
	// Dest is the destination's configured name.
	Dest string `json:"dest"`
	// Target is groupSort or failSort: the record whose Refs this message updates.
	Target string `json:"target"`
	Epoch  string `json:"epoch"`
	// Prev is the destination's Ref when the message was queued; used when the group has moved on.
	Prev      notify.Ref `json:"prev,omitzero"`
	Created   time.Time  `json:"created"`
	Attempts  int        `json:"attempts,omitempty"`
	LastError string     `json:"last_error,omitempty"`
	Claim     *lease     `json:"claim,omitempty"`
}

func outboxSort(created time.Time, id, dest string) string {
	return fmt.Sprintf("%s%020d/%s/%s", outboxPrefix, created.UnixNano(), id, dest)
}

type headRec struct {
	rec state.Record
	h   head
}

type chunkRec struct {
	rec      state.Record
	findings map[string]stored
}

type outboxRec struct {
	rec state.Record
	e   outboxEntry
}

type placedRec struct {
	rec state.Record
	p   placed
}

// snooze is one person's snooze of a group's open findings: each finding, at the severity and tier
// it had, is not reminded until Until. A finding that moves to another severity or tier is no longer
// the one snoozed: it is told, and reminded again.
type snooze struct {
	By       string            `json:"by"`
	At       time.Time         `json:"at"`
	Until    time.Time         `json:"until"`
	Findings map[string]stored `json:"f"`
}

// snapshot is everything stored for one (check, account), read with one List.
type snapshot struct {
	group, fail headRec
	chunks      map[string]chunkRec
	outbox      []outboxRec
	// refs is keyed by refSort.
	refs    map[string]placedRec
	snoozes []state.Record
	snoozed []snooze
}

// asleep reports whether a live snooze covers the finding fp as it is stored now (p).
func (s *snapshot) asleep(fp string, p stored, now time.Time) bool {
	for _, z := range s.snoozed {
		if f, ok := z.Findings[fp]; ok && now.Before(z.Until) && f.Severity == p.Severity && f.Tier == p.Tier {
			return true
		}
	}
	return false
}

// ref returns where the message of target's current epoch lives at dest, if it was delivered there.
func (s *snapshot) ref(target, epoch, dest string) notify.Ref {
	if p, ok := s.refs[refSort(target, dest)]; ok && p.p.Epoch == epoch {
		return p.p.Ref
	}
	return notify.Ref{}
}

func (s *snapshot) target(sort string) *headRec {
	if sort == failSort {
		return &s.fail
	}
	return &s.group
}

// load reads a group's partition. Records it cannot decode are an error: guessing would resolve or
// repeat alerts on corrupt data.
func load(ctx context.Context, st state.Store, part string) (*snapshot, error) {
	recs, err := st.List(ctx, part, "")
	if err != nil {
		return nil, fmt.Errorf("alert: read %s: %w", part, err)
	}
	s := &snapshot{
		group:  headRec{rec: state.Record{Key: state.Key{Partition: part, Sort: groupSort}}},
		fail:   headRec{rec: state.Record{Key: state.Key{Partition: part, Sort: failSort}}},
		chunks: map[string]chunkRec{},
		refs:   map[string]placedRec{},
	}
	for _, r := range recs {
		var err error
		switch k := r.Key.Sort; {
		case k == groupSort || k == failSort:
			hr := s.target(k)
			hr.rec = r
			err = json.Unmarshal(r.Value, &hr.h)
		case strings.HasPrefix(k, chunkPrefix):
			c := chunkRec{rec: r}
			err = json.Unmarshal(r.Value, &c.findings)
			s.chunks[k] = c
		case strings.HasPrefix(k, outboxPrefix):
			o := outboxRec{rec: r}
			err = json.Unmarshal(r.Value, &o.e)
			s.outbox = append(s.outbox, o)
		case strings.HasPrefix(k, refPrefix):
			p := placedRec{rec: r}
			err = json.Unmarshal(r.Value, &p.p)
			s.refs[k] = p
		case strings.HasPrefix(k, snoozePrefix):
			var z snooze
			err = json.Unmarshal(r.Value, &z)
			s.snoozes, s.snoozed = append(s.snoozes, r), append(s.snoozed, z)
		}
		if err != nil {
			return nil, fmt.Errorf("alert: decode %s/%s: %w", part, r.Key.Sort, err)
		}
	}
	return s, nil
}

// Open is one finding a group holds open, as the engine last stored it.
type Open struct {
	Subject  string
	Severity notify.Severity
	Tier     string
	Title    string
}

// Status is what the store holds of one (check, account): the group's open findings, worst first,
// and the check-failure episode, if one is open.
type Status struct {
	Check, Account string
	// Since is when the group opened, LastSent when it last notified; zero when it is not open.
	Since, LastSent time.Time
	Findings        []Open
	// Failing is set while the check cannot (fully) run for the account; Reason says why.
	Failing       bool
	FailingSince  time.Time
	FailureReason string
	// Snoozes are the snoozes still running, oldest first.
	Snoozes []Snoozed
}

// Snoozed is one running snooze: who, until when, how many findings.
type Snoozed struct {
	By       string
	Until    time.Time
	Findings int
}

// ReadStatus reads the stored state of check for account without changing anything: what a person
// asking "what is open right now?" is told, with no call to BSS. A group that was never evaluated
// reads as nothing open.
func ReadStatus(ctx context.Context, st state.Store, check, account string, now time.Time) (Status, error) {
	s, err := load(ctx, st, partition(check, account))
	if err != nil {
		return Status{}, err
	}
	out := Status{Check: check, Account: account}
	if s.group.h.Open {
		out.Since, out.LastSent = s.group.h.Since, s.group.h.LastSent
		for _, c := range s.chunks {
			for _, f := range c.findings {
				if f.Final {
					continue
				}
				out.Findings = append(out.Findings, Open{Subject: f.Subject, Severity: f.Severity, Tier: f.Tier, Title: f.Title})
			}
		}
	}
	sort.Slice(out.Findings, func(i, j int) bool {
		a, b := out.Findings[i], out.Findings[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		return a.Title < b.Title
	})
	if f := s.fail.h; f.Open {
		out.Failing, out.FailingSince, out.FailureReason = true, f.Since, f.Reason
	}
	for _, z := range s.snoozed {
		if now.Before(z.Until) {
			out.Snoozes = append(out.Snoozes, Snoozed{By: z.By, Until: z.Until, Findings: len(z.Findings)})
		}
	}
	return out, nil
}

// Snooze keeps the reminders of check's open findings for account quiet until until, on behalf of by
// (a Slack user id): it records each open finding (or only the one with fingerprint, when that is
// set) at its present severity and tier, so one that gets worse (or moves to another tier) breaks
// through and is told as usual. It returns how many findings it snoozed; with none open it records
// nothing.
func Snooze(ctx context.Context, st state.Store, check, account, fingerprint, by string, now, until time.Time) (int, error) {
	s, err := load(ctx, st, partition(check, account))
	if err != nil {
		return 0, err
	}
	z := snooze{By: by, At: now, Until: until, Findings: map[string]stored{}}
	if s.group.h.Open {
		for _, c := range s.chunks {
			for fp, f := range c.findings {
				if !f.Final && (fingerprint == "" || fp == fingerprint) {
					z.Findings[fp] = f
				}
			}
		}
	}
	if len(z.Findings) == 0 {
		return 0, nil
	}
	b, err := json.Marshal(z)
	if err != nil {
		return 0, fmt.Errorf("alert: encode snooze: %w", err)
	}
	key := state.Key{Partition: partition(check, account), Sort: fmt.Sprintf("%s%020d/%s", snoozePrefix, now.UnixNano(), by)}
	if _, err := st.Put(ctx, state.Record{Key: key, Value: b, ExpiresAt: until}); err != nil {
		return 0, fmt.Errorf("alert: snooze %s/%s: %w", check, account, err)
	}
	return len(z.Findings), nil
}

// Unsnooze ends every snooze of check for account at once; it returns how many it ended.
func Unsnooze(ctx context.Context, st state.Store, check, account string) (int, error) {
	s, err := load(ctx, st, partition(check, account))
	if err != nil {
		return 0, err
	}
	for _, r := range s.snoozes {
		if err := st.Delete(ctx, r.Key, r.Version); err != nil && !errors.Is(err, state.ErrNotFound) && !errors.Is(err, state.ErrConflict) {
			return 0, fmt.Errorf("alert: unsnooze %s/%s: %w", check, account, err)
		}
	}
	return len(s.snoozes), nil
}

package alert

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/state"
)

// The statuses of an item.
const (
	statusNew      = "new"
	statusChanged  = "changed"
	statusFiring   = "firing"
	statusResolved = "resolved"
)

// item is a digest line with the change it reports, if any.
type item struct {
	notify.Item
	change string
	// was is the severity the item had in the group's previous message.
	was  notify.Severity
	rank int64
}

// planGroup compares the evaluation with the stored group and decides the message, if any, and which
// findings chunks to rewrite. It returns nil when nothing is to be sent or written.
func (r *run) planGroup(ev Evaluation, s *snapshot) (*change, error) {
	old := s.group
	if old.h.Lease.heldByOther(r.id, r.now) {
		return nil, errBusy
	}
	prev := map[string]stored{}
	for _, c := range s.chunks {
		for fp, f := range c.findings {
			prev[fp] = f
		}
	}
	skipped := skipSet(ev.Skipped)
	keep := map[string]map[string]stored{}
	put := func(fp string, f stored) {
		k := chunkSort(fp)
		if keep[k] == nil {
			keep[k] = map[string]stored{}
		}
		keep[k][fp] = f
	}

	// A group with nothing stored meets its first evaluation: FirstRun decides what it tells.
	first := old.rec.Version == 0 && ev.FirstRun != FirstRunTell
	items := make([]item, 0, len(ev.Findings))
	// awake counts the findings still firing unchanged that no snooze quiets: a reminder is only
	// for them.
	var news, changed, resolved, awake int
	for _, f := range ev.Findings {
		fp := f.Fingerprint()
		put(fp, stored{Subject: f.Subject, Severity: f.Severity, Tier: f.Tier, Title: f.Title, Final: f.Final})
		p, ok := prev[fp]
		delete(prev, fp)
		if f.Final && ok && p.Final && p.Severity == f.Severity && p.Tier == f.Tier {
			continue // told before: only a silent marker now
		}
		if first && (ev.FirstRun == FirstRunRecord || f.Final) {
			continue // recorded, not told
		}
		it := item{Item: notify.Item{Fingerprint: fp, Severity: f.Severity, Status: statusFiring, Title: f.Title, Text: f.Text, Fields: f.Fields}, rank: f.Rank}
		switch {
		case !ok || p.Final && p.Severity == f.Severity && p.Tier == f.Tier:
			// A subject whose last word was told and that is reported live again is news.
			news++
			it.Status = statusNew
			it.change = "new: " + f.Title + ": " + joinParts(f.Severity.String(), headline(f.Fields))
		case p.Severity != f.Severity || p.Tier != f.Tier:
			changed++
			it.Status = statusChanged
			it.change = f.Title + ": " + joinParts(transitionText(p, f), headline(f.Fields))
			it.was = p.Severity
		default:
			if !s.asleep(fp, p, r.now) {
				awake++
			}
		}
		items = append(items, it)
	}
	for fp, p := range prev {
		it := item{Item: notify.Item{Fingerprint: fp, Severity: p.Severity, Title: p.Title}}
		switch {
		case skipped.covers(p.Subject):
			// Not evaluated this run: absence of data never resolves.
			put(fp, p)
			if p.Final {
				continue
			}
			it.Status = statusFiring
			if !s.asleep(fp, p, r.now) {
				awake++
			}
		case p.Final || ev.ForgetGone:
			// Told for the last time already, or out of the check's view: forgotten without a word.
			r.log.Debug("finding forgotten", "check", ev.Check, "account", ev.Account, "fingerprint", fp)
			continue
		default:
			resolved++
			it.Status = statusResolved
			it.change = "resolved: " + p.Title
		}
		items = append(items, it)
	}
	firing := len(items) - resolved
	for _, it := range items {
		if it.change != "" {
			r.log.Debug("finding "+it.Status, "check", ev.Check, "account", ev.Account, "fingerprint", it.Fingerprint)
		}
	}

	writes, err := chunkWrites(s, keep)
	if err != nil {
		return nil, err
	}
	h := old.h
	var kind notify.Kind
	switch {
	case !h.Open && news+changed > 0:
		// A closed group opens on something to tell; findings recorded silently (FirstRunRecord)
		// wait for their first change.
		kind = notify.KindFiring
		h = head{Open: true, Epoch: r.e.newID(), Since: r.now}
	case !h.Open:
	case firing == 0 && resolved > 0:
		kind = notify.KindResolved
		h.Open = false
	case firing == 0:
		h.Open = false
	case news+changed+resolved > 0:
		kind = notify.KindUpdate
	case !ev.NoRepeat && !r.now.Before(h.LastSent.Add(r.e.repeatInterval())) && awake > 0:
		kind = notify.KindRepeat
	}
	if kind == "" && len(writes) == 0 && h.Open == old.h.Open && !first {
		return nil, nil
	}
	c := &change{target: groupSort, old: old, next: h, chunks: writes}
	if kind != "" {
		msg := r.digest(ev, kind, items)
		c.msg = &msg
		c.next.LastSent = r.now
		c.tally = func(rep *Report) {
			switch kind {
			case notify.KindFiring:
				rep.Firing++
			case notify.KindUpdate:
				rep.Updated++
			case notify.KindRepeat:
				rep.Repeated++
			case notify.KindResolved:
				rep.Resolved++
			}
		}
	}
	return c, nil
}

// chunkWrites returns the chunks whose content differs from what is stored, so that an unchanged
// group costs no writes.
func chunkWrites(s *snapshot, keep map[string]map[string]stored) ([]chunkWrite, error) {
	var writes []chunkWrite
	for k, c := range s.chunks {
		if _, ok := keep[k]; !ok {
			writes = append(writes, chunkWrite{rec: c.rec, delete: true})
		}
	}
	for k, findings := range keep {
		old, ok := s.chunks[k]
		if ok && maps.Equal(old.findings, findings) {
			continue
		}
		b, err := json.Marshal(findings)
		if err != nil {
			return nil, fmt.Errorf("alert: encode %s: %w", k, err)
		}
		if len(b) > maxChunkBytes {
			return nil, fmt.Errorf("alert: %d findings in chunk %s take %d bytes, over %d: the group is too large", len(findings), k, len(b), maxChunkBytes)
		}
		rec := state.Record{Key: state.Key{Partition: s.group.rec.Key.Partition, Sort: k}, Value: b}
		if ok {
			rec.Version = old.rec.Version
		}
		writes = append(writes, chunkWrite{rec: rec})
	}
	sort.Slice(writes, func(i, j int) bool { return writes[i].rec.Key.Sort < writes[j].rec.Key.Sort })
	return writes, nil
}

// digest builds the group's one message of this run: firing items worst first, then resolved ones.
func (r *run) digest(ev Evaluation, kind notify.Kind, items []item) notify.Message {
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if ra, rb := a.Status == statusResolved, b.Status == statusResolved; ra != rb {
			return rb
		}
		return order{a.Severity, a.rank, a.Title, a.Fingerprint}.before(order{b.Severity, b.rank, b.Title, b.Fingerprint})
	})
	var shown []item
	for _, it := range items {
		switch {
		case kind == notify.KindFiring && it.Status == statusResolved:
			// Left over from an earlier group: the new group starts without it.
		default:
			shown = append(shown, it)
		}
	}

	noun := ev.Noun
	bySeverity := map[notify.Severity]int{}
	var firing, resolved, news, changed int
	var worst, worstResolved notify.Severity // worstResolved: of items gone or changed from
	for _, it := range shown {
		switch it.Status {
		case statusResolved:
			resolved++
			worstResolved = max(worstResolved, it.Severity)
			continue
		case statusNew:
			news++
		case statusChanged:
			changed++
			worstResolved = max(worstResolved, it.was)
		}
		firing++
		bySeverity[it.Severity]++
		worst = max(worst, it.Severity)
	}
	msg := notify.Message{
		ID:       r.e.newID(),
		Kind:     kind,
		Check:    ev.Check,
		Account:  ev.Account,
		Severity: worst,
		Title:    fmt.Sprintf("%s alerts for %s", ev.Check, ev.Account),
		Notes:    ev.Notes,
		At:       r.now,
	}
	if kind == notify.KindUpdate {
		// An update also tells the routes that saw the worse state it changes or resolves: a route
		// for critical alerts hears that its critical one went away.
		msg.Severity = max(worst, worstResolved)
	}
	var summary string
	if kind == notify.KindResolved {
		// Routed like the alerts it closes.
		msg.Severity = worstResolved
		summary = "all resolved: " + counted(resolved, noun)
	} else {
		var parts []string
		for _, sev := range []notify.Severity{notify.Critical, notify.Warning, notify.Info} {
			if n := bySeverity[sev]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, sev))
			}
		}
		summary = counted(firing, noun) + ": " + strings.Join(parts, ", ")
		// A group's first message says what changed too when it opens on findings recorded earlier
		// (FirstRunRecord): their thread tells from what to what.
		if kind == notify.KindUpdate || kind == notify.KindFiring && changed > 0 {
			var kinds []string
			for _, p := range []struct {
				n    int
				what string
			}{{news, "new"}, {changed, "changed"}, {resolved, "resolved"}} {
				if p.n > 0 {
					kinds = append(kinds, fmt.Sprintf("%d %s", p.n, p.what))
				}
			}
			summary += "; " + strings.Join(kinds, ", ")
		}
	}
	limit := r.e.maxItems()
	if kind == notify.KindUpdate || kind == notify.KindResolved || kind == notify.KindFiring && changed > 0 {
		var lines []string
		for _, it := range shown {
			if it.change != "" && (kind != notify.KindFiring || it.Status == statusChanged) {
				lines = append(lines, it.change)
			}
		}
		if len(lines) > limit {
			lines = append(lines[:limit], fmt.Sprintf("and %d more changes", len(lines)-limit))
		}
		msg.Changes = lines
	}
	if hidden := len(shown) - limit; hidden > 0 {
		shown = shown[:limit]
		summary += fmt.Sprintf("; %d more not listed", hidden)
	}
	msg.Summary = summary
	msg.Items = make([]notify.Item, len(shown))
	for i, it := range shown {
		msg.Items[i] = it.Item
	}
	return msg
}

// counted writes "12 low balances"; noun is plural, and loses its "s" for one.
func counted(n int, noun string) string {
	switch {
	case noun != "" && n == 1:
		return "1 " + strings.TrimSuffix(noun, "s")
	case noun != "":
		return fmt.Sprintf("%d %s", n, noun)
	case n == 1:
		return "1 finding"
	default:
		return fmt.Sprintf("%d findings", n)
	}
}

// transitionText says how a finding moved: "warning -> critical", and the tier when it says more than
// the severity does.
func transitionText(p stored, f Finding) string {
	var parts []string
	sev := ""
	if p.Severity != f.Severity {
		sev = p.Severity.String() + " -> " + f.Severity.String()
		parts = append(parts, sev)
	}
	if tier := p.Tier + " -> " + f.Tier; p.Tier != f.Tier && tier != sev {
		parts = append(parts, tier)
	}
	return strings.Join(parts, ", ")
}

// headline is a finding's first field, its main value by convention ("Balance ¥80.00").
func headline(fields []notify.Field) string {
	if len(fields) == 0 {
		return ""
	}
	return fields[0].Name + " " + fields[0].Value
}

func joinParts(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

// planFailure keeps one message per failure episode of a check: opened when the check cannot run,
// edited when the reason changes or as a reminder after RepeatInterval, closed when the check runs.
func (r *run) planFailure(ev Evaluation, s *snapshot) (*change, error) {
	old := s.fail
	if old.h.Lease.heldByOther(r.id, r.now) {
		return nil, errBusy
	}
	h := old.h
	// A check that ran only in part is a failure too: what it could not cover is unwatched.
	failing := ev.Err != nil
	var reason string
	if failing {
		reason = ev.Err.Error()
		r.log.Warn("check failed", "check", ev.Check, "account", ev.Account, "partial", ev.Partial, "reason", reason)
	}
	msg := notify.Message{
		ID:       r.e.newID(),
		Kind:     notify.KindCheckFailed,
		Check:    ev.Check,
		Account:  ev.Account,
		Severity: notify.Critical,
		Title:    fmt.Sprintf("%s check failing for %s", ev.Check, ev.Account),
		Summary:  fmt.Sprintf("%s check could not run for %s: %s", ev.Check, ev.Account, reason),
		At:       r.now,
	}
	if ev.Partial {
		msg.Title = fmt.Sprintf("%s check incomplete for %s", ev.Check, ev.Account)
		msg.Summary = fmt.Sprintf("%s check could not cover everything for %s: %s", ev.Check, ev.Account, reason)
	}
	tally := func(rep *Report) { rep.CheckFailed++ }
	switch {
	case failing && !h.Open:
		h = head{Open: true, Epoch: r.e.newID(), Since: r.now}
	case failing && !sameReason(h.Reason, reason):
		msg.Changes = []string{"now failing with: " + reason}
	case failing && !r.now.Before(h.LastSent.Add(r.e.repeatInterval())):
		msg.Changes = []string{"still failing since " + h.Since.UTC().Format(time.RFC3339)}
	case !failing && h.Open:
		h.Open = false
		msg.Kind = notify.KindCheckRecovered
		msg.Title = fmt.Sprintf("%s check recovered for %s", ev.Check, ev.Account)
		msg.Summary = fmt.Sprintf("%s check runs again for %s (it failed with: %s)", ev.Check, ev.Account, h.Reason)
		msg.Changes = []string{"recovered after " + r.now.Sub(h.Since).Round(time.Second).String()}
		tally = func(rep *Report) { rep.Resolved++ }
	default:
		return nil, nil
	}
	if failing {
		h.Reason = reason
	}
	h.LastSent = r.now
	return &change{target: failSort, old: old, next: h, msg: &msg, tally: tally}, nil
}

// skips answers whether a subject was left out of a run: listed itself, or under a listed prefix that
// ends in "/" (a list call that failed cannot name the subjects it would have returned).
type skips struct {
	exact    map[string]bool
	prefixes []string
}

func skipSet(subjects []string) skips {
	s := skips{exact: make(map[string]bool, len(subjects))}
	for _, sub := range subjects {
		if strings.HasSuffix(sub, "/") {
			s.prefixes = append(s.prefixes, sub)
			continue
		}
		s.exact[sub] = true
	}
	return s
}

func (s skips) covers(subject string) bool {
	if s.exact[subject] {
		return true
	}
	for _, p := range s.prefixes {
		if strings.HasPrefix(subject, p) {
			return true
		}
	}
	return false
}

// requestID matches the request id that BSS errors end with: it differs on every call, so it must
// not make the same failure look like a new one.
var requestID = regexp.MustCompile(` ?\(request id [^)]*\)`)

func sameReason(a, b string) bool {
	return requestID.ReplaceAllString(a, "") == requestID.ReplaceAllString(b, "")
}

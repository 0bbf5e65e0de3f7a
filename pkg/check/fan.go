package check

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/bss"
)

// Part is what one listing of a check found for one profile.
type Part struct {
	// Findings carry no check or account: Fan stamps them with the check's name and the profile.
	Findings []alert.Finding
	// Skipped lists subjects (or prefixes ending in "/") that could not be judged this run.
	Skipped []string
	// Errs say why something could not be judged.
	Errs []error
	// Notes are lines for the account's digest (totals); the parts' notes follow each other in job
	// order.
	Notes []string
	// Of counts what the listing covers (Noun: "customers") and Missed how many of those it could
	// not check; they turn an error into "40 of 10,000 customers not checked: ...". A part with
	// errors and no count (a list call that failed) or with everything missed did not run at all.
	Noun       string
	Of, Missed int
}

// Failed reports whether the part could not run at all.
func (p Part) Failed() bool { return len(p.Errs) > 0 && (p.Of == 0 || p.Missed >= p.Of) }

// reason says what the part could not cover and why.
func (p Part) reason() error {
	if len(p.Errs) == 0 {
		return nil
	}
	err := errors.Join(p.Errs...)
	if p.Of > 0 && p.Missed > 0 {
		return fmt.Errorf("%s of %s %s not checked: %w", count(p.Missed), count(p.Of), p.Noun, err)
	}
	return err
}

// count writes n with thousands separators, as the rest of a message writes amounts.
func count(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Job is one listing of a check for one profile.
type Job struct {
	Profile string
	Run     func(context.Context, *bss.Client) Part
}

// Fan runs the jobs concurrently (listings call different APIs, which BSS limits separately) and
// folds the parts of each profile into one evaluation of the check, so an account gets one digest per
// run. If every part of a profile failed, the check could not run for it (nothing is resolved); if
// only some did, the run is partial and their subjects are skipped. Either way the evaluation's Err
// says what was not covered, which the engine sends to ops once per episode. noun names the findings
// in digests ("low balances").
func Fan(ctx context.Context, env Env, name, noun string, jobs []Job) []alert.Evaluation {
	parts := make([]Part, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() {
			c, err := env.Clients(j.Profile)
			if err != nil {
				parts[i] = Part{Errs: []error{err}}
				return
			}
			parts[i] = j.Run(ctx, c)
		})
	}
	wg.Wait()

	byProfile := map[string][]Part{}
	var order []string
	for i, j := range jobs {
		if _, ok := byProfile[j.Profile]; !ok {
			order = append(order, j.Profile)
		}
		byProfile[j.Profile] = append(byProfile[j.Profile], parts[i])
	}
	evals := make([]alert.Evaluation, 0, len(order))
	for _, profile := range order {
		evals = append(evals, merge(name, noun, profile, byProfile[profile]))
	}
	return evals
}

func merge(name, noun, profile string, parts []Part) alert.Evaluation {
	ev := alert.Evaluation{Check: name, Account: profile, Noun: noun}
	var errs []error
	failed := 0
	for _, p := range parts {
		for _, f := range p.Findings {
			f.Check, f.Account = name, profile
			ev.Findings = append(ev.Findings, f)
		}
		ev.Skipped = append(ev.Skipped, p.Skipped...)
		ev.Notes = append(ev.Notes, p.Notes...)
		if err := p.reason(); err != nil {
			errs = append(errs, err)
		}
		if p.Failed() {
			failed++
		}
	}
	if len(errs) > 0 {
		ev.Err = errors.Join(errs...)
		ev.Partial = failed < len(parts)
	}
	return ev
}

package bss

import (
	"context"
	"fmt"
	"sync"
)

// Listing is what a streamed listing read: the records the service counted (Total), the pages that
// takes at the page size (Pages) and how many of them could not be read after retries (Failed).
type Listing struct {
	Total, Pages, Failed int
}

// PageError reports a streamed listing some of whose pages failed after retries. The pages that
// were read reached the callback; the records of the failed pages are unknown, so a caller must
// neither report them as absent nor resolve anything they might hold.
type PageError struct {
	API           API
	Failed, Pages int
	Err           error // the first page failure
}

// Error says how many pages were not read and why.
func (e *PageError) Error() string {
	return fmt.Sprintf("bss: %s: %d of %d pages not read: %v", e.API, e.Failed, e.Pages, e.Err)
}

// Unwrap returns the first page failure, so errors.Is(err, bss.ErrThrottled) and KindOf work.
func (e *PageError) Unwrap() error { return e.Err }

// stream reads a whole list page by page and hands each page to each as it arrives, so a listing of
// any size is never held in memory: at most the client's Concurrency pages are in flight. fetch(i)
// reads and converts page i (0-based); each gets the page's index with its records, in the order the
// pages arrive. The first page tells the total; an answer without one is
// Malformed (BSS leaves it out of answers that are really errors), never "no records". each is never
// called concurrently; an error it returns stops the listing and is returned as is. When later pages
// fail, the others are still read and the result is a *PageError.
func stream[T any](ctx context.Context, c *Client, api API, size int, fetch func(i int) (page[T], error), each func(i int, items []T) error) (Listing, error) {
	get := func(i int) (page[T], error) {
		return read(ctx, c, api, func() (page[T], error) {
			p, err := fetch(i)
			if err == nil && p.total < 0 {
				err = &Error{Op: string(api), Kind: Malformed, Message: "the answer has no total: not a list"}
			}
			return p, err
		})
	}
	first, err := get(0)
	if err != nil {
		return Listing{Pages: 1, Failed: 1}, err
	}
	l := Listing{Total: first.total, Pages: Pages(first.total, size)}
	if err := each(0, first.items); err != nil {
		return l, err
	}
	if l.Pages == 1 {
		return l, nil
	}
	var mu sync.Mutex
	var stop error
	errs := c.fanOut(ctx, api, l.Pages-1, func(i int) error {
		p, err := get(i + 1)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if stop == nil {
			stop = each(i+1, p.items)
		}
		return nil
	})
	if stop != nil {
		return l, stop
	}
	var pe *PageError
	for _, err := range errs {
		if err == nil {
			continue
		}
		if pe == nil {
			pe = &PageError{API: api, Pages: l.Pages, Err: err}
		}
		pe.Failed++
	}
	if pe != nil {
		l.Failed = pe.Failed
		return l, pe
	}
	return l, nil
}

package sandbox

import (
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// query reads GET parameters the way BSS validates them; the first problem wins.
type query struct {
	v   url.Values
	err *apiError
}

func newQuery(r *http.Request) *query {
	v, err := url.ParseQuery(r.URL.RawQuery)
	q := &query{v: v}
	if err != nil {
		q.err = badRequest("the query string is malformed")
	}
	return q
}

// str returns the parameter or nil when it is absent. The SDK sends an empty string as a bare key,
// which arrives here as present and empty.
func (q *query) str(name string, maxLen int) *string {
	if q.err != nil || !q.v.Has(name) {
		return nil
	}
	s := q.v.Get(name)
	if len(s) > maxLen {
		q.err = badRequest("%s is longer than %d characters", name, maxLen)
		return nil
	}
	return &s
}

// num returns the integer parameter, def when absent, and records an error outside [lo, hi].
func (q *query) num(name string, def, lo, hi int) int {
	if q.err != nil || !q.v.Has(name) {
		return def
	}
	n, err := strconv.Atoi(q.v.Get(name))
	if err != nil {
		q.err = badRequest("%s is not an integer", name)
		return def
	}
	if n < lo || n > hi {
		q.err = badRequest("%s must be between %d and %d", name, lo, hi)
		return def
	}
	return n
}

// optNum is num for filters: nil when absent.
func (q *query) optNum(name string, lo, hi int) *int {
	if q.err != nil || !q.v.Has(name) {
		return nil
	}
	n := q.num(name, 0, lo, hi)
	if q.err != nil {
		return nil
	}
	return &n
}

// time parses an optional UTC time parameter in BSS's yyyy-MM-dd'T'HH:mm:ss'Z' layout.
func (q *query) time(name string) *time.Time {
	s := q.str(name, 64)
	if s == nil || *s == "" {
		return nil
	}
	t, err := parseTime(name, *s)
	if err != nil {
		q.err = err
		return nil
	}
	return &t
}

func parseTime(name, s string) (time.Time, *apiError) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, badRequest("%s must be a UTC time like 2019-05-06T08:05:01Z, got %q", name, s)
	}
	return t, nil
}

// optTime parses an optional time field of a JSON body; empty counts as absent.
func optTime(name string, s *string) (*time.Time, *apiError) {
	if s == nil || *s == "" {
		return nil, nil
	}
	if len(*s) > 20 {
		return nil, badRequest("%s is longer than 20 characters", name)
	}
	t, err := parseTime(name, *s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// paging checks an optional record offset and page size of a JSON body.
func paging(offset, limit *int32, maxLimit int) (int, int, *apiError) {
	o, l := 0, 10
	if offset != nil {
		o = int(*offset)
	}
	if limit != nil {
		l = int(*limit)
	}
	if o < 0 {
		return 0, 0, badRequest("offset must not be negative")
	}
	if l < 1 || l > maxLimit {
		return 0, 0, badRequest("limit must be between 1 and %d", maxLimit)
	}
	return o, l, nil
}

// window reports whether t lies strictly inside the optional (begin, end) bounds, as BSS filters do.
func window(t time.Time, begin, end *time.Time) bool {
	if begin != nil && !t.After(*begin) {
		return false
	}
	if end != nil && !t.Before(*end) {
		return false
	}
	return true
}

// pageOf returns the records [offset, offset+limit) of xs.
func pageOf[T any](xs []T, offset, limit int) []T {
	if offset >= len(xs) {
		return []T{}
	}
	return xs[offset:min(len(xs), offset+limit)]
}

// noIndirectPartner answers CBC.99000037 for a tier-2 reseller id: the sandbox partner has none.
func noIndirectPartner(id *string) *apiError {
	if id == nil || *id == "" {
		return nil
	}
	return apiErr(http.StatusBadRequest, "CBC.99000037", "You do not have permission to perform operations on the cloud reseller.")
}

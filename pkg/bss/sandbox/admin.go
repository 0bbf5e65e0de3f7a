package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// AdminPrefix starts every path of the admin API. BSS paths start with a version ("/v2/", "/v1.0/",
// "/v3/"), so the two never meet. The admin API is unauthenticated: the sandbox is for loopback use.
//
//	GET    /_sandbox/clock           {"now": "...", "offset": "72h0m0s", "anchor": "..."}
//	POST   /_sandbox/clock           {"advance": "72h"}: move the business clock forward
//	GET    /_sandbox/faults          {"faults": [Fault...]} in force, with remaining counts
//	POST   /_sandbox/faults          a Fault or a list of them: add after those already set
//	DELETE /_sandbox/faults[?api=A]  clear the faults of API A (repeatable), or all
//	GET    /_sandbox/calls           {"calls": {API: n}, "throttled": {API: n}}
//	DELETE /_sandbox/calls           set the counters back to zero
const AdminPrefix = "/_sandbox/"

// maxAdminBody bounds an admin request; a list of faults is a few kilobytes.
const maxAdminBody = 1 << 16

// ClockState is the admin API's view of the clocks.
type ClockState struct {
	Now    time.Time `json:"now"`
	Offset Duration  `json:"offset"`
	Anchor time.Time `json:"anchor"`
}

// CallCounts is the admin API's view of the call counters.
type CallCounts struct {
	Calls     map[string]int `json:"calls"`
	Throttled map[string]int `json:"throttled"`
}

type adminError struct {
	status int
	msg    string
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	out, ae := s.admin(r)
	if ae != nil {
		writeJSON(w, ae.status, map[string]string{"error": ae.msg})
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) admin(r *http.Request) (any, *adminError) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxAdminBody+1))
	if err != nil || len(body) > maxAdminBody {
		return nil, &adminError{http.StatusBadRequest, "the request body could not be read or is too large"}
	}
	switch r.Method + " " + r.URL.Path {
	case "GET " + AdminPrefix + "clock":
		return s.clockState(), nil
	case "POST " + AdminPrefix + "clock":
		var req struct {
			Advance Duration `json:"advance"`
		}
		if err := decodeStrict(body, &req); err != nil {
			return nil, err
		}
		if req.Advance <= 0 {
			return nil, &adminError{http.StatusBadRequest, `advance must be a positive duration such as "72h"`}
		}
		s.Advance(time.Duration(req.Advance))
		return s.clockState(), nil
	case "GET " + AdminPrefix + "faults":
		return map[string][]Fault{"faults": s.Faults()}, nil
	case "POST " + AdminPrefix + "faults":
		fs, err := decodeFaults(body)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			s.faults.add(f)
		}
		return map[string][]Fault{"faults": s.Faults()}, nil
	case "DELETE " + AdminPrefix + "faults":
		s.ClearFaults(r.URL.Query()["api"]...)
		return map[string][]Fault{"faults": s.Faults()}, nil
	case "GET " + AdminPrefix + "calls":
		return CallCounts{Calls: s.Calls(), Throttled: s.Throttled()}, nil
	case "DELETE " + AdminPrefix + "calls":
		s.ResetCalls()
		return CallCounts{Calls: s.Calls(), Throttled: s.Throttled()}, nil
	}
	return nil, &adminError{http.StatusNotFound, fmt.Sprintf("no admin operation %s %s", r.Method, r.URL.Path)}
}

func (s *Server) clockState() ClockState {
	return ClockState{Now: s.Clock(), Offset: Duration(s.Offset()), Anchor: s.anchor}
}

// decodeFaults reads one fault or a list; all of them must be valid or none is added.
func decodeFaults(body []byte) ([]Fault, *adminError) {
	var fs []Fault
	if b := bytes.TrimSpace(body); len(b) > 0 && b[0] == '[' {
		if err := decodeStrict(b, &fs); err != nil {
			return nil, err
		}
	} else {
		var f Fault
		if err := decodeStrict(b, &f); err != nil {
			return nil, err
		}
		fs = []Fault{f}
	}
	var errs []error
	for i, f := range fs {
		if err := f.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("fault %d: %w", i+1, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, &adminError{http.StatusBadRequest, err.Error()}
	}
	return fs, nil
}

// ParseFault reads a fault as JSON (the admin API's and the --fault flag's format) and validates it.
func ParseFault(s string) (Fault, error) {
	var f Fault
	if ae := decodeStrict([]byte(s), &f); ae != nil {
		return Fault{}, errors.New(ae.msg)
	}
	if err := f.Validate(); err != nil {
		return Fault{}, err
	}
	return f, nil
}

// decodeStrict decodes JSON and refuses unknown fields, so a misspelt "cout" is not silently a
// fault that never ends.
func decodeStrict(b []byte, v any) *adminError {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &adminError{http.StatusBadRequest, fmt.Sprintf("not valid JSON for this: %v", err)}
	}
	return nil
}

package notify

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Route sends the messages that match all of its filters to the destinations named in To. An empty
// filter matches everything.
type Route struct {
	Checks      []string
	MinSeverity Severity
	Accounts    []string
	To          []string
}

func (r Route) matches(msg Message) bool {
	return msg.Severity >= r.MinSeverity &&
		(len(r.Checks) == 0 || slices.Contains(r.Checks, msg.Check)) &&
		(len(r.Accounts) == 0 || slices.Contains(r.Accounts, msg.Account))
}

// Router picks the destinations of a message.
type Router struct {
	routes []Route
	ops    []Destination
	dests  map[string]Destination
}

// NewRouter checks the routes and ops destination names against dests (keyed by destination name)
// and returns a Router. It errors, listing every problem at once, when a route has no destinations, a
// name is unknown, or a key differs from its destination's Name (state is keyed by that name).
func NewRouter(routes []Route, ops []string, dests map[string]Destination) (*Router, error) {
	var problems []string
	for key, d := range dests {
		if d == nil || d.Name() != key {
			problems = append(problems, fmt.Sprintf("destination %q is registered under another name", key))
		}
	}
	unknown := func(where string, names []string) {
		for _, n := range names {
			if _, ok := dests[n]; !ok {
				problems = append(problems, fmt.Sprintf("%s: unknown destination %q", where, n))
			}
		}
	}
	for i, r := range routes {
		if len(r.To) == 0 {
			problems = append(problems, fmt.Sprintf("route %d: no destinations", i+1))
		}
		unknown(fmt.Sprintf("route %d", i+1), r.To)
	}
	unknown("ops", ops)
	if len(problems) > 0 {
		slices.Sort(problems)
		return nil, errors.New("notify: routes: " + strings.Join(problems, "; "))
	}
	rt := &Router{routes: slices.Clone(routes), dests: dests}
	rt.ops = rt.pick(ops, nil, map[string]bool{})
	return rt, nil
}

// Route returns the destinations for msg, each once, in route order. A check failure and its
// recovery go to the ops destinations; with none configured they are routed like any other message,
// so they are never dropped.
func (r *Router) Route(msg Message) []Destination {
	if (msg.Kind == KindCheckFailed || msg.Kind == KindCheckRecovered) && len(r.ops) > 0 {
		return slices.Clone(r.ops)
	}
	var out []Destination
	seen := map[string]bool{}
	for _, rt := range r.routes {
		if rt.matches(msg) {
			out = r.pick(rt.To, out, seen)
		}
	}
	return out
}

func (r *Router) pick(names []string, out []Destination, seen map[string]bool) []Destination {
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, r.dests[n])
		}
	}
	return out
}

// Package watch runs the checks: it asks BSS for the data each configured rule needs, applies the pure
// rules of pkg/balance (and, later, the other checks), and returns one alert.Evaluation per check and
// profile for the alert engine. A failed call never turns into "nothing found": it becomes an error or
// a list of skipped subjects on the evaluation.
package watch

import (
	"fmt"

	"github.com/bsswatch/bsswatch/pkg/bss"
)

// Clients returns the BSS client of a configured profile.
type Clients func(profile string) (*bss.Client, error)

// Map returns Clients backed by a map; an unknown profile is an error naming it.
func Map(m map[string]*bss.Client) Clients {
	return func(profile string) (*bss.Client, error) {
		c, ok := m[profile]
		if !ok {
			return nil, fmt.Errorf("watch: no client for profile %q", profile)
		}
		return c, nil
	}
}

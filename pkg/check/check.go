// Package check runs the checks of the bundle. A check asks BSS (pkg/bss) for what its rules need,
// hands plain data to its rules package (pkg/balance, ...), and returns one alert.Evaluation per
// account for the alert engine. A failed call never becomes "nothing found": the subjects it would
// have covered are skipped, and the evaluation carries the error, which the engine sends to ops.
//
// Adding a check:
//  1. a rules package: pure functions of (now, data, rules) that return findings;
//  2. its name and function in Specs, below;
//  3. a Check in this package that builds one Job per listing and calls Fan;
//  4. its configuration section in pkg/config (producing the rules type) and one line in pkg/app's
//     table of checks;
//  5. functions/<function>/main.go, a build-<Id> Makefile target and a block in template.yaml.
package check

import (
	"context"
	"fmt"
	"time"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/bss"
)

// The checks of the bundle: the one place their names are written.
const (
	Balance = "balance"
	Renewal = "renewal"
	Coupon  = "coupon"
	Invoice = "invoice"
)

// Spec names a check and the function that runs it.
type Spec struct {
	Name     string
	Function string
}

// Specs lists every check; the names routes accept, `bsswatch run` offers and the functions use
// derive from it.
var Specs = []Spec{
	{Balance, "balance-alert"},
	{Renewal, "renewal-quote"},
	{Coupon, "coupon-expiry"},
	{Invoice, "invoice-status"},
}

// Names returns the check names, in Specs order.
func Names() []string {
	out := make([]string, len(Specs))
	for i, s := range Specs {
		out[i] = s.Name
	}
	return out
}

// FunctionOf names the function that runs a check, or "" for an unknown check.
func FunctionOf(name string) string {
	for _, s := range Specs {
		if s.Name == name {
			return s.Function
		}
	}
	return ""
}

// Check is one watch: Run asks BSS and returns one evaluation per account. It never fails as a whole:
// whatever could not run is an evaluation's Err (and Skipped subjects), which the engine reports.
type Check interface {
	Name() string
	Run(ctx context.Context, env Env) []alert.Evaluation
}

// Env is what a run gives its check: the run's one clock reading (the alert engine uses the same) and
// the BSS clients of the configured profiles.
type Env struct {
	Now     time.Time
	Clients Clients
}

// Clients returns the BSS client of a configured profile.
type Clients func(profile string) (*bss.Client, error)

// Map returns Clients backed by a map; an unknown profile is an error naming it.
func Map(m map[string]*bss.Client) Clients {
	return func(profile string) (*bss.Client, error) {
		c, ok := m[profile]
		if !ok {
			return nil, fmt.Errorf("check: no client for profile %q", profile)
		}
		return c, nil
	}
}

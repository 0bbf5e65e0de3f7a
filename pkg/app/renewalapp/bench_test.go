package renewalapp_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bsswatch/bsswatch/pkg/app"
	"github.com/bsswatch/bsswatch/pkg/app/renewalapp"
	"github.com/bsswatch/bsswatch/pkg/state/bolt"
)

// BenchmarkClickColdStart measures what a cold click container does before it can answer: load and
// resolve the configuration, build the App (BSS clients, store, destinations) and the renewal
// service. It makes no BSS call. Run with -benchmem: B/op is the start-up's allocation.
func BenchmarkClickColdStart(b *testing.B) {
	// Through agencies the configuration names the partner and the agency, whatever the number of
	// customers, and the click path assumes one customer's agency when its order runs.
	b.Run("agency", func(b *testing.B) {
		path, env := coldStartConfig(b, "", "    accounts:\n      - {customers_of: partner-cn, agency: bsswatch-renewal}\n")
		b.ReportAllocs()
		for b.Loop() {
			startClickPath(b, path, env)
		}
	})
	for _, n := range []int{10, 10_000} {
		b.Run(fmt.Sprintf("static_keys/customers=%d", n), func(b *testing.B) {
			profiles, accounts := staticKeys(n)
			path, env := coldStartConfig(b, profiles, accounts)
			b.ReportAllocs()
			for b.Loop() {
				startClickPath(b, path, env)
			}
		})
	}
}

// staticKeys is a renewal configuration with one customer profile (a key pair) per customer.
func staticKeys(n int) (profiles, accounts string) {
	var p, a strings.Builder
	for i := range n {
		fmt.Fprintf(&p, "  c%05d: {role: customer, site: cn, domain_id: d%05d, ak: env:AK, sk: env:SK, endpoint: %q}\n", i, i, "http://127.0.0.1:9")
		fmt.Fprintf(&a, "      - {profile: c%05d, list_with: partner-cn}\n", i)
	}
	return p.String(), "    accounts:\n" + a.String()
}

func coldStartConfig(b *testing.B, profiles, accounts string) (string, func(string) string) {
	dir := b.TempDir()
	doc := fmt.Sprintf(`profiles:
  partner-cn: {role: partner, site: cn, domain_id: dpartner, ak: env:AK, sk: env:SK, endpoint: "http://127.0.0.1:9"}
%sstate: {backend: bolt, path: %q}
destinations:
  quotes: {type: slack, token: env:SLACK_TOKEN, channel: CQUOTES, api_url: "http://127.0.0.1:9/api/"}
routes: [{to: [quotes]}]
ops: [quotes]
slack_app: {signing_secret: env:SIGNING, team_id: T0ACME, app_id: A0APP, destination: quotes}
approvals: {users: [U0ADA]}
checks:
  renewal:
%s    period: {type: year, num: 1}
`, profiles, filepath.Join(dir, "state.db"), accounts)
	path := filepath.Join(dir, "bsswatch.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		b.Fatal(err)
	}
	secrets := map[string]string{"AK": "BENCHAK0000000000001", "SK": "benchsk-secret", "SLACK_TOKEN": "xoxb-bench", "SIGNING": "bench-signing"}
	return path, func(k string) string { return secrets[k] }
}

func startClickPath(b *testing.B, path string, env func(string) string) {
	a, err := app.Start(context.Background(), path, env, app.Options{File: bolt.Opener(true)})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := renewalapp.New(a, nil); err != nil {
		b.Fatal(err)
	}
	if err := a.Close(); err != nil {
		b.Fatal(err)
	}
}

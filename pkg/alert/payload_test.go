package alert_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/state/bolt"
)

// payloadSchema compiles docs/webhook-payload.schema.json, asserting formats (date-time) too.
func payloadSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile("../../docs/webhook-payload.schema.json")
	if err != nil {
		t.Fatalf("docs/webhook-payload.schema.json: %v", err)
	}
	return s
}

// TestWebhookPayloadsFollowTheDocumentedSchema runs a group and a check failure through their whole
// lifecycle with a real Standard Webhooks destination and checks every body it posted against the
// documented schema; together the bodies must cover every type the schema names.
func TestWebhookPayloadsFollowTheDocumentedSchema(t *testing.T) {
	schema := payloadSchema(t)
	var (
		mu     sync.Mutex
		bodies [][]byte
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, b)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	clk := &clock{t: start}
	hook, err := notify.NewWebhook("hook", srv.URL, "whsec_c2VjcmV0LWtleQ==", notify.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	router, err := notify.NewRouter([]notify.Route{{To: []string{"hook"}}}, []string{"hook"}, map[string]notify.Destination{"hook": hook})
	if err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"), bolt.Options{Now: clk.Now, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	shanghai := time.FixedZone("CST", 8*3600)
	e := &alert.Engine{Store: db, Router: router, Now: func() time.Time { return clk.Now().In(shanghai) }}

	runs := []struct {
		name  string
		after time.Duration
		eval  alert.Evaluation
	}{
		{"two findings, with notes", 0, func() alert.Evaluation {
			ev := eval(finding("c-1", notify.Warning, "¥900.00"), finding("c-2", notify.Critical, "¥0.00"))
			ev.Notes = []string{"¥900.00 in 2 accounts below their warning level"}
			return ev
		}()},
		{"one worse, one new", time.Hour, eval(finding("c-1", notify.Critical, "¥50.00"), finding("c-2", notify.Critical, "¥0.00"), finding("c-3", notify.Info, "¥4,000.00"))},
		{"unchanged past the repeat interval", 25 * time.Hour, eval(finding("c-1", notify.Critical, "¥50.00"), finding("c-2", notify.Critical, "¥0.00"), finding("c-3", notify.Info, "¥4,000.00"))},
		{"check fails", time.Hour, alert.Evaluation{Check: "balance", Account: "partner-cn", Err: errors.New("bss: ListSubCustomers: forbidden (403 CBC.0151)")}},
		{"check runs again, all paid", time.Hour, eval()},
	}
	for _, r := range runs {
		clk.Advance(r.after)
		if _, err := e.Run(context.Background(), []alert.Evaluation{r.eval}); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
	}

	var types []string
	for i, b := range bodies {
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("body %d is not JSON: %v\n%s", i, err, b)
		}
		if err := schema.Validate(doc); err != nil {
			t.Errorf("body %d does not follow the schema: %v\n%s", i, err, b)
		}
		var env struct {
			Type string
			Data struct{ Kind string }
		}
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatal(err)
		}
		if env.Type != "bsswatch.alert."+env.Data.Kind {
			t.Errorf("body %d: type %q for kind %q", i, env.Type, env.Data.Kind)
		}
		types = append(types, env.Type)
	}
	slices.Sort(types)
	types = slices.Compact(types)
	want := schemaTypes(t)
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("types posted over the lifecycle (-schema +posted):\n%s", diff)
	}
}

// schemaTypes lists the payload types the schema documents, sorted.
func schemaTypes(t *testing.T) []string {
	t.Helper()
	var s struct {
		Properties struct {
			Type struct {
				Enum []string `json:"enum"`
			} `json:"type"`
		} `json:"properties"`
	}
	b, err := os.ReadFile("../../docs/webhook-payload.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return slices.Sorted(slices.Values(s.Properties.Type.Enum))
}

// TestSchemaRefusesNumericSeverities: the schema is strict where receivers rely on it, so a
// regression to numbers (as Severity once encoded) or to "resolved" for a recovery is caught.
func TestSchemaRefusesNumericSeverities(t *testing.T) {
	schema := payloadSchema(t)
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"worded", `{"type":"bsswatch.alert.check_recovered","timestamp":"2026-11-21T09:00:00Z","data":{"id":"A","kind":"check_recovered","check":"balance","account":"p","severity":"critical","title":"balance check recovered for p","summary":"s","at":"2026-11-21T17:00:00+08:00"}}`, true},
		{"numeric", `{"type":"bsswatch.alert.firing","timestamp":"2026-11-21T09:00:00Z","data":{"id":"A","kind":"firing","check":"balance","account":"p","severity":2,"title":"t","summary":"s","at":"2026-11-21T17:00:00+08:00"}}`, false},
		{"bad time", `{"type":"bsswatch.alert.firing","timestamp":"yesterday","data":{"id":"A","kind":"firing","check":"balance","account":"p","severity":"info","title":"t","summary":"s","at":"2026-11-21T17:00:00+08:00"}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc any
			if err := json.Unmarshal([]byte(tt.body), &doc); err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); (err == nil) != tt.ok {
				t.Errorf("Validate = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

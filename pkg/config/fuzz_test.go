package config

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// plantMarker marks, in fuzz inputs, values written in a secret's place.
const plantMarker = "PLANTED"

// FuzzParse feeds arbitrary documents to Parse: it must never panic, must return either a config or
// an Errors, and no error may quote a value written where a secret belongs.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	f.Add([]byte(base))
	f.Add([]byte(secretDoc))
	f.Add([]byte(renewalBase))
	for _, seed := range []string{
		strings.Replace(base, "ak: env:AK", "ak: PLANTED-ak-value", 1),
		strings.Replace(base, "sk: ssm:/c/sk", "sk: arn:aws:ssm:PLANTED", 1),
		strings.Replace(base, "token: env:SLACK", `token: "env:PLANTED value"`, 1),
		strings.Replace(base, "  hook: {type: webhook", "  legacy: {type: slack_webhook, url: \"https://hooks.slack.com/services/PLANTED\"}\n  hook: {type: webhook", 1),
		strings.Replace(base, `warning: "500"`, "warning: 5e2", 1),
		strings.Replace(renewalBase, "signing_secret: env:SLACK_SIGNING_SECRET", "signing_secret: PLANTED8f742231b10e", 1),
		strings.Replace(renewalBase, "num: 1}", "num: 99999999999999999999}", 1),
		"a: &a [*a]\n",
		"- &x {a: *x}\n",
		"profiles: {p: &p {role: partner}, q: *p}\n",
		"---\n---\n",
		"{",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, func(k string) string {
			if k == EnvStateTable {
				return "table"
			}
			return ""
		})
		if err == nil {
			if c == nil {
				t.Fatal("Parse returned neither a config nor an error")
			}
			return
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("Parse error is not a non-empty Errors: %T %v", err, err)
		}
		msg := err.Error()
		for _, v := range plantedSecrets(data) {
			if strings.Contains(msg, v) {
				t.Fatalf("an error quotes the secret %q:\n%s", v, msg)
			}
		}
	})
}

// plantedSecrets returns the values written in a secret's place that carry the marker, when the
// marker occurs once in data: then any error quoting the value can only have taken it from there.
func plantedSecrets(data []byte) []string {
	if bytes.Count(data, []byte(plantMarker)) != 1 {
		return nil
	}
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return nil
	}
	var out []string
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > 50 {
			return
		}
		if n.Kind == yaml.MappingNode {
			slackWebhook := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if k, v := n.Content[i], n.Content[i+1]; k.Value == "type" && v.Value == string(TypeSlackWebhook) {
					slackWebhook = true
				}
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				secretKey := map[string]bool{"ak": true, "sk": true, "security_token": true, "token": true, "secret": true, "signing_secret": true, "url": slackWebhook}[k.Value]
				if secretKey && v.Kind == yaml.ScalarNode && v.Anchor == "" && strings.Contains(v.Value, plantMarker) {
					out = append(out, v.Value)
				}
			}
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	walk(&root, 0)
	return out
}

func BenchmarkParseExample(b *testing.B) {
	data, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPlantedSecretsFindsSecretPositions keeps FuzzParse's leak check from passing vacuously.
func TestPlantedSecretsFindsSecretPositions(t *testing.T) {
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"profile key", "profiles: {p: {ak: PLANTED-1}}", []string{"PLANTED-1"}},
		{"slack signing secret", "slack_app: {signing_secret: PLANTED-2}", []string{"PLANTED-2"}},
		{"slack webhook url", "destinations: {l: {type: slack_webhook, url: x-PLANTED}}", []string{"x-PLANTED"}},
		{"webhook url is plain", "destinations: {l: {type: webhook, url: x-PLANTED}}", nil},
		{"anchored value", "profiles: {p: {ak: &a PLANTED-1, role: *a}}", nil},
		{"marker twice", "profiles: {p: {ak: PLANTED-1, role: PLANTED}}", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plantedSecrets([]byte(tt.doc)); !slices.Equal(got, tt.want) {
				t.Errorf("plantedSecrets = %q, want %q", got, tt.want)
			}
		})
	}
}

package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"
)

// awsServer speaks the AWS JSON 1.1 protocol of SSM GetParameter and Secrets Manager GetSecretValue,
// so that the real aws-sdk-go-v2 clients resolve references over loopback HTTP.
type awsServer struct {
	t       *testing.T
	params  map[string]string // SSM name or ARN -> value
	secrets map[string]any    // Secrets Manager ARN -> string (SecretString) or []byte (SecretBinary)

	mu      sync.Mutex
	calls   map[string]int    // "target id" -> count
	regions map[string]string // id -> signing region of the last call
}

var credentialScope = regexp.MustCompile(`Credential=AKIDTEST/\d{8}/([a-z0-9-]+)/([a-z]+)/aws4_request`)

func newAWSServer(t *testing.T, params map[string]string, secrets map[string]any) (*awsServer, string) {
	t.Helper()
	s := &awsServer{t: t, params: params, secrets: secrets, calls: map[string]int{}, regions: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func (s *awsServer) serve(w http.ResponseWriter, r *http.Request) {
	scope := credentialScope.FindStringSubmatch(r.Header.Get("Authorization"))
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" || scope == nil {
		s.t.Errorf("unexpected request: %s %s, content type %q, authorization %q", r.Method, r.URL, r.Header.Get("Content-Type"), r.Header.Get("Authorization"))
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	var in struct {
		Name           string
		WithDecryption bool
		SecretId       string
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		s.t.Errorf("request body: %v", err)
	}
	target := r.Header.Get("X-Amz-Target")
	id := in.Name + in.SecretId
	s.mu.Lock()
	s.calls[target+" "+id]++
	s.regions[id] = scope[1]
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	fail := func(code string) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"__type":%q,"message":"no such thing"}`, code)
	}
	switch target {
	case "AmazonSSM.GetParameter":
		if !in.WithDecryption {
			s.t.Errorf("GetParameter %s without WithDecryption", in.Name)
		}
		v, ok := s.params[in.Name]
		if !ok {
			fail("ParameterNotFound")
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Parameter": map[string]any{"Name": in.Name, "Type": "SecureString", "Value": v, "Version": 1}})
	case "secretsmanager.GetSecretValue":
		switch v := s.secrets[in.SecretId].(type) {
		case string:
			_ = json.NewEncoder(w).Encode(map[string]any{"ARN": in.SecretId, "Name": "n", "SecretString": v})
		case []byte:
			_ = json.NewEncoder(w).Encode(map[string]any{"ARN": in.SecretId, "Name": "n", "SecretBinary": v})
		default:
			fail("ResourceNotFoundException")
		}
	default:
		s.t.Errorf("unexpected target %q", target)
		fail("UnknownOperationException")
	}
}

func (s *awsServer) callCount() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// awsConfig returns a loader of an AWS configuration with static credentials pointed at url.
func awsConfig(url string) func(context.Context) (aws.Config, error) {
	return staticAWS(url, "AKIDTEST", "test-secret-key")
}

// staticAWS returns a loader of an AWS configuration with the key pair ak, sk pointed at url.
func staticAWS(url, ak, sk string) func(context.Context) (aws.Config, error) {
	return func(context.Context) (aws.Config, error) {
		return aws.Config{
			Region:       "us-east-1",
			BaseEndpoint: aws.String(url),
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk, Source: "test"}, nil
			}),
		}, nil
	}
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

const (
	smARN     = "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:bsswatch/partner-AbCdEf"
	ssmARN    = "arn:aws:ssm:eu-west-1:123456789012:parameter/bsswatch/customer/sk"
	hookARN   = "arn:aws:secretsmanager:us-west-2:123456789012:secret:bsswatch/hook-XyZ123"
	secretDoc = `profiles:
  p:
    role: partner
    site: cn
    domain_id: d1
    ak: ` + smARN + `#ak
    sk: ` + smARN + `#sk
  c:
    role: customer
    site: intl
    domain_id: d2
    ak: ssm:/bsswatch/customer/ak
    sk: ` + ssmARN + `
    security_token: env:CUSTOMER_TOKEN
state: {backend: bolt, path: x.db}
destinations:
  ops: {type: slack, token: env:SLACK_BOT_TOKEN, channel: C1}
  hook: {type: webhook, url: "https://h.example.com/x", secret: ` + hookARN + `}
  legacy: {type: slack_webhook, url: "ssm:/bsswatch/slack-webhook"}
routes:
  - {to: [ops, hook, legacy]}
ops: [ops]
`
)

func TestResolveReadsEveryStoreThroughTheRealClients(t *testing.T) {
	srv, url := newAWSServer(t,
		map[string]string{
			"/bsswatch/customer/ak":   "customer-ak-value",
			ssmARN:                    "customer-sk-value",
			"/bsswatch/slack-webhook": "https://hooks.slack.com/services/T0/B0/tokenvalue",
		},
		map[string]any{
			smARN:   `{"ak":"partner-ak-value","sk":"partner-sk-value","note":7}`,
			hookARN: "whsec_hookvalue",
		})
	c, err := Parse([]byte(secretDoc), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := NewResolver(envOf(map[string]string{"CUSTOMER_TOKEN": "token-value", "SLACK_BOT_TOKEN": "xoxb-value"}), awsConfig(url))
	if err := c.Resolve(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	p, cu, d := c.Profiles["p"], c.Profiles["c"], c.Destinations
	got := []string{p.AK.Value(), p.SK.Value(), cu.AK.Value(), cu.SK.Value(), cu.SecurityToken.Value(),
		d["ops"].Token.Value(), d["hook"].Secret.Value(), d["legacy"].WebhookURL.Value()}
	want := []string{"partner-ak-value", "partner-sk-value", "customer-ak-value", "customer-sk-value", "token-value",
		"xoxb-value", "whsec_hookvalue", "https://hooks.slack.com/services/T0/B0/tokenvalue"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("values (-want +got):\n%s", diff)
	}
	// One read per store entry: the two keys of the partner's JSON secret share one call.
	wantCalls := map[string]int{
		"secretsmanager.GetSecretValue " + smARN:         1,
		"secretsmanager.GetSecretValue " + hookARN:       1,
		"AmazonSSM.GetParameter /bsswatch/customer/ak":   1,
		"AmazonSSM.GetParameter " + ssmARN:               1,
		"AmazonSSM.GetParameter /bsswatch/slack-webhook": 1,
	}
	if diff := cmp.Diff(wantCalls, srv.callCount()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	// An ARN is read in its own region; a bare name in the configuration's default region.
	wantRegions := map[string]string{smARN: "ap-southeast-1", hookARN: "us-west-2", ssmARN: "eu-west-1",
		"/bsswatch/customer/ak": "us-east-1", "/bsswatch/slack-webhook": "us-east-1"}
	if diff := cmp.Diff(wantRegions, srv.regions); diff != "" {
		t.Errorf("signing regions (-want +got):\n%s", diff)
	}
}

func TestResolveReportsEveryUnreadableSecret(t *testing.T) {
	const planted = "PLANTED-secret-value-7f3a"
	_, url := newAWSServer(t,
		map[string]string{ssmARN: "customer-sk-" + planted},
		map[string]any{
			smARN:   `{"ak":"` + planted + `","sk":42}`,
			hookARN: []byte(planted),
		})
	doc := strings.Replace(secretDoc, "ssm:/bsswatch/slack-webhook", "arn:aws:secretsmanager:us-east-1:123456789012:secret:plain-Ab12Cd#url", 1)
	c, err := Parse([]byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	before := fmt.Sprint(c.Profiles["c"].SK.value, c.Profiles["p"].AK.value)
	r := NewResolver(envOf(map[string]string{"SLACK_BOT_TOKEN": planted}), awsConfig(url))
	err = c.Resolve(context.Background(), r)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Resolve error = %v (%T), want Errors", err, err)
	}
	got := strings.Split(err.Error(), "\n")
	want := []string{
		`profiles.p.sk: key "sk" of Secrets Manager secret ` + smARN + ` is not a string (line 7)`,
		`profiles.c.ak: SSM parameter /bsswatch/customer/ak not found (line 12)`,
		`profiles.c.security_token: environment variable CUSTOMER_TOKEN is not set or empty (line 14)`,
		`destinations.hook.secret: Secrets Manager secret ` + hookARN + ` has no string value (binary secrets are not supported) (line 18)`,
		`destinations.legacy.url: Secrets Manager secret arn:aws:secretsmanager:us-east-1:123456789012:secret:plain-Ab12Cd not found (line 19)`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if strings.Contains(err.Error(), planted) {
		t.Errorf("an error leaks a secret value:\n%v", err)
	}
	if after := fmt.Sprint(c.Profiles["c"].SK.value, c.Profiles["p"].AK.value); after != before {
		t.Errorf("Resolve changed the config on error: readable secrets now hold values")
	}
}

func TestResolveHidesMalformedJSONSecrets(t *testing.T) {
	const planted = "PLANTED-7f3a"
	_, url := newAWSServer(t, nil, map[string]any{smARN: `{"ak": ` + planted})
	doc := strings.Replace(base, "ak: env:AK", "ak: "+smARN+"#ak", 1)
	c, err := Parse([]byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Resolve(context.Background(), NewResolver(envOf(map[string]string{"SK": "x", "CAK": "x", "SLACK": "x"}), awsConfig(url)))
	if err == nil || !strings.Contains(err.Error(), "is not a JSON object") {
		t.Fatalf("Resolve error = %v, want one saying the secret is not a JSON object", err)
	}
	if strings.Contains(err.Error(), "PLANTED") {
		t.Errorf("an error leaks part of the secret:\n%v", err)
	}
}

func TestResolveNeedsNoAWSForEnvironmentReferences(t *testing.T) {
	doc := strings.NewReplacer("sk: ssm:/c/sk", "sk: env:CSK",
		`secret: "arn:aws:secretsmanager:us-east-1:123456789012:secret:hook-AbCdEf#secret"`, "secret: env:HOOK").Replace(base)
	c, err := Parse([]byte(doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	loadAWS := func(context.Context) (aws.Config, error) {
		t.Error("the AWS configuration was loaded for a configuration with env references only")
		return aws.Config{}, errors.New("no AWS here")
	}
	env := envOf(map[string]string{"AK": "a", "SK": "b", "CAK": "c", "CSK": "d", "SLACK": "e", "HOOK": "f"})
	if err := c.Resolve(context.Background(), NewResolver(env, loadAWS)); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Profiles["c"].SK.Value(), "d"; got != want {
		t.Errorf("c.sk = %q, want %q", got, want)
	}
}

func TestResolveWithoutAWSConfiguration(t *testing.T) {
	c, err := Parse([]byte(base), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Resolve(context.Background(), NewResolver(envOf(map[string]string{"AK": "a", "SK": "b", "CAK": "c", "SLACK": "e"}), nil))
	want := "profiles.c.sk: SSM parameter /c/sk: no AWS configuration to read it with (line 13)\n" +
		"destinations.hook.secret: Secrets Manager secret arn:aws:secretsmanager:us-east-1:123456789012:secret:hook-AbCdEf: no AWS configuration to read it with (line 19)"
	if err == nil || err.Error() != want {
		t.Errorf("Resolve error =\n%v\nwant\n%s", err, want)
	}
}

func TestLoad(t *testing.T) {
	const ssmConfig = "/bsswatch/config"
	doc := strings.Replace(base, "  backend: bolt\n  path: x.db\n", "  backend: dynamodb\n", 1)
	_, url := newAWSServer(t,
		map[string]string{"/c/sk": "csk", ssmConfig: doc},
		map[string]any{"arn:aws:secretsmanager:us-east-1:123456789012:secret:hook-AbCdEf": `{"secret":"whsec_x"}`})
	file := filepath.Join(t.TempDir(), "bsswatch.yaml")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	env := envOf(map[string]string{"AK": "a", "SK": "b", "CAK": "c", "SLACK": "xoxb", EnvStateTable: "bsswatch-prod"})
	for _, source := range []string{file, "ssm:" + ssmConfig} {
		t.Run(source, func(t *testing.T) {
			c, err := Load(context.Background(), source, env, NewResolver(env, awsConfig(url)))
			if err != nil {
				t.Fatal(err)
			}
			got := []string{c.State.Table, c.Profiles["p"].AK.Value(), c.Profiles["c"].SK.Value(), c.Destinations["hook"].Secret.Value()}
			if diff := cmp.Diff([]string{"bsswatch-prod", "a", "csk", "whsec_x"}, got); diff != "" {
				t.Errorf("loaded config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	_, url := newAWSServer(t, nil, nil)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("profiles: {}\nextra: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, source string
		wantPrefix   string
		wantErrors   bool
	}{
		{"no source", "", "config: read : no configuration source given", false},
		{"missing file", filepath.Join(dir, "missing.yaml"), "config: read " + filepath.Join(dir, "missing.yaml") + ": open ", false},
		{"missing parameter", "ssm:/nothing", "config: read ssm:/nothing: SSM parameter /nothing not found", false},
		{"invalid document", bad, "config: " + bad + ":\nstate: required (line 1)\n", true},
		{"unreadable secrets", good, "config: " + good + ": secrets:\nprofiles.p.ak: environment variable AK is not set or empty (line 6)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewResolver(envOf(nil), awsConfig(url))
			c, err := Load(context.Background(), tt.source, envOf(nil), r)
			if err == nil {
				t.Fatalf("Load returned %+v, want an error", c)
			}
			if !strings.HasPrefix(err.Error(), tt.wantPrefix) {
				t.Errorf("error =\n%v\nwant it to start with\n%s", err, tt.wantPrefix)
			}
			var errs Errors
			if got := errors.As(err, &errs); got != tt.wantErrors {
				t.Errorf("errors.As(Errors) = %v, want %v", got, tt.wantErrors)
			}
		})
	}
}

func TestSecretNeverPrintsItsValue(t *testing.T) {
	const value = "xoxb-PLANTED-7f3a"
	s := Secret{ref: "env:SLACK_BOT_TOKEN", value: value}
	d := &Destination{Name: "ops", Type: TypeSlack, Token: s, Channel: "C1"}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("destination", "token", s, "destination", *d)
	js, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v": fmt.Sprintf("%v", s), "%s": fmt.Sprintf("%s", s), "%q": fmt.Sprintf("%q", s), "%x": fmt.Sprintf("%x", s),
		"%#v": fmt.Sprintf("%#v", s), "struct %+v": fmt.Sprintf("%+v", *d), "struct %#v": fmt.Sprintf("%#v", *d),
		"String": s.String(), "slog": logged.String(), "json": string(js),
	}
	for how, out := range outputs {
		if strings.Contains(out, value) || strings.Contains(out, fmt.Sprintf("%x", value)) {
			t.Errorf("%s prints the value: %s", how, out)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("%s = %s, want [redacted] in it", how, out)
		}
	}
	if got := s.Value(); got != value {
		t.Errorf("Value() = %q, want %q", got, value)
	}
}

package config

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
)

// maxFetches bounds concurrent secret reads: a cold start wants them in parallel, but not enough to
// be throttled by SSM (40 GetParameter calls per second by default).
const maxFetches = 8

// maxDocument bounds a configuration document read from S3, the one source without a size limit of
// its own: a document this large is a mistake (a wrong key), not a configuration.
const maxDocument = 4 << 20

// Resolver reads secret references: env:NAME through an environment lookup, ssm: and SSM ARNs
// through SSM Parameter Store (with decryption), Secrets Manager ARNs through Secrets Manager; and
// configuration documents from those or from S3 (s3://bucket/key). The AWS clients are built on
// first use, so a configuration with only env references needs no AWS configuration at all. A
// Resolver is safe for concurrent use.
type Resolver struct {
	env     func(string) string
	loadAWS func(context.Context) (aws.Config, error)

	mu  sync.Mutex
	aws *aws.Config
	ssm *ssm.Client
	sm  *secretsmanager.Client
	s3  *s3.Client
}

// NewResolver returns a Resolver that looks env references up with env (os.Getenv in a main) and
// builds its AWS clients from the configuration loadAWS returns (config.LoadDefaultConfig of
// aws-sdk-go-v2 in a main). loadAWS is called only when an AWS reference is read; it may be nil when
// none is expected, and then AWS references fail to resolve with an error saying so.
func NewResolver(env func(string) string, loadAWS func(context.Context) (aws.Config, error)) *Resolver {
	return &Resolver{env: env, loadAWS: loadAWS}
}

// client returns the client *c, building it with build from the AWS configuration (loaded once) on
// first use.
func client[C any](ctx context.Context, r *Resolver, c **C, build func(aws.Config) *C) (*C, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if *c != nil {
		return *c, nil
	}
	if r.aws == nil {
		if r.loadAWS == nil {
			return nil, errors.New("no AWS configuration to read it with")
		}
		cfg, err := r.loadAWS(ctx)
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		r.aws = &cfg
	}
	*c = build(*r.aws)
	return *c, nil
}

func newSSM(cfg aws.Config) *ssm.Client { return ssm.NewFromConfig(cfg) }
func newSecretsManager(cfg aws.Config) *secretsmanager.Client {
	return secretsmanager.NewFromConfig(cfg)
}
func newS3(cfg aws.Config) *s3.Client { return s3.NewFromConfig(cfg) }

// fetch reads the whole value a reference names (before any #key selection). Its errors name the
// reference, never a value.
func (r *Resolver) fetch(ctx context.Context, ref reference) (string, error) {
	if ref.kind == refEnv {
		if r.env == nil {
			return "", fmt.Errorf("environment variable %s: no environment to read it from", ref.id)
		}
		v := r.env(ref.id)
		if v == "" {
			return "", fmt.Errorf("environment variable %s is not set or empty", ref.id)
		}
		return v, nil
	}
	var v string
	switch ref.kind {
	case refSSM:
		ssmc, err := client(ctx, r, &r.ssm, newSSM)
		if err != nil {
			return "", fmt.Errorf("%s: %w", describe(ref), err)
		}
		out, err := ssmc.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(ref.id), WithDecryption: aws.Bool(true)},
			func(o *ssm.Options) {
				if ref.region != "" {
					o.Region = ref.region
				}
			})
		var nf *ssmtypes.ParameterNotFound
		switch {
		case errors.As(err, &nf):
			return "", fmt.Errorf("%s not found", describe(ref))
		case err != nil:
			return "", fmt.Errorf("%s: %w", describe(ref), err)
		case out.Parameter == nil || out.Parameter.Value == nil:
			return "", fmt.Errorf("%s has no value", describe(ref))
		}
		v = *out.Parameter.Value
	case refSecretsManager:
		smc, err := client(ctx, r, &r.sm, newSecretsManager)
		if err != nil {
			return "", fmt.Errorf("%s: %w", describe(ref), err)
		}
		out, err := smc.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(ref.id)},
			func(o *secretsmanager.Options) { o.Region = ref.region })
		var nf *smtypes.ResourceNotFoundException
		switch {
		case errors.As(err, &nf):
			return "", fmt.Errorf("%s not found", describe(ref))
		case err != nil:
			return "", fmt.Errorf("%s: %w", describe(ref), err)
		case out.SecretString == nil:
			return "", fmt.Errorf("%s has no string value (binary secrets are not supported)", describe(ref))
		}
		v = *out.SecretString
	}
	if v == "" {
		return "", fmt.Errorf("%s is empty", describe(ref))
	}
	return v, nil
}

func describe(ref reference) string {
	switch ref.kind {
	case refEnv:
		return "environment variable " + ref.id
	case refSSM:
		return fmt.Sprintf("SSM parameter %s", ref.id)
	default:
		return fmt.Sprintf("Secrets Manager secret %s", ref.id)
	}
}

// selectKey picks ref.key out of a JSON secret string. Its errors never include the JSON decoder's
// message, which quotes the offending input.
func selectKey(ref reference, v string) (string, error) {
	if ref.key == "" {
		return v, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v), &obj); err != nil || obj == nil {
		return "", fmt.Errorf("%s is not a JSON object, so #%s selects nothing", describe(ref), ref.key)
	}
	raw, ok := obj[ref.key]
	if !ok {
		return "", fmt.Errorf("%s has no key %q", describe(ref), ref.key)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("key %q of %s is not a string", ref.key, describe(ref))
	}
	if s == "" {
		return "", fmt.Errorf("key %q of %s is empty", ref.key, describe(ref))
	}
	return s, nil
}

// secrets lists every configured secret in a stable order (profiles, then destinations, by name,
// then the Slack app).
func (c *Config) secrets() []*Secret {
	var out []*Secret
	for _, name := range slices.Sorted(maps.Keys(c.Profiles)) {
		p := c.Profiles[name]
		out = append(out, &p.AK, &p.SK, &p.SecurityToken)
	}
	for _, name := range slices.Sorted(maps.Keys(c.Destinations)) {
		d := c.Destinations[name]
		out = append(out, &d.Token, &d.Secret, &d.WebhookURL)
	}
	if c.SlackApp != nil {
		out = append(out, &c.SlackApp.SigningSecret)
	}
	if c.RunNow != nil {
		out = append(out, &c.RunNow.Secret)
	}
	return slices.DeleteFunc(out, func(s *Secret) bool { return !s.IsSet() })
}

// Resolve reads every secret reference of c, each distinct store entry once and concurrently. It
// returns an Errors listing every secret that could not be read, each with its path and the
// reference; no error text holds a secret value. On error c is left unchanged. A nil r resolves
// nothing: every reference is reported as unreadable.
func (c *Config) Resolve(ctx context.Context, r *Resolver) error {
	if r == nil {
		r = NewResolver(nil, nil)
	}
	secrets := c.secrets()
	refs := make([]reference, len(secrets))
	// Each store entry is read once, whatever the number of #keys taken from it.
	type result struct {
		value string
		err   error
	}
	var wholes []reference
	at := map[reference]int{}
	for i, s := range secrets {
		ref, err := parseRef(s.ref)
		if err != nil {
			// Parse validated every reference; a Secret built otherwise is refused the same way.
			return Errors{{Path: s.path, Line: s.line, Msg: err.Error()}}
		}
		refs[i] = ref
		whole := reference{kind: ref.kind, id: ref.id, region: ref.region}
		if _, ok := at[whole]; !ok {
			at[whole] = len(wholes)
			wholes = append(wholes, whole)
		}
	}
	results := make([]result, len(wholes))
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxFetches)
	for i, whole := range wholes {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			v, err := r.fetch(ctx, whole)
			results[i] = result{v, err}
		})
	}
	wg.Wait()

	var errs Errors
	values := make([]string, len(secrets))
	for i, s := range secrets {
		ref := refs[i]
		res := results[at[reference{kind: ref.kind, id: ref.id, region: ref.region}]]
		v, err := res.value, res.err
		if err == nil {
			v, err = selectKey(ref, v)
		}
		if err != nil {
			errs = append(errs, &Error{Path: s.path, Line: s.line, Msg: err.Error()})
			continue
		}
		values[i] = v
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b *Error) int { return cmp.Compare(a.Line, b.Line) })
		return errs
	}
	for i, s := range secrets {
		s.value = values[i]
	}
	return nil
}

// Load reads the configuration document from source, validates it with the environment overrides
// from env, and resolves its secrets through r. source is what a Lambda function receives in
// BSSWATCH_CONFIG: a file path, s3://bucket/key (an S3 object in the AWS configuration's region), or
// a secret reference whose value is the document (ssm:/name of any tier, an SSM or Secrets Manager
// ARN, env:NAME).
//
// It returns an error naming source when the document cannot be read, and wraps an Errors listing
// every mistake (Parse) or every unreadable secret (Resolve). A nil r reads files only.
func Load(ctx context.Context, source string, env func(string) string, r *Resolver) (*Config, error) {
	if r == nil {
		r = NewResolver(nil, nil)
	}
	data, err := read(ctx, source, r)
	if err != nil {
		return nil, fmt.Errorf("config: read %s: %w", source, err)
	}
	c, err := Parse(data, env)
	if err != nil {
		return nil, fmt.Errorf("config: %s:\n%w", source, err)
	}
	if err := c.Resolve(ctx, r); err != nil {
		return nil, fmt.Errorf("config: %s: secrets:\n%w", source, err)
	}
	return c, nil
}

func read(ctx context.Context, source string, r *Resolver) ([]byte, error) {
	switch {
	case source == "":
		return nil, errors.New("no configuration source given")
	case strings.HasPrefix(source, "s3://"):
		bucket, key, ok := strings.Cut(strings.TrimPrefix(source, "s3://"), "/")
		if !ok || bucket == "" || key == "" {
			return nil, errors.New("an S3 source needs a bucket and a key (s3://bucket/key)")
		}
		return r.object(ctx, bucket, key)
	case strings.HasPrefix(source, "env:"), strings.HasPrefix(source, "ssm:"), strings.HasPrefix(source, "arn:"):
		ref, err := parseRef(source)
		if err != nil {
			return nil, err
		}
		v, err := r.fetch(ctx, ref)
		if err == nil {
			v, err = selectKey(ref, v)
		}
		return []byte(v), err
	default:
		return os.ReadFile(source)
	}
}

// object reads an S3 object whole, up to maxDocument bytes.
func (r *Resolver) object(ctx context.Context, bucket, key string) ([]byte, error) {
	name := "S3 object s3://" + bucket + "/" + key
	c, err := client(ctx, r, &r.s3, newS3)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	var (
		noKey *s3types.NoSuchKey
		api   smithy.APIError
	)
	switch {
	case errors.As(err, &noKey):
		return nil, fmt.Errorf("%s not found", name)
	case errors.As(err, &api) && api.ErrorCode() == "NoSuchBucket": // GetObject does not model it
		return nil, fmt.Errorf("%s: no such bucket", name)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, maxDocument+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: read: %w", name, err)
	case len(b) > maxDocument:
		return nil, fmt.Errorf("%s is larger than %d MiB", name, maxDocument>>20)
	case len(b) == 0:
		return nil, fmt.Errorf("%s is empty", name)
	}
	return b, nil
}

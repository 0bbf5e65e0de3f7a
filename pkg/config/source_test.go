package config

import (
	"context"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/bsswatch/bsswatch/pkg/nodeserver"
)

// s3rverDir holds the local S3-API server (s3rver, npm) that make setup installs.
const s3rverDir = "pkg/config/testdata/s3rver"

var (
	s3rverOnce sync.Once
	s3rverURL  string
	s3rverErr  error
)

// s3rver returns the URL of one s3rver per test binary and the AWS configuration to reach it with
// the real aws-sdk-go-v2 client. s3rver checks SigV4 signatures against its fixed key pair.
func s3rver(t *testing.T) (string, func(context.Context) (aws.Config, error)) {
	t.Helper()
	s3rverOnce.Do(func() {
		wd, err := os.Getwd()
		if err != nil {
			s3rverErr = err
			return
		}
		dir, err := nodeserver.Find(wd, s3rverDir, "s3rver", "make setup (npm ci --prefix "+s3rverDir+")")
		if err != nil {
			s3rverErr = err
			return
		}
		s3rverURL, s3rverErr = nodeserver.Start(dir)
	})
	if s3rverErr != nil {
		t.Fatal(s3rverErr)
	}
	return s3rverURL, staticAWS(s3rverURL, "S3RVER", "S3RVER")
}

// putObject uploads body as bucket/key (creating the bucket) through the real S3 client.
func putObject(t *testing.T, load func(context.Context) (aws.Config, error), bucket, key, body string) {
	t.Helper()
	ctx := context.Background()
	cfg, _ := load(ctx)
	// s3rver predates the SDK's default trailing checksums; a plain PUT is what it understands.
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired })
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil && !strings.Contains(err.Error(), "BucketAlreadyOwnedByYou") {
		t.Fatalf("create bucket %s: %v", bucket, err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}); err != nil {
		t.Fatalf("put s3://%s/%s: %v", bucket, key, err)
	}
}

// summary is what a loaded configuration must agree on whatever its source.
func summary(c *Config) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(c.Profiles)) {
		p := c.Profiles[name]
		out = append(out, "profile "+name+" "+string(p.Role)+" "+string(p.Site)+" ak="+p.AK.Value())
	}
	for _, name := range slices.Sorted(maps.Keys(c.Destinations)) {
		out = append(out, "destination "+name+" "+string(c.Destinations[name].Type))
	}
	return out
}

// TestLoadFromEverySource loads the complete example configuration (6.8 KB: more than an SSM
// Standard parameter holds) from each source BSSWATCH_CONFIG accepts, through the real clients.
func TestLoadFromEverySource(t *testing.T) {
	const (
		param  = "/bsswatch/config"
		secret = "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:bsswatch/config-AbCdEf"
	)
	doc, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(doc) <= 4096 {
		t.Fatalf("testdata/example.yaml is %d bytes; this test is about documents larger than an SSM Standard parameter (4 KB)", len(doc))
	}
	vars := map[string]string{}
	for _, name := range []string{"BSS_PARTNER_AK", "BSS_PARTNER_SK", "BSS_INTL_PARTNER_AK", "BSS_INTL_PARTNER_SK",
		"BSS_CUSTOMER_A_AK", "BSS_CUSTOMER_A_SK", "SLACK_BOT_TOKEN", "WEBHOOK_SECRET", "SLACK_SIGNING_SECRET", "RUN_NOW_SECRET"} {
		vars[name] = strings.ToLower(name)
	}
	env := envOf(vars)
	want, err := Load(context.Background(), "testdata/example.yaml", env, NewResolver(env, nil))
	if err != nil {
		t.Fatal(err)
	}
	_, awsURL := newAWSServer(t, map[string]string{param: string(doc)}, map[string]any{secret: string(doc)})
	_, s3Load := s3rver(t)
	putObject(t, s3Load, "bsswatch-config", "prod/bsswatch.yaml", string(doc))

	tests := []struct {
		source string
		aws    func(context.Context) (aws.Config, error)
	}{
		{"ssm:" + param, awsConfig(awsURL)},
		{secret, awsConfig(awsURL)},
		{"s3://bsswatch-config/prod/bsswatch.yaml", s3Load},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			got, err := Load(context.Background(), tt.source, env, NewResolver(env, tt.aws))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(summary(want), summary(got)); diff != "" {
				t.Errorf("configuration from %s differs from the file's (-want +got):\n%s", tt.source, diff)
			}
		})
	}
}

func TestLoadFromS3Errors(t *testing.T) {
	_, s3Load := s3rver(t)
	putObject(t, s3Load, "bsswatch-errors", "empty.yaml", "")
	tests := []struct{ source, want string }{
		{"s3://bsswatch-errors/missing.yaml", "config: read s3://bsswatch-errors/missing.yaml: S3 object s3://bsswatch-errors/missing.yaml not found"},
		{"s3://no-such-bucket/bsswatch.yaml", "config: read s3://no-such-bucket/bsswatch.yaml: S3 object s3://no-such-bucket/bsswatch.yaml: no such bucket"},
		{"s3://bsswatch-errors/empty.yaml", "config: read s3://bsswatch-errors/empty.yaml: S3 object s3://bsswatch-errors/empty.yaml is empty"},
		{"s3://bsswatch-errors", "config: read s3://bsswatch-errors: an S3 source needs a bucket and a key (s3://bucket/key)"},
		{"s3:///key.yaml", "config: read s3:///key.yaml: an S3 source needs a bucket and a key (s3://bucket/key)"},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			c, err := Load(context.Background(), tt.source, envOf(nil), NewResolver(envOf(nil), s3Load))
			if err == nil {
				t.Fatalf("Load returned %+v, want an error", c)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error = %q, want %q", got, tt.want)
			}
		})
	}
}

// Package awsenv builds the AWS configuration of a Lambda function from its environment alone:
// Lambda hands a function its role's credentials and region in environment variables, so the
// function needs none of the default loader's other sources (shared files, SSO, IMDS, web identity).
// Leaving that loader out keeps the SSO, SSO-OIDC, sign-in and STS clients, their endpoint tables
// and schema initialisers out of every bootstrap: a smaller binary and a shorter cold start.
// Local runs, where those sources matter, use aws-sdk-go-v2's config.LoadDefaultConfig instead.
package awsenv

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Loader returns a function that builds, once, the AWS configuration from env (os.Getenv in a
// main): the region from AWS_REGION (or AWS_DEFAULT_REGION), static credentials from
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, and endpoint overrides from
// AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> (as the SDK's own loader reads them; tests point
// clients at local servers this way). It fails, naming the variables, when the region or the key
// pair is missing; it never includes a credential in an error.
func Loader(env func(string) string) func(context.Context) (aws.Config, error) {
	var (
		once sync.Once
		cfg  aws.Config
		err  error
	)
	return func(context.Context) (aws.Config, error) {
		once.Do(func() { cfg, err = load(env) })
		return cfg, err
	}
}

func load(env func(string) string) (aws.Config, error) {
	region := env("AWS_REGION")
	if region == "" {
		region = env("AWS_DEFAULT_REGION")
	}
	ak, sk := env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")
	var missing []string
	if region == "" {
		missing = append(missing, "AWS_REGION")
	}
	if ak == "" {
		missing = append(missing, "AWS_ACCESS_KEY_ID")
	}
	if sk == "" {
		missing = append(missing, "AWS_SECRET_ACCESS_KEY")
	}
	if len(missing) > 0 {
		return aws.Config{}, errors.New("awsenv: not set: " + strings.Join(missing, ", ") + " (Lambda sets them for every function)")
	}
	creds := aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk, SessionToken: env("AWS_SESSION_TOKEN"), Source: "environment"}
	cfg := aws.Config{
		Region: region,
		Credentials: aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return creds, nil
		})),
		ConfigSources: []any{endpoints{env}},
	}
	if u := env("AWS_ENDPOINT_URL"); u != "" {
		cfg.BaseEndpoint = aws.String(u)
	}
	return cfg, nil
}

// endpoints gives each service client the endpoint of AWS_ENDPOINT_URL_<SERVICE>: aws-sdk-go-v2's
// clients ask every value of aws.Config.ConfigSources that has this method.
type endpoints struct{ env func(string) string }

// GetServiceBaseEndpoint returns AWS_ENDPOINT_URL_ followed by the service's SDK id in capitals with
// spaces as underscores (DynamoDB: AWS_ENDPOINT_URL_DYNAMODB), when set. It never fails.
func (e endpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	u := e.env("AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(sdkID), " ", "_"))
	return u, u != "", nil
}

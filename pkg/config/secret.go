package config

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// redacted is what every printer shows instead of a secret value.
const redacted = "[redacted]"

// Secret is a credential named by a reference in the configuration (env:NAME, ssm:/name, an SSM
// parameter ARN, or a Secrets Manager ARN with an optional #jsonKey) and, once resolved, its value.
// Printing it in any way (fmt verbs, slog, encoding/json) shows "[redacted]", so a Config can be
// logged whole without leaking a token.
type Secret struct {
	ref   string
	value string
	path  string
	line  int
}

// Ref returns the reference as written in the configuration ("" when an optional secret is absent).
// A reference names where the secret lives, not the secret itself, so it is safe to show.
func (s Secret) Ref() string { return s.ref }

// IsSet reports whether the configuration names a reference for this secret.
func (s Secret) IsSet() bool { return s.ref != "" }

// Value returns the resolved secret. It is empty until Resolve (or Load) has read the reference.
func (s Secret) Value() string { return s.value }

// String returns "[redacted]".
func (s Secret) String() string { return redacted }

// Format prints "[redacted]" for every verb, %#v and %q included.
func (s Secret) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue makes slog print "[redacted]".
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON encodes the secret as the string "[redacted]"; it never fails.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// refKind says which store a reference reads.
type refKind int

const (
	refEnv refKind = iota + 1
	refSSM
	refSecretsManager
)

// reference is a parsed secret reference.
type reference struct {
	kind refKind
	// id is the environment variable, the SSM parameter name or ARN, or the Secrets Manager ARN.
	id string
	// key selects a field of a JSON Secrets Manager secret; empty for the whole string.
	key string
	// region is the ARN's region; empty means the AWS configuration's default region.
	region string
}

var (
	envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// SSM parameter names are letters, digits and _.-/ with an optional :version or :label selector.
	ssmName = regexp.MustCompile(`^[A-Za-z0-9_.\-/]+(:[A-Za-z0-9_.\-]+)?$`)
)

// errLiteral is the answer to a secret written in clear in the configuration.
var errLiteral = errors.New("a literal secret is not allowed: store it in Secrets Manager, SSM Parameter Store " +
	"or an environment variable and write a reference (arn:aws:secretsmanager:…[#key], ssm:/name, env:NAME)")

// parseRef reads a secret reference. Its errors never quote s: a mistyped reference may be the
// secret itself pasted in the wrong place.
func parseRef(s string) (reference, error) {
	switch {
	case strings.HasPrefix(s, "env:"):
		name := strings.TrimPrefix(s, "env:")
		if !envName.MatchString(name) {
			return reference{}, errors.New("env reference needs a variable name of letters, digits and underscores (env:NAME)")
		}
		return reference{kind: refEnv, id: name}, nil
	case strings.HasPrefix(s, "ssm:"):
		name := strings.TrimPrefix(s, "ssm:")
		if !ssmName.MatchString(name) {
			return reference{}, errors.New("ssm reference needs a parameter name (ssm:/path/name)")
		}
		return reference{kind: refSSM, id: name}, nil
	case strings.HasPrefix(s, "arn:"):
		return parseARN(s)
	default:
		return reference{}, errLiteral
	}
}

func parseARN(s string) (reference, error) {
	id, key, hasKey := strings.Cut(s, "#")
	a, err := arn.Parse(id)
	if err != nil || a.Partition == "" || a.Region == "" || a.AccountID == "" || strings.ContainsAny(id, " \t\r\n") {
		return reference{}, errors.New("malformed ARN reference (arn:partition:service:region:account:resource)")
	}
	switch a.Service {
	case "ssm":
		if !strings.HasPrefix(a.Resource, "parameter/") || len(a.Resource) == len("parameter/") {
			return reference{}, errors.New("ARN reference for SSM must name a parameter (…:parameter/name)")
		}
		if hasKey {
			return reference{}, errors.New("#key selects a field of a Secrets Manager JSON secret; SSM parameters have none")
		}
		return reference{kind: refSSM, id: id, region: a.Region}, nil
	case "secretsmanager":
		if !strings.HasPrefix(a.Resource, "secret:") || len(a.Resource) == len("secret:") {
			return reference{}, errors.New("ARN reference for Secrets Manager must name a secret (…:secret:name)")
		}
		if hasKey && key == "" {
			return reference{}, errors.New("empty #key in a Secrets Manager reference")
		}
		return reference{kind: refSecretsManager, id: id, key: key, region: a.Region}, nil
	default:
		return reference{}, errors.New("ARN reference must name an SSM parameter or a Secrets Manager secret")
	}
}

package bss

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"
)

// Role is the kind of account a profile's credentials belong to. BSS answers 403 when an API is
// called with the wrong kind, so the client refuses such calls before sending them.
type Role string

// The roles.
const (
	Partner  Role = "partner"  // solution provider or distributor (Partner Center)
	Customer Role = "customer" // an account's own credentials, or agency-issued temporary ones
)

// Site is the Huawei Cloud site an account lives on. The two sites are separate accounts served by
// separate SDK packages with different sets of APIs.
type Site string

// The sites.
const (
	China         Site = "cn"   // services/bss/v2, bss.myhuaweicloud.com, CNY
	International Site = "intl" // services/bssintl/v2, bss-intl.myhuaweicloud.com or bss.myhuaweicloud.eu
)

// Region ids and default endpoints. The SDK's own region tables are not used: looking them up reads
// the environment, and overriding their endpoints mutates package globals.
const (
	RegionChina    = "cn-north-1"
	RegionIntl     = "ap-southeast-1"
	RegionEurope   = "eu-west-101"
	DefaultTimeout = 10 * time.Second
	endpointChina  = "https://bss.myhuaweicloud.com"
	endpointIntl   = "https://bss-intl.myhuaweicloud.com"
	endpointEurope = "https://bss.myhuaweicloud.eu"
)

// Profile is one set of credentials and where to use them. Name is for people and logs; DomainID is
// the account id of the credentials' owner and is always required, because without it the SDK makes
// an IAM call at client build time (and cannot fill X-Domain-Id or ListInvoices' path). Endpoint
// overrides the site's endpoint (e.g. http://127.0.0.1:PORT for the sandbox). Region picks the
// international endpoint ("ap-southeast-1", the default, or "eu-west-101"). Timeout bounds each HTTP
// attempt (default 10s; the SDK's own default is 120s).
type Profile struct {
	Name          string
	Role          Role
	Site          Site
	AK            string
	SK            string
	SecurityToken string
	DomainID      string
	Endpoint      string
	Region        string
	Timeout       time.Duration
}

// Validate reports every problem with p at once, naming the field; it never quotes a secret.
func (p Profile) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if p.Name == "" {
		add("name: required")
	}
	switch p.Role {
	case Partner, Customer:
	case "":
		add("role: required (partner or customer)")
	default:
		add("role: %q is not partner or customer", p.Role)
	}
	switch p.Site {
	case China, International:
	case "":
		add("site: required (cn or intl)")
	default:
		add("site: %q is not cn or intl", p.Site)
	}
	if p.AK == "" {
		add("ak: required")
	}
	if p.SK == "" {
		add("sk: required")
	}
	if p.DomainID == "" {
		add("domain_id: required (the account id; without it the SDK calls IAM at start-up)")
	}
	if p.Endpoint != "" {
		u, err := url.Parse(p.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("endpoint: %q is not an http(s) URL", p.Endpoint)
		} else if u.User != nil || u.RawQuery != "" {
			add("endpoint: must not carry credentials or a query")
		}
	}
	switch {
	case p.Region == "":
	case p.Site == China && p.Region != RegionChina:
		add("region: %q is not a China-site region (only %s)", p.Region, RegionChina)
	case p.Site == International && p.Region != RegionIntl && p.Region != RegionEurope:
		add("region: %q is not an international region (%s or %s)", p.Region, RegionIntl, RegionEurope)
	}
	if p.Timeout < 0 {
		add("timeout: negative")
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("bss: profile %q: %w", p.Name, err)
	}
	return nil
}

// String describes the profile without its AK, SK or token.
func (p Profile) String() string {
	return fmt.Sprintf("%s (%s, %s, domain %s)", p.Name, p.Role, p.Site, p.DomainID)
}

// LogValue logs the profile without its AK, SK or token.
func (p Profile) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("name", p.Name),
		slog.String("role", string(p.Role)),
		slog.String("site", string(p.Site)),
		slog.String("domain_id", p.DomainID),
		slog.String("endpoint", p.endpoint()),
	)
}

// GoString keeps %#v from printing the secrets too.
func (p Profile) GoString() string { return "bss.Profile{" + p.String() + "}" }

func (p Profile) region() string {
	switch {
	case p.Region != "":
		return p.Region
	case p.Site == China:
		return RegionChina
	default:
		return RegionIntl
	}
}

func (p Profile) endpoint() string {
	switch {
	case p.Endpoint != "":
		return p.Endpoint
	case p.Site == China:
		return endpointChina
	case p.region() == RegionEurope:
		return endpointEurope
	default:
		return endpointIntl
	}
}

func (p Profile) timeout() time.Duration {
	if p.Timeout == 0 {
		return DefaultTimeout
	}
	return p.Timeout
}

func (p Profile) secrets() []string { return []string{p.AK, p.SK, p.SecurityToken} }

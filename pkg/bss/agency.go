package bss

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	iam "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3"
	iammodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/iam/v3/model"
)

// Bounds of an agency credential's life (IAM's duration_seconds) and how long before its expiry a
// cached one is replaced, so a credential never runs out in the middle of a customer's work.
const (
	MinAgencyDuration     = 15 * time.Minute
	MaxAgencyDuration     = 24 * time.Hour
	DefaultAgencyDuration = time.Hour
	agencyRefreshBefore   = 5 * time.Minute
)

// IAM endpoints per site (IAM is a global service on each site).
const (
	iamEndpointChina  = "https://iam.myhuaweicloud.com"
	iamEndpointIntl   = "https://iam.ap-southeast-1.myhuaweicloud.com"
	iamEndpointEurope = "https://iam.eu-west-101.myhuaweicloud.eu"
)

// AgencyConfig says how a partner reaches its customers' accounts. Partner is an IAM user credential
// of the partner's account that may assume the agency named Agency, which each customer created for
// the partner; its Endpoint is the BSS endpoint the customers' clients use. IAMEndpoint overrides the
// site's IAM endpoint; Duration is the life of each temporary credential (default an hour). Now is
// the wall clock credentials expire by (nil: time.Now).
type AgencyConfig struct {
	Partner     Profile
	Agency      string
	IAMEndpoint string
	Duration    time.Duration
	Now         func() time.Time
}

// Agency hands out clients that act as one of a partner's customers through the customer's agency:
// the first time a customer is needed it calls IAM CreateTemporaryAccessKeyByAgency with the partner's
// credential, and keeps the temporary AK/SK and security token until shortly before they expire.
// Only the credential is kept, not the client, so memory grows by a few hundred bytes per customer.
// It is safe for concurrent use; two callers wanting the same customer make one IAM call.
type Agency struct {
	cfg  AgencyConfig
	opts Options
	iam  *Client // the partner's IAM client, in a Client for its retries, limits and scrubbing
	mu   sync.Mutex
	m    map[string]*agencyCred
}

type agencyCred struct {
	mu            sync.Mutex
	ak, sk, token string
	expires       time.Time
}

// AgencyError is IAM refusing to let the partner assume a customer's agency: the customer has no
// agency of that name, or it does not trust the partner's account. It concerns that customer only.
type AgencyError struct {
	Customer string
	Agency   string
	Err      *Error
}

func (e *AgencyError) Error() string {
	return fmt.Sprintf("customer %s has no agency %s that the partner may assume (IAM: %v)", e.Customer, e.Agency, e.Err)
}

func (e *AgencyError) Unwrap() error { return e.Err }

// NewAgency builds the partner's IAM client without any network call. It fails when the partner
// profile is invalid or not a partner's, or the agency name or duration is out of bounds.
func NewAgency(cfg AgencyConfig, opts Options) (*Agency, error) {
	p := cfg.Partner
	if err := p.Validate(); err != nil {
		return nil, err
	}
	switch {
	case p.Role != Partner:
		return nil, fmt.Errorf("bss: agency: profile %q is a %s; customers' agencies are assumed with a partner's credential", p.Name, p.Role)
	case cfg.Agency == "":
		return nil, errors.New("bss: agency: the agency name is required")
	case cfg.Duration == 0:
		cfg.Duration = DefaultAgencyDuration
	case cfg.Duration < MinAgencyDuration || cfg.Duration > MaxAgencyDuration:
		return nil, fmt.Errorf("bss: agency: duration %s is not %s to %s", cfg.Duration, MinAgencyDuration, MaxAgencyDuration)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.IAMEndpoint == "" {
		cfg.IAMEndpoint = p.iamEndpoint()
	}
	opts = opts.withDefaults()
	c := &Client{profile: p, opts: opts, secrets: p.secrets()}
	cred, err := global.NewCredentialsBuilder().WithAk(p.AK).WithSk(p.SK).WithDomainId(p.DomainID).SafeBuild()
	if err != nil {
		return nil, fmt.Errorf("bss: agency: profile %q: credentials: %s", p.Name, scrub(err.Error(), c.secrets))
	}
	hc, err := iam.IamClientBuilder().WithRegion(region.NewRegion(p.region(), cfg.IAMEndpoint)).WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithTimeout(p.timeout()).WithHttpTransport(opts.Transport)).SafeBuild()
	if err != nil {
		return nil, fmt.Errorf("bss: agency: profile %q: build IAM client: %s", p.Name, scrub(err.Error(), c.secrets))
	}
	c.iamc = iam.NewIamClient(hc)
	return &Agency{cfg: cfg, opts: opts, iam: c, m: map[string]*agencyCred{}}, nil
}

// NewAgencyFor is NewAgency for the partner's existing client: its profile and options (rate,
// retries, token buckets, transport) serve the IAM calls and the customers' clients too.
func NewAgencyFor(partner *Client, cfg AgencyConfig) (*Agency, error) {
	cfg.Partner = partner.profile
	return NewAgency(cfg, partner.opts)
}

// Name is the agency's name.
func (a *Agency) Name() string { return a.cfg.Agency }

// Partner is the profile whose credential assumes the agencies.
func (a *Agency) Partner() Profile { return a.cfg.Partner }

// Client returns a client acting as the customer (customerID is its account id, which is also its
// domain id), assuming its agency first when no cached credential has more than a few minutes left.
// A refusal by IAM is an *AgencyError; other failures are *Error, as for any call.
func (a *Agency) Client(ctx context.Context, customerID string) (*Client, error) {
	if customerID == "" {
		return nil, errors.New("bss: agency: empty customer id")
	}
	a.mu.Lock()
	cr, ok := a.m[customerID]
	if !ok {
		cr = &agencyCred{}
		a.m[customerID] = cr
	}
	a.mu.Unlock()

	cr.mu.Lock()
	defer cr.mu.Unlock()
	if cr.token == "" || !a.cfg.Now().Before(cr.expires.Add(-agencyRefreshBefore)) {
		if err := a.assume(ctx, customerID, cr); err != nil {
			return nil, err
		}
	}
	p := a.cfg.Partner
	return New(Profile{Name: "customer " + customerID + " (agency " + a.cfg.Agency + ")", Role: Customer, Site: p.Site,
		AK: cr.ak, SK: cr.sk, SecurityToken: cr.token, DomainID: customerID, Endpoint: p.Endpoint, Region: p.Region,
		Timeout: p.Timeout}, a.opts)
}

// Forget drops the customer's cached credential (BSS refused it: revoked, or expired early), so the
// next Client assumes the agency again.
func (a *Agency) Forget(customerID string) {
	a.mu.Lock()
	delete(a.m, customerID)
	a.mu.Unlock()
}

// assume calls IAM and fills cr; cr.mu is held.
func (a *Agency) assume(ctx context.Context, customerID string, cr *agencyCred) error {
	secs := int32(a.cfg.Duration / time.Second)
	req := &iammodel.CreateTemporaryAccessKeyByAgencyRequest{Body: &iammodel.CreateTemporaryAccessKeyByAgencyRequestBody{
		Auth: &iammodel.AgencyAuth{Identity: &iammodel.AgencyAuthIdentity{
			Methods:    []iammodel.AgencyAuthIdentityMethods{iammodel.GetAgencyAuthIdentityMethodsEnum().ASSUME_ROLE},
			AssumeRole: &iammodel.IdentityAssumerole{AgencyName: a.cfg.Agency, DomainId: &customerID, DurationSeconds: &secs},
		}},
	}}
	asked := a.cfg.Now()
	resp, err := read(ctx, a.iam, CreateTemporaryAccessKeyByAgency, func() (*iammodel.CreateTemporaryAccessKeyByAgencyResponse, error) {
		return a.iam.iamc.CreateTemporaryAccessKeyByAgency(req)
	})
	if err != nil {
		var e *Error
		if errors.As(err, &e) && (e.Kind == Forbidden || e.Kind == NotFound || e.Kind == Invalid) {
			return &AgencyError{Customer: customerID, Agency: a.cfg.Agency, Err: e}
		}
		return err
	}
	c := resp.Credential
	if c == nil || c.Access == "" || c.Secret == "" || c.Securitytoken == "" {
		return &Error{Op: string(CreateTemporaryAccessKeyByAgency), Kind: Malformed, Message: "the answer carries no complete credential"}
	}
	// The credential lives no longer than asked for, whatever expires_at says (or if it cannot be read).
	expires := asked.Add(a.cfg.Duration)
	if t, err := time.Parse(time.RFC3339Nano, c.ExpiresAt); err == nil && t.Before(expires) {
		expires = t
	}
	cr.ak, cr.sk, cr.token, cr.expires = c.Access, c.Secret, c.Securitytoken, expires
	return nil
}

func (p Profile) iamEndpoint() string {
	switch {
	case p.Site == China:
		return iamEndpointChina
	case p.region() == RegionEurope:
		return iamEndpointEurope
	default:
		return iamEndpointIntl
	}
}

package sandbox

import (
	"fmt"
	"net/http"
	"time"
)

// DefaultAgency is the agency every generated customer has created for its partner, until
// SetAgency says otherwise.
const DefaultAgency = "bsswatch-renewal"

// IAM's bounds on duration_seconds of CreateTemporaryAccessKeyByAgency.
const (
	minAgencySeconds     = 900
	maxAgencySeconds     = 86400
	defaultAgencySeconds = 900
)

type agencyKey struct{ customerID, name string }

// SetAgency creates (present) or deletes the agency name in a customer's account: with it, the
// partner's credential may assume the customer through IAM. It returns an error wrapping ErrNotFound
// for an unknown customer.
func (s *Server) SetAgency(customerID, name string, present bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.w.byID[customerID]; !ok {
		return fmt.Errorf("sandbox: agency of %s: %w", customerID, ErrNotFound)
	}
	if s.agencies == nil {
		s.agencies = map[agencyKey]bool{}
	}
	s.agencies[agencyKey{customerID, name}] = present
	return nil
}

// ExpireTemporaryCredentials ends every temporary credential issued for the customer now, as if
// its duration had run out: BSS calls made with them are answered 401.
func (s *Server) ExpireTemporaryCredentials(customerID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.wall()
	for _, p := range s.principals {
		if p.token != "" && p.customerID == customerID {
			p.expires = now
		}
	}
}

// hasAgency reports whether the customer has the agency; s.mu must be held.
func (s *Server) hasAgency(customerID, name string) bool {
	if v, ok := s.agencies[agencyKey{customerID, name}]; ok {
		return v
	}
	return name == DefaultAgency
}

type assumeRoleRequest struct {
	Auth struct {
		Identity struct {
			Methods    []string `json:"methods"`
			AssumeRole *struct {
				AgencyName      string `json:"agency_name"`
				DomainID        string `json:"domain_id"`
				DomainName      string `json:"domain_name"`
				DurationSeconds *int   `json:"duration_seconds"`
			} `json:"assume_role"`
		} `json:"identity"`
	} `json:"auth"`
}

// iamError is IAM's error shape (error.code, error.message), unlike BSS's error_code/error_msg.
func iamError(status int, code, msg string) *apiError {
	return &apiError{status: status, code: code, msg: msg,
		raw: fmt.Sprintf(`{"error":{"code":%q,"message":%q,"title":%q}}`, code, msg, http.StatusText(status))}
}

// createTemporaryAccessKeyByAgency is IAM's POST /v3.0/OS-CREDENTIAL/securitytokens with method
// assume_role: the partner's credential assumes a customer's agency and gets temporary credentials
// acting as that customer.
func (s *Server) createTemporaryAccessKeyByAgency(c *call) (any, *apiError) {
	var req assumeRoleRequest
	if ae := decodeBody(c.body, &req); ae != nil {
		return nil, iamError(http.StatusBadRequest, "IAM.0101", ae.msg)
	}
	id := req.Auth.Identity
	if len(id.Methods) != 1 || id.Methods[0] != "assume_role" || id.AssumeRole == nil {
		return nil, iamError(http.StatusBadRequest, "IAM.0101", "auth.identity: methods must be [assume_role] with assume_role set")
	}
	ar := id.AssumeRole
	secs := defaultAgencySeconds
	if ar.DurationSeconds != nil {
		secs = *ar.DurationSeconds
	}
	switch {
	case ar.AgencyName == "":
		return nil, iamError(http.StatusBadRequest, "IAM.0101", "assume_role.agency_name is required")
	case ar.DomainID == "":
		return nil, iamError(http.StatusBadRequest, "IAM.0101", "assume_role.domain_id is required")
	case secs < minAgencySeconds || secs > maxAgencySeconds:
		return nil, iamError(http.StatusBadRequest, "IAM.0101", fmt.Sprintf("duration_seconds must be %d to %d", minAgencySeconds, maxAgencySeconds))
	}
	s.mu.RLock()
	_, known := s.w.byID[ar.DomainID]
	has := known && s.hasAgency(ar.DomainID, ar.AgencyName)
	s.mu.RUnlock()
	if !has {
		return nil, iamError(http.StatusForbidden, "IAM.0003", "Policy doesn't allow assume_role to be performed.")
	}
	tc, err := s.IssueTemporaryCredentials(ar.DomainID, time.Duration(secs)*time.Second)
	if err != nil {
		return nil, iamError(http.StatusForbidden, "IAM.0003", "Policy doesn't allow assume_role to be performed.")
	}
	return map[string]any{"credential": map[string]string{
		"access": tc.AK, "secret": tc.SK, "securitytoken": tc.Token,
		"expires_at": tc.Expires.UTC().Format("2006-01-02T15:04:05.000000Z"),
	}}, nil
}

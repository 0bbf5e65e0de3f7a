package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// The SDK's default signer (core/auth/signer/signer.go in huaweicloud-sdk-go-v3).
const (
	signAlgorithm    = "SDK-HMAC-SHA256"
	sdkDateFormat    = "20060102T150405Z"
	headerSdkDate    = "X-Sdk-Date"
	headerContentSHA = "X-Sdk-Content-Sha256"
	headerDomainID   = "X-Domain-Id"
	headerToken      = "X-Security-Token"
	// dateWindow is how far X-Sdk-Date may be from the server clock before API Gateway rejects the call.
	dateWindow = 15 * time.Minute
)

// kind is the account kind an access key belongs to.
type kind int

const (
	kindPartner kind = iota + 1
	kindCustomer
)

// principal is the account behind an access key.
type principal struct {
	kind       kind
	ak, sk     string
	domainID   string
	customerID string // set for kindCustomer
	// token and expires are set for temporary credentials; the request must carry the token.
	token   string
	expires time.Time
}

// errAuth carries the part of the APIGW.0301 message that says what was wrong; it never holds a secret.
type errAuth string

func (e errAuth) Error() string { return "Incorrect IAM authentication information: " + string(e) }

type authHeader struct {
	ak            string
	signedHeaders []string
	signature     string
}

// parseAuthorization reads "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex".
func parseAuthorization(v string) (authHeader, error) {
	alg, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || alg != signAlgorithm {
		return authHeader{}, errAuth("unsupported or missing Authorization header")
	}
	var h authHeader
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return authHeader{}, errAuth("malformed Authorization header")
		}
		switch k {
		case "Access":
			h.ak = val
		case "SignedHeaders":
			if val != "" {
				h.signedHeaders = strings.Split(val, ";")
			}
		case "Signature":
			h.signature = val
		}
	}
	if h.ak == "" || h.signature == "" || len(h.signedHeaders) == 0 {
		return authHeader{}, errAuth("malformed Authorization header")
	}
	return h, nil
}

// verify checks the request signature with sk exactly as API Gateway recomputes it: canonical URI with
// a trailing slash, sorted and re-escaped query, the signed headers, and the SHA-256 of the raw body.
func verify(r *http.Request, body []byte, h authHeader, sk string, now time.Time) error {
	date := r.Header.Get(headerSdkDate)
	t, err := time.Parse(sdkDateFormat, date)
	if err != nil {
		return errAuth("missing or malformed X-Sdk-Date")
	}
	if d := now.Sub(t); d > dateWindow || d < -dateWindow {
		return errAuth("X-Sdk-Date is more than 15 minutes off the server time")
	}
	signsDate := false
	for _, name := range h.signedHeaders {
		if name != strings.ToLower(name) {
			return errAuth("signed header names must be lower case")
		}
		if name == "x-sdk-date" {
			signsDate = true
		}
	}
	if !signsDate {
		return errAuth("X-Sdk-Date must be signed")
	}
	payload := r.Header.Get(headerContentSHA)
	if payload == "" {
		sum := sha256.Sum256(body)
		payload = hex.EncodeToString(sum[:])
	}
	cr := strings.Join([]string{
		r.Method,
		canonicalURI(r.URL.Path),
		canonicalQuery(r.URL.RawQuery),
		canonicalHeaders(r, h.signedHeaders),
		strings.Join(h.signedHeaders, ";"),
		payload,
	}, "\n")
	crSum := sha256.Sum256([]byte(cr))
	sts := signAlgorithm + "\n" + date + "\n" + hex.EncodeToString(crSum[:])
	mac := hmac.New(sha256.New, []byte(sk))
	mac.Write([]byte(sts))
	want := hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(h.signature))) {
		return errAuth("verify aksk signature fail")
	}
	return nil
}

func canonicalURI(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = escape(s)
	}
	u := strings.Join(segs, "/")
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return u
}

func canonicalQuery(raw string) string {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return raw
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			parts = append(parts, escape(k)+"="+escape(v))
		}
	}
	return strings.Join(parts, "&")
}

func canonicalHeaders(r *http.Request, signed []string) string {
	var b strings.Builder
	for _, name := range signed {
		var vs []string
		if name == "host" {
			vs = []string{r.Host}
		} else {
			vs = append(vs, r.Header.Values(name)...)
		}
		sort.Strings(vs)
		for _, v := range vs {
			b.WriteString(name + ":" + strings.TrimSpace(v) + "\n")
		}
	}
	return b.String()
}

func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '~' || c == '.' {
			b.WriteByte(c)
			continue
		}
		const hexUpper = "0123456789ABCDEF"
		b.WriteByte('%')
		b.WriteByte(hexUpper[c>>4])
		b.WriteByte(hexUpper[c&15])
	}
	return b.String()
}

// authenticate finds the principal behind the request and checks its signature and token.
func (s *Server) authenticate(r *http.Request, body []byte) (*principal, error) {
	h, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	p, ok := s.principals[h.ak]
	s.mu.RUnlock()
	if !ok {
		return nil, errAuth("the access key does not exist")
	}
	now := s.wall()
	if err := verify(r, body, h, p.sk, now); err != nil {
		return nil, err
	}
	if p.token != "" {
		tok := r.Header.Get(headerToken)
		if tok == "" || !hmac.Equal([]byte(tok), []byte(p.token)) {
			return nil, errAuth("the security token is missing or does not match the access key")
		}
		if !now.Before(p.expires) {
			return nil, errAuth("the security token has expired")
		}
	}
	return p, nil
}

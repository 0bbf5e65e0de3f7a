package bss

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
)

// Kind says what went wrong with a BSS call, in terms a caller can act on.
type Kind int

// The kinds of failure. Only Throttled and Transient are retried, and only for reads.
const (
	// Unknown is never produced by this package; it is the zero Kind.
	Unknown Kind = iota
	// Throttled: 429, or the throttling codes CBC.0250 and APIGW.0308 with any status.
	Throttled
	// Auth: the credentials are wrong or expired (401, APIGW.0301, CBC.0154).
	Auth
	// Forbidden: valid credentials of the wrong kind (403 CBC.0151), or an account or IAM user
	// without permission for the API (CBC.0155).
	Forbidden
	// Invalid: the service rejected the request (400 and other 4xx not listed here).
	Invalid
	// NotFound: 404.
	NotFound
	// Conflict: the resource is tied up elsewhere (409, CBC.99003100 pending-payment order,
	// CBC.99003144 in-process order).
	Conflict
	// Transient: 5xx, network error, timeout or cancelled context; the scope was not evaluated.
	Transient
	// Unsupported: refused before any call, because the profile's role or site cannot use the API.
	// (Arguments that break a documented limit are refused before any call as Invalid, Status 0.)
	Unsupported
	// Ambiguous: an order-creating call was sent and its outcome is unknown (5xx, timeout, network
	// error, unreadable answer). The order may exist: check before placing another.
	Ambiguous
	// Malformed: the service answered 2xx with a body that could not be read (the SDK's strict
	// JSON types, or a time in an unknown format) or that only looks like success: a list without
	// its total, a quote that neither prices nor refuses every resource, a balance without amount.
	Malformed
	// NotApplicable: the API does not apply to this account, e.g. CBC.99000049, a China-site
	// reseller (转售) customer asking for its own balance, which only its partner holds.
	NotApplicable
)

var kindNames = [...]string{"unknown", "throttled", "auth", "forbidden", "invalid", "not found",
	"conflict", "transient", "unsupported", "ambiguous", "malformed", "not applicable"}

// String names the kind in lower case, as it appears in error texts.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "kind(" + strconv.Itoa(int(k)) + ")"
	}
	return kindNames[k]
}

// Sentinels for errors.Is: errors.Is(err, bss.ErrThrottled) holds for any *Error of kind Throttled.
var (
	ErrThrottled     = errors.New("bss: throttled")
	ErrAuth          = errors.New("bss: wrong or expired credentials")
	ErrForbidden     = errors.New("bss: forbidden")
	ErrInvalid       = errors.New("bss: invalid request")
	ErrNotFound      = errors.New("bss: not found")
	ErrConflict      = errors.New("bss: conflict")
	ErrTransient     = errors.New("bss: transient failure")
	ErrUnsupported   = errors.New("bss: unsupported")
	ErrAmbiguous     = errors.New("bss: outcome unknown")
	ErrMalformed     = errors.New("bss: malformed answer")
	ErrNotApplicable = errors.New("bss: not applicable to this account")
)

var sentinels = map[Kind]error{
	Throttled: ErrThrottled, Auth: ErrAuth, Forbidden: ErrForbidden, Invalid: ErrInvalid,
	NotFound: ErrNotFound, Conflict: ErrConflict, Transient: ErrTransient, Unsupported: ErrUnsupported,
	Ambiguous: ErrAmbiguous, Malformed: ErrMalformed, NotApplicable: ErrNotApplicable,
}

// Error is a failed BSS call. Op is the API name (ListPartnerBalances, ...), Status the HTTP status
// (0 when no answer came), Code and Message the service's error_code and error_msg, RequestID the
// X-Request-Id to quote to Huawei support. A 2xx answer whose body carries an error_code other than
// CBC.0000 is an Error too, with its 2xx Status. RetryAfter is the wait a throttled answer asked for
// (Retry-After), 0 when it named none. Err is the underlying network or context error, if any.
// Message and the text of Err are scrubbed of the profile's AK, SK and security token when the Error
// is built, so Error() never shows them.
type Error struct {
	Op         string
	Kind       Kind
	Status     int
	Code       string
	Message    string
	RequestID  string
	RetryAfter time.Duration
	Err        error
	errText    string // scrubbed Err.Error()
}

// Error formats the failure on one line, e.g.
// "bss: ListPartnerBalances: auth (401 APIGW.0301): Incorrect IAM authentication information (request id 5f2c...)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("bss: ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.Kind.String())
	switch {
	case e.Status != 0 && e.Code != "":
		fmt.Fprintf(&b, " (%d %s)", e.Status, e.Code)
	case e.Status != 0:
		fmt.Fprintf(&b, " (%d)", e.Status)
	case e.Code != "":
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.errText != "" {
		b.WriteString(": ")
		b.WriteString(e.errText)
	}
	if e.RequestID != "" {
		b.WriteString(" (request id ")
		b.WriteString(e.RequestID)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the underlying network or context error, so errors.Is(err, context.DeadlineExceeded)
// works.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is the sentinel of e's kind.
func (e *Error) Is(target error) bool {
	s, ok := sentinels[e.Kind]
	return ok && s == target
}

// retryable reports whether a read that failed this way may succeed if sent again.
func (e *Error) retryable() bool { return e.Kind == Throttled || e.Kind == Transient }

// KindOf returns the Kind of the first *Error in err's chain, or Unknown.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Unknown
}

// BatchError reports a batched call where some batches failed. The results returned next to it
// are complete for every id not in Failed; the ids in Failed were not evaluated, so a caller must
// neither alert on them as zero nor resolve earlier alerts about them.
type BatchError struct {
	Failed []string
	Err    error // the first batch failure
}

// Error says how many ids were not evaluated and why.
func (e *BatchError) Error() string {
	return fmt.Sprintf("bss: %d ids not evaluated: %v", len(e.Failed), e.Err)
}

// Unwrap returns the first batch failure, so errors.Is(err, bss.ErrThrottled) and KindOf work.
func (e *BatchError) Unwrap() error { return e.Err }

// codeKinds overrides the status-based kind for codes whose meaning the status does not carry.
// CBC.99007197 ("your IP is rate-limited") is documented nowhere BSS lists its codes, so it is not
// taken for throttling: it stays the 400 it arrives as.
var codeKinds = map[string]Kind{
	"APIGW.0301":   Auth,
	"CBC.0154":     Auth,
	"CBC.0155":     Forbidden,
	"CBC.0151":     Forbidden,
	"CBC.0250":     Throttled,
	"APIGW.0308":   Throttled,
	"CBC.0999":     Transient,
	"CBC.99003100": Conflict,
	"CBC.99003144": Conflict,
	"CBC.99000049": NotApplicable,
}

// codeOK is the error_code of a successful answer, which some APIs include.
const codeOK = "CBC.0000"

// codeKind is the kind of an answer with status and error code: by code where the code says more
// than the status, else by status; a 2xx with an error code is a refusal (Invalid) unless its
// code names another kind.
func codeKind(status int, code string) Kind {
	if k, ok := codeKinds[code]; ok && code != "" {
		return k
	}
	if status < 300 && code != "" {
		return Invalid
	}
	return statusKind(status)
}

// classify turns whatever the SDK returned into an *Error for op. secrets are removed from every
// text that came from the server or the network.
func classify(op string, err error, secrets []string) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var se *sdkerr.ServiceResponseError
	if errors.As(err, &se) {
		out := &Error{
			Op:        op,
			Status:    se.StatusCode,
			Code:      scrub(se.ErrorCode, secrets),
			Message:   scrub(se.ErrorMessage, secrets),
			RequestID: se.RequestId,
			Kind:      codeKind(se.StatusCode, se.ErrorCode),
		}
		var ra *throttledAnswer
		if errors.As(err, &ra) {
			out.RetryAfter = ra.after
		}
		if se.ErrorCode == "CBC.0155" {
			// BSS sends CBC.0155 for bad auth information too, but in practice it means a missing
			// permission; saying "expired keys" would send people to rotate keys that work.
			out.Message = "the account or IAM user lacks permission for " + op + ": " + out.Message
		}
		return out
	}
	kind := Invalid
	var ue *url.Error
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		kind = Transient
	case errors.As(err, &ue), errors.As(err, &ne):
		kind = Transient
	}
	return &Error{Op: op, Kind: kind, Err: err, errText: scrub(err.Error(), secrets)}
}

func statusKind(status int) Kind {
	switch {
	case status == 429:
		return Throttled
	case status == 401:
		return Auth
	case status == 403:
		return Forbidden
	case status == 404:
		return NotFound
	case status == 409:
		return Conflict
	case status >= 500:
		return Transient
	case status >= 400:
		return Invalid
	default:
		// The SDK raises a ServiceResponseError on 2xx only when it cannot decode the body.
		return Malformed
	}
}

// scrub replaces every secret in s. It is the last line of defence: a server that echoes a
// signature header or a proxy that prints the request must not leak the key into a log.
func scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// unsupported is the refusal, before any call, of an API the profile cannot use.
func unsupported(op, format string, args ...any) *Error {
	return &Error{Op: op, Kind: Unsupported, Message: fmt.Sprintf(format, args...)}
}

// malformed is the refusal of a 2xx answer that only looks like success.
func malformed(op API, format string, args ...any) *Error {
	return &Error{Op: string(op), Kind: Malformed, Message: fmt.Sprintf(format, args...)}
}

// invalidArg is the refusal, before any call, of arguments the API would reject.
func invalidArg(op, format string, args ...any) *Error {
	return &Error{Op: op, Kind: Invalid, Message: fmt.Sprintf(format, args...)}
}

package bss

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/request"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/response"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
)

// answerCheck is the SDK error handler of every client. The SDK's own raises only for HTTP >= 400
// and its response models have no error_code, so a 200 that carries one (BSS sends many business
// failures so) would decode as an empty success. This handler turns such an answer into the same
// *sdkerr.ServiceResponseError a 4xx gives, and keeps a throttled answer's Retry-After.
type answerCheck struct{}

// HandleError implements sdkerr.ErrorHandler.
func (answerCheck) HandleError(req *request.DefaultHttpRequest, resp *response.DefaultHttpResponse) error {
	status := resp.GetStatusCode()
	if status >= 400 {
		err := sdkerr.DefaultErrorHandler{}.HandleError(req, resp)
		if status == http.StatusTooManyRequests {
			if d, ok := retryAfter(resp.GetHeader("Retry-After"), time.Now()); ok {
				return &throttledAnswer{err: err, after: d}
			}
		}
		return err
	}
	body := []byte(resp.GetBody()) // GetBody puts the body back for the SDK to decode
	if code, msg, ok := bodyError(body); ok {
		return &sdkerr.ServiceResponseError{StatusCode: status, RequestId: resp.GetHeader("X-Request-Id"),
			ErrorCode: code, ErrorMessage: msg}
	}
	if msg := missingAmount(req.GetPath(), body); msg != "" {
		// No error code: classify reads a 2xx ServiceResponseError without one as Malformed.
		return &sdkerr.ServiceResponseError{StatusCode: status, RequestId: resp.GetHeader("X-Request-Id"), ErrorMessage: msg}
	}
	return nil
}

// missingAmount finds an account without "amount" in a ListPartnerBalances answer. The SDK decodes
// that amount into a plain float64, so an absent one would read as 0.00 and could resolve a
// low-balance alert; only the raw body tells absent from zero.
func missingAmount(path string, body []byte) string {
	if !strings.HasSuffix(strings.TrimSuffix(path, "/"), "/partner-accounts/balances") {
		return ""
	}
	var top struct {
		Accounts []map[string]json.RawMessage `json:"account_balances"`
	}
	if json.Unmarshal(body, &top) != nil {
		return "" // the SDK's decoder reports what is wrong
	}
	for i, a := range top.Accounts {
		if v, ok := a["amount"]; !ok || string(v) == "null" {
			return fmt.Sprintf("account_balances[%d] has no amount", i)
		}
	}
	return ""
}

// bodyError finds a top-level error_code other than CBC.0000 in a JSON answer.
func bodyError(body []byte) (code, msg string, ok bool) {
	// Most answers carry no error at all; skip decoding them twice.
	if !bytes.Contains(body, []byte(`"error_code"`)) {
		return "", "", false
	}
	var top struct {
		Code any    `json:"error_code"`
		Msg  string `json:"error_msg"`
	}
	if err := json.Unmarshal(body, &top); err != nil {
		return "", "", false // not an object: the SDK's decoder reports it as malformed
	}
	c, isString := top.Code.(string)
	if !isString || c == "" || c == codeOK {
		return "", "", false
	}
	return c, top.Msg, true
}

// throttledAnswer is a 429 with the wait its Retry-After header asked for.
type throttledAnswer struct {
	err   error
	after time.Duration
}

func (t *throttledAnswer) Error() string { return t.err.Error() }
func (t *throttledAnswer) Unwrap() error { return t.err }

// retryAfter reads a Retry-After header: seconds, or an HTTP date (RFC 9110). A negative or absent
// value asks for nothing.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(max(n, 0)) * time.Second, n > 0
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now), true
	}
	return 0, false
}

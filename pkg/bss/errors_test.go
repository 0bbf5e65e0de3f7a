package bss

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/sdkerr"
)

func TestClassifyServiceErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		code      string
		want      Kind
		retryable bool
	}{
		{"flow control", 429, "CBC.0250", Throttled, true},
		{"gateway throttling", 429, "APIGW.0308", Throttled, true},
		{"undocumented IP limit code is no throttling", 400, "CBC.99007197", Invalid, false},
		{"bad signature", 401, "APIGW.0301", Auth, false},
		{"expired token on 403", 403, "CBC.0154", Auth, false},
		{"request not allowed", 403, "CBC.0155", Forbidden, false},
		{"401 without code", 401, "", Auth, false},
		{"wrong account kind", 403, "CBC.0151", Forbidden, false},
		{"403 other", 403, "CBC.9999", Forbidden, false},
		{"parameter error", 400, "CBC.0100", Invalid, false},
		{"405", 405, "", Invalid, false},
		{"not found", 404, "", NotFound, false},
		{"pending order", 400, "CBC.99003100", Conflict, false},
		{"in-process order", 400, "CBC.99003144", Conflict, false},
		{"409", 409, "", Conflict, false},
		{"server error", 500, "CBC.0999", Transient, true},
		{"bad gateway", 502, "", Transient, true},
		{"undecodable 200", 200, "", Malformed, false},
		{"200 with a parameter error", 200, "CBC.0100", Invalid, false},
		{"200 with flow control", 200, "CBC.0250", Throttled, true},
		{"200 with forbidden", 200, "CBC.0155", Forbidden, false},
		{"200 with other error", 200, "CBC.0999", Transient, true},
		{"200 with a business code", 200, "CBC.30050006", Invalid, false},
		{"reseller customer's own balance", 400, "CBC.99000049", NotApplicable, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			se := &sdkerr.ServiceResponseError{StatusCode: tt.status, ErrorCode: tt.code, ErrorMessage: "msg", RequestId: "req-1"}
			e := classify("ListPartnerBalances", se, nil)
			if e.Kind != tt.want {
				t.Errorf("kind = %v, want %v", e.Kind, tt.want)
			}
			if got := e.retryable(); got != tt.retryable {
				t.Errorf("retryable = %v, want %v", got, tt.retryable)
			}
			if e.RequestID != "req-1" || e.Status != tt.status || e.Code != tt.code {
				t.Errorf("lost fields: %+v", e)
			}
			if !errors.Is(e, sentinels[tt.want]) {
				t.Errorf("errors.Is(%v, sentinel of %v) = false", e, tt.want)
			}
			if e.Err != nil {
				t.Errorf("Err = %v, want nil (the SDK error text is not kept)", e.Err)
			}
		})
	}
}

func TestClassifyOtherErrors(t *testing.T) {
	ue := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	tests := []struct {
		name string
		err  error
		want Kind
		is   error
	}{
		{"network", ue, Transient, ErrTransient},
		{"deadline", context.DeadlineExceeded, Transient, context.DeadlineExceeded},
		{"cancelled", fmt.Errorf("wrapped: %w", context.Canceled), Transient, context.Canceled},
		{"request build", errors.New("unsupported content type"), Invalid, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := classify("ListSubCustomers", tt.err, nil)
			if e.Kind != tt.want {
				t.Errorf("kind = %v, want %v", e.Kind, tt.want)
			}
			if !errors.Is(e, tt.is) {
				t.Errorf("errors.Is(%v, %v) = false", e, tt.is)
			}
		})
	}
}

func TestErrorTextScrubsSecrets(t *testing.T) {
	ak, sk, tok := "AKIDEXAMPLE1234", "skSECRETexample987", "tokenXYZ-777"
	se := &sdkerr.ServiceResponseError{StatusCode: 401, ErrorCode: "APIGW.0301",
		ErrorMessage: "Incorrect IAM authentication information: Access=" + ak + " sk " + sk + " tok " + tok, RequestId: "r-9"}
	ue := &url.Error{Op: "Get", URL: "http://h/?x=" + tok, Err: errors.New("boom " + ak)}
	for _, err := range []error{se, ue} {
		text := classify("ListPartnerBalances", err, []string{ak, sk, tok}).Error()
		for _, s := range []string{ak, sk, tok} {
			if strings.Contains(text, s) {
				t.Errorf("Error() = %q contains a secret", text)
			}
		}
		if !strings.Contains(text, "[redacted]") {
			t.Errorf("Error() = %q, want a [redacted] marker", text)
		}
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{Op: "ListPartnerBalances", Kind: Auth, Status: 401, Code: "APIGW.0301", Message: "Incorrect IAM authentication information", RequestID: "abc"}
	want := "bss: ListPartnerBalances: auth (401 APIGW.0301): Incorrect IAM authentication information (request id abc)"
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestBatchErrorUnwraps(t *testing.T) {
	err := fmt.Errorf("balances: %w", &BatchError{Failed: []string{"a", "b"}, Err: &Error{Op: "x", Kind: Throttled}})
	if !errors.Is(err, ErrThrottled) {
		t.Error("errors.Is(batch error, ErrThrottled) = false")
	}
	if got := KindOf(err); got != Throttled {
		t.Errorf("KindOf = %v, want throttled", got)
	}
	var be *BatchError
	if !errors.As(err, &be) || len(be.Failed) != 2 {
		t.Errorf("errors.As BatchError: %v", be)
	}
}

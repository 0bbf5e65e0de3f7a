package bss

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseApplyTime(t *testing.T) {
	want := time.Date(2026, 11, 21, 9, 30, 15, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Time
		wantOK bool
	}{
		{"2026-11-21T09:30:15Z", want, true},
		{"2026-11-21T17:30:15+08:00", want, true},
		{"2026-11-21T09:30:15.000Z", want, true},
		{"2026-11-21 09:30:15", want, true},
		{" 2026-11-21 09:30:15 ", want, true},
		{"1795253415000", want, true},
		{"2026-11-21", time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), true},
		{"", time.Time{}, false},
		{"yesterday", time.Time{}, false},
		{"21/11/2026", time.Time{}, false},
		{"0", time.Time{}, false},
		{"-5", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseApplyTime(tt.in)
			if !got.Equal(tt.want) || ok != tt.wantOK {
				t.Errorf("parseApplyTime(%q) = %s, %v; want %s, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// invoicePages answers ListInvoices with the given bodies, by page number (offset).
func invoicePages(t *testing.T, pages map[string]string) string {
	t.Helper()
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		body, ok := pages[r.URL.Query().Get("offset")]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error_code":"CBC.0100","error_msg":"no such page"}`))
			return
		}
		_, _ = w.Write([]byte(body))
	})
	return srv.URL
}

func TestInvoicesOddAnswers(t *testing.T) {
	from, to := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	one := `{"requestId":"R-1","invoiceState":8,"invoiceAmount":12.5,"applyTime":"yesterday","invoiceNo":"N-1"}`
	tests := []struct {
		name    string
		pages   map[string]string
		want    error  // nil: the listing works
		message string // part of the error text
	}{
		{"an odd applyTime keeps the request", map[string]string{"1": `{"count":1,"invoices":[` + one + `]}`}, nil, ""},
		{"no count on the first page", map[string]string{"1": `{"invoices":[` + one + `]}`}, ErrMalformed, "no total count"},
		{"a 2xx error body", map[string]string{"1": `{"error_code":"CBC.0999","error_msg":"system busy"}`}, ErrTransient, "(200 CBC.0999): system busy"},
		{"no count on a later page", map[string]string{"1": `{"count":101,"invoices":[` + one + `]}`, "2": `{}`}, ErrMalformed, "no total count"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clientFor(t, invoicePages(t, tt.pages), Partner, International, Options{})
			got, err := c.Invoices(context.Background(), from, to)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Invoices: %v", err)
				}
				if len(got) != 1 || got[0].RequestID != "R-1" || !got[0].Applied.IsZero() || got[0].AppliedText != "yesterday" || got[0].Amount.String() != "$12.50" {
					t.Errorf("got %+v, want R-1 with an unknown applied time kept as text", got)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("err = %v, want %v with %q", err, tt.want, tt.message)
			}
			if got != nil {
				t.Errorf("got %d requests next to the error, want none", len(got))
			}
		})
	}
}

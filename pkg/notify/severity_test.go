package notify_test

import (
	"encoding/json"
	"testing"

	"github.com/bsswatch/bsswatch/pkg/notify"
)

func TestSeverityJSON(t *testing.T) {
	for _, s := range []notify.Severity{notify.Info, notify.Warning, notify.Critical} {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := string(b), `"`+s.String()+`"`; got != want {
			t.Errorf("Marshal(%v) = %s, want %s", s, got, want)
		}
	}
	tests := []struct {
		in      string
		want    notify.Severity
		wantErr bool
	}{
		{`"critical"`, notify.Critical, false},
		{`"info"`, notify.Info, false},
		{`1`, notify.Warning, false}, // queued before severities were named
		{`"severe"`, 0, true},
		{`7`, 0, true},
		{`-1`, 0, true},
		{`null`, notify.Info, false}, // a no-op, as for every json.Unmarshaler
		{`{}`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var got notify.Severity
			err := json.Unmarshal([]byte(tt.in), &got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Unmarshal(%s) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("Unmarshal(%s) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

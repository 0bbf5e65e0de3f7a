package alert_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/notify"
)

func TestNotesReachTheDigestAndCauseNoMessage(t *testing.T) {
	v := newEnv(t)
	f := alert.Finding{Check: "coupon", Account: "a", Subject: "k-1", Tier: "expires within 7 days", Severity: notify.Warning, Title: "Coupon k-1"}
	ev := alert.Evaluation{Check: "coupon", Account: "a", Noun: "coupons", Findings: []alert.Finding{f},
		Notes: []string{"¥500.00 in 1 coupon expires within 7 days"}}
	v.run(t, ev)
	if diff := cmp.Diff(ev.Notes, one(t, v.alerts).Msg.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
	ev.Notes = []string{"¥400.00 in 1 coupon expires within 7 days"}
	v.run(t, ev)
	none(t, v.alerts)
}

package slackapp

import "testing"

// BenchmarkClick measures what a click costs before any I/O: verifying the signature and parsing
// the interaction, on a real-shaped payload.
func BenchmarkClick(b *testing.B) {
	body := formBody(b, fixture(b, "block_actions_approve.json"))
	h := Sign(testSecret, clickTime, body)
	v := Verifier{SigningSecret: testSecret, Now: fixedClock(clickTime)}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := v.Verify(h, body); err != nil {
			b.Fatal(err)
		}
		if _, err := ParseAction(body); err != nil {
			b.Fatal(err)
		}
	}
}

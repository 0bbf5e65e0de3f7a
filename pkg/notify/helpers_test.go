package notify_test

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/bsswatch/bsswatch/pkg/notify"
)

// waits records the waits a destination asks for and returns at once, so retry tests take no time.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.d = append(w.d, d)
	return ctx.Err()
}

func (w *waits) got() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.d)
}

var at = time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC)

// digest is a two-item balance message as the alert engine would build it.
func digest(kind notify.Kind) notify.Message {
	return notify.Message{
		ID:       "msg-" + string(kind),
		Kind:     kind,
		Check:    "balance",
		Account:  "partner-cn",
		Severity: notify.Critical,
		Title:    "Balance low for 2 customers",
		Summary:  "2 customers below their threshold, worst: Acme <Shanghai> at ¥120.00",
		Items: []notify.Item{
			{Fingerprint: "f2", Severity: notify.Warning, Status: "new", Title: "Beta Ltd", Text: "below warning",
				Fields: []notify.Field{{Name: "Balance", Value: "¥4,800.00"}}},
			{Fingerprint: "f1", Severity: notify.Critical, Status: "changed", Title: "Acme <Shanghai>", Text: "below critical",
				Fields: []notify.Field{{Name: "Balance", Value: "¥120.00"}, {Name: "Threshold", Value: "¥1,000.00"}}},
		},
		At: at,
	}
}

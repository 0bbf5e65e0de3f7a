package renewal

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// BenchmarkClickAck measures what Slack waits for on an Approve click: signature check, parsing, the
// approver check, the conditional write to the DynamoDB-API server, chat.update on the Slack
// stand-in and the asynchronous Lambda Invoke, all over loopback. It reports the p50 and p99.
func BenchmarkClickAck(b *testing.B) {
	e := newEnv(b, envOptions{})
	lam := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	b.Cleanup(lam.Close)
	e.svc.Dispatcher = LambdaDispatcher{Client: newLambdaClient(lam.URL), Function: "f"}
	ctx := context.Background()
	quotes := make([]Quote, b.N)
	for i := range quotes {
		id, err := NewID()
		if err != nil {
			b.Fatal(err)
		}
		q := &Quote{ID: id, Account: "acme", Items: []Item{{ID: fmt.Sprintf("bench-%d", i), Name: "ecs", Expires: anchor.Add(240 * time.Hour)}},
			Created: anchor, Deadline: anchor.Add(24 * time.Hour), State: Pending}
		if err := e.store.Create(ctx, q); err != nil {
			b.Fatal(err)
		}
		if err := e.svc.post(ctx, q); err != nil {
			b.Fatal(err)
		}
		quotes[i] = *q
	}
	bodies := make([][]byte, b.N)
	for i, q := range quotes {
		bodies[i] = e.clickBody(q, slackapp.ActionApprove, "UADA")
	}
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := range b.N {
		h := slackapp.Sign(signingSecret, e.clock.Now(), bodies[i])
		start := time.Now()
		if _, out := e.svc.HandleClick(ctx, h, bodies[i]); out != Approved {
			b.Fatalf("click %d: %s", i, out)
		}
		lat[i] = time.Since(start)
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

package alert_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/state/bolt"
)

// bigEval is a partner with 10,000 customers below their threshold.
func bigEval() alert.Evaluation {
	fs := make([]alert.Finding, 10_000)
	for i := range fs {
		sev := notify.Warning
		if i%10 == 0 {
			sev = notify.Critical
		}
		fs[i] = finding(fmt.Sprintf("customer/c-%05d/CNY", i), sev, "¥1,234.56")
		fs[i].Title = fmt.Sprintf("Example Trading Co. %05d (c-%05d)", i, i)
	}
	ev := eval(fs...)
	ev.Noun = "customers below threshold"
	return ev
}

func benchEngine(b *testing.B) *alert.Engine {
	b.Helper()
	clk := &clock{t: start}
	db, err := bolt.Open(filepath.Join(b.TempDir(), "state.db"), bolt.Options{Now: clk.Now, NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	alerts := &recorder{name: "alerts"}
	router, err := notify.NewRouter([]notify.Route{{To: []string{"alerts"}}}, nil, map[string]notify.Destination{"alerts": alerts})
	if err != nil {
		b.Fatal(err)
	}
	return &alert.Engine{Store: db, Router: router, Now: clk.Now}
}

// BenchmarkRun10k measures one Run over a group of 10,000 findings against the embedded store: the
// first run writes every chunk; the steady state finds nothing new and writes nothing.
func BenchmarkRun10k(b *testing.B) {
	ev := bigEval()
	evals := []alert.Evaluation{ev}
	b.Run("first", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			e := benchEngine(b)
			b.StartTimer()
			if _, err := e.Run(context.Background(), evals); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("steady", func(b *testing.B) {
		e := benchEngine(b)
		if _, err := e.Run(context.Background(), evals); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			rep, err := e.Run(context.Background(), evals)
			if err != nil || rep.Firing+rep.Updated+rep.Repeated != 0 {
				b.Fatalf("steady run = %+v, %v; want nothing sent", rep, err)
			}
		}
	})
}

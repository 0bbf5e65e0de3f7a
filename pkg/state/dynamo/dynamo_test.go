package dynamo_test

import (
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/state"
	"github.com/bsswatch/bsswatch/pkg/state/dynamo"
	"github.com/bsswatch/bsswatch/pkg/state/dynamo/dynamotest"
	"github.com/bsswatch/bsswatch/pkg/state/statetest"
)

func TestConformance(t *testing.T) {
	statetest.Run(t, func(t *testing.T, now func() time.Time) state.Store {
		client, table := dynamotest.Start(t)
		return dynamo.New(client, table, dynamo.Options{Now: now})
	})
}

func BenchmarkStore(b *testing.B) {
	statetest.Bench(b, func(b *testing.B) state.Store {
		client, table := dynamotest.Start(b)
		return dynamo.New(client, table, dynamo.Options{})
	})
}

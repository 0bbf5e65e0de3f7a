package renewal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/bsswatch/bsswatch/pkg/invoke"
)

// OrderEvent is the payload of the worker's asynchronous invocation:
// {"renewal_order":{"quote_id":"q..."}}.
type OrderEvent struct {
	RenewalOrder *OrderRequest `json:"renewal_order"`
}

// OrderRequest names the approved quote to order.
type OrderRequest struct {
	QuoteID string `json:"quote_id"`
}

// ParseOrderEvent reads an OrderEvent strictly (unknown fields and trailing data are errors) and
// checks the quote id's shape. It returns an error that says what is wrong.
func ParseOrderEvent(raw []byte) (OrderRequest, error) {
	var ev OrderEvent
	if err := decodeStrict(raw, &ev, "order event"); err != nil {
		return OrderRequest{}, err
	}
	if ev.RenewalOrder == nil || !ValidID(ev.RenewalOrder.QuoteID) {
		return OrderRequest{}, errors.New("renewal: order event: renewal_order.quote_id is missing or not a quote id")
	}
	return *ev.RenewalOrder, nil
}

// LambdaDispatcher dispatches an order as an asynchronous invocation of Function, normally the
// running function itself; Lambda retries a failed run (twice, per the function's EventInvokeConfig)
// before the failure destination.
type LambdaDispatcher struct {
	Client   invoke.Invoker
	Function string
}

// Dispatch queues the order of quoteID. It returns an error when Lambda does not accept the
// invocation (the quote then stays in approving, and the next scan resumes it).
func (d LambdaDispatcher) Dispatch(ctx context.Context, quoteID string) error {
	if err := invoke.Async(ctx, d.Client, d.Function, OrderEvent{RenewalOrder: &OrderRequest{QuoteID: quoteID}}); err != nil {
		return fmt.Errorf("renewal: dispatch %s: %w", quoteID, err)
	}
	return nil
}

// InProcess dispatches orders to a goroutine of the running process, for local runs and the demo,
// where there is no Lambda to queue them. Wait blocks until every dispatched order has finished.
type InProcess struct {
	// Order runs one order; Service.Order in practice.
	Order func(ctx context.Context, quoteID string) error
	// Done, when set, receives each order's quote id and result.
	Done func(quoteID string, err error)
	wg   sync.WaitGroup
}

// Dispatch starts the order of quoteID in a goroutine detached from ctx's cancellation (the click's
// context ends as soon as Slack has its answer) and returns at once; it never fails.
func (p *InProcess) Dispatch(ctx context.Context, quoteID string) error {
	ctx = context.WithoutCancel(ctx)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		err := p.Order(ctx, quoteID)
		if p.Done != nil {
			p.Done(quoteID, err)
		}
	}()
	return nil
}

// Wait blocks until every order dispatched so far has finished.
func (p *InProcess) Wait() { p.wg.Wait() }

// decodeStrict reads one JSON object into v, refusing unknown fields and trailing data; what names
// the event in the error.
func decodeStrict(raw []byte, v any, what string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("renewal: %s: %w", what, err)
	}
	if dec.More() {
		return fmt.Errorf("renewal: %s: trailing data after the JSON object", what)
	}
	return nil
}

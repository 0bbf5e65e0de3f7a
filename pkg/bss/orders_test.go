package bss_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/shopspring/decimal"
)

// renewables returns the index of a customer (other than those in except) with at least n
// renewable main resources, and n of them; the customer's balance is raised so auto-paid orders go
// through.
func (e *env) renewables(t *testing.T, n int, except ...int) (int, []string) {
	t.Helper()
	for i, c := range e.srv.Customers() {
		if slices.Contains(except, i) {
			continue
		}
		var ids []string
		for _, r := range e.srv.Resources(c.ID) {
			if r.Main && r.Status == sandbox.StatusInUse {
				if _, err := e.srv.QuoteRenewal(c.ID, []string{r.ResourceID}, int(bss.Month), 1); err == nil {
					ids = append(ids, r.ResourceID)
				}
			}
		}
		if len(ids) >= n {
			if err := e.srv.SetCustomerBalance(c.ID, decimal.NewFromInt(100_000_000)); err != nil {
				t.Fatal(err)
			}
			return i, ids[:n]
		}
	}
	t.Fatalf("no customer with %d renewable resources", n)
	return 0, nil
}

func renew(t *testing.T, c *bss.Client, ids []string, autoPay bool) string {
	t.Helper()
	res, err := c.Renew(context.Background(), bss.RenewRequest{ResourceIDs: ids, PeriodType: bss.Month, PeriodNum: 1, AutoPay: autoPay})
	if err != nil || len(res.OrderIDs) != 1 {
		t.Fatalf("Renew(%v) = %+v, %v; want one order", ids, res, err)
	}
	return res.OrderIDs[0]
}

func sandboxOrder(t *testing.T, e *env, id string) sandbox.Order {
	t.Helper()
	for _, o := range e.srv.Orders() {
		if o.ID == id {
			return o
		}
	}
	t.Fatalf("the sandbox has no order %s", id)
	return sandbox.Order{}
}

func TestRenewalOrders(t *testing.T) {
	for _, site := range []string{sandbox.SiteCN, sandbox.SiteIntl} {
		t.Run(site, func(t *testing.T) {
			e := setup(t, sandbox.Options{Site: site, Customers: 40})
			i, ids := e.renewables(t, 4)
			c := e.customer(t, i, fast())
			ctx := context.Background()
			before := e.srv.Clock().Add(-time.Minute)
			paidID := renew(t, c, ids[:2], true)
			unpaidID := renew(t, c, ids[2:3], false)
			// Another customer's order for its own resources is none of this customer's business.
			j, other := e.renewables(t, 1, i)
			renew(t, e.customer(t, j, fast()), other, true)
			paid, unpaid := sandboxOrder(t, e, paidID), sandboxOrder(t, e, unpaidID)

			t.Run("finds the order of each asked-for resource", func(t *testing.T) {
				c := e.customer(t, i, fast())
				got, err := c.RenewalOrders(ctx, []string{ids[1], ids[2], ids[3]}, before)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 2 || got[0].ID != paidID || got[1].ID != unpaidID {
					t.Fatalf("got %+v, want %s then %s", got, paidID, unpaidID)
				}
				for k, w := range []struct {
					o      sandbox.Order
					ids    []string
					status bss.OrderStatus
				}{{paid, ids[1:2], bss.OrderCompleted}, {unpaid, ids[2:3], bss.OrderPendingPayment}} {
					g := got[k]
					if !slices.Equal(g.ResourceIDs, w.ids) || g.Status != w.status || g.Paid() != w.o.Paid {
						t.Errorf("order %s: resources %v status %s paid %v, want %v %s %v", g.ID, g.ResourceIDs, g.Status, g.Paid(), w.ids, w.status, w.o.Paid)
					}
					if !g.Amount.Value.Equal(w.o.Amount) || g.Amount.Currency != w.o.Currency || !g.Created.Equal(w.o.CreatedAt) {
						t.Errorf("order %s: %s created %s, want %s %s created %s", g.ID, g.Amount, g.Created, w.o.Amount, w.o.Currency, w.o.CreatedAt)
					}
					if w.o.Paid && !g.PaidAt.Equal(w.o.PaidAt) || !w.o.Paid && !g.PaidAt.IsZero() {
						t.Errorf("order %s: paid at %s, want %s", g.ID, g.PaidAt, w.o.PaidAt)
					}
				}
				// The batch renewal is a combined order: its resources hang on its sub-orders.
				if len(paid.SubOrders) != 2 || len(got[0].SubOrderIDs) != 2 || got[0].SubOrderIDs[0] != paid.SubOrders[0].ID {
					t.Errorf("combined order %s: got sub-orders %v, want those of %+v", paidID, got[0].SubOrderIDs, paid.SubOrders)
				}
				// One listing page (this customer's 2 orders), then one resource read per order id:
				// the combined order's own and its 2 sub-orders', and the single order's.
				st := c.Stats()
				if st[bss.ListCustomerOrders].Attempts != 1 || st[bss.ListPayPerUseCustomerResources].Attempts != 4 {
					t.Errorf("calls %+v, want 1 ListCustomerOrders and 4 ListPayPerUseCustomerResources", st)
				}
			})
			t.Run("nothing created after since", func(t *testing.T) {
				got, err := c.RenewalOrders(ctx, ids, e.srv.Clock().Add(time.Minute))
				if err != nil || got == nil || len(got) != 0 {
					t.Errorf("got %v, %v; want an empty list and no error", got, err)
				}
			})
			t.Run("no order holds the resource", func(t *testing.T) {
				got, err := c.RenewalOrders(ctx, ids[3:], before)
				if err != nil || len(got) != 0 {
					t.Errorf("got %v, %v; want none", got, err)
				}
			})
		})
	}
}

// TestRenewalOrdersPages pages a listing of more than one page at the largest page size.
func TestRenewalOrdersPages(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 40})
	i, ids := e.renewables(t, 2)
	c := e.customer(t, i, fast())
	before := e.srv.Clock().Add(-time.Minute)
	n := bss.PageOrders + 1
	for range n - 1 {
		renew(t, c, ids[:1], true) // paid orders never block another renewal
	}
	last := renew(t, c, ids[1:], true)
	c = e.customer(t, i, fast())
	got, err := c.RenewalOrders(context.Background(), ids[1:], before)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != last {
		t.Errorf("got %+v, want only %s", got, last)
	}
	st := c.Stats()
	if st[bss.ListCustomerOrders].Attempts != 2 || st[bss.ListPayPerUseCustomerResources].Attempts != int64(n) {
		t.Errorf("calls %+v, want 2 pages of ListCustomerOrders and %d resource reads", st, n)
	}
}

func TestRenewalOrdersRefusals(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 5})
	c := e.customer(t, 0, fast())
	now := time.Now()
	many := make([]string, bss.BatchResourceIDs+1)
	for k := range many {
		many[k] = fmt.Sprintf("r%d", k)
	}
	tests := []struct {
		name  string
		c     *bss.Client
		ids   []string
		since time.Time
		want  error
	}{
		{"partner profile", e.partner(t, fast()), []string{"r1"}, now, bss.ErrUnsupported},
		{"no ids", c, nil, now, bss.ErrInvalid},
		{"empty id", c, []string{"r1", ""}, now, bss.ErrInvalid},
		{"id twice", c, []string{"r1", "r1"}, now, bss.ErrInvalid},
		{"too many ids", c, many, now, bss.ErrInvalid},
		{"no since", c, []string{"r1"}, time.Time{}, bss.ErrInvalid},
	}
	e.srv.ResetCalls()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.c.RenewalOrders(context.Background(), tt.ids, tt.since)
			if !errors.Is(err, tt.want) || got != nil {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	if calls := e.srv.Calls(); len(calls) != 0 {
		t.Errorf("refusals reached the sandbox: %v", calls)
	}
}

func TestRenewalOrdersRetriesAndFails(t *testing.T) {
	e := setup(t, sandbox.Options{Site: sandbox.SiteCN, Customers: 20})
	i, ids := e.renewables(t, 1)
	before := e.srv.Clock().Add(-time.Minute)
	id := renew(t, e.customer(t, i, fast()), ids, true)

	t.Run("5xx and 429 are retried", func(t *testing.T) {
		c := e.customer(t, i, fast())
		e.srv.FailNext("ListCustomerOrders", 1, 503, "")
		e.srv.FailNext("ListPayPerUseCustomerResources", 1, 429, "CBC.0250")
		got, err := c.RenewalOrders(context.Background(), ids, before)
		if err != nil || len(got) != 1 || got[0].ID != id {
			t.Fatalf("got %+v, %v; want order %s", got, err, id)
		}
		st := c.Stats()
		if st[bss.ListCustomerOrders].Retries != 1 || st[bss.ListPayPerUseCustomerResources].Retries != 1 {
			t.Errorf("stats %+v, want one retry of each", st)
		}
	})
	t.Run("a failed resource read fails the whole lookup", func(t *testing.T) {
		c := e.customer(t, i, fast())
		e.srv.FailNext("ListPayPerUseCustomerResources", 1, 403, "CBC.0151")
		got, err := c.RenewalOrders(context.Background(), ids, before)
		var be *bss.Error
		if !errors.As(err, &be) || be.Kind != bss.Forbidden || be.Op != string(bss.ListPayPerUseCustomerResources) || got != nil {
			t.Errorf("got %v, %v; want a forbidden error from the resource read and no orders", got, err)
		}
	})
}

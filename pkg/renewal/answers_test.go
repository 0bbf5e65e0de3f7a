package renewal

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// TestScanMeetsBadAnswers runs a scan against answers that only look like success: each time the
// account is reported, and nothing is quoted, held, posted or ordered.
func TestScanMeetsBadAnswers(t *testing.T) {
	// The first batch the scan quotes: the customer's first (at most) ten eligible resources.
	firstBatch := func(e *env) []string { return e.eligible[:min(bss.BatchRenew, len(e.eligible))] }
	priced := func(ids []string, amount string) string {
		var parts []string
		for _, id := range ids {
			parts = append(parts, fmt.Sprintf(`{"resource_id":%q,"amount":%q}`, id, amount))
		}
		return `{"renew_inquiry_results":[` + strings.Join(parts, ",") + `]}`
	}
	tests := []struct {
		name  string
		fault func(e *env) sandbox.Fault
		text  string
	}{
		{"renew-rate 200 {}", func(*env) sandbox.Fault { return sandbox.Fault{API: "ListRenewRateOnPeriod", Body: "{}"} }, "neither priced nor refused"},
		{"renew-rate 200 with an error body", func(*env) sandbox.Fault {
			return sandbox.Fault{API: "ListRenewRateOnPeriod", Status: 200, Code: "CBC.30050008", Message: "period unavailable"}
		}, "invalid (200 CBC.30050008): period unavailable"},
		{"renew-rate pricing one resource only", func(e *env) sandbox.Fault {
			return sandbox.Fault{API: "ListRenewRateOnPeriod", Body: priced(firstBatch(e)[:1], "12.00")}
		}, "neither priced nor refused"},
		{"renew-rate at zero", func(e *env) sandbox.Fault {
			return sandbox.Fault{API: "ListRenewRateOnPeriod", Body: priced(firstBatch(e), "0.00")}
		}, "priced at 0"},
		{"renew-rate forbidden", func(*env) sandbox.Fault {
			return sandbox.Fault{API: "ListRenewRateOnPeriod", Status: 403, Code: "CBC.0155", Message: "Request not allowed."}
		}, "forbidden (403 CBC.0155): the account or IAM user lacks permission for ListRenewRateOnPeriod"},
		{"resource list without total", func(*env) sandbox.Fault {
			return sandbox.Fault{API: "ListPayPerUseCustomerResources", Body: `{"data":[]}`}
		}, "no total"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			if err := e.sb.AddFault(tt.fault(e)); err != nil {
				t.Fatal(err)
			}
			reps, err := e.svc.Scan(context.Background())
			if err != nil {
				t.Fatalf("Scan: %v (a BSS failure is no store failure)", err)
			}
			if len(reps) != 1 || !strings.Contains(reps[0].Err, tt.text) || len(reps[0].Quoted) != 0 {
				t.Fatalf("reports %+v, want the account reported with %q and nothing quoted", reps, tt.text)
			}
			holds, err := e.store.Holds(context.Background(), "acme")
			if err != nil || len(holds) != 0 {
				t.Errorf("holds %v (%v), want none", holds, err)
			}
			quotes, summaries := e.quoteMessages()
			if len(quotes) != 0 {
				t.Errorf("%d quote messages posted, want none", len(quotes))
			}
			for _, m := range summaries {
				if !strings.Contains(m.Text, "0 quoted (0 quotes) in 0 messages; 1 accounts not scanned") {
					t.Errorf("summary %q, want it to say nothing was quoted and the account was not scanned", m.Text)
				}
			}
			if n := len(e.sb.Orders()); n != 0 {
				t.Errorf("%d orders, want none", n)
			}
		})
	}
}

// TestWorkerNeverOrdersOnAnIncompleteRequote approves a quote whose re-quote comes back incomplete:
// the worker leaves it approving (a retry can help) and orders nothing until a full re-quote.
func TestWorkerNeverOrdersOnAnIncompleteRequote(t *testing.T) {
	for _, tt := range []struct {
		name  string
		fault func(ids []string) sandbox.Fault
	}{
		{"200 {}", func([]string) sandbox.Fault { return sandbox.Fault{API: "ListRenewRateOnPeriod", Body: "{}"} }},
		{"one resource priced", func(ids []string) sandbox.Fault {
			return sandbox.Fault{API: "ListRenewRateOnPeriod", Body: fmt.Sprintf(`{"renew_inquiry_results":[{"resource_id":%q,"amount":"1.00"}]}`, ids[0])}
		}},
		{"no amount", func(ids []string) sandbox.Fault {
			var parts []string
			for _, id := range ids {
				parts = append(parts, fmt.Sprintf(`{"resource_id":%q}`, id))
			}
			return sandbox.Fault{API: "ListRenewRateOnPeriod", Body: `{"renew_inquiry_results":[` + strings.Join(parts, ",") + `]}`}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{autoPay: true})
			q := e.scanOne()
			if err := e.sb.AddFault(tt.fault(q.ResourceIDs())); err != nil {
				t.Fatal(err)
			}
			var werr error
			e.inproc.Done = func(_ string, err error) { werr = err }
			if _, out := e.click(q, slackapp.ActionApprove, "UADA"); out != Approved {
				t.Fatalf("click: %s", out)
			}
			e.inproc.Wait()
			if bss.KindOf(werr) != bss.Malformed {
				t.Errorf("worker: %v, want a malformed re-quote returned for a retry", werr)
			}
			if got := e.get(q.ID); got.State != Approving || len(e.sb.Orders()) != 0 {
				t.Fatalf("quote %s with %d orders, want approving and none", got.State, len(e.sb.Orders()))
			}
			// Once BSS answers in full, the retry orders, once.
			e.sb.ClearFaults()
			if err := e.svc.Order(context.Background(), q.ID); err != nil {
				t.Fatal(err)
			}
			if got := e.get(q.ID); got.State != Renewed || len(e.sb.Orders()) != 1 {
				t.Errorf("quote %s with %d orders, want renewed with one", got.State, len(e.sb.Orders()))
			}
		})
	}
}

// TestAutoPayFailure meets CBC.30050006: the worker looks the orders up, records an unpaid order it
// finds (to be paid in the console), fails the quote when there is none, and never orders twice.
func TestAutoPayFailure(t *testing.T) {
	for _, leaves := range []bool{true, false} {
		t.Run(map[bool]string{true: "unpaid order left", false: "no order left"}[leaves], func(t *testing.T) {
			e := newEnv(t, envOptions{autoPay: true})
			q := e.scanOne()
			e.sb.AutoPayFailureLeavesOrder(leaves)
			if err := e.sb.SetCustomerBalance(e.customer.CustomerID, decimal.Zero); err != nil {
				t.Fatal(err)
			}
			if _, out := e.click(q, slackapp.ActionApprove, "UADA"); out != Approved {
				t.Fatalf("click: %s", out)
			}
			e.inproc.Wait()
			got := e.get(q.ID)
			orders := e.ordersOf(e.customer.CustomerID)
			if n := e.sb.Calls()["RenewalResources"]; n != 1 {
				t.Errorf("RenewalResources called %d times, want 1", n)
			}
			if !leaves {
				if got.State != Failed || !strings.Contains(got.Reason, "CBC.30050006") || len(orders) != 0 {
					t.Errorf("quote %s (%q) with %d orders, want failed naming CBC.30050006 and none", got.State, got.Reason, len(orders))
				}
				return
			}
			if len(orders) != 1 || orders[0].Paid {
				t.Fatalf("sandbox orders %+v, want one unpaid", orders)
			}
			want := "ordered, not paid: pay order " + orders[0].ID + " in the console"
			if got.State != Renewed || !slices.Equal(got.OrderIDs, []string{orders[0].ID}) || !strings.Contains(got.Note, want) {
				t.Errorf("quote %s orders %v note %q, want renewed with %s noting %q", got.State, got.OrderIDs, got.Note, orders[0].ID, want)
			}
			if text := e.messageText(got); !strings.Contains(text, want) {
				t.Errorf("message lacks %q:\n%s", want, text)
			}
		})
	}
}

// TestScanQuotesLapsedResourcesFirst quotes resources past their expiry but not deleted, ahead of
// the rest, flagged in the message, with a deadline their past expiry does not cut short.
func TestScanQuotesLapsedResourcesFirst(t *testing.T) {
	e := newEnv(t, envOptions{autoPay: true, minLapsed: 1, minEligible: 2})
	var lapsed []string
	for _, r := range e.sb.Renewable(e.customer.CustomerID, anchor, 30*24*time.Hour) {
		if r.Status != sandbox.StatusInUse || !r.ExpireTime.After(anchor) {
			lapsed = append(lapsed, r.ResourceID)
		}
	}
	reps, err := e.svc.Scan(context.Background())
	if err != nil || reps[0].Err != "" || len(reps[0].Quoted) == 0 {
		t.Fatalf("Scan: %+v, %v", reps, err)
	}
	if reps[0].Lapsed != len(lapsed) {
		t.Errorf("report counts %d lapsed, want %d", reps[0].Lapsed, len(lapsed))
	}
	q := e.get(reps[0].Quoted[0])
	for i, it := range q.Items {
		if want := i < len(lapsed); it.Lapsed != want || want && it.ID != lapsed[i] {
			t.Errorf("item %d %s lapsed=%v, want the %d lapsed resources %v first", i, it.ID, it.Lapsed, len(lapsed), lapsed)
		}
	}
	if !q.Deadline.After(anchor) || !q.Deadline.Equal(Deadline(anchor, 72*time.Hour, q.Items)) {
		t.Errorf("deadline %s, want one after the scan", q.Deadline)
	}
	if text := e.messageText(q); !strings.Contains(text, "lapsed — renew before deletion") {
		t.Errorf("message does not flag the lapsed resource:\n%s", text)
	}
	before := map[string]time.Time{}
	for _, r := range e.sb.Resources(e.customer.CustomerID) {
		before[r.ResourceID] = r.ExpireTime
	}
	if _, out := e.click(q, slackapp.ActionApprove, "UADA"); out != Approved {
		t.Fatalf("click: %s", out)
	}
	e.inproc.Wait()
	if got := e.get(q.ID); got.State != Renewed {
		t.Fatalf("quote %s (%s), want renewed", got.State, got.Reason)
	}
	for _, r := range e.sb.Resources(e.customer.CustomerID) {
		if r.ResourceID == lapsed[0] && !r.ExpireTime.Equal(before[r.ResourceID].AddDate(0, 1, 0)) {
			t.Errorf("lapsed resource expires %s, want a month after %s", r.ExpireTime, before[r.ResourceID])
		}
	}
}

package renewal

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
	"github.com/bsswatch/bsswatch/pkg/notify/slacklocal"
)

// plan splits every sandbox customer into work items, as the scheduled scan does.
func (e *env) plan(customers int) []WorkItem {
	e.t.Helper()
	e.everyCustomer()
	e.svc.Concurrency = 1 // a fault strikes the first account's calls, and only those
	items, reports := e.svc.Plan(context.Background(), ScanID("2026-11-21T12:00:00Z"))
	if len(reports) != 0 {
		e.t.Fatalf("plan reports %+v", reports)
	}
	if want := (customers + AccountsPerItem - 1) / AccountsPerItem; len(items) != want {
		e.t.Fatalf("%d items for %d customers, want %d", len(items), customers, want)
	}
	return items
}

// listings is how many resource listings the partner has made since the last call.
func (e *env) listings() int {
	n := e.sb.Calls()["ListPayPerUseCustomerResources"]
	e.sb.ResetCalls()
	return n
}

// TestWorkItemRetryCarriesOnWhereItFailed fails one account's listing (BSS unavailable through every
// client retry): the item asks to be retried, and the retry lists only that account. The summary
// comes once, when the last item finishes, and a duplicate delivery of a finished item does nothing.
func TestWorkItemRetryCarriesOnWhereItFailed(t *testing.T) {
	e := newEnv(t, envOptions{customers: 120})
	items := e.plan(120)
	ctx := context.Background()
	e.listings()
	if err := e.sb.AddFault(sandbox.Fault{API: "ListPayPerUseCustomerResources", Count: 5, Status: 503, Code: "CBC.0999"}); err != nil {
		t.Fatal(err)
	}
	reps, err := e.svc.ScanItem(ctx, items[0], false)
	if err == nil {
		t.Fatal("ScanItem with an account BSS did not answer: no error, so the queue would not retry it")
	}
	if len(reps) != len(items[0].Accounts)-1 {
		t.Errorf("%d reports, want %d (every account but the failed one)", len(reps), len(items[0].Accounts)-1)
	}
	if n := e.listings(); n != len(items[0].Accounts)+4 {
		t.Errorf("first attempt: %d listings, want %d (one per account, four client retries)", n, len(items[0].Accounts)+4)
	}
	reps, err = e.svc.ScanItem(ctx, items[0], false)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := e.listings(); n != 1 || len(reps) != 1 || reps[0].Account != items[0].Accounts[0] {
		t.Errorf("retry: %d listings, reports %+v; want one, of %s", n, reps, items[0].Accounts[0])
	}
	if _, summaries := e.quoteMessages(); len(summaries) != 0 {
		t.Fatalf("summary before the scan's other items ran: %v", summaries[0].Text)
	}
	for _, it := range items[1:] {
		if _, err := e.svc.ScanItem(ctx, it, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.ScanItem(ctx, items[0], false); err != nil {
		t.Fatal(err)
	}
	if n, want := e.listings(), 120-len(items[0].Accounts); n != want {
		t.Errorf("%d listings after the first item, want %d: every other customer once, none again", n, want)
	}
	_, summaries := e.quoteMessages()
	if len(summaries) != 1 || strings.Contains(summaries[0].Text, "not scanned") {
		t.Fatalf("summaries %v, want one with every account scanned", texts(summaries))
	}
}

// TestWorkItemFinalAttemptRecordsTheFailure: on the queue's last attempt an account that still fails
// is recorded as not scanned, so the scan ends and its summary says so.
func TestWorkItemFinalAttemptRecordsTheFailure(t *testing.T) {
	e := newEnv(t, envOptions{customers: 60})
	items := e.plan(60)
	ctx := context.Background()
	if err := e.sb.AddFault(sandbox.Fault{API: "ListPayPerUseCustomerResources", Count: 5, Status: 503, Code: "CBC.0999"}); err != nil {
		t.Fatal(err)
	}
	reps, err := e.svc.ScanItem(ctx, items[0], true)
	if err != nil {
		t.Fatalf("final attempt: %v", err)
	}
	if len(reps) != len(items[0].Accounts) || reps[0].Err == "" {
		t.Fatalf("final attempt reports %d accounts, first %+v; want all, the first failed", len(reps), reps[0])
	}
	if _, err := e.svc.ScanItem(ctx, items[1], false); err != nil {
		t.Fatal(err)
	}
	_, summaries := e.quoteMessages()
	if len(summaries) != 1 || !strings.Contains(summaries[0].Text, "1 accounts not scanned") {
		t.Fatalf("summaries %v, want one saying 1 account was not scanned", texts(summaries))
	}
}

// TestConcurrentLastItemsPostOneSummary delivers the scan's last item three times at once (a queue
// delivers at least once): the scan has one summary.
func TestConcurrentLastItemsPostOneSummary(t *testing.T) {
	e := newEnv(t, envOptions{customers: 60})
	items := e.plan(60)
	e.svc.Concurrency = 4
	ctx := context.Background()
	if _, err := e.svc.ScanItem(ctx, items[0], false); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if _, err := e.svc.ScanItem(ctx, items[1], false); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if _, summaries := e.quoteMessages(); len(summaries) != 1 {
		t.Fatalf("%d summaries, want 1: %v", len(summaries), texts(summaries))
	}
}

func TestParseWorkItemRefusesWhatIsNotOne(t *testing.T) {
	good := `{"renewal_scan":{"scan":"s1","index":0,"of":2,"accounts":["partner:c1"]}}`
	if it, err := ParseWorkItem([]byte(good)); err != nil || it.Of != 2 || it.Accounts[0] != "partner:c1" {
		t.Fatalf("ParseWorkItem(good) = %+v, %v", it, err)
	}
	for name, body := range map[string]string{
		"not json":      `renewal`,
		"no item":       `{}`,
		"unknown field": `{"renewal_scan":{"scan":"s1","index":0,"of":1,"accounts":["a"],"x":1}}`,
		"trailing":      good + `{}`,
		"bad scan id":   `{"renewal_scan":{"scan":"a/b","index":0,"of":1,"accounts":["a"]}}`,
		"index past of": `{"renewal_scan":{"scan":"s1","index":2,"of":2,"accounts":["a"]}}`,
		"no accounts":   `{"renewal_scan":{"scan":"s1","index":0,"of":1,"accounts":[]}}`,
	} {
		if _, err := ParseWorkItem([]byte(body)); err == nil || !strings.HasPrefix(err.Error(), "renewal: work item") {
			t.Errorf("%s: error %v, want one that names the work item", name, err)
		}
	}
}

func texts(ms []slacklocal.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text
	}
	return out
}

// TestNextScanPostsAQuoteWhosePostFailed: Slack refuses the quote's message; the quote stands without
// one, and the next scan posts it (and quotes nothing twice).
func TestNextScanPostsAQuoteWhosePostFailed(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.slack.FailNext(1, "chat.postMessage", "fatal_error")
	reps, err := e.svc.Scan(context.Background())
	if err != nil || len(reps) != 1 || len(reps[0].Quoted) != 1 || reps[0].Messages != 0 {
		t.Fatalf("first scan: %+v, %v; want one quote and no message", reps, err)
	}
	if q := e.get(reps[0].Quoted[0]); !q.Message.IsZero() {
		t.Fatalf("quote has message %v after the post failed", q.Message)
	}
	reps, err = e.svc.Scan(context.Background())
	if err != nil || len(reps) != 1 || len(reps[0].Quoted) != 0 || reps[0].Messages != 1 {
		t.Fatalf("second scan: %+v, %v; want the quote posted and nothing quoted", reps, err)
	}
	if quotes, _ := e.quoteMessages(); len(quotes) != 1 {
		t.Errorf("%d quote messages, want 1", len(quotes))
	}
}

// TestWorkItemOutOfTimeLeavesTheRestToTheRetry: an invocation whose deadline is nearer than
// ItemMargin scans nothing more, asks for a retry, and the retry does the work.
func TestWorkItemOutOfTimeLeavesTheRestToTheRetry(t *testing.T) {
	e := newEnv(t, envOptions{customers: 60})
	items := e.plan(60)
	e.listings()
	ctx, cancel := context.WithTimeout(context.Background(), ItemMargin/2)
	defer cancel()
	if _, err := e.svc.ScanItem(ctx, items[0], false); err == nil {
		t.Fatal("ScanItem out of time: no error, so the queue would not deliver the item again")
	}
	if n := e.listings(); n != 0 {
		t.Errorf("%d listings with no time left, want 0", n)
	}
	reps, err := e.svc.ScanItem(context.Background(), items[0], false)
	if err != nil || len(reps) != len(items[0].Accounts) {
		t.Fatalf("retry: %d reports, %v; want every account", len(reps), err)
	}
}

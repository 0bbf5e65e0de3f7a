package renewal

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/bsswatch/bsswatch/pkg/slackapp"
)

// lambdaAPI serves the Lambda Invoke API for one function: an Event invocation is answered 202 and
// its payload handed to run in the background, as Lambda's queue would.
type lambdaAPI struct {
	t        *testing.T
	function string
	run      func(payload []byte)
	wg       sync.WaitGroup
	mu       sync.Mutex
	calls    int
}

func (l *lambdaAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	want := "/2015-03-31/functions/" + l.function + "/invocations"
	if r.Method != http.MethodPost || r.URL.Path != want {
		http.Error(w, `{"Type":"User","message":"Function not found"}`, http.StatusNotFound)
		return
	}
	if got := r.Header.Get("X-Amz-Invocation-Type"); got != "Event" {
		http.Error(w, `{"message":"want an Event invocation, got `+got+`"}`, http.StatusBadRequest)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		http.Error(w, `{"message":"unsigned"}`, http.StatusForbidden)
		return
	}
	body, _ := io.ReadAll(r.Body)
	l.mu.Lock()
	l.calls++
	l.mu.Unlock()
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		l.run(body)
	}()
	w.WriteHeader(http.StatusAccepted)
}

func newLambdaClient(url string) *lambda.Client {
	return lambda.New(lambda.Options{
		Region:       "ap-southeast-1",
		BaseEndpoint: aws.String(url),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local", Source: "test"}, nil
		}),
	})
}

func TestLambdaDispatchRunsTheWorker(t *testing.T) {
	e := newEnv(t, envOptions{autoPay: true})
	api := &lambdaAPI{t: t, function: "bsswatch-renewal-quote"}
	api.run = func(payload []byte) {
		req, err := ParseOrderEvent(payload)
		if err != nil {
			t.Errorf("worker event %s: %v", payload, err)
			return
		}
		if err := e.svc.Order(context.Background(), req.QuoteID); err != nil {
			t.Errorf("worker: %v", err)
		}
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	e.svc.Dispatcher = LambdaDispatcher{Client: newLambdaClient(srv.URL), Function: api.function}

	q := e.scanOne()
	if _, out := e.click(q, slackapp.ActionApprove, "UADA"); out != Approved {
		t.Fatalf("click: %s", out)
	}
	api.wg.Wait()
	if api.calls != 1 {
		t.Errorf("%d invocations, want 1", api.calls)
	}
	if got := e.get(q.ID); got.State != Renewed || len(e.sb.Orders()) != 1 {
		t.Errorf("quote %s, %d orders; want renewed once", got.State, len(e.sb.Orders()))
	}
}

func TestLambdaDispatchFailureLeavesApprovingForTheScan(t *testing.T) {
	e := newEnv(t, envOptions{autoPay: true})
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	e.svc.Dispatcher = LambdaDispatcher{Client: newLambdaClient(srv.URL), Function: "gone"}
	q := e.scanOne()
	if _, out := e.click(q, slackapp.ActionApprove, "UADA"); out != Approved {
		t.Fatalf("click: %s", out)
	}
	if got := e.get(q.ID); got.State != Approving {
		t.Fatalf("quote %s, want approving", got.State)
	}
	e.clock.Advance(DefaultStaleAfter)
	reps, err := e.svc.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(reps[0].Resumed) != 1 || e.get(q.ID).State != Renewed || len(e.sb.Orders()) != 1 {
		t.Errorf("scan resumed %v; quote %s, %d orders; want the stuck quote renewed once", reps[0].Resumed, e.get(q.ID).State, len(e.sb.Orders()))
	}
}

func TestParseOrderEvent(t *testing.T) {
	id, _ := NewID()
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"valid", `{"renewal_order":{"quote_id":"` + id + `"}}`, true},
		{"unknown field", `{"renewal_order":{"quote_id":"` + id + `","x":1}}`, false},
		{"no order", `{}`, false},
		{"bad id", `{"renewal_order":{"quote_id":"../x"}}`, false},
		{"trailing", `{"renewal_order":{"quote_id":"` + id + `"}} {}`, false},
		{"not json", `renewal`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOrderEvent([]byte(tt.in))
			if (err == nil) != tt.ok || tt.ok && got.QuoteID != id {
				t.Errorf("ParseOrderEvent = %+v, %v; want ok=%v", got, err, tt.ok)
			}
		})
	}
}

// FuzzParseOrderEvent: any input either parses to a well-formed quote id or is refused; nothing
// panics, and an accepted id is one the store would accept.
func FuzzParseOrderEvent(f *testing.F) {
	id, _ := NewID()
	for _, s := range []string{`{"renewal_order":{"quote_id":"` + id + `"}}`, `{}`, `null`, `{"renewal_order":null}`,
		`{"renewal_order":{"quote_id":"` + id + `"}}x`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := ParseOrderEvent(b)
		if err == nil && !ValidID(req.QuoteID) {
			t.Fatalf("accepted %q with quote id %q", b, req.QuoteID)
		}
	})
}

// Package runtimeapi is a local Lambda Runtime API: it serves the endpoints a provided.al2023 bootstrap
// polls (/2018-06-01/runtime/invocation/next, .../response, .../error, /runtime/init/error), so tests
// and local runs can drive the real built artifact with the same event JSON that AWS sends.
//
// See https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html.
package runtimeapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Result is what the function answered to one invocation.
type Result struct {
	RequestID string
	// Payload is the response body when the function succeeded.
	Payload []byte
	// Error is set when the function reported an error for this invocation.
	Error *ErrorPayload
}

// ErrorPayload is the error document a runtime posts to .../error or /runtime/init/error.
type ErrorPayload struct {
	Message string   `json:"errorMessage"`
	Type    string   `json:"errorType"`
	Trace   []string `json:"stackTrace,omitempty"`
}

type invocation struct {
	id      string
	event   []byte
	timeout time.Duration
	done    chan Result
}

// Server is a running Runtime API on loopback.
type Server struct {
	// FunctionARN is sent as Lambda-Runtime-Invoked-Function-Arn.
	FunctionARN string

	srv     *http.Server
	ln      net.Listener
	queue   chan *invocation
	mu      sync.Mutex
	pending map[string]*invocation
	initErr chan ErrorPayload
	seq     atomic.Int64
	closed  chan struct{}
}

// Start listens on a free loopback port and serves until Close.
func Start() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: listen: %w", err)
	}
	s := &Server{
		FunctionARN: "arn:aws:lambda:ap-southeast-1:000000000000:function:local",
		ln:          ln,
		queue:       make(chan *invocation),
		pending:     map[string]*invocation{},
		initErr:     make(chan ErrorPayload, 1),
		closed:      make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", s.next)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", s.response)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", s.error)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", s.initError)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed after Close.
	return s, nil
}

// Addr is the value for AWS_LAMBDA_RUNTIME_API.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server; a bootstrap blocked in /next sees its connection end.
func (s *Server) Close() error {
	select {
	case <-s.closed:
		return nil
	default:
		close(s.closed)
	}
	return s.srv.Close()
}

// ErrInit is returned by Invoke when the runtime reported an initialisation error instead of polling.
var ErrInit = errors.New("runtimeapi: function failed to initialise")

// Invoke hands event to the next /next poll and waits for the function's answer. timeout is the
// function's deadline, sent as Lambda-Runtime-Deadline-Ms. It returns ErrInit (wrapped, with the
// message) if the runtime reported an init error, or ctx's error if ctx ends first.
func (s *Server) Invoke(ctx context.Context, event []byte, timeout time.Duration) (Result, error) {
	inv := &invocation{
		id:      fmt.Sprintf("req-%06d", s.seq.Add(1)),
		event:   event,
		timeout: timeout,
		done:    make(chan Result, 1),
	}
	s.mu.Lock()
	s.pending[inv.id] = inv
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.pending, inv.id)
		s.mu.Unlock()
	}()
	select {
	case s.queue <- inv:
	case e := <-s.initErr:
		return Result{}, fmt.Errorf("%w: %s: %s", ErrInit, e.Type, e.Message)
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	select {
	case r := <-inv.done:
		return r, nil
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	select {
	case inv := <-s.queue:
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(inv.timeout).UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", s.FunctionARN)
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
		h.Set("Content-Type", "application/json")
		w.Write(inv.event) //nolint:errcheck // the runtime notices a broken connection itself.
	case <-r.Context().Done():
	case <-s.closed:
	}
}

func (s *Server) finish(w http.ResponseWriter, r *http.Request, res func(body []byte) Result) {
	id := r.PathValue("id")
	body, err := io.ReadAll(io.LimitReader(r.Body, 6<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	inv, ok := s.pending[id]
	s.mu.Unlock()
	if !ok {
		http.Error(w, `{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}`, http.StatusBadRequest)
		return
	}
	result := res(body)
	result.RequestID = id
	inv.done <- result
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) response(w http.ResponseWriter, r *http.Request) {
	s.finish(w, r, func(body []byte) Result { return Result{Payload: body} })
}

func (s *Server) error(w http.ResponseWriter, r *http.Request) {
	s.finish(w, r, func(body []byte) Result {
		var e ErrorPayload
		if err := json.Unmarshal(body, &e); err != nil {
			e = ErrorPayload{Message: strings.TrimSpace(string(body)), Type: "Unparsable"}
		}
		return Result{Error: &e}
	})
}

func (s *Server) initError(w http.ResponseWriter, r *http.Request) {
	var e ErrorPayload
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, &e); err != nil {
		e = ErrorPayload{Message: strings.TrimSpace(string(body)), Type: "Unparsable"}
	}
	select {
	case s.initErr <- e:
	default:
	}
	w.WriteHeader(http.StatusAccepted)
}

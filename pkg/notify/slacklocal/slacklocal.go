// Package slacklocal is a Slack Web API stand-in on loopback for tests and the local demo. It is
// slack-go's slacktest server with the parts alert delivery needs added: chat.update (which slacktest
// lacks), chat.postMessage answering a unique ts per message (slacktest answers whole seconds, so two
// posts in one second collide and an update would hit the wrong message), incoming webhooks, a record
// of every message posted, edited or replied in a thread, and injected failures.
package slacklocal

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slacktest"
)

// Message is one message as the channel shows it now: edits replace Text and Blocks in place.
type Message struct {
	Channel string
	TS      string
	// ThreadTS is the parent's ts for a reply in a thread, empty for a top-level message.
	ThreadTS string
	Text     string
	Blocks   slack.Blocks
	// Edits counts the chat.update calls applied to the message.
	Edits int
}

// Event is one accepted call that changed a channel, in arrival order.
type Event struct {
	// Method is "chat.postMessage", "chat.update" or "webhook".
	Method  string
	Message Message
}

// WebhookChannel is the channel that messages posted through the incoming webhook land in.
const WebhookChannel = "CWEBHOOK"

// webhookStatus is the HTTP status Slack's incoming webhooks answer with each error code.
var webhookStatus = map[string]int{
	"invalid_payload": http.StatusBadRequest, "no_text": http.StatusBadRequest,
	"invalid_token": http.StatusForbidden, "no_service": http.StatusNotFound,
	"channel_is_archived": http.StatusGone,
}

// webhookPath is the path part of WebhookURL; like Slack's, it carries the webhook's secret.
const webhookPath = "/services/T0LOCAL/B0LOCAL/local-webhook-secret"

// Server is a running Slack stand-in. Its methods are safe for concurrent use.
type Server struct {
	ts      *slacktest.Server
	token   string
	now     func() time.Time
	binders []slacktest.Binder

	mu       sync.Mutex
	lastTS   int64 // microseconds of the last ts handed out
	messages []*Message
	events   []Event
	faults   []fault
}

type fault struct {
	method     string // "" matches every method
	slackError string // answered as {"ok":false,"error":...}
	retryAfter int    // seconds; > 0 answers HTTP 429
}

// Option configures a Server.
type Option func(*Server)

// WithToken makes the server accept only this bot token and answer invalid_auth to any other, as Slack
// does. Without it every token is accepted.
func WithToken(token string) Option { return func(s *Server) { s.token = token } }

// WithClock sets the clock that message timestamps are derived from.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithBinders adds or replaces Web API methods; a binder's handler takes precedence over the built-in
// one for the same path.
func WithBinders(b ...slacktest.Binder) Option {
	return func(s *Server) { s.binders = append(s.binders, b...) }
}

// New starts a server on a loopback port. Stop it with Close.
func New(opts ...Option) *Server {
	s := &Server{now: time.Now}
	for _, o := range opts {
		o(s)
	}
	own := func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", s.handlePost)
		c.Handle("/chat.update", s.handleUpdate)
		c.Handle(webhookPath, s.handleWebhook)
	}
	s.ts = slacktest.NewTestServer(append(s.binders, own)...)
	s.ts.Start()
	return s
}

// APIURL is the Web API base URL to give slack.OptionAPIURL.
func (s *Server) APIURL() string { return s.ts.GetAPIURL() }

// WebhookURL is an incoming-webhook URL served by this server; its messages land in WebhookChannel.
func (s *Server) WebhookURL() string { return "http://" + s.ts.ServerAddr + webhookPath }

// Close stops the server.
func (s *Server) Close() { s.ts.Stop() }

// FailNext makes the next n calls of method ("" for any) answer Slack error code slackError (for
// example "channel_not_found") without changing anything. Method is a Web API method or "webhook";
// the webhook answers the code as text with Slack's status for it (no_service 404,
// channel_is_archived 410, invalid_token 403, anything else 400).
func (s *Server) FailNext(n int, method, slackError string) {
	s.addFaults(n, fault{method: method, slackError: slackError})
}

// RateLimitNext makes the next n calls of method ("" for any) answer HTTP 429 with Retry-After in
// whole seconds, as Slack does, without changing anything.
func (s *Server) RateLimitNext(n int, method string, retryAfter int) {
	s.addFaults(n, fault{method: method, retryAfter: retryAfter})
}

func (s *Server) addFaults(n int, f fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// Messages returns the top-level messages of channel ("" for all channels) as they look now, oldest
// first.
func (s *Server) Messages(channel string) []Message {
	return s.collect(func(m *Message) bool {
		return m.ThreadTS == "" && (channel == "" || m.Channel == channel)
	})
}

// Replies returns the thread replies to the message ts in channel, oldest first.
func (s *Server) Replies(channel, ts string) []Message {
	return s.collect(func(m *Message) bool { return m.Channel == channel && m.ThreadTS == ts })
}

// Message returns the message ts in channel as it looks now; ok is false if there is none.
func (s *Server) Message(channel, ts string) (m Message, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.find(channel, ts); p != nil {
		return *p, true
	}
	return Message{}, false
}

// Events returns every accepted call that changed a channel, in arrival order.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events)
}

func (s *Server) collect(keep func(*Message) bool) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Message
	for _, m := range s.messages {
		if keep(m) {
			out = append(out, *m)
		}
	}
	return out
}

func (s *Server) find(channel, ts string) *Message {
	for _, m := range s.messages {
		if m.Channel == channel && m.TS == ts {
			return m
		}
	}
	return nil
}

// nextTS returns a ts in Slack's "seconds.micros" form that is unique and increasing within the server,
// even for many posts in the same microsecond.
func (s *Server) nextTS() string {
	us := s.now().UnixMicro()
	if us <= s.lastTS {
		us = s.lastTS + 1
	}
	s.lastTS = us
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}

// takeFault answers the first pending fault for method, if any, and reports whether it did.
func (s *Server) takeFault(w http.ResponseWriter, method string) bool {
	i := slices.IndexFunc(s.faults, func(f fault) bool { return f.method == "" || f.method == method })
	if i < 0 {
		return false
	}
	f := s.faults[i]
	s.faults = slices.Delete(s.faults, i, i+1)
	if f.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.retryAfter))
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	}
	if method == "webhook" {
		// Incoming webhooks answer errors as an HTTP status with the code as plain text.
		status, ok := webhookStatus[f.slackError]
		if !ok {
			status = http.StatusBadRequest
		}
		http.Error(w, f.slackError, status)
		return true
	}
	writeJSON(w, map[string]any{"ok": false, "error": f.slackError})
	return true
}

// authorize answers invalid_auth, as Slack does, when the server wants a token and the request's
// differs. slack-go sends the token as a form field or, for JSON bodies, a bearer header.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) bool {
	if s.token == "" {
		return true
	}
	got := r.FormValue("token")
	if got == "" {
		got, _ = strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	}
	if got == s.token {
		return true
	}
	writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
	return false
}

func (s *Server) handlePost(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.takeFault(w, "chat.postMessage") || !s.authorize(w, r) {
		return
	}
	blocks, err := parseBlocks(r.FormValue("blocks"))
	if err != nil {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_blocks"})
		return
	}
	channel := r.FormValue("channel")
	if channel == "" {
		writeJSON(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	}
	text := r.FormValue("text")
	if text == "" && len(blocks.BlockSet) == 0 {
		writeJSON(w, map[string]any{"ok": false, "error": "no_text"})
		return
	}
	m := &Message{Channel: channel, TS: s.nextTS(), ThreadTS: r.FormValue("thread_ts"), Text: text, Blocks: blocks}
	s.messages = append(s.messages, m)
	s.events = append(s.events, Event{Method: "chat.postMessage", Message: *m})
	writeJSON(w, map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS,
		"message": map[string]any{"text": m.Text, "ts": m.TS, "thread_ts": m.ThreadTS}})
}

func (s *Server) handleUpdate(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.takeFault(w, "chat.update") || !s.authorize(w, r) {
		return
	}
	blocks, err := parseBlocks(r.FormValue("blocks"))
	if err != nil {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_blocks"})
		return
	}
	m := s.find(r.FormValue("channel"), r.FormValue("ts"))
	if m == nil {
		writeJSON(w, map[string]any{"ok": false, "error": "message_not_found"})
		return
	}
	// Slack keeps the old value of a field the update leaves out.
	if text := r.FormValue("text"); text != "" {
		m.Text = text
	}
	if r.Form.Has("blocks") {
		m.Blocks = blocks
	}
	m.Edits++
	s.events = append(s.events, Event{Method: "chat.update", Message: *m})
	writeJSON(w, map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "text": m.Text})
}

func (s *Server) handleWebhook(w http.ResponseWriter, r *http.Request) {
	var in slack.WebhookMessage
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.takeFault(w, "webhook") {
		return
	}
	m := &Message{Channel: WebhookChannel, TS: s.nextTS(), ThreadTS: in.ThreadTimestamp, Text: in.Text}
	if in.Blocks != nil {
		m.Blocks = *in.Blocks
	}
	if m.Text == "" && len(m.Blocks.BlockSet) == 0 {
		http.Error(w, "no_text", http.StatusBadRequest)
		return
	}
	s.messages = append(s.messages, m)
	s.events = append(s.events, Event{Method: "webhook", Message: *m})
	// Incoming webhooks answer a plain "ok", not the Web API's JSON.
	_, _ = w.Write([]byte("ok"))
}

func parseBlocks(raw string) (slack.Blocks, error) {
	var b slack.Blocks
	if raw == "" {
		return b, nil
	}
	err := json.Unmarshal([]byte(raw), &b)
	return b, err
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

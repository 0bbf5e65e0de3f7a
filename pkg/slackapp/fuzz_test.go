package slackapp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// FuzzVerify feeds arbitrary Function URL requests to FromFunctionURL and Verify. Verify must never
// panic, must accept only a body whose signature the test computes independently from the secret,
// the timestamp header and the body, with a timestamp inside the window, and no error may quote the
// secret. Setting valid signs the request correctly, so the accepting path is explored too.
func FuzzVerify(f *testing.F) {
	body := formBody(f, fixture(f, "block_actions_approve.json"))
	ts := strconv.FormatInt(clickTime.Unix(), 10)
	f.Add(testSecret, ts, "", string(body), false, true)
	f.Add(testSecret, ts, "", base64.StdEncoding.EncodeToString(body), true, true)
	f.Add(testSecret, ts, "v0=00", string(body), false, false)
	f.Add(testSecret, "0"+ts, "", string(body), false, true)
	f.Add(testSecret, strconv.FormatInt(clickTime.Unix()-301, 10), "", "payload=x", false, true)
	f.Add("", ts, "", "", false, true)
	f.Add(testSecret, "", "v0=", "%%%", true, false)
	f.Fuzz(func(t *testing.T, secret, ts, sig, body string, isBase64, valid bool) {
		ev := events.LambdaFunctionURLRequest{Body: body, IsBase64Encoded: isBase64, Headers: map[string]string{
			"x-slack-request-timestamp": ts, "x-slack-signature": sig,
		}}
		raw := []byte(body)
		if isBase64 {
			b, err := base64.StdEncoding.DecodeString(body)
			if err != nil {
				if _, _, err := FromFunctionURL(ev); err == nil {
					t.Fatal("FromFunctionURL accepted invalid base64")
				}
				return
			}
			raw = b
		}
		if valid {
			ev.Headers["x-slack-signature"] = "v0=" + hex.EncodeToString(hmacSHA256(secret, "v0:"+ts+":", raw))
		}
		h, got, err := FromFunctionURL(ev)
		if err != nil {
			t.Fatalf("FromFunctionURL: %v", err)
		}
		if string(got) != string(raw) {
			t.Fatalf("FromFunctionURL body = %q, want %q", got, raw)
		}
		v := Verifier{SigningSecret: secret, Now: fixedClock(clickTime)}
		err = v.Verify(h, got)
		if err != nil {
			if len(secret) >= 4 && strings.Contains(err.Error(), secret) {
				t.Fatalf("error %q quotes the secret", err)
			}
			return
		}
		want := "v0=" + hex.EncodeToString(hmacSHA256(secret, "v0:"+h.Get(HeaderTimestamp)+":", raw))
		if secret == "" || h.Get(HeaderSignature) != want {
			t.Fatalf("Verify accepted signature %q, want only %q", h.Get(HeaderSignature), want)
		}
		n, err := strconv.ParseInt(h.Get(HeaderTimestamp), 10, 64)
		if err != nil || n < clickTime.Unix()-300 || n > clickTime.Unix()+300 {
			t.Fatalf("Verify accepted timestamp %q outside the window", h.Get(HeaderTimestamp))
		}
	})
}

func hmacSHA256(secret, prefix string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(prefix))
	m.Write(body)
	return m.Sum(nil)
}

// FuzzParseAction feeds arbitrary bodies to ParseAction. It must never panic; an accepted click
// has every field a decision needs; an error never quotes the body, which the seeds fill with the
// signing secret and a response_url in every field.
func FuzzParseAction(f *testing.F) {
	for _, name := range []string{"block_actions_approve.json", "view_submission.json", "block_actions_in_view.json"} {
		f.Add(formBody(f, fixture(f, name)))
	}
	data, err := os.ReadFile("testdata/block_actions_approve.json")
	if err != nil {
		f.Fatal(err)
	}
	planted := strings.NewReplacer(`"block_actions"`, `"`+testSecret+`"`, `"message"`, `"`+testSecret+`"`,
		`"renewal.approve"`, `"`+testSecret+`"`).Replace(string(data))
	f.Add([]byte(url.Values{"payload": {planted}}.Encode()))
	f.Add([]byte("payload=" + testSecret))
	f.Add([]byte(testSecret + "=%zz" + testSecret))
	f.Add([]byte("payload=%7B%22actions%22%3A%5Bnull%5D%7D"))
	f.Add([]byte("payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%5B%7B%22block_id%22%3A1%7D%5D%7D"))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := ParseAction(body)
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, testSecret) || strings.Contains(msg, fixtureResponseURL) {
				t.Fatalf("error %q quotes the body", msg)
			}
			return
		}
		for _, v := range []string{a.ActionID, a.UserID, a.TeamID, a.APIAppID, a.ChannelID, a.MessageTS, a.ResponseURL} {
			if v == "" {
				t.Fatalf("accepted a click without a needed field: %+v", a)
			}
		}
		if u, err := url.Parse(a.ResponseURL); err != nil || u.Host == "" {
			t.Fatalf("accepted a click whose response_url is not absolute")
		}
	})
}

// FuzzParseCommand feeds arbitrary bodies to ParseCommand: it never panics, and what it accepts has
// a command, a user and a team.
func FuzzParseCommand(f *testing.F) {
	f.Add([]byte("command=%2Fbsswatch&text=balance+acme&user_id=U1&team_id=T1&api_app_id=A1&response_url=https%3A%2F%2Fhooks.slack.com%2Fx"))
	f.Add([]byte("command=%2Fbsswatch&user_id=U1&team_id=T1"))
	f.Add([]byte("payload=%7B%7D"))
	f.Add([]byte("%%%"))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := ParseCommand(body)
		if err == nil && (c.Command == "" || c.UserID == "" || c.TeamID == "") {
			t.Fatalf("accepted %+v", c)
		}
	})
}

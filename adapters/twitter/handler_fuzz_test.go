package twitter_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// FuzzWebhook posts arbitrary bodies, correctly signed, to the webhook
// handler: it must never panic nor fail with a 5xx, and a body it refuses
// (4xx) stores nothing. The seed corpus (every sample of the reference and
// some broken ones) runs with go test. Each execution goes through SQLite,
// so when fuzzing, bound the minimization of new inputs, e.g.
// go test -fuzz FuzzWebhook -fuzzminimizetime 3s ./adapters/twitter.
func FuzzWebhook(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	for _, s := range []string{"", "null", "{}", "[]", `{"for_user_id":7}`, `{"direct_message_events":null}`,
		`{"for_user_id":"7472512","direct_message_events":[{"type":"message_create","id":"1","created_timestamp":"x","message_create":{"sender_id":"2","target":{"recipient_id":"7472512"}}}]}`,
		`{"for_user_id":"7472512","direct_message_events":[{"type":"message_create","id":"1","created_timestamp":"1","message_create":{"sender_id":"7472512","target":{"recipient_id":"7472512"}}}]}`,
		`{"data":{"event_type":"dm.received","payload":"x"}}`, `{"user_event":{"revoke":{}}}`, "\xff\xfe"} {
		f.Add([]byte(s))
	}
	c := newChannel(f, storagetest.SQLite(f), twitter.DialectV2)
	for _, id := range []string{"4337869213", "7472512", "3805104374", "2244994945", "1111111111111111111"} {
		if _, err := c.acc.CreateHandle(c.ctx, c.admin, c.app.ID, twitter.HandleInput{
			Name: ptr("h" + id), WorkStreamID: &c.ws.ID, UserID: ptr(id), ScreenName: ptr("h" + id),
			AccessToken: ptr(engine.Secret("t")), AccessTokenSecret: ptr(engine.Secret("s"))}); err != nil {
			f.Fatal(err)
		}
	}
	h := twitter.NewWebhookHandler(c.acc, nil, nil)
	count := func(t *testing.T) int {
		l, err := c.svc.ListConversations(c.ctx, c.admin, engine.ConversationFilter{}, engine.Page{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, conv := range l.Items {
			n += conv.MessageCount
		}
		return n
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		before := count(t)
		req := httptest.NewRequest("POST", twitter.WebhookPathPrefix+string(c.app.ID), bytes.NewReader(body))
		req.Header.Set(twitter.SignatureHeader, twitter.Sign(consumerSecret, body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch {
		case rec.Code >= 500:
			t.Fatalf("%q: %d %s", body, rec.Code, rec.Body)
		case rec.Code != http.StatusOK && count(t) != before:
			t.Fatalf("%q answered %d but stored messages", body, rec.Code)
		}
	})
}

package webchat_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/webchat"
	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

func ptr[T any](v T) *T { return &v }

// TestRelayRefusesBadInput: what a site relays wrong gets a clear answer
// that says what is wrong, and nothing is stored; a good relay is stored
// once however often it comes.
func TestRelayRefusesBadInput(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		admin := engine.Actor{Name: "test admin", Role: engine.RoleAdmin}
		svc := engine.NewService(db, engine.ServiceOptions{Channels: []engine.Channel{webchat.Channel}})
		q, err := svc.CreateQueue(ctx, admin, engine.QueueInput{Name: ptr("General")})
		if err != nil {
			t.Fatal(err)
		}
		ws, err := svc.CreateWorkStream(ctx, admin, engine.WorkStreamInput{Name: ptr("Chat"), DefaultQueueID: &q.ID})
		if err != nil {
			t.Fatal(err)
		}
		widget, err := svc.CreateEndpoint(ctx, admin, webchat.Channel, engine.EndpointInput{Name: ptr("Site"), WorkStreamID: &ws.ID})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(webchat.New(webchat.Options{}).Handler(svc))
		t.Cleanup(srv.Close)
		url := srv.URL + webchat.PathPrefix + string(widget.ID) + "/messages"
		relay := func(body []byte) (int, string) {
			t.Helper()
			ts := time.Now().Unix()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
			req.Header.Set("X-Switchboard-Timestamp", strconv.FormatInt(ts, 10))
			req.Header.Set("X-Switchboard-Signature", webchat.SignMessage(widget.Token.Reveal(), ts, body))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var answer map[string]any
			_ = json.NewDecoder(res.Body).Decode(&answer)
			msg, _ := answer["error"].(string)
			return res.StatusCode, msg
		}
		message := func(id, visitor, text string) []byte {
			b, _ := json.Marshal(map[string]any{"id": id, "visitor": map[string]string{"id": visitor}, "text": text})
			return b
		}

		tests := []struct {
			name    string
			body    []byte
			status  int
			mention string // what the error must say
		}{
			{"not JSON", []byte(`hello`), http.StatusBadRequest, "not a message"},
			{"no id", message("", "v-1", "hi"), http.StatusBadRequest, "id is required"},
			{"no visitor", message("m-1", "", "hi"), http.StatusBadRequest, "visitor.id is required"},
			{"no text", message("m-1", "v-1", "  "), http.StatusBadRequest, "text is required"},
			{"text too long", message("m-1", "v-1", strings.Repeat("a", webchat.MaxTextLength+1)), http.StatusBadRequest, "the limit is"},
			{"body too large", message("m-1", "v-1", strings.Repeat("a", webchat.MaxMessageBytes)), http.StatusRequestEntityTooLarge, "bytes"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, msg := relay(tt.body)
				if status != tt.status || !strings.Contains(msg, tt.mention) {
					t.Errorf("relay = %d %q; want %d saying %q", status, msg, tt.status, tt.mention)
				}
			})
		}
		if l, err := svc.ListConversations(ctx, admin, engine.ConversationFilter{}, engine.Page{}); err != nil || len(l.Items) != 0 {
			t.Fatalf("refused relays stored %d conversations (%v)", len(l.Items), err)
		}
		for range 2 {
			if status, msg := relay(message("m-1", "v-1", "hi")); status != http.StatusOK {
				t.Fatalf("a good relay = %d %q", status, msg)
			}
		}
		l, err := svc.ListConversations(ctx, admin, engine.ConversationFilter{}, engine.Page{})
		if err != nil || len(l.Items) != 1 || l.Items[0].MessageCount != 1 {
			t.Errorf("a message relayed twice stored %+v (%v); want one conversation with one message", l.Items, err)
		}
	})
}

package api

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// previousReleaseSchema is the last migration of the release before message
// features were stored.
const previousReleaseSchema = 14

// TestUpgradeKeepsEveryRow stores conversations, messages, a contact and a
// queued reply, takes the schema back to the previous release's (which
// drops what that release did not have), migrates forward again, and reads
// everything back through the API: every row is as it was, and the stored
// customer messages have their features, found in their text and media.
func TestUpgradeKeepsEveryRow(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		_, _, hd := h.signedOnHandle()
		dms := []engine.ChannelMessage{
			{ExternalID: "1001", SenderExternalID: "42", Customer: engine.CustomerProfile{ExternalID: "42", ScreenName: "jane", Name: "Jane"},
				Text: "my order #A17 is late, see https://acme.example/o/17.", Hashtags: []string{"A17"}, URLs: []string{"https://acme.example/o/17"},
				Media: []engine.Media{{Type: "photo", URL: "https://ton.example/1.jpg"}}},
			{ExternalID: "1002", SenderExternalID: "42", Customer: engine.CustomerProfile{ExternalID: "42", ScreenName: "jane", Name: "Jane"}, Text: "hello?"},
			{ExternalID: "1003", SenderExternalID: "77", Customer: engine.CustomerProfile{ExternalID: "77", ScreenName: "omar"}, Text: "#refund please"},
		}
		var convs []engine.ConversationID
		for i, dm := range dms {
			dm.SentAt, dm.RecipientExternalID = time.Now().Add(time.Duration(i)*time.Second), "6253282"
			res, err := h.acc.Receive(ctx, hd, dm)
			if err != nil || res.Action != engine.ReceivedIngested {
				t.Fatalf("DM %s: %+v, %v", dm.ExternalID, res, err)
			}
			if len(convs) == 0 || convs[len(convs)-1] != res.ConversationID {
				convs = append(convs, res.ConversationID)
			}
		}
		conv, err := h.db.Conversation(ctx, convs[0])
		if err != nil {
			t.Fatal(err)
		}
		var reply engine.Message
		if err := h.db.InTx(ctx, func(tx engine.Tx) error {
			reply, err = h.svc.EnqueueReply(ctx, tx, conv, "", "Sorry Jane, looking now", time.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}

		read := func() map[engine.ConversationID]conversationDetailResponse {
			out := map[engine.ConversationID]conversationDetailResponse{}
			for _, id := range convs {
				r := h.call("GET", "/api/v1/conversations/"+string(id), h.admin, nil)
				if r.Code != http.StatusOK {
					t.Fatalf("GET conversation %s = %d %s", id, r.Code, r.Body)
				}
				var d conversationDetailResponse
				r.decode(t, &d)
				out[id] = d
			}
			return out
		}
		before := read()
		if _, err := h.db.MigrateDown(ctx, previousReleaseSchema); err != nil {
			t.Fatalf("back to the previous release's schema: %v", err)
		}
		if _, err := h.db.MigrateUp(ctx); err != nil {
			t.Fatalf("upgrade: %v", err)
		}
		after := read()

		wantFeatures := map[string]featuresResponse{
			"1001": {Hashtags: []string{"A17"}, URLs: []string{"https://acme.example/o/17"}, MediaKinds: []string{"photo"}},
			"1002": {Hashtags: []string{}, URLs: []string{}, MediaKinds: []string{}},
			"1003": {Hashtags: []string{"refund"}, URLs: []string{}, MediaKinds: []string{}},
		}
		for _, id := range convs {
			b, a := before[id], after[id]
			for i := range a.Messages {
				m := a.Messages[i]
				if m.TwitterEventID != nil {
					if want := wantFeatures[*m.TwitterEventID]; !reflect.DeepEqual(m.Features, want) {
						t.Errorf("message %s features after the upgrade = %+v, want %+v", *m.TwitterEventID, m.Features, want)
					}
				}
				// Apart from the features, which the old schema did not keep,
				// everything reads back as it was.
				a.Messages[i].Features, b.Messages[i].Features = featuresResponse{}, featuresResponse{}
			}
			if bj, aj := mustJSON(t, b), mustJSON(t, a); bj != aj {
				t.Errorf("conversation %s changed in the upgrade:\nbefore %s\nafter  %s", id, bj, aj)
			}
		}
		if n := len(after[convs[0]].Messages); n != 3 {
			t.Fatalf("Jane's conversation has %d messages after the upgrade, want 3", n)
		}
		if c := after[convs[0]].Customer; c.ContactID == nil || c.ScreenName != "jane" {
			t.Errorf("Jane's contact after the upgrade = %+v", c)
		}
		item, err := h.db.OutboxMessage(ctx, reply.ID)
		if err != nil || item.Message.Text != "Sorry Jane, looking now" || item.Message.Delivery != engine.DeliveryQueued {
			t.Errorf("the queued reply after the upgrade = %+v, %v", item, err)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

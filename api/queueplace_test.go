package api

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestQueuePlaceOverHTTP: a waiting conversation's detail tells its place
// in the queue, in the queue's order (priority, then age), and, once the
// queue has a pace, how long it may still wait; rules read the place as
// Conversation.QueuePosition.
func TestQueuePlaceOverHTTP(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		q, ws, handle := seedChannel(t, h)
		conv := map[string]string{}
		for i, customer := range []string{"alice", "bob", "carol"} {
			in := dm(handle, "ev"+customer, customer, "hello")
			in.SentAt = time.Now().Add(time.Duration(i) * time.Second)
			res, err := h.svc.Ingest(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			conv[customer] = "/api/v1/conversations/" + string(res.ConversationID)
		}
		place := func(customer string) (*int, *string) {
			var d struct {
				QueuePosition *int    `json:"queue_position"`
				ExpectedWait  *string `json:"expected_wait"`
			}
			h.call("GET", conv[customer], h.admin, nil).decode(t, &d)
			return d.QueuePosition, d.ExpectedWait
		}
		check := func(when, customer string, wantPos int, wantWait string) {
			t.Helper()
			pos, wait := place(customer)
			gotWait := ""
			if wait != nil {
				gotWait = *wait
			}
			if wantPos == 0 && pos != nil || wantPos != 0 && (pos == nil || *pos != wantPos) || gotWait != wantWait {
				t.Errorf("%s: %s is at %v, expected wait %q; want %d and %q", when, customer, pos, gotWait, wantPos, wantWait)
			}
		}
		check("in arrival order", "alice", 1, "")
		check("in arrival order", "bob", 2, "")
		check("in arrival order", "carol", 3, "")

		if res := h.call("POST", conv["carol"]+"/priority", h.admin, `{"priority":900}`); res.Code != http.StatusOK {
			t.Fatalf("raise carol = %d %s", res.Code, res.Body)
		}
		check("carol raised", "carol", 1, "")
		check("carol raised", "alice", 2, "")

		rules := "/api/v1/workstreams/" + string(ws) + "/rules"
		if res := h.call("POST", rules, h.admin, map[string]any{"name": "Long line", "condition": "Conversation.QueuePosition >= 3", "queue_id": q}); res.Code != http.StatusCreated {
			t.Fatalf("create rule = %d %s", res.Code, res.Body)
		}
		for customer, wantMatch := range map[string]bool{"bob": true, "alice": false} {
			var tested ruleTestResponse
			h.call("POST", rules+"/test", h.admin, map[string]any{"conversation_id": conv[customer][len("/api/v1/conversations/"):]}).decode(t, &tested)
			if (tested.MatchedRule != nil) != wantMatch {
				t.Errorf("rule test for %s: %+v; want matched %v", customer, tested, wantMatch)
			}
		}

		var ada createdAgentResponse
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada", "capacity": 1, "queue_ids": []string{string(q)}}).decode(t, &ada)
		if res := h.call("PUT", "/api/v1/agents/"+ada.ID+"/presence", ada.Token, `{"presence":"available"}`); res.Code != http.StatusOK {
			t.Fatalf("presence = %d %s", res.Code, res.Body)
		}
		if res := h.call("POST", conv["carol"]+"/accept", ada.Token, nil); res.Code != http.StatusOK {
			t.Fatalf("Ada accepts carol (offered first) = %d %s", res.Code, res.Body)
		}
		// One accepted in the last 15 minutes: one conversation every 15 minutes.
		check("one accepted", "carol", 0, "")
		check("one accepted", "alice", 1, "15m")
		check("one accepted", "bob", 2, "30m")
	})
}

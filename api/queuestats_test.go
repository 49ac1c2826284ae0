package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboardhq/switchboard/engine"
)

func TestQueueStatsOverHTTP(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		general, _, handle := seedChannel(t, h) // a work stream in push mode; each conversation takes 1
		billing := h.create("/api/v1/queues", map[string]any{"name": "Billing"})
		var ada createdAgentResponse
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada", "capacity": 2, "queue_ids": []string{string(general), billing}}).decode(t, &ada)
		var bob createdAgentResponse
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Bob", "queue_ids": []string{string(general)}}).decode(t, &bob)
		if res := h.call("PUT", "/api/v1/agents/"+ada.ID+"/presence", ada.Token, `{"presence":"available"}`); res.Code != http.StatusOK {
			t.Fatalf("presence = %d %s", res.Code, res.Body)
		}
		ingest := func(event, customer string) engine.ConversationID {
			t.Helper()
			res, err := h.svc.Ingest(ctx, dm(handle, event, customer, "hello"))
			if err != nil {
				t.Fatal(err)
			}
			return res.ConversationID
		}
		// Ada works one, is offered a second and has no room for a third.
		first := ingest("ev1", "alice")
		if res := h.call("POST", "/api/v1/conversations/"+string(first)+"/accept", ada.Token, nil); res.Code != http.StatusOK {
			t.Fatalf("accept = %d %s", res.Code, res.Body)
		}
		offered := ingest("ev2", "bea")
		ingest("ev3", "carl")
		var detail conversationDetailResponse
		h.call("GET", "/api/v1/conversations/"+string(offered), h.admin, nil).decode(t, &detail)
		if detail.Status != "offered" || len(detail.Routing) != 1 {
			t.Fatalf("the second conversation is %s with %d routing decisions, want offered and routed once", detail.Status, len(detail.Routing))
		}

		for _, tc := range []struct {
			name     string
			token    string
			wantCode int
		}{
			{"without a token", "", http.StatusUnauthorized},
			{"as an analyst", h.key(engine.RoleAnalyst, ""), http.StatusOK},
			{"as an agent", bob.Token, http.StatusOK},
			{"as an admin", h.admin, http.StatusOK},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := h.call("GET", "/api/v1/queues/stats", tc.token, nil)
				if res.Code != tc.wantCode {
					t.Fatalf("GET /api/v1/queues/stats %s = %d %s, want %d", tc.name, res.Code, res.Body, tc.wantCode)
				}
				if res.Code != http.StatusOK {
					return
				}
				var got map[string]any
				res.decode(t, &got)
				at, err := time.Parse(time.RFC3339, fmt.Sprint(got["at"]))
				if err != nil || time.Since(at).Abs() > time.Minute {
					t.Errorf("at = %v, want the time now in RFC 3339", got["at"])
				}
				delete(got, "at")
				// The longest wait is the offered conversation's, since it was routed.
				items, _ := got["items"].([]any)
				var wait map[string]any
				if len(items) == 2 {
					wait, _ = items[1].(map[string]any)
				}
				if wait == nil || wait["longest_wait_since"] != detail.Routing[0].At {
					t.Fatalf("General's longest wait since %v, want the offered conversation's routing time %s: %s", wait["longest_wait_since"], detail.Routing[0].At, res.Body)
				}
				since, _ := time.Parse(time.RFC3339, detail.Routing[0].At)
				if want := float64(int64(at.Sub(since) / time.Second)); wait["longest_wait_seconds"] != want {
					t.Errorf("longest_wait_seconds = %v, want %v (from %s to %s)", wait["longest_wait_seconds"], want, since, at)
				}
				delete(wait, "longest_wait_seconds")
				delete(wait, "longest_wait_since")

				want := fmt.Sprintf(`{"items": [
					{"queue_id": %q, "name": "Billing",
					 "conversations": {"open": 0, "offered": 0, "active": 0, "waiting": 0, "wrap_up": 0},
					 "longest_wait_seconds": 0,
					 "agents": [{"agent_id": %q, "name": "Ada", "presence": "available", "conversations": 2, "used": 2, "capacity": 2}],
					 "agents_available": 1},
					{"queue_id": %q, "name": "General",
					 "conversations": {"open": 1, "offered": 1, "active": 1, "waiting": 0, "wrap_up": 0},
					 "agents": [
						{"agent_id": %q, "name": "Ada", "presence": "available", "conversations": 2, "used": 2, "capacity": 2},
						{"agent_id": %q, "name": "Bob", "presence": "offline", "conversations": 0, "used": 0, "capacity": 1}],
					 "agents_available": 1}]}`, billing, ada.ID, general, ada.ID, bob.ID)
				var wantJSON map[string]any
				if err := json.Unmarshal([]byte(want), &wantJSON); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(wantJSON, got); diff != "" {
					t.Errorf("GET /api/v1/queues/stats (-want +got):\n%s", diff)
				}
			})
		}
	})
}

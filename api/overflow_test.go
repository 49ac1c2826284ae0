package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestOverflowOverHTTP: a queue with a limit of waiting conversations sends
// the next to its overflow queue, and the conversation's routing history
// says which full queue it left; bad settings name their field; a queue
// others overflow to cannot be deleted.
func TestOverflowOverHTTP(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		general, _, handle := seedChannel(t, h)
		spill := h.create("/api/v1/queues", map[string]any{"name": "Spill"})
		path := "/api/v1/queues/" + string(general)
		bad := []struct {
			name, body, field string
		}{
			{"a negative limit", `{"max_waiting":-1,"overflow_queue_id":"` + spill + `"}`, "max_waiting"},
			{"a limit with nowhere to go", `{"max_waiting":2}`, "overflow_queue_id"},
			{"somewhere to go with no limit", `{"overflow_queue_id":"` + spill + `"}`, "max_waiting"},
			{"overflowing to itself", `{"max_waiting":2,"overflow_queue_id":"` + string(general) + `"}`, "overflow_queue_id"},
			{"a queue that does not exist", `{"max_waiting":2,"overflow_queue_id":"nosuchqueue"}`, "overflow_queue_id"},
		}
		for _, tt := range bad {
			if res := h.call("PATCH", path, h.admin, tt.body); res.Code != http.StatusBadRequest || res.errorField(t) != tt.field {
				t.Errorf("%s: %d %s; want 400 naming %s", tt.name, res.Code, res.Body, tt.field)
			}
		}
		var q queueResponse
		if res := h.call("PATCH", path, h.admin, `{"max_waiting":2,"overflow_queue_id":"`+spill+`"}`); res.Code != http.StatusOK {
			t.Fatalf("set the overflow = %d %s", res.Code, res.Body)
		} else {
			res.decode(t, &q)
		}
		if q.MaxWaiting != 2 || q.OverflowQueueID != spill {
			t.Errorf("queue after setting its overflow: %+v", q)
		}

		// Nobody is available: every conversation waits.
		var got []conversationDetailResponse
		for i, customer := range []string{"alice", "bob", "carol", "dan"} {
			in := dm(handle, "ev"+customer, customer, "hello")
			in.SentAt = time.Now().Add(time.Duration(i) * time.Second)
			res, err := h.svc.Ingest(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			var d conversationDetailResponse
			h.call("GET", "/api/v1/conversations/"+string(res.ConversationID), h.admin, nil).decode(t, &d)
			got = append(got, d)
		}
		for i, d := range got {
			wantQueue, wantReason, wantFrom := string(general), "default", ""
			if i >= 2 {
				wantQueue, wantReason, wantFrom = spill, "overflow", string(general)
			}
			if len(d.Routing) != 1 || d.Routing[0].QueueID != wantQueue || d.Routing[0].Reason != wantReason || d.Routing[0].OverflowFrom != wantFrom {
				t.Errorf("conversation %d routed %+v; want %s to %s, overflow_from %q", i+1, d.Routing, wantReason, wantQueue, wantFrom)
			}
		}

		if res := h.call("DELETE", "/api/v1/queues/"+spill, h.admin, nil); res.Code != http.StatusConflict {
			t.Errorf("delete a queue others overflow to = %d %s, want 409", res.Code, res.Body)
		}
		if res := h.call("PATCH", path, h.admin, `{"max_waiting":0,"overflow_queue_id":""}`); res.Code != http.StatusOK {
			t.Fatalf("remove the overflow = %d %s", res.Code, res.Body)
		}
		res, err := h.svc.Ingest(ctx, dm(handle, "eveve", "eve", "hello"))
		if err != nil {
			t.Fatal(err)
		}
		var d conversationDetailResponse
		h.call("GET", "/api/v1/conversations/"+string(res.ConversationID), h.admin, nil).decode(t, &d)
		if len(d.Routing) != 1 || d.Routing[0].QueueID != string(general) {
			t.Errorf("without a limit the next conversation routed %+v; want General", d.Routing)
		}
		if res := h.call("DELETE", "/api/v1/queues/"+spill, h.admin, nil); res.Code == http.StatusConflict && strings.Contains(string(res.Body), "overflow") {
			t.Errorf("delete after the overflow is removed still refused for overflowing: %s", res.Body)
		}
	})
}

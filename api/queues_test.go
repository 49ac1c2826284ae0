package api

import (
	"fmt"
	"net/http"
	"testing"
)

func TestQueues(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		id := h.create("/api/v1/queues", map[string]any{"name": "Billing"})
		tests := []struct {
			name      string
			method    string
			path      string
			body      any
			wantCode  int
			wantError string // error code
			wantField string
		}{
			{name: "create", method: "POST", path: "/api/v1/queues", body: `{"name":"Support"}`, wantCode: 201},
			{name: "duplicate name, other case", method: "POST", path: "/api/v1/queues", body: `{"name":"billing"}`, wantCode: 409, wantError: "conflict"},
			{name: "missing name", method: "POST", path: "/api/v1/queues", body: `{}`, wantCode: 400, wantError: "invalid_request", wantField: "name"},
			{name: "blank name", method: "POST", path: "/api/v1/queues", body: `{"name":"  "}`, wantCode: 400, wantField: "name"},
			{name: "unknown field", method: "POST", path: "/api/v1/queues", body: `{"name":"X","colour":"red"}`, wantCode: 400, wantField: "colour"},
			{name: "wrong type", method: "POST", path: "/api/v1/queues", body: `{"name":7}`, wantCode: 400, wantField: "name"},
			{name: "not JSON", method: "POST", path: "/api/v1/queues", body: `{"name":`, wantCode: 400, wantError: "invalid_request"},
			{name: "empty body", method: "POST", path: "/api/v1/queues", wantCode: 400, wantError: "invalid_request"},
			{name: "get", method: "GET", path: "/api/v1/queues/" + id, wantCode: 200},
			{name: "get unknown", method: "GET", path: "/api/v1/queues/01JZZZZZZZZZZZZZZZZZZZZZZZ", wantCode: 404, wantError: "not_found"},
			{name: "get malformed id", method: "GET", path: "/api/v1/queues/nope", wantCode: 400, wantField: "id"},
			{name: "rename", method: "PATCH", path: "/api/v1/queues/" + id, body: `{"name":"Billing & refunds"}`, wantCode: 200},
			{name: "order by age", method: "PATCH", path: "/api/v1/queues/" + id, body: `{"ordering":"age"}`, wantCode: 200},
			{name: "unknown ordering", method: "PATCH", path: "/api/v1/queues/" + id, body: `{"ordering":"fifo"}`, wantCode: 400, wantField: "ordering"},
			{name: "create ordered by age", method: "POST", path: "/api/v1/queues", body: `{"name":"Returns","ordering":"age"}`, wantCode: 201},
			{name: "create with unknown ordering", method: "POST", path: "/api/v1/queues", body: `{"name":"Later","ordering":"random"}`, wantCode: 400, wantField: "ordering"},
			{name: "rename unknown", method: "PATCH", path: "/api/v1/queues/01JZZZZZZZZZZZZZZZZZZZZZZZ", body: `{"name":"Y"}`, wantCode: 404},
			{name: "list", method: "GET", path: "/api/v1/queues", wantCode: 200},
			{name: "list with bad limit", method: "GET", path: "/api/v1/queues?limit=0", wantCode: 400, wantField: "limit"},
			{name: "list with bad cursor", method: "GET", path: "/api/v1/queues?cursor=zzz", wantCode: 400, wantField: "cursor"},
			{name: "delete unknown", method: "DELETE", path: "/api/v1/queues/01JZZZZZZZZZZZZZZZZZZZZZZZ", wantCode: 404},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := h.call(tt.method, tt.path, h.admin, tt.body)
				if res.Code != tt.wantCode {
					t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, res.Code, res.Body, tt.wantCode)
				}
				if tt.wantError != "" && res.errorCode(t) != tt.wantError {
					t.Errorf("error code = %q, want %q", res.errorCode(t), tt.wantError)
				}
				if tt.wantField != "" && res.errorField(t) != tt.wantField {
					t.Errorf("error names field %q, want %q: %s", res.errorField(t), tt.wantField, res.Body)
				}
			})
		}
		var q queueResponse
		h.call("GET", "/api/v1/queues/"+id, h.admin, nil).decode(t, &q)
		if q.Name != "Billing & refunds" || q.Ordering != "age" {
			t.Errorf("after rename and reordering the queue is %+v; want Billing & refunds, ordered by age", q)
		}
		var support queueResponse
		h.call("POST", "/api/v1/queues", h.admin, `{"name":"Sales"}`).decode(t, &support)
		if support.Ordering != "priority" {
			t.Errorf("a new queue orders by %q, want priority", support.Ordering)
		}
	})
}

func TestQueueInUseCannotBeDeleted(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		qid := h.create("/api/v1/queues", map[string]any{"name": "Default"})
		wid := h.create("/api/v1/workstreams", map[string]any{"name": "Care", "default_queue_id": qid})
		if res := h.call("DELETE", "/api/v1/queues/"+qid, h.admin, nil); res.Code != http.StatusConflict {
			t.Fatalf("deleting a work stream's default queue = %d %s, want 409", res.Code, res.Body)
		}
		if res := h.call("GET", "/api/v1/queues/"+qid, h.admin, nil); res.Code != 200 {
			t.Fatalf("the queue is gone after a refused delete: %d", res.Code)
		}
		if res := h.call("DELETE", "/api/v1/workstreams/"+wid, h.admin, nil); res.Code != http.StatusNoContent {
			t.Fatalf("delete work stream = %d %s", res.Code, res.Body)
		}
		if res := h.call("DELETE", "/api/v1/queues/"+qid, h.admin, nil); res.Code != http.StatusNoContent {
			t.Fatalf("delete unused queue = %d %s", res.Code, res.Body)
		}
		if res := h.call("GET", "/api/v1/queues/"+qid, h.admin, nil); res.Code != http.StatusNotFound {
			t.Fatalf("deleted queue still answers %d", res.Code)
		}
	})
}

func TestPaginationIsStableUnderInserts(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		for i := range 5 {
			h.create("/api/v1/queues", map[string]any{"name": fmt.Sprintf("q%d", i)})
		}
		seen := map[string]bool{}
		path := "/api/v1/queues?limit=2"
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
			var page listResponse[queueResponse]
			h.call("GET", path, h.admin, nil).decode(t, &page)
			for _, q := range page.Items {
				if seen[q.ID] {
					t.Errorf("queue %s listed twice", q.Name)
				}
				seen[q.ID] = true
			}
			// A queue created mid-listing must not shift what follows.
			if pages == 0 {
				h.create("/api/v1/queues", map[string]any{"name": "late"})
			}
			if page.NextCursor == nil {
				break
			}
			path = "/api/v1/queues?limit=2&cursor=" + *page.NextCursor
		}
		if len(seen) != 6 {
			t.Errorf("listed %d queues, want 6 (5 before and 1 during the listing)", len(seen))
		}
	})
}

// TestWrittenTimesReadBackTheSame: the times a write answers with are those
// a later read gives, on both databases (PostgreSQL keeps microseconds).
func TestWrittenTimesReadBackTheSame(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		queue := h.create("/api/v1/queues", map[string]any{"name": "General"})
		for _, tc := range []struct {
			name, path string
			body       map[string]any
		}{
			{"queue", "/api/v1/queues", map[string]any{"name": "Billing"}},
			{"work stream", "/api/v1/workstreams", map[string]any{"name": "Care", "default_queue_id": queue}},
			{"agent", "/api/v1/agents", map[string]any{"name": "Ann", "queue_ids": []string{queue}}},
		} {
			res := h.call("POST", tc.path, h.admin, tc.body)
			if res.Code != http.StatusCreated {
				t.Fatalf("create %s = %d %s", tc.name, res.Code, res.Body)
			}
			var written, read struct {
				ID        string `json:"id"`
				CreatedAt string `json:"created_at"`
				UpdatedAt string `json:"updated_at"`
			}
			res.decode(t, &written)
			h.call("GET", tc.path+"/"+written.ID, h.admin, nil).decode(t, &read)
			if written.CreatedAt == "" || written != read {
				t.Errorf("%s: written %+v, read back %+v", tc.name, written, read)
			}
		}
	})
}

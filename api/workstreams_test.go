package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestWorkStreams(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		qid := h.create("/api/v1/queues", map[string]any{"name": "Default"})
		other := h.create("/api/v1/queues", map[string]any{"name": "Other"})

		res := h.call("POST", "/api/v1/workstreams", h.admin, map[string]any{"name": "Care", "channel": "twitter", "default_queue_id": qid})
		if res.Code != http.StatusCreated {
			t.Fatalf("create = %d %s", res.Code, res.Body)
		}
		var w workStreamResponse
		res.decode(t, &w)
		want := workStreamResponse{ID: w.ID, Name: "Care", Channel: "twitter", Mode: "push", DefaultQueueID: qid, Capacity: 1, AssignmentMethod: "round_robin",
			OfferTimeout: duration(120e9), RequeueAfter: duration(900e9), StallAfter: duration(1800e9), AutoCloseAfter: duration(72 * 3600e9),
			KeepSameAgent: true, TimeZone: "UTC", ContactMatching: "exact", CreateContacts: true, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
		if w != want {
			t.Errorf("defaults:\n got %+v\nwant %+v", w, want)
		}
		if !strings.Contains(string(res.Body), `"offer_timeout":"2m"`) || !strings.Contains(string(res.Body), `"auto_close_after":"72h"`) {
			t.Errorf("durations are not Go duration strings: %s", res.Body)
		}

		tests := []struct {
			name      string
			method    string
			path      string
			body      string
			wantCode  int
			wantField string
		}{
			{name: "all fields", method: "POST", path: "/api/v1/workstreams", wantCode: 201, body: `{"name":"VIP","channel":"twitter","mode":"pick","default_queue_id":"` + qid + `","capacity":2,"assignment_method":"most_idle","offer_timeout":"30s","requeue_after":"2s","stall_after":"10m","auto_close_after":"24h","keep_same_agent":false,"time_zone":"Europe/Berlin"}`},
			{name: "duplicate name", method: "POST", path: "/api/v1/workstreams", wantCode: 409, body: `{"name":"care","default_queue_id":"` + qid + `"}`},
			{name: "missing default queue", method: "POST", path: "/api/v1/workstreams", wantCode: 400, wantField: "default_queue_id", body: `{"name":"A"}`},
			{name: "unknown default queue", method: "POST", path: "/api/v1/workstreams", wantCode: 400, wantField: "default_queue_id", body: `{"name":"A","default_queue_id":"01JZZZZZZZZZZZZZZZZZZZZZZZ"}`},
			{name: "malformed default queue", method: "POST", path: "/api/v1/workstreams", wantCode: 400, wantField: "default_queue_id", body: `{"name":"A","default_queue_id":"q1"}`},
			{name: "bad mode", method: "POST", path: "/api/v1/workstreams", wantCode: 400, wantField: "mode", body: `{"name":"A","default_queue_id":"` + qid + `","mode":"shove"}`},
			{name: "bad channel", method: "POST", path: "/api/v1/workstreams", wantCode: 400, wantField: "channel", body: `{"name":"A","default_queue_id":"` + qid + `","channel":"fax"}`},
			{name: "bad method", method: "POST", path: "/api/v1/workstreams", wantCode: 400, wantField: "assignment_method", body: `{"name":"A","default_queue_id":"` + qid + `","assignment_method":"random"}`},
			{name: "zero capacity", method: "POST", path: "/api/v1/workstreams", wantCode: 400, wantField: "capacity", body: `{"name":"A","default_queue_id":"` + qid + `","capacity":0}`},
			{name: "bad duration", method: "POST", path: "/api/v1/workstreams", wantCode: 400, wantField: "offer_timeout", body: `{"name":"A","default_queue_id":"` + qid + `","offer_timeout":"soon"}`},
			{name: "duration as number", method: "POST", path: "/api/v1/workstreams", wantCode: 400, wantField: "requeue_after", body: `{"name":"A","default_queue_id":"` + qid + `","requeue_after":90}`},
			{name: "too short timer", method: "POST", path: "/api/v1/workstreams", wantCode: 400, wantField: "stall_after", body: `{"name":"A","default_queue_id":"` + qid + `","stall_after":"500ms"}`},
			{name: "bad contact matching", method: "POST", path: "/api/v1/workstreams", wantCode: 400, wantField: "contact_matching", body: `{"name":"A","default_queue_id":"` + qid + `","contact_matching":"fuzzy"}`},
			{name: "bad time zone", method: "POST", path: "/api/v1/workstreams", wantCode: 400, wantField: "time_zone", body: `{"name":"A","default_queue_id":"` + qid + `","time_zone":"Mars/Olympus"}`},
			{name: "patch one field", method: "PATCH", path: "/api/v1/workstreams/" + w.ID, wantCode: 200, body: `{"default_queue_id":"` + other + `","requeue_after":"1m"}`},
			{name: "patch bad value", method: "PATCH", path: "/api/v1/workstreams/" + w.ID, wantCode: 400, wantField: "capacity", body: `{"capacity":-1}`},
			{name: "patch unknown", method: "PATCH", path: "/api/v1/workstreams/01JZZZZZZZZZZZZZZZZZZZZZZZ", wantCode: 404, body: `{"capacity":2}`},
			{name: "get unknown", method: "GET", path: "/api/v1/workstreams/01JZZZZZZZZZZZZZZZZZZZZZZZ", wantCode: 404},
			{name: "list", method: "GET", path: "/api/v1/workstreams", wantCode: 200},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var body any
				if tt.body != "" {
					body = tt.body
				}
				res := h.call(tt.method, tt.path, h.admin, body)
				if res.Code != tt.wantCode {
					t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, res.Code, res.Body, tt.wantCode)
				}
				if tt.wantField != "" && res.errorField(t) != tt.wantField {
					t.Errorf("error names field %q, want %q: %s", res.errorField(t), tt.wantField, res.Body)
				}
			})
		}
		var after workStreamResponse
		h.call("GET", "/api/v1/workstreams/"+w.ID, h.admin, nil).decode(t, &after)
		if after.DefaultQueueID != other || after.RequeueAfter != duration(60e9) || after.Capacity != 1 || after.Name != "Care" {
			t.Errorf("after PATCH: %+v; want only default_queue_id and requeue_after changed", after)
		}
	})
}

func TestWritesAreAudited(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		qid := h.create("/api/v1/queues", map[string]any{"name": "Default"})
		h.call("PATCH", "/api/v1/queues/"+qid, h.admin, map[string]any{"name": "General"})
		h.call("DELETE", "/api/v1/queues/"+qid, h.admin, nil)
		h.call("POST", "/api/v1/queues", h.admin, map[string]any{"name": ""}) // refused: not audited

		var log listResponse[auditResponse]
		h.call("GET", "/api/v1/audit?resource=queue", h.admin, nil).decode(t, &log)
		var got []string
		for _, e := range log.Items {
			if e.ResourceID != qid || e.Actor != "bootstrap admin" {
				t.Errorf("entry %+v: want resource %s by the bootstrap admin", e, qid)
			}
			got = append(got, e.Action)
		}
		if want := []string{"delete", "update", "create"}; !slices.Equal(got, want) {
			t.Errorf("audit actions newest first = %v, want %v", got, want)
		}
		if res := h.call("GET", "/api/v1/audit", h.key("analyst", ""), nil); res.Code != http.StatusForbidden {
			t.Errorf("analyst reading the audit log = %d, want 403", res.Code)
		}
	})
}

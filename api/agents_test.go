package api

import (
	"net/http"
	"strings"
	"testing"
)

func TestAgents(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		q1 := h.create("/api/v1/queues", map[string]any{"name": "Billing"})
		q2 := h.create("/api/v1/queues", map[string]any{"name": "Support"})

		res := h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada", "capacity": 3, "queue_ids": []string{q1}})
		if res.Code != http.StatusCreated {
			t.Fatalf("create agent = %d %s", res.Code, res.Body)
		}
		var ada createdAgentResponse
		res.decode(t, &ada)
		if ada.Token == "" || ada.Presence != "offline" || ada.Capacity != 3 || len(ada.QueueIDs) != 1 || ada.QueueIDs[0] != q1 {
			t.Fatalf("created agent = %+v; want a token, offline, capacity 3, queue %s", ada, q1)
		}
		bob := h.create("/api/v1/agents", map[string]any{"name": "Bob"})

		var me meResponse
		h.call("GET", "/api/v1/me", ada.Token, nil).decode(t, &me)
		if me.Role != "agent" || me.AgentID != ada.ID {
			t.Errorf("the agent's token authenticates as %+v; want role agent for %s", me, ada.ID)
		}
		analyst := h.key("analyst", "")

		tests := []struct {
			name      string
			method    string
			path      string
			token     string
			body      string
			wantCode  int
			wantField string
		}{
			{name: "agent gets itself", method: "GET", path: "/api/v1/agents/" + ada.ID, token: ada.Token, wantCode: 200},
			{name: "agent gets another agent", method: "GET", path: "/api/v1/agents/" + bob, token: ada.Token, wantCode: 403},
			{name: "analyst gets an agent", method: "GET", path: "/api/v1/agents/" + bob, token: analyst, wantCode: 403},
			{name: "agent lists its colleagues, to transfer to", method: "GET", path: "/api/v1/agents", token: ada.Token, wantCode: 200},
			{name: "agent sets its presence", method: "PUT", path: "/api/v1/agents/" + ada.ID + "/presence", token: ada.Token, body: `{"presence":"available"}`, wantCode: 200},
			{name: "agent sets another's presence", method: "PUT", path: "/api/v1/agents/" + bob + "/presence", token: ada.Token, body: `{"presence":"available"}`, wantCode: 403},
			{name: "admin sets presence", method: "PUT", path: "/api/v1/agents/" + bob + "/presence", token: h.admin, body: `{"presence":"away"}`, wantCode: 200},
			{name: "unknown presence", method: "PUT", path: "/api/v1/agents/" + bob + "/presence", token: h.admin, body: `{"presence":"asleep"}`, wantCode: 400, wantField: "presence"},
			{name: "missing presence", method: "PUT", path: "/api/v1/agents/" + bob + "/presence", token: h.admin, body: `{}`, wantCode: 400, wantField: "presence"},
			{name: "agent changes its capacity", method: "PATCH", path: "/api/v1/agents/" + ada.ID, token: ada.Token, body: `{"capacity":10}`, wantCode: 403},
			{name: "admin changes capacity and queues", method: "PATCH", path: "/api/v1/agents/" + ada.ID, token: h.admin, body: `{"capacity":2,"queue_ids":["` + q1 + `","` + q2 + `"]}`, wantCode: 200},
			{name: "unknown queue", method: "PATCH", path: "/api/v1/agents/" + ada.ID, token: h.admin, body: `{"queue_ids":["01JZZZZZZZZZZZZZZZZZZZZZZZ"]}`, wantCode: 400, wantField: "queue_ids[0]"},
			{name: "malformed queue id", method: "POST", path: "/api/v1/agents", token: h.admin, body: `{"name":"C","queue_ids":["x"]}`, wantCode: 400, wantField: "queue_ids[0]"},
			{name: "zero capacity", method: "POST", path: "/api/v1/agents", token: h.admin, body: `{"name":"C","capacity":0}`, wantCode: 400, wantField: "capacity"},
			{name: "missing name", method: "POST", path: "/api/v1/agents", token: h.admin, body: `{"capacity":2}`, wantCode: 400, wantField: "name"},
			{name: "unknown agent", method: "GET", path: "/api/v1/agents/01JZZZZZZZZZZZZZZZZZZZZZZZ", token: h.admin, wantCode: 404},
			{name: "list", method: "GET", path: "/api/v1/agents", token: h.admin, wantCode: 200},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var body any
				if tt.body != "" {
					body = tt.body
				}
				res := h.call(tt.method, tt.path, tt.token, body)
				if res.Code != tt.wantCode {
					t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, res.Code, res.Body, tt.wantCode)
				}
				if tt.wantField != "" && res.errorField(t) != tt.wantField {
					t.Errorf("error names %q, want %q: %s", res.errorField(t), tt.wantField, res.Body)
				}
			})
		}

		var after agentResponse
		h.call("GET", "/api/v1/agents/"+ada.ID, h.admin, nil).decode(t, &after)
		if after.Presence != "available" || after.Capacity != 2 || len(after.QueueIDs) != 2 {
			t.Errorf("after the changes: %+v", after)
		}
		var list listResponse[agentResponse]
		h.call("GET", "/api/v1/agents", h.admin, nil).decode(t, &list)
		if strings.Contains(string(h.call("GET", "/api/v1/agents", h.admin, nil).Body), ada.Token) {
			t.Error("the agent list shows the agent's token")
		}
		if len(list.Items) != 2 {
			t.Errorf("listed %d agents, want 2", len(list.Items))
		}

		if res := h.call("DELETE", "/api/v1/queues/"+q2, h.admin, nil); res.Code != http.StatusConflict {
			t.Errorf("deleting a queue with members = %d, want 409", res.Code)
		}
		if res := h.call("DELETE", "/api/v1/agents/"+ada.ID, h.admin, nil); res.Code != http.StatusNoContent {
			t.Fatalf("delete agent = %d %s", res.Code, res.Body)
		}
		if res := h.call("GET", "/api/v1/me", ada.Token, nil); res.Code != http.StatusUnauthorized {
			t.Errorf("a deleted agent's token still answers %d, want 401", res.Code)
		}
		if res := h.call("DELETE", "/api/v1/queues/"+q2, h.admin, nil); res.Code != http.StatusNoContent {
			t.Errorf("deleting the queue once its member is gone = %d %s", res.Code, res.Body)
		}
	})
}

package api

import (
	"net/http"
	"strings"
	"testing"
)

func TestAPIKeys(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		agent := h.create("/api/v1/agents", map[string]any{"name": "Ada"})

		res := h.call("POST", "/api/v1/keys", h.admin, map[string]any{"name": "reporting", "role": "analyst"})
		if res.Code != http.StatusCreated {
			t.Fatalf("create key = %d %s", res.Code, res.Body)
		}
		var created createdKeyResponse
		res.decode(t, &created)
		if len(created.Token) < 40 || created.Role != "analyst" {
			t.Fatalf("created key = %+v; want an analyst key with a long token", created)
		}
		var me meResponse
		h.call("GET", "/api/v1/me", created.Token, nil).decode(t, &me)
		if me.Role != "analyst" || me.Name != "reporting" {
			t.Errorf("the new token authenticates as %+v", me)
		}

		tests := []struct {
			name      string
			body      string
			wantCode  int
			wantField string
		}{
			{"agent key", `{"name":"desk","role":"agent","agent_id":"` + agent + `"}`, 201, ""},
			{"agent key without agent", `{"name":"desk2","role":"agent"}`, 400, "agent_id"},
			{"agent key for unknown agent", `{"name":"desk3","role":"agent","agent_id":"01JZZZZZZZZZZZZZZZZZZZZZZZ"}`, 400, "agent_id"},
			{"analyst key with agent", `{"name":"x","role":"analyst","agent_id":"` + agent + `"}`, 400, "agent_id"},
			{"unknown role", `{"name":"x","role":"root"}`, 400, "role"},
			{"missing role", `{"name":"x"}`, 400, "role"},
			{"missing name", `{"role":"admin"}`, 400, "name"},
			{"duplicate name", `{"name":"reporting","role":"admin"}`, 409, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := h.call("POST", "/api/v1/keys", h.admin, tt.body)
				if res.Code != tt.wantCode {
					t.Fatalf("POST /keys %s = %d %s, want %d", tt.body, res.Code, res.Body, tt.wantCode)
				}
				if tt.wantField != "" && res.errorField(t) != tt.wantField {
					t.Errorf("error names %q, want %q", res.errorField(t), tt.wantField)
				}
			})
		}

		list := h.call("GET", "/api/v1/keys", h.admin, nil)
		if strings.Contains(string(list.Body), created.Token) || strings.Contains(string(list.Body), `"token"`) {
			t.Errorf("the key list shows tokens: %s", list.Body)
		}
		if res := h.call("GET", "/api/v1/keys", created.Token, nil); res.Code != http.StatusForbidden {
			t.Errorf("an analyst listing keys = %d, want 403", res.Code)
		}
		if res := h.call("DELETE", "/api/v1/keys/"+created.ID, h.admin, nil); res.Code != http.StatusNoContent {
			t.Fatalf("revoke = %d %s", res.Code, res.Body)
		}
		if res := h.call("GET", "/api/v1/me", created.Token, nil); res.Code != http.StatusUnauthorized {
			t.Errorf("a revoked token answers %d, want 401", res.Code)
		}
		if res := h.call("DELETE", "/api/v1/keys/"+created.ID, h.admin, nil); res.Code != http.StatusConflict {
			t.Errorf("revoking twice = %d, want 409", res.Code)
		}
		var admin meResponse
		h.call("GET", "/api/v1/me", h.admin, nil).decode(t, &admin)
		if res := h.call("DELETE", "/api/v1/keys/"+admin.ID, h.admin, nil); res.Code != http.StatusConflict {
			t.Errorf("revoking the last admin key = %d %s, want 409", res.Code, res.Body)
		}
	})
}

package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// allowedRoles is DESIGN.md's role table, written out independently of the
// route table: which roles may call a route. Admin may do everything except
// accept or reject an offer, which only the agent offered it decides. An
// agent's own-record and own-conversation checks come on top.
func allowedRoles(method, path string) []engine.Role {
	if strings.HasSuffix(path, "/accept") || strings.HasSuffix(path, "/reject") {
		return []engine.Role{engine.RoleAgent}
	}
	return append(nonAdminRoles(method, path), engine.RoleAdmin)
}

func nonAdminRoles(method, path string) []engine.Role {
	p := strings.TrimPrefix(path, "/api/v1")
	read := method == "GET"
	switch {
	case p == "/me", p == "/rules/fields", strings.HasPrefix(p, "/canned-responses"): // the engine decides who keeps which
		return []engine.Role{engine.RoleAnalyst, engine.RoleAgent}
	case p == "/rules/conditions":
		return []engine.Role{engine.RoleAnalyst}
	case strings.HasPrefix(p, "/queues"), strings.HasPrefix(p, "/calendars"):
		if read {
			return []engine.Role{engine.RoleAnalyst, engine.RoleAgent}
		}
		return []engine.Role{engine.RoleAnalyst}
	case p == "/workstreams" && read, p == "/workstreams/:id" && read:
		return []engine.Role{engine.RoleAnalyst, engine.RoleAgent}
	case strings.HasPrefix(p, "/workstreams"):
		return []engine.Role{engine.RoleAnalyst}
	case strings.HasPrefix(p, "/twitter"), strings.HasPrefix(p, "/keys"), strings.HasPrefix(p, "/audit"):
		return nil
	case p == "/agents" && read, p == "/agents/:id" && read, p == "/agents/:id/presence", p == "/agents/:id/notifications":
		return []engine.Role{engine.RoleAgent}
	case strings.HasPrefix(p, "/agents"):
		return nil
	case strings.HasPrefix(p, "/customers/blocks"): // agents block as they work conversations
		if read {
			return []engine.Role{engine.RoleAnalyst, engine.RoleAgent}
		}
		return []engine.Role{engine.RoleAgent}
	case strings.HasPrefix(p, "/conversations/:id/messages/"):
		return []engine.Role{engine.RoleAgent}
	case strings.HasPrefix(p, "/conversations"):
		if read {
			return []engine.Role{engine.RoleAnalyst, engine.RoleAgent}
		}
		return []engine.Role{engine.RoleAgent}
	}
	return nil
}

// TestRoleMatrix calls every /api/v1 route as each role: without a token it
// is 401, as a role the table does not allow it is 403, and as an allowed
// role the answer is neither (it may still be 400 or 404 for the made-up
// ids and bodies used here).
func TestRoleMatrix(t *testing.T) {
	h := newHarness(t, storagetest.SQLite(t))
	var agent createdAgentResponse
	h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada"}).decode(t, &agent)
	tokens := map[engine.Role]string{
		engine.RoleAdmin:   h.admin,
		engine.RoleAnalyst: h.key(engine.RoleAnalyst, ""),
		engine.RoleAgent:   agent.Token,
	}
	const missing = "01JZZZZZZZZZZZZZZZZZZZZZZZ"
	checked := 0
	for _, r := range h.srv.routes {
		if r.Public {
			continue
		}
		path := r.Path
		for _, param := range []string{":id", ":rule_id", ":handle_id", ":message_id", ":n"} {
			value := missing
			if param == ":id" && strings.HasPrefix(path, "/api/v1/agents/") && r.Method != "DELETE" {
				value = agent.ID // an agent's own record, so ownership is not what refuses
			}
			if param == ":n" {
				value = "1"
			}
			path = strings.ReplaceAll(path, param, value)
		}
		allowed := allowedRoles(r.Method, r.Path)
		for _, role := range []engine.Role{"", engine.RoleAnalyst, engine.RoleAgent, engine.RoleAdmin} {
			ok := false
			for _, a := range allowed {
				ok = ok || a == role
			}
			if ok && r.ContentType == "text/event-stream" {
				continue // a stream that is allowed never ends; TestNotificationStream covers it
			}
			var body any
			if r.Request != nil {
				body = `{}`
			}
			res := h.call(r.Method, path, tokens[role], body)
			checked++
			switch {
			case role == "" && res.Code != http.StatusUnauthorized:
				t.Errorf("%s %s without a token = %d, want 401", r.Method, r.Path, res.Code)
			case role != "" && !ok && res.Code != http.StatusForbidden:
				t.Errorf("%s %s as %s = %d, want 403", r.Method, r.Path, role, res.Code)
			case role != "" && ok && (res.Code == http.StatusUnauthorized || res.Code == http.StatusForbidden):
				t.Errorf("%s %s as %s = %d %s, want it allowed", r.Method, r.Path, role, res.Code, res.Body)
			}
		}
	}
	if checked < 100 {
		t.Errorf("checked only %d calls; is the route table empty?", checked)
	}
}

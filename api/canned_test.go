package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestCannedResponsesOverHTTP keeps shared and personal canned responses
// through the API: who may create, read, change and delete which, search
// by shortcut and text, and bodies refused with the place of the mistake.
func TestCannedResponsesOverHTTP(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		q, _, _ := seedChannel(t, h)
		var ada, bob createdAgentResponse
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada", "queue_ids": []string{string(q)}}).decode(t, &ada)
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Bob", "queue_ids": []string{string(q)}}).decode(t, &bob)
		analyst := h.key("analyst", "")

		var shared, mine cannedResponseResponse
		res := h.call("POST", "/api/v1/canned-responses", analyst, map[string]any{"title": "Refund policy", "shortcut": "/Refund", "body": "Hi {{customer.first_name}},\nrefunds take 5 days."})
		if res.Code != http.StatusCreated {
			t.Fatalf("analyst creates = %d %s", res.Code, res.Body)
		}
		res.decode(t, &shared)
		if shared.Scope != "shared" || shared.Shortcut != "/refund" || shared.AgentID != "" {
			t.Errorf("analyst's response %+v; want shared /refund", shared)
		}
		h.call("POST", "/api/v1/canned-responses", ada.Token, map[string]any{"title": "Thanks", "shortcut": "thanks", "body": "Thanks, {{customer.name}}! {{agent.name}}"}).decode(t, &mine)
		if mine.Scope != "personal" || mine.AgentID != ada.ID || mine.Shortcut != "/thanks" {
			t.Errorf("Ada's response %+v; want her personal /thanks", mine)
		}

		tests := []struct {
			name      string
			method    string
			path      string
			token     string
			body      any
			wantCode  int
			wantField string
		}{
			{"a shared shortcut taken, in capitals", "POST", "/api/v1/canned-responses", h.admin, `{"title":"x","shortcut":"/REFUND","body":"x"}`, 409, ""},
			{"an agent creates a shared one", "POST", "/api/v1/canned-responses", bob.Token, `{"scope":"shared","title":"x","shortcut":"/x","body":"x"}`, 403, ""},
			{"an analyst creates a personal one", "POST", "/api/v1/canned-responses", analyst, `{"scope":"personal","title":"x","shortcut":"/x","body":"x"}`, 400, "scope"},
			{"an unknown scope", "POST", "/api/v1/canned-responses", h.admin, `{"scope":"team","title":"x","shortcut":"/x","body":"x"}`, 400, "scope"},
			{"no title", "POST", "/api/v1/canned-responses", h.admin, `{"shortcut":"/x","body":"x"}`, 400, "title"},
			{"a shortcut with a space", "POST", "/api/v1/canned-responses", h.admin, `{"title":"x","shortcut":"/re fund","body":"x"}`, 400, "shortcut"},
			{"no body", "POST", "/api/v1/canned-responses", h.admin, `{"title":"x","shortcut":"/x"}`, 400, "body"},
			{"an unknown field", "POST", "/api/v1/canned-responses", h.admin, `{"title":"x","shortcut":"/x","body":"x","tags":[]}`, 400, "tags"},
			{"an agent changes a shared one", "PATCH", "/api/v1/canned-responses/" + shared.ID, ada.Token, `{"title":"mine"}`, 403, ""},
			{"Bob reads Ada's", "GET", "/api/v1/canned-responses/" + mine.ID, bob.Token, nil, 404, ""},
			{"Bob changes Ada's", "PATCH", "/api/v1/canned-responses/" + mine.ID, bob.Token, `{"title":"mine"}`, 404, ""},
			{"Bob deletes Ada's", "DELETE", "/api/v1/canned-responses/" + mine.ID, bob.Token, nil, 404, ""},
			{"an analyst reads Ada's", "GET", "/api/v1/canned-responses/" + mine.ID, analyst, nil, 404, ""},
			{"a bad scope filter", "GET", "/api/v1/canned-responses?scope=team", ada.Token, nil, 400, "scope"},
			{"a malformed id", "GET", "/api/v1/canned-responses/nope", ada.Token, nil, 400, "id"},
		}
		for _, tt := range tests {
			res := h.call(tt.method, tt.path, tt.token, tt.body)
			if res.Code != tt.wantCode || (tt.wantField != "" && res.errorField(t) != tt.wantField) {
				t.Errorf("%s: %d %s; want %d naming %q", tt.name, res.Code, res.Body, tt.wantCode, tt.wantField)
			}
		}

		listed := func(path, token string) []string {
			t.Helper()
			var l listResponse[cannedResponseResponse]
			res := h.call("GET", path, token, nil)
			if res.Code != http.StatusOK {
				t.Fatalf("GET %s = %d %s", path, res.Code, res.Body)
			}
			res.decode(t, &l)
			var out []string
			for _, r := range l.Items {
				out = append(out, r.Shortcut)
			}
			return out
		}
		lists := []struct {
			name  string
			path  string
			token string
			want  []string
		}{
			{"Ada sees the shared one and hers", "/api/v1/canned-responses", ada.Token, []string{"/refund", "/thanks"}},
			{"Bob sees the shared one only", "/api/v1/canned-responses", bob.Token, []string{"/refund"}},
			{"a shortcut's start", "/api/v1/canned-responses?q=ref", ada.Token, []string{"/refund"}},
			{"a shortcut's start with its slash", "/api/v1/canned-responses?q=/TH", ada.Token, []string{"/thanks"}},
			{"text of a body", "/api/v1/canned-responses?q=5+days", bob.Token, []string{"/refund"}},
			{"Bob searches for Ada's", "/api/v1/canned-responses?q=thanks", bob.Token, nil},
			{"Ada's personal only", "/api/v1/canned-responses?scope=personal", ada.Token, []string{"/thanks"}},
		}
		for _, tt := range lists {
			if got := listed(tt.path, tt.token); !slices.Equal(got, tt.want) {
				t.Errorf("%s: %v; want %v", tt.name, got, tt.want)
			}
		}

		var changed cannedResponseResponse
		res = h.call("PATCH", "/api/v1/canned-responses/"+mine.ID, ada.Token, `{"shortcut":"/ty"}`)
		if res.Code != http.StatusOK {
			t.Fatalf("Ada changes hers = %d %s", res.Code, res.Body)
		}
		res.decode(t, &changed)
		if changed.Shortcut != "/ty" || changed.Title != "Thanks" || changed.Body != mine.Body {
			t.Errorf("changed %+v; want /ty, the rest as it was", changed)
		}
		if res := h.call("DELETE", "/api/v1/canned-responses/"+shared.ID, analyst, nil); res.Code != http.StatusNoContent {
			t.Fatalf("analyst deletes = %d %s", res.Code, res.Body)
		}
		if got := listed("/api/v1/canned-responses", bob.Token); len(got) != 0 {
			t.Errorf("Bob sees %v after the delete; want nothing", got)
		}
		var audit listResponse[auditResponse]
		h.call("GET", "/api/v1/audit?resource=canned_response", h.admin, nil).decode(t, &audit)
		var actions []string
		for _, e := range audit.Items {
			actions = append(actions, e.Action)
		}
		if want := []string{"delete", "update", "create", "create"}; !slices.Equal(actions, want) {
			t.Errorf("audit %v; want %v", actions, want)
		}
	})
}

// TestCannedBodyRefusedOverHTTP saves bodies with placeholder mistakes:
// each answer locates the mistake (line, column, the line with a caret)
// and hints at the fix.
func TestCannedBodyRefusedOverHTTP(t *testing.T) {
	type detail struct {
		Field   string `json:"field"`
		Line    int    `json:"line"`
		Column  int    `json:"column"`
		Message string `json:"message"`
		Hint    string `json:"hint"`
		Snippet string `json:"snippet"`
	}
	tests := []struct {
		name   string
		method string
		body   string
		want   detail
	}{
		{"a typo on the second line", "POST", "Hello,\nthanks {{customer.nmae}}", detail{"body", 2, 10, "{{customer.nmae}} is not a placeholder", "did you mean {{customer.name}}?", "thanks {{customer.nmae}}\n         ^"}},
		{"a rule's spelling", "POST", "@{{Customer.ScreenName}}", detail{"body", 1, 4, "{{Customer.ScreenName}} is not a placeholder",
			"did you mean {{customer.screen_name}}? Placeholders are written in lower case, words joined by _", "@{{Customer.ScreenName}}\n   ^"}},
		{"not closed", "POST", "Hi {{agent.name", detail{"body", 1, 4, "this placeholder is not closed", "", "Hi {{agent.name\n   ^"}},
		{"a change", "PATCH", "{{ queue }}", detail{"body", 1, 4, "{{queue}} is not a placeholder", "did you mean {{conversation.queue}}?", ""}},
	}
	forEachDB(t, func(t *testing.T, h *harness) {
		id := h.create("/api/v1/canned-responses", map[string]any{"title": "Hi", "shortcut": "/hi", "body": "Hi"})
		for _, tt := range tests {
			path := "/api/v1/canned-responses"
			if tt.method == "PATCH" {
				path += "/" + id
			}
			res := h.call(tt.method, path, h.admin, map[string]any{"title": "x", "shortcut": "/x", "body": tt.body})
			var e struct {
				Error struct {
					Code    string   `json:"code"`
					Message string   `json:"message"`
					Details []detail `json:"details"`
				} `json:"error"`
			}
			res.decode(t, &e)
			if res.Code != http.StatusBadRequest || e.Error.Code != "invalid_request" || len(e.Error.Details) != 1 {
				t.Errorf("%s: %d %s; want 400 with one detail", tt.name, res.Code, res.Body)
				continue
			}
			got := e.Error.Details[0]
			if tt.want.Hint == "" {
				tt.want.Hint = got.Hint // checked below to say how to close it
				if !strings.HasPrefix(got.Hint, "end it with }}") {
					t.Errorf("%s: hint %q; want how to close it", tt.name, got.Hint)
				}
			}
			if tt.want.Snippet == "" {
				tt.want.Snippet = got.Snippet
			}
			if got != tt.want {
				t.Errorf("%s: %+v\nwant %+v", tt.name, got, tt.want)
			}
			if !strings.Contains(e.Error.Message, "line ") {
				t.Errorf("%s: message %q does not say where", tt.name, e.Error.Message)
			}
		}
		var ph []placeholderResponse
		h.call("GET", "/api/v1/canned-responses/placeholders", h.admin, nil).decode(t, &ph)
		if len(ph) == 0 || ph[0].Name != "customer.name" || ph[0].Meaning == "" {
			t.Errorf("placeholders %+v; want customer.name first, explained", ph)
		}
	})
}

// TestRenderCannedResponseOverHTTP renders a canned response for a
// conversation: the agent who holds it gets the text with the customer's
// name filled and can send it as the reply; another agent may not, and no
// agent may use another's personal response.
func TestRenderCannedResponseOverHTTP(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		q, _, handle := seedChannel(t, h)
		var ada, bob createdAgentResponse
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada", "queue_ids": []string{string(q)}}).decode(t, &ada)
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Bob", "queue_ids": []string{string(q)}}).decode(t, &bob)
		if res := h.call("PUT", "/api/v1/agents/"+ada.ID+"/presence", ada.Token, `{"presence":"available"}`); res.Code != 200 {
			t.Fatalf("presence = %d %s", res.Code, res.Body)
		}
		shared := h.create("/api/v1/canned-responses", map[string]any{"title": "Hello", "shortcut": "/hello",
			"body": "Hi {{customer.name}} (@{{customer.screen_name}}), {{agent.name}} from {{conversation.queue}} here."})
		var bobs cannedResponseResponse
		h.call("POST", "/api/v1/canned-responses", bob.Token, map[string]any{"title": "Mine", "shortcut": "/mine", "body": "Bob here"}).decode(t, &bobs)
		in, err := h.svc.Ingest(context.Background(), dm(handle, "ev1", "alice", "where is my refund"))
		if err != nil {
			t.Fatal(err)
		}
		conv := "/api/v1/conversations/" + string(in.ConversationID)
		render := func(cid string) string { return conv + "/canned-responses/" + cid + "/render" }
		if res := h.call("POST", conv+"/accept", ada.Token, nil); res.Code != http.StatusOK {
			t.Fatalf("accept = %d %s", res.Code, res.Body)
		}

		var got renderedResponse
		res := h.call("POST", render(shared), ada.Token, nil)
		if res.Code != http.StatusOK {
			t.Fatalf("render = %d %s", res.Code, res.Body)
		}
		res.decode(t, &got)
		if want := "Hi alice Doe (@alice), Ada from General here."; got.Text != want || got.Shortcut != "/hello" || got.CannedResponseID != shared || len(got.Empty) != 0 {
			t.Errorf("rendered %+v; want %q", got, want)
		}

		tests := []struct {
			name     string
			path     string
			token    string
			wantCode int
		}{
			{"Bob, for Ada's conversation", render(shared), bob.Token, 403},
			{"an analyst", render(shared), h.key("analyst", ""), 403},
			{"Ada, with Bob's personal one", render(bobs.ID), ada.Token, 404},
			{"no such response", render("01HZZZZZZZZZZZZZZZZZZZZZZZ"), ada.Token, 404},
			{"no such conversation", "/api/v1/conversations/01HZZZZZZZZZZZZZZZZZZZZZZZ/canned-responses/" + shared + "/render", ada.Token, 404},
		}
		for _, tt := range tests {
			if res := h.call("POST", tt.path, tt.token, nil); res.Code != tt.wantCode {
				t.Errorf("%s: %d %s; want %d", tt.name, res.Code, res.Body, tt.wantCode)
			}
		}

		var m messageResponse
		res = h.call("POST", conv+"/messages", ada.Token, map[string]any{"text": got.Text})
		if res.Code != http.StatusCreated {
			t.Fatalf("reply with the rendered text = %d %s", res.Code, res.Body)
		}
		res.decode(t, &m)
		if m.Text != got.Text {
			t.Errorf("the reply says %q; want the rendered text", m.Text)
		}
	})
}

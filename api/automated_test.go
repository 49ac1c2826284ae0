package api

import (
	"net/http"
	"slices"
	"testing"
)

// TestAutomatedMessagesOverHTTP keeps a work stream's automated messages
// through the API: analysts set, read, replace and delete them, agents may
// not, a placeholder mistake is located with a hint, and each change is
// audited.
func TestAutomatedMessagesOverHTTP(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		_, ws, _ := seedChannel(t, h)
		var agent createdAgentResponse
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada"}).decode(t, &agent)
		analyst := h.key("analyst", "")
		base := "/api/v1/workstreams/" + string(ws) + "/automated-messages"

		var m automatedMessageResponse
		res := h.call("PUT", base+"/out_of_hours", analyst, map[string]any{"body": "Hi {{customer.first_name}}, we open {{calendar.next_opening}}."})
		if res.Code != http.StatusOK {
			t.Fatalf("analyst sets = %d %s", res.Code, res.Body)
		}
		res.decode(t, &m)
		if m.Kind != "out_of_hours" || m.WorkStreamID != string(ws) || m.UpdatedBy == "" {
			t.Errorf("set %+v; want the work stream's out_of_hours message", m)
		}
		h.call("PUT", base+"/out_of_hours", h.admin, map[string]any{"body": "Closed until {{calendar.next_opening}}."}).decode(t, &m)
		var got automatedMessageResponse
		h.call("GET", base+"/out_of_hours", analyst, nil).decode(t, &got)
		if got.Body != "Closed until {{calendar.next_opening}}." || got.CreatedAt != m.CreatedAt {
			t.Errorf("read back %+v; want the second body, created as the first", got)
		}
		var list automatedMessagesResponse
		h.call("GET", base, analyst, nil).decode(t, &list)
		var names []string
		for _, p := range list.Placeholders {
			names = append(names, p.Name)
		}
		if len(list.Items) != 1 || !slices.Equal(list.Kinds, []string{"greeting", "out_of_hours"}) || !slices.Contains(names, "calendar.next_opening") || slices.Contains(names, "agent.name") {
			t.Errorf("list %+v; want one message, both kinds, the next opening and no agent", list)
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
			{"an agent sets one", "PUT", base + "/greeting", agent.Token, `{"body":"Hi"}`, 403, ""},
			{"an agent reads them", "GET", base, agent.Token, nil, 403, ""},
			{"a kind that does not exist", "PUT", base + "/closing", analyst, `{"body":"Bye"}`, 400, "kind"},
			{"no body", "PUT", base + "/greeting", analyst, `{}`, 400, "body"},
			{"an empty body", "PUT", base + "/greeting", analyst, `{"body":" "}`, 400, "body"},
			{"a greeting not set", "GET", base + "/greeting", analyst, nil, 404, ""},
			{"deleting a greeting not set", "DELETE", base + "/greeting", analyst, nil, 404, ""},
			{"a work stream that does not exist", "PUT", "/api/v1/workstreams/01JZZZZZZZZZZZZZZZZZZZZZZZ/automated-messages/greeting", analyst, `{"body":"Hi"}`, 404, ""},
		}
		for _, tt := range tests {
			res := h.call(tt.method, tt.path, tt.token, tt.body)
			if res.Code != tt.wantCode || (tt.wantField != "" && res.errorField(t) != tt.wantField) {
				t.Errorf("%s: %d %s; want %d naming %q", tt.name, res.Code, res.Body, tt.wantCode, tt.wantField)
			}
		}

		res = h.call("PUT", base+"/greeting", analyst, map[string]any{"body": "Hello!\nWe open {{calendar.next_openin}}"})
		var e struct {
			Error struct {
				Details []templateErrorDetail `json:"details"`
			} `json:"error"`
		}
		res.decode(t, &e)
		want := templateErrorDetail{Field: "body", Line: 2, Column: 11, Message: "{{calendar.next_openin}} is not a placeholder",
			Hint: "did you mean {{calendar.next_opening}}?", Snippet: "We open {{calendar.next_openin}}\n          ^"}
		if res.Code != http.StatusBadRequest || len(e.Error.Details) != 1 || e.Error.Details[0] != want {
			t.Errorf("a typo: %d %s; want 400 locating it as %+v", res.Code, res.Body, want)
		}

		if res := h.call("DELETE", base+"/out_of_hours", analyst, nil); res.Code != http.StatusNoContent {
			t.Fatalf("analyst deletes = %d %s", res.Code, res.Body)
		}
		if res := h.call("GET", base+"/out_of_hours", analyst, nil); res.Code != http.StatusNotFound {
			t.Errorf("after the delete = %d; want 404", res.Code)
		}
		var audit listResponse[auditResponse]
		h.call("GET", "/api/v1/audit?resource=automated_message", h.admin, nil).decode(t, &audit)
		var actions []string
		for _, e := range audit.Items {
			actions = append(actions, e.Action)
		}
		if want := []string{"delete", "update", "create"}; !slices.Equal(actions, want) {
			t.Errorf("audit %v; want %v", actions, want)
		}
	})
}

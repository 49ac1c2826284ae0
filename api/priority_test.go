package api

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestPriorityOverHTTP walks priorities through the API: a rule gives an
// urgent DM's conversation a priority, an admin raises another's above it
// (recorded in its routing history), bad requests name the field, and the
// one agent who becomes available is offered the highest priority first;
// clearing the rule's priority answers null.
func TestPriorityOverHTTP(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		q, ws, handle := seedChannel(t, h)
		rules := "/api/v1/workstreams/" + string(ws) + "/rules"
		var rule savedRuleResponse
		res := h.call("POST", rules, h.admin, map[string]any{"name": "Urgent", "condition": `Message.Text contains "urgent"`, "queue_id": q, "priority": 700})
		if res.Code != http.StatusCreated {
			t.Fatalf("create rule = %d %s", res.Code, res.Body)
		}
		res.decode(t, &rule)
		if rule.Priority == nil || *rule.Priority != 700 {
			t.Fatalf("created rule's priority %v, want 700", rule.Priority)
		}
		var ada createdAgentResponse
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada", "capacity": 1, "queue_ids": []string{string(q)}}).decode(t, &ada)

		conv := map[string]string{}
		for i, c := range []struct{ customer, text string }{{"alice", "hi"}, {"bob", "urgent: charged twice"}} {
			in := dm(handle, "ev"+c.customer, c.customer, c.text)
			in.SentAt = time.Now().Add(time.Duration(i) * time.Second)
			got, err := h.svc.Ingest(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			conv[c.customer] = "/api/v1/conversations/" + string(got.ConversationID)
		}
		detail := func(customer string) conversationDetailResponse {
			var d conversationDetailResponse
			h.call("GET", conv[customer], h.admin, nil).decode(t, &d)
			return d
		}
		if d := detail("bob"); d.Priority != 700 || len(d.Routing) != 1 || d.Routing[0].Priority != 700 {
			t.Errorf("bob's conversation: priority %d, routing %+v; want 700 from the rule", d.Priority, d.Routing)
		}
		if d := detail("alice"); d.Priority != 0 {
			t.Errorf("alice's conversation has priority %d, want 0", d.Priority)
		}

		analyst := h.key("analyst", "")
		bad := []struct {
			name      string
			token     string
			body      any
			wantCode  int
			wantField string
		}{
			{"no priority", h.admin, `{}`, 400, "priority"},
			{"priority as text", h.admin, `{"priority":"high"}`, 400, "priority"},
			{"priority out of range", h.admin, `{"priority":1001}`, 400, "priority"},
			{"null priority", h.admin, `{"priority":null}`, 400, "priority"},
			{"an analyst", analyst, `{"priority":900}`, 403, ""},
			{"an agent it is not offered to", ada.Token, `{"priority":900}`, 403, ""},
		}
		for _, tt := range bad {
			res := h.call("POST", conv["alice"]+"/priority", tt.token, tt.body)
			if res.Code != tt.wantCode || (tt.wantField != "" && res.errorField(t) != tt.wantField) {
				t.Errorf("%s: %d %s; want %d naming %q", tt.name, res.Code, res.Body, tt.wantCode, tt.wantField)
			}
		}
		var raised conversationResponse
		if res := h.call("POST", conv["alice"]+"/priority", h.admin, `{"priority":900}`); res.Code != http.StatusOK {
			t.Fatalf("set priority = %d %s", res.Code, res.Body)
		} else {
			res.decode(t, &raised)
		}
		if raised.Priority != 900 {
			t.Errorf("answer's priority %d, want 900", raised.Priority)
		}
		d := detail("alice")
		if last := d.Routing[len(d.Routing)-1]; last.Reason != "priority" || last.Priority != 900 || last.QueueID != string(q) {
			t.Errorf("alice's last routing decision %+v; want the priority change to 900", last)
		}

		if res := h.call("PUT", "/api/v1/agents/"+ada.ID+"/presence", ada.Token, `{"presence":"available"}`); res.Code != 200 {
			t.Fatalf("presence = %d %s", res.Code, res.Body)
		}
		if a, b := detail("alice"), detail("bob"); a.Status != "offered" || b.Status != "open" {
			t.Errorf("with one free place, alice's conversation is %s and bob's %s; want alice's (900) offered before bob's (700)", a.Status, b.Status)
		}

		var tested ruleTestResponse
		h.call("POST", rules+"/test", h.admin, map[string]any{"context": map[string]any{"Message": map[string]any{"Text": "urgent!"}}}).decode(t, &tested)
		if tested.Priority == nil || *tested.Priority != 700 {
			t.Errorf("rule test's priority %v, want 700", tested.Priority)
		}
		var cleared savedRuleResponse
		h.call("PATCH", rules+"/"+rule.ID, h.admin, `{"priority":null}`).decode(t, &cleared)
		if cleared.Priority != nil || cleared.Version != rule.Version+1 {
			t.Errorf("after clearing: priority %v in version %d; want null in version %d", cleared.Priority, cleared.Version, rule.Version+1)
		}
	})
}

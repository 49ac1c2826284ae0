package api

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter"
)

// TestBlocksOverHTTP blocks a customer through the API, lists and reads the
// block, checks what is refused and to whom, and unblocks.
func TestBlocksOverHTTP(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		q, _, handle := seedChannel(t, h)
		if _, err := h.svc.Ingest(context.Background(), dm(handle, "ev1", "mallory", "buy followers")); err != nil {
			t.Fatal(err)
		}
		var ada createdAgentResponse
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada", "queue_ids": []string{string(q)}}).decode(t, &ada)
		analyst := h.key("analyst", "")

		var b blockResponse
		res := h.call("POST", "/api/v1/customers/blocks", ada.Token, map[string]any{"channel": "twitter", "external_id": "tw-mallory", "reason": "sells followers"})
		if res.Code != http.StatusCreated {
			t.Fatalf("block = %d %s", res.Code, res.Body)
		}
		res.decode(t, &b)
		if b.Channel != "twitter" || b.ExternalID != "tw-mallory" || b.ScreenName != "mallory" || b.Reason != "sells followers" || b.BlockedBy != "agent "+ada.ID || b.BlockedAt == "" {
			t.Errorf("block %+v; want mallory on twitter, with the reason, blocked by Ada's key and when", b)
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
			{"no reason", "POST", "/api/v1/customers/blocks", h.admin, `{"external_id":"tw-x"}`, 400, "reason"},
			{"no customer", "POST", "/api/v1/customers/blocks", h.admin, `{"reason":"spam"}`, 400, "external_id"},
			{"an unknown channel", "POST", "/api/v1/customers/blocks", h.admin, `{"channel":"fax","external_id":"tw-x","reason":"spam"}`, 400, "channel"},
			{"an unknown field", "POST", "/api/v1/customers/blocks", h.admin, `{"external_id":"tw-x","reason":"spam","until":"never"}`, 400, "until"},
			{"blocked already", "POST", "/api/v1/customers/blocks", h.admin, `{"external_id":"tw-mallory","reason":"again"}`, 409, ""},
			{"an analyst blocks", "POST", "/api/v1/customers/blocks", analyst, `{"external_id":"tw-x","reason":"spam"}`, 403, ""},
			{"an analyst unblocks", "DELETE", "/api/v1/customers/blocks/" + b.ID, analyst, nil, 403, ""},
			{"a malformed id", "GET", "/api/v1/customers/blocks/nope", h.admin, nil, 400, "id"},
			{"no such block", "DELETE", "/api/v1/customers/blocks/01HZZZZZZZZZZZZZZZZZZZZZZZ", h.admin, nil, 404, ""},
		}
		for _, tt := range tests {
			res := h.call(tt.method, tt.path, tt.token, tt.body)
			if res.Code != tt.wantCode || (tt.wantField != "" && res.errorField(t) != tt.wantField) {
				t.Errorf("%s: %d %s; want %d naming %q", tt.name, res.Code, res.Body, tt.wantCode, tt.wantField)
			}
		}

		var list listResponse[blockResponse]
		h.call("GET", "/api/v1/customers/blocks", analyst, nil).decode(t, &list)
		if len(list.Items) != 1 || list.Items[0] != b {
			t.Errorf("blocks listed to an analyst %+v; want mallory's", list.Items)
		}
		var got blockResponse
		h.call("GET", "/api/v1/customers/blocks/"+b.ID, ada.Token, nil).decode(t, &got)
		if got != b {
			t.Errorf("block read back %+v; want %+v", got, b)
		}

		if res := h.call("DELETE", "/api/v1/customers/blocks/"+b.ID, h.admin, nil); res.Code != http.StatusNoContent {
			t.Fatalf("unblock = %d %s", res.Code, res.Body)
		}
		h.call("GET", "/api/v1/customers/blocks", h.admin, nil).decode(t, &list)
		if len(list.Items) != 0 {
			t.Errorf("blocks after unblocking %+v; want none", list.Items)
		}
		var audit listResponse[auditResponse]
		h.call("GET", "/api/v1/audit?resource=customer", h.admin, nil).decode(t, &audit)
		if len(audit.Items) != 2 || audit.Items[0].Action != "unblock" || audit.Items[1].Action != "block" || audit.Items[1].Actor != "agent "+ada.ID {
			t.Errorf("audit %+v; want Ada's block then the unblock", audit.Items)
		}
	})
}

// TestBlockedCustomerThroughSignedWebhook delivers a blocked customer's DM
// through the signed Twitter webhook: it answers 200, the DM is stored and
// marked blocked in a conversation in no queue, and the available agent is
// offered nothing; another customer's DM is offered to her. After the
// unblock, the customer's next DM is offered too.
func TestBlockedCustomerThroughSignedWebhook(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		q, _, handle := seedChannel(t, h)
		webhook := twitter.NewWebhookHandler(h.acc, nil, nil)
		srv, err := New(Options{Keys: h.db, Service: h.svc, Twitter: twitter.NewAdmin(h.acc), Ready: h.db.Ping, Version: "test", Mounts: []Mount{
			{Method: "POST", Path: twitter.WebhookPathPrefix + ":application_id", Summary: "Twitter events", Tag: "twitter", Handler: webhook, ContentType: "text/plain"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		deliver := func(event, sender, text string) {
			t.Helper()
			body := fmt.Appendf(nil, `{"for_user_id":"1000","direct_message_events":[{"type":"message_create","id":%q,"created_timestamp":"%d",`+
				`"message_create":{"target":{"recipient_id":"1000"},"sender_id":%q,"message_data":{"text":%q}}}],`+
				`"users":{%q:{"id":%q,"name":"Someone","screen_name":"someone"}}}`, event, time.Now().UnixMilli(), sender, text, sender, sender)
			req := httptest.NewRequest("POST", twitter.WebhookPathPrefix+string(handle.ApplicationID), bytes.NewReader(body))
			req.Header.Set(twitter.SignatureHeader, twitter.Sign("cs", body))
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("webhook = %d %s", rec.Code, rec.Body)
			}
		}
		var ada createdAgentResponse
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada", "capacity": 3, "queue_ids": []string{string(q)}}).decode(t, &ada)
		if res := h.call("PUT", "/api/v1/agents/"+ada.ID+"/presence", ada.Token, `{"presence":"available"}`); res.Code != 200 {
			t.Fatalf("presence = %d %s", res.Code, res.Body)
		}
		var b blockResponse
		h.call("POST", "/api/v1/customers/blocks", ada.Token, map[string]any{"external_id": "666", "reason": "spam"}).decode(t, &b)

		deliver("ev1", "666", "cheap followers")
		deliver("ev2", "42", "where is my parcel")
		conversations := func(token string) map[string]conversationResponse {
			var l listResponse[conversationResponse]
			h.call("GET", "/api/v1/conversations", token, nil).decode(t, &l)
			out := map[string]conversationResponse{}
			for _, c := range l.Items {
				out[c.Customer.TwitterID] = c
			}
			return out
		}
		all := conversations(h.admin)
		spam, ok := all["666"]
		if !ok || spam.Status != "open" || spam.QueueID != nil {
			t.Fatalf("the blocked customer's conversation %+v; want stored, open in no queue", spam)
		}
		var d conversationDetailResponse
		h.call("GET", "/api/v1/conversations/"+spam.ID, h.admin, nil).decode(t, &d)
		if len(d.Messages) != 1 || !d.Messages[0].Blocked || d.Messages[0].Text != "cheap followers" || len(d.Routing) != 0 {
			t.Errorf("the blocked DM: messages %+v, routing %+v; want it stored, marked blocked, not routed", d.Messages, d.Routing)
		}
		if c := all["42"]; c.Status != "offered" {
			t.Errorf("the other customer's conversation is %s; want offered to Ada", c.Status)
		}
		mine := conversations(ada.Token)
		if _, seen := mine["666"]; seen || len(mine) != 1 {
			t.Errorf("Ada sees %v; want only the other customer's conversation", mine)
		}
		if res := h.call("GET", "/api/v1/conversations/"+spam.ID, ada.Token, nil); res.Code != http.StatusNotFound {
			t.Errorf("Ada reads the held conversation: %d; want 404", res.Code)
		}

		h.call("DELETE", "/api/v1/customers/blocks/"+b.ID, h.admin, nil)
		deliver("ev3", "666", "a real question, sorry")
		if c := conversations(h.admin)["666"]; c.ID != spam.ID || c.Status != "offered" {
			t.Errorf("after the unblock the customer's conversation is %+v; want the same one, offered", c)
		}
		if _, seen := conversations(ada.Token)["666"]; !seen {
			t.Errorf("Ada does not see the unblocked customer's conversation")
		}
	})
}

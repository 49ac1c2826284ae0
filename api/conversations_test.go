package api

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/engine"
)

// seedChannel creates a queue, a work stream and a Twitter application with
// one active handle, through the engine.
func seedChannel(t *testing.T, h *harness) (engine.QueueID, engine.WorkStreamID, twitter.Handle) {
	t.Helper()
	ctx := context.Background()
	admin := engine.Actor{Name: "test", Role: engine.RoleAdmin}
	str := func(s string) *string { return &s }
	secret := func(s string) *engine.Secret { v := engine.Secret(s); return &v }
	q, err := h.svc.CreateQueue(ctx, admin, engine.QueueInput{Name: str("General")})
	if err != nil {
		t.Fatal(err)
	}
	w, err := h.svc.CreateWorkStream(ctx, admin, engine.WorkStreamInput{Name: str("Care"), DefaultQueueID: &q.ID})
	if err != nil {
		t.Fatal(err)
	}
	app, err := h.acc.CreateApplication(ctx, admin, twitter.ApplicationInput{Name: str("Acme"), ConsumerKey: str("ck"), ConsumerSecret: secret("cs")})
	if err != nil {
		t.Fatal(err)
	}
	handle, err := h.acc.CreateHandle(ctx, admin, app.ID, twitter.HandleInput{Name: str("Acme Care"), WorkStreamID: &w.ID,
		UserID: str("1000"), ScreenName: str("AcmeCare"), AccessToken: secret("at"), AccessTokenSecret: secret("ats")})
	if err != nil {
		t.Fatal(err)
	}
	return q.ID, w.ID, handle
}

// seedConversation stores a conversation as ingest would, with messages
// stored out of order and one routing decision.
func seedConversation(t *testing.T, h *harness, q engine.QueueID, w engine.WorkStreamID, handle twitter.Handle, customer string, status engine.Status, agent engine.AgentID) engine.Conversation {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	profile := engine.CustomerProfile{Channel: twitter.Channel, ExternalID: "tw-" + customer, Name: customer + " Doe", ScreenName: customer, FollowersCount: 12000, Verified: true}
	contact := engine.Contact{ID: engine.ContactID(engine.NewID(now)), Profile: profile, Tags: []string{"vip"}, CreatedAt: now, UpdatedAt: now}
	if err := h.db.CreateContact(ctx, contact); err != nil {
		t.Fatal(err)
	}
	c := engine.Conversation{ID: engine.ConversationID(engine.NewID(now)), SourceID: handle.ApplicationID, EndpointID: handle.ID, WorkStreamID: w,
		ContactID: contact.ID, Customer: profile, Status: status, QueueID: q, AgentID: agent, MessageCount: 2, CreatedAt: now, UpdatedAt: now}
	if err := h.db.CreateConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	for i, m := range []struct {
		event string
		text  string
		at    time.Time
	}{{"ev2-" + customer, "second", now.Add(time.Second)}, {"ev1-" + customer, "first", now}} {
		msg := engine.Message{ID: engine.MessageID(engine.NewID(now)), ConversationID: c.ID, SourceID: handle.ApplicationID, Direction: engine.Inbound,
			ExternalID: m.event, SenderExternalID: profile.ExternalID, Text: m.text, SentAt: m.at, ReceivedAt: now.Add(time.Duration(i) * time.Second)}
		if err := h.db.AppendMessage(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	d := engine.RoutingDecision{ID: engine.NewID(now), ConversationID: c.ID, At: now, RuleID: "01JRULE0000000000000000000", RuleName: "VIP", RuleSetVersion: 3, QueueID: q, Reason: engine.ReasonMatched}
	if err := h.db.AppendRoutingDecision(ctx, d); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConversationsReadSide(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		q, w, handle := seedChannel(t, h)
		var ada createdAgentResponse
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada", "queue_ids": []string{string(q)}}).decode(t, &ada)
		var eve createdAgentResponse
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Eve"}).decode(t, &eve)
		mine := seedConversation(t, h, q, w, handle, "alice", engine.StatusActive, engine.AgentID(ada.ID))
		other := seedConversation(t, h, q, w, handle, "bob", engine.StatusOpen, "")

		var detail conversationDetailResponse
		res := h.call("GET", "/api/v1/conversations/"+string(mine.ID), h.admin, nil)
		if res.Code != 200 {
			t.Fatalf("get conversation = %d %s", res.Code, res.Body)
		}
		res.decode(t, &detail)
		if detail.Customer.ScreenName != "alice" || detail.Customer.FollowersCount != 12000 || len(detail.Customer.Tags) != 1 || detail.Customer.ContactID == nil {
			t.Errorf("customer = %+v", detail.Customer)
		}
		if len(detail.Messages) != 2 || detail.Messages[0].Text != "first" || detail.Messages[1].Text != "second" {
			t.Errorf("messages are not in Twitter's order: %+v", detail.Messages)
		}
		if len(detail.Routing) != 1 || detail.Routing[0].RuleName != "VIP" || detail.Routing[0].RuleSetVersion != 3 || detail.Routing[0].Reason != "matched" {
			t.Errorf("routing history = %+v", detail.Routing)
		}
		if detail.AgentID == nil || *detail.AgentID != ada.ID {
			t.Errorf("agent_id = %v, want %s", detail.AgentID, ada.ID)
		}

		tests := []struct {
			name    string
			query   string
			token   string
			wantIDs []engine.ConversationID
			code    int
		}{
			{"all, newest first", "", h.admin, []engine.ConversationID{other.ID, mine.ID}, 200},
			{"by status", "?status=open", h.admin, []engine.ConversationID{other.ID}, 200},
			{"by agent", "?agent_id=" + ada.ID, h.admin, []engine.ConversationID{mine.ID}, 200},
			{"by queue", "?queue_id=" + string(q), h.admin, []engine.ConversationID{other.ID, mine.ID}, 200},
			{"by work stream", "?work_stream_id=" + string(w), h.admin, []engine.ConversationID{other.ID, mine.ID}, 200},
			{"by customer", "?customer=@Alice", h.admin, []engine.ConversationID{mine.ID}, 200},
			{"an agent sees its own and those waiting in its queues", "", ada.Token, []engine.ConversationID{other.ID, mine.ID}, 200},
			{"an agent outside the queue sees nothing of others'", "", eve.Token, nil, 200},
			{"an analyst sees all", "", h.key("analyst", ""), []engine.ConversationID{other.ID, mine.ID}, 200},
			{"bad status", "?status=lost", h.admin, nil, 400},
			{"bad queue id", "?queue_id=q", h.admin, nil, 400},
			{"an agent asks for another's", "?agent_id=01JZZZZZZZZZZZZZZZZZZZZZZZ", ada.Token, nil, 403},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := h.call("GET", "/api/v1/conversations"+tt.query, tt.token, nil)
				if res.Code != tt.code {
					t.Fatalf("list%s = %d %s, want %d", tt.query, res.Code, res.Body, tt.code)
				}
				if tt.code != 200 {
					return
				}
				var l listResponse[conversationResponse]
				res.decode(t, &l)
				var got []engine.ConversationID
				for _, c := range l.Items {
					got = append(got, engine.ConversationID(c.ID))
				}
				if len(got) != len(tt.wantIDs) {
					t.Fatalf("listed %v, want %v", got, tt.wantIDs)
				}
				for i := range got {
					if got[i] != tt.wantIDs[i] {
						t.Errorf("listed %v, want %v", got, tt.wantIDs)
					}
				}
			})
		}
		if res := h.call("GET", "/api/v1/conversations/"+string(mine.ID), eve.Token, nil); res.Code != http.StatusNotFound {
			t.Errorf("an agent reading another's conversation = %d, want 404", res.Code)
		}
		if res := h.call("GET", "/api/v1/conversations/"+string(other.ID), ada.Token, nil); res.Code != http.StatusOK {
			t.Errorf("an agent reading a conversation waiting in its queue = %d, want 200", res.Code)
		}
		if res := h.call("GET", "/api/v1/conversations/01JZZZZZZZZZZZZZZZZZZZZZZZ", h.admin, nil); res.Code != http.StatusNotFound {
			t.Errorf("unknown conversation = %d, want 404", res.Code)
		}
		if res := h.call("DELETE", "/api/v1/agents/"+ada.ID, h.admin, nil); res.Code != http.StatusConflict {
			t.Errorf("deleting an agent with a conversation in progress = %d, want 409", res.Code)
		}
		if res := h.call("DELETE", "/api/v1/queues/"+string(q), h.admin, nil); res.Code != http.StatusConflict {
			t.Errorf("deleting a queue with conversations in progress = %d, want 409", res.Code)
		}
	})
}

func TestDuplicateEventIsRefusedByTheStore(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		q, w, handle := seedChannel(t, h)
		c := seedConversation(t, h, q, w, handle, "carol", engine.StatusOpen, "")
		now := time.Now()
		dup := engine.Message{ID: engine.MessageID(engine.NewID(now)), ConversationID: c.ID, SourceID: handle.ApplicationID, Direction: engine.Inbound,
			ExternalID: "ev1-carol", Text: "again", SentAt: now, ReceivedAt: now}
		if err := h.db.AppendMessage(context.Background(), dup); err == nil {
			t.Fatal("a redelivered event was stored twice")
		}
		second := c
		second.ID = engine.ConversationID(engine.NewID(now))
		if err := h.db.CreateConversation(context.Background(), second); err == nil {
			t.Fatal("a second conversation in progress for the same customer and handle was stored")
		}
	})
}

func TestRuleTestWithAStoredConversation(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		q, w, handle := seedChannel(t, h)
		vip := h.create("/api/v1/queues", map[string]any{"name": "VIP"})
		rule := h.create("/api/v1/workstreams/"+string(w)+"/rules", map[string]any{"name": "Big accounts", "condition": `Customer.FollowersCount > 40 && Message.Text contains "refund"`, "queue_id": vip})
		in := dm(handle, "ev1", "alice", "I want a refund")
		res, err := h.svc.Ingest(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		other := h.create("/api/v1/workstreams", map[string]any{"name": "Other", "default_queue_id": string(q)})
		path := "/api/v1/workstreams/" + string(w) + "/rules/test"
		tests := []struct {
			name      string
			path      string
			body      string
			wantCode  int
			wantField string
		}{
			{"stored conversation", path, `{"conversation_id":"` + string(res.ConversationID) + `"}`, 200, ""},
			{"both forms", path, `{"conversation_id":"` + string(res.ConversationID) + `","context":{}}`, 400, "conversation_id"},
			{"unknown conversation", path, `{"conversation_id":"01JZZZZZZZZZZZZZZZZZZZZZZZ"}`, 400, "conversation_id"},
			{"malformed id", path, `{"conversation_id":"c1"}`, 400, "conversation_id"},
			{"another work stream's conversation", "/api/v1/workstreams/" + other + "/rules/test", `{"conversation_id":"` + string(res.ConversationID) + `"}`, 400, "conversation_id"},
			{"neither", path, `{}`, 400, "context"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := h.call("POST", tt.path, h.admin, tt.body)
				if r.Code != tt.wantCode {
					t.Fatalf("= %d %s, want %d", r.Code, r.Body, tt.wantCode)
				}
				if tt.wantField != "" && r.errorField(t) != tt.wantField {
					t.Errorf("error names %q, want %q", r.errorField(t), tt.wantField)
				}
				if tt.wantCode == 200 {
					var out struct {
						MatchedRule *struct{ ID string } `json:"matched_rule"`
						QueueID     string               `json:"queue_id"`
					}
					r.decode(t, &out)
					if out.MatchedRule == nil || out.MatchedRule.ID != rule || out.QueueID != vip {
						t.Errorf("the stored conversation matched %+v to %s; want rule %s to %s", out.MatchedRule, out.QueueID, rule, vip)
					}
				}
			})
		}
	})
}

func TestLinkContactOverHTTP(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		q, w, handle := seedChannel(t, h)
		linked := seedConversation(t, h, q, w, handle, "alice", engine.StatusOpen, "")
		unlinked := linked
		unlinked.ID, unlinked.ContactID = engine.ConversationID(engine.NewID(time.Now())), ""
		unlinked.Customer.ExternalID, unlinked.Customer.ScreenName = "tw-zed", "zed"
		if err := h.db.CreateConversation(context.Background(), unlinked); err != nil {
			t.Fatal(err)
		}
		path := func(c engine.Conversation) string { return "/api/v1/conversations/" + string(c.ID) + "/contact" }
		tests := []struct {
			name      string
			path      string
			token     string
			body      string
			wantCode  int
			wantField string
		}{
			{"neither", path(unlinked), h.admin, `{}`, 400, "contact_id"},
			{"both", path(unlinked), h.admin, `{"contact_id":"01JZZZZZZZZZZZZZZZZZZZZZZZ","create":true}`, 400, "contact_id"},
			{"malformed", path(unlinked), h.admin, `{"contact_id":"x"}`, 400, "contact_id"},
			{"unknown contact", path(unlinked), h.admin, `{"contact_id":"01JZZZZZZZZZZZZZZZZZZZZZZZ"}`, 400, "contact_id"},
			{"an analyst", path(unlinked), h.key("analyst", ""), `{"create":true}`, 403, ""},
			{"another's contact", path(unlinked), h.admin, `{"contact_id":"` + string(linked.ContactID) + `"}`, 409, ""},
			{"create", path(unlinked), h.admin, `{"create":true}`, 200, ""},
			{"already linked", path(linked), h.admin, `{"create":true}`, 409, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := h.call("POST", tt.path, tt.token, tt.body)
				if res.Code != tt.wantCode {
					t.Fatalf("= %d %s, want %d", res.Code, res.Body, tt.wantCode)
				}
				if tt.wantField != "" && res.errorField(t) != tt.wantField {
					t.Errorf("error names %q, want %q", res.errorField(t), tt.wantField)
				}
			})
		}
		var d conversationDetailResponse
		h.call("GET", "/api/v1/conversations/"+string(unlinked.ID), h.admin, nil).decode(t, &d)
		if d.Customer.ContactID == nil || d.Customer.ScreenName != "zed" {
			t.Errorf("after create the customer is %+v; want a contact", d.Customer)
		}
	})
}

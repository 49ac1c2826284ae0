package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/engine"
)

// offersTo counts the offers an agent was notified of.
func (w *world) offersTo(agent engine.Actor) int {
	w.t.Helper()
	n := 0
	for _, x := range w.notices(agent) {
		if x.Kind == engine.NoticeOffer {
			n++
		}
	}
	return n
}

// agentSees reports whether an agent's listing of conversations shows id.
func (w *world) agentSees(agent engine.Actor, id engine.ConversationID) bool {
	w.t.Helper()
	l, err := w.svc.ListConversations(context.Background(), agent, engine.ConversationFilter{}, engine.Page{})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, c := range l.Items {
		if c.ID == id {
			return true
		}
	}
	return false
}

// TestBlockedCustomerIsStoredAndOfferedToNoOne blocks a customer: their
// DMs are stored and marked, their conversation is in no queue, no agent
// is offered it or sees it, and another customer's DM is offered as usual.
// Unblocked, the customer's next DM routes the held conversation and it is
// offered; the audit log says who blocked and unblocked them.
func TestBlockedCustomerIsStoredAndOfferedToNoOne(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		ann := w.agent("Ann", 3, engine.PresenceAvailable)
		b, err := w.svc.Block(ctx, ann, engine.BlockInput{ExternalID: "tw-spammer", Reason: "sells followers"})
		if err != nil {
			t.Fatal(err)
		}
		if b.Customer != (engine.ChannelIdentity{Channel: testChannel, ExternalID: "tw-spammer"}) || b.BlockedBy != "Ann" || !b.BlockedAt.Equal(w.clock.Now()) {
			t.Errorf("block %+v; want the spammer on %s, blocked by Ann now", b, testChannel)
		}

		first := w.ingest(w.dm("ev1", "spammer", "cheap followers!"))
		second := w.ingest(w.dm("ev2", "spammer", "still cheap"))
		if first.Routing != nil || second.Routing != nil || second.ConversationID != first.ConversationID {
			t.Errorf("blocked DMs: %+v then %+v; want one conversation, never routed", first, second)
		}
		held := w.detail(first.ConversationID)
		if held.Status != engine.StatusOpen || held.QueueID != "" || held.RoutedAt != nil || len(held.Routing) != 0 {
			t.Errorf("held conversation %+v; want open in no queue, never routed", held.Conversation)
		}
		if len(held.Messages) != 2 || !held.Messages[0].Blocked || !held.Messages[1].Blocked {
			t.Errorf("held messages %+v; want both stored and marked blocked", held.Messages)
		}
		if w.offersTo(ann) != 0 || w.agentSees(ann, first.ConversationID) {
			t.Errorf("Ann was offered or sees the blocked customer's conversation")
		}

		other := w.ingest(w.dm("ev3", "bob", "my order is late"))
		if other.Status != engine.StatusOffered || w.offersTo(ann) != 1 {
			t.Errorf("bob's DM is %s with %d offers to Ann; want offered to her", other.Status, w.offersTo(ann))
		}
		if m := w.detail(other.ConversationID).Messages; len(m) != 1 || m[0].Blocked {
			t.Errorf("bob's messages %+v; want one, not blocked", m)
		}

		if err := w.svc.Unblock(ctx, w.admin, b.ID); err != nil {
			t.Fatal(err)
		}
		after := w.ingest(w.dm("ev4", "spammer", "sorry, a real question"))
		if after.ConversationID != first.ConversationID || after.Routing == nil || after.Routing.QueueID != w.queue.ID || after.Status != engine.StatusOffered {
			t.Errorf("DM after unblocking: %+v; want the held conversation routed to General and offered", after)
		}
		if w.offersTo(ann) != 2 {
			t.Errorf("Ann has %d offers after the unblock; want 2", w.offersTo(ann))
		}
		if m := w.detail(after.ConversationID).Messages; len(m) != 3 || m[2].Blocked || !m[0].Blocked {
			t.Errorf("messages after unblocking %+v; want the two blocked and a third not", m)
		}

		audit, err := w.svc.ListAudit(ctx, engine.AuditFilter{Resource: "customer", ResourceID: string(testChannel) + ":tw-spammer"}, engine.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(audit.Items) != 2 || audit.Items[0].Action != "unblock" || audit.Items[0].ActorName != "test admin" ||
			audit.Items[1].Action != "block" || audit.Items[1].ActorName != "Ann" || !strings.Contains(audit.Items[1].Summary, "sells followers") {
			t.Errorf("audit %+v; want Ann's block with its reason, then the admin's unblock", audit.Items)
		}
		if l, err := w.svc.ListBlocks(ctx, engine.Page{}); err != nil || len(l.Items) != 0 {
			t.Errorf("blocks after unblocking: %+v, %v; want none", l.Items, err)
		}
	})
}

// TestBlockingLeavesAgentsTheirConversations blocks a customer whose
// conversation is already in progress: one waiting in the queue is taken
// out of it by their next DM; one an agent works stays the agent's, the DM
// added and marked, without a notice to the agent.
func TestBlockingLeavesAgentsTheirConversations(t *testing.T) {
	tests := []struct {
		name       string
		accept     bool // Ann accepts the conversation before the block
		wantStatus engine.Status
		wantQueue  bool
	}{
		{"waiting in the queue", false, engine.StatusOpen, false},
		{"worked by an agent", true, engine.StatusActive, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
				ctx := context.Background()
				ann := w.agent("Ann", 1, engine.PresenceOffline)
				id := w.ingest(w.dm("ev1", "carol", "hello")).ConversationID
				if tt.accept {
					if _, err := w.svc.SetPresence(ctx, ann, ann.AgentID, engine.PresenceAvailable); err != nil {
						t.Fatal(err)
					}
					if _, err := w.svc.Accept(ctx, ann, id); err != nil {
						t.Fatal(err)
					}
				}
				before := len(w.notices(ann))
				if _, err := w.svc.Block(ctx, w.admin, engine.BlockInput{Channel: testChannel, ExternalID: "tw-carol", Reason: "abusive"}); err != nil {
					t.Fatal(err)
				}
				res := w.ingest(w.dm("ev2", "carol", "you again"))
				c := w.detail(id)
				if res.ConversationID != id || res.Routing != nil || c.Status != tt.wantStatus || (c.QueueID != "") != tt.wantQueue {
					t.Errorf("after the blocked DM: %+v, conversation %s in queue %q; want %s, in a queue %v", res, c.Status, c.QueueID, tt.wantStatus, tt.wantQueue)
				}
				if len(c.Messages) != 2 || c.Messages[0].Blocked || !c.Messages[1].Blocked {
					t.Errorf("messages %+v; want the first unmarked, the blocked DM marked", c.Messages)
				}
				if n := len(w.notices(ann)); n != before {
					t.Errorf("Ann got %d notices for the blocked DM; want none", n-before)
				}
				if !tt.accept {
					if _, err := w.svc.SetPresence(ctx, ann, ann.AgentID, engine.PresenceAvailable); err != nil {
						t.Fatal(err)
					}
					if w.offersTo(ann) != 0 || w.agentSees(ann, id) {
						t.Errorf("Ann, available, was offered or sees the held conversation")
					}
				}
			})
		})
	}
}

// TestBlockRefusals lists what Block refuses and why.
func TestBlockRefusals(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		w.ingest(w.dm("ev1", "dave", "hi"))
		b, err := w.svc.Block(ctx, w.admin, engine.BlockInput{ExternalID: " tw-dave ", Reason: " spam "})
		if err != nil {
			t.Fatal(err)
		}
		if b.ScreenName != "dave" || b.Name != "dave Doe" || b.Customer.ExternalID != "tw-dave" || b.Reason != "spam" {
			t.Errorf("block %+v; want dave's names from his contact, trimmed id and reason", b)
		}
		analyst := engine.Actor{Name: "Ana", Role: engine.RoleAnalyst}
		tests := []struct {
			name  string
			actor engine.Actor
			in    engine.BlockInput
			kind  error
			field string
		}{
			{"no reason", w.admin, engine.BlockInput{ExternalID: "tw-x"}, engine.ErrInvalid, "reason"},
			{"a reason too long", w.admin, engine.BlockInput{ExternalID: "tw-x", Reason: strings.Repeat("x", 501)}, engine.ErrInvalid, "reason"},
			{"no customer", w.admin, engine.BlockInput{Reason: "spam"}, engine.ErrInvalid, "external_id"},
			{"another channel", w.admin, engine.BlockInput{Channel: "fax", ExternalID: "tw-x", Reason: "spam"}, engine.ErrInvalid, "channel"},
			{"an analyst", analyst, engine.BlockInput{ExternalID: "tw-x", Reason: "spam"}, engine.ErrForbidden, ""},
			{"blocked already", w.admin, engine.BlockInput{ExternalID: "tw-dave", Reason: "again"}, engine.ErrConflict, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := w.svc.Block(ctx, tt.actor, tt.in)
				var e *engine.Error
				if !errors.As(err, &e) || !errors.Is(err, tt.kind) {
					t.Fatalf("Block: %v; want %s", err, tt.kind)
				}
				if tt.field != "" && (len(e.Details) != 1 || e.Details[0].Field != tt.field) {
					t.Errorf("details %+v; want the field %s", e.Details, tt.field)
				}
			})
		}
		if err := w.svc.Unblock(ctx, analyst, b.ID); !errors.Is(err, engine.ErrForbidden) {
			t.Errorf("an analyst's unblock: %v; want forbidden", err)
		}
		if err := w.svc.Unblock(ctx, w.admin, "01HNOSUCHBLOCK0000000000000"); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("unblocking no block: %v; want not found", err)
		}
		l, err := w.svc.ListBlocks(ctx, engine.Page{})
		if err != nil || len(l.Items) != 1 || l.Items[0].ID != b.ID {
			t.Errorf("blocks %+v, %v; want dave's only", l.Items, err)
		}
	})
}

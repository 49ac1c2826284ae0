package engine_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// TestWaitingAreOfferedByPriority routes three customers to a full queue,
// the second by a rule with a high priority, and frees the one agent's
// capacity twice: a queue ordered by priority offers the urgent one first
// and then the longest waiting; a queue ordered by age offers them as they
// came, whatever their priority.
func TestWaitingAreOfferedByPriority(t *testing.T) {
	tests := []struct {
		ordering engine.QueueOrdering
		want     []string // the customers offered to Ada, in order
	}{
		{engine.OrderByPriority, []string{"bob", "alice", "carol"}},
		{engine.OrderByAge, []string{"alice", "bob", "carol"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.ordering), func(t *testing.T) {
			forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
				ctx := context.Background()
				if _, err := w.svc.UpdateQueue(ctx, w.admin, w.queue.ID, engine.QueueInput{Ordering: &tt.ordering}); err != nil {
					t.Fatal(err)
				}
				if _, err := w.svc.CreateRule(ctx, w.admin, w.ws.ID, engine.RuleInput{Name: ptr("Urgent"),
					Condition: ptr(`Message.Text contains "urgent"`), QueueID: &w.queue.ID, Priority: ptr(800)}); err != nil {
					t.Fatal(err)
				}
				ada := w.agent("Ada", 1, engine.PresenceOffline)
				ids := map[engine.ConversationID]string{}
				for i, dm := range []struct{ customer, text string }{{"alice", "hi"}, {"bob", "urgent: I was charged twice"}, {"carol", "hello"}} {
					ids[w.ingest(w.dm("ev"+dm.customer, dm.customer, dm.text)).ConversationID] = dm.customer
					if i < 2 {
						w.clock.Advance(time.Minute)
					}
				}
				for id, customer := range ids {
					want := engine.DefaultPriority
					if customer == "bob" {
						want = 800
					}
					c := w.conversation(id)
					if c.Priority != want {
						t.Errorf("%s's conversation has priority %d, want %d", customer, c.Priority, want)
					}
					if h := w.detail(id).Routing; len(h) != 1 || h[0].Priority != want {
						t.Errorf("%s's routing history %+v; want one decision with priority %d", customer, h, want)
					}
				}

				if _, err := w.svc.SetPresence(ctx, ada, ada.AgentID, engine.PresenceAvailable); err != nil {
					t.Fatal(err)
				}
				var got []string
				for range tt.want {
					offered := engine.ConversationID("")
					for id := range ids {
						if c := w.conversation(id); c.Status == engine.StatusOffered && c.OfferedAgentID == ada.AgentID {
							offered = id
						}
					}
					if offered == "" {
						t.Fatalf("after %v nothing is offered to Ada", got)
					}
					got = append(got, ids[offered])
					if _, err := w.svc.Accept(ctx, ada, offered); err != nil {
						t.Fatal(err)
					}
					if _, err := w.svc.Close(ctx, ada, offered, ""); err != nil {
						t.Fatal(err)
					}
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("offered to Ada in the order %v, want %v", got, tt.want)
				}
			})
		})
	}
}

// TestSetPriority changes a waiting conversation's priority: it is kept,
// recorded in the routing history and kept again when the conversation is
// requeued by a rule without a priority, while an escalation rule with one
// raises it; bad values and the wrong people are refused with nothing
// changed.
func TestSetPriority(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{RequeueAfter: ptr(10 * time.Minute)}, func(t *testing.T, w *world) {
		ctx := context.Background()
		alice := w.ingest(w.dm("ev1", "alice", "hi")).ConversationID
		bob := w.ingest(w.dm("ev2", "bob", "hello")).ConversationID
		ada := w.agent("Ada", 1, engine.PresenceOffline)

		c, err := w.svc.SetPriority(ctx, w.admin, alice, 300)
		if err != nil || c.Priority != 300 {
			t.Fatalf("SetPriority = %+v, %v; want priority 300", c, err)
		}
		if _, err := w.svc.SetPriority(ctx, w.admin, alice, 300); err != nil {
			t.Fatal(err)
		}
		h := w.detail(alice).Routing
		if len(h) != 2 || h[1].Reason != engine.ReasonPriority || h[1].Priority != 300 || h[1].QueueID != w.queue.ID {
			t.Fatalf("routing history %+v; want the ingest's decision, then one priority decision (setting the same again records nothing)", h)
		}

		refused := []struct {
			name     string
			actor    engine.Actor
			id       engine.ConversationID
			priority int
			kind     error
		}{
			{"above the range", w.admin, alice, 1001, engine.ErrInvalid},
			{"below the range", w.admin, alice, -1, engine.ErrInvalid},
			{"an agent it is not offered to", ada, alice, 10, engine.ErrForbidden},
			{"an unknown conversation", w.admin, "01HNOSUCHCONVERSATION00000", 10, engine.ErrNotFound},
		}
		for _, tt := range refused {
			_, err := w.svc.SetPriority(ctx, tt.actor, tt.id, tt.priority)
			if !errors.Is(err, tt.kind) {
				t.Errorf("%s: %v; want %v", tt.name, err, tt.kind)
			}
		}
		if c := w.conversation(alice); c.Priority != 300 {
			t.Errorf("after the refusals alice's priority is %d, want 300", c.Priority)
		}
		if _, err := w.svc.Close(ctx, w.admin, bob, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.SetPriority(ctx, w.admin, bob, 10); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("priority of a closed conversation: %v; want a conflict", err)
		}

		// A requeue whose matching rule has no priority keeps alice's; a
		// second requeue matches the escalation rule and raises it.
		w.rule("Anyone", `Conversation.RequeueCount < 2`, w.queue.ID)
		if _, err := w.svc.CreateRule(ctx, w.admin, w.ws.ID, engine.RuleInput{Name: ptr("Escalate"),
			Condition: ptr(`Conversation.RequeueCount >= 2`), QueueID: &w.queue.ID, Priority: ptr(900)}); err != nil {
			t.Fatal(err)
		}
		for i, want := range []int{300, 900} {
			w.clock.Advance(11 * time.Minute)
			w.must(w.svc.RequeueWaiting(ctx, w.clock.Now(), 10))
			if c := w.conversation(alice); c.RequeueCount != i+1 || c.Priority != want {
				t.Errorf("after requeue %d alice's conversation has requeue count %d and priority %d, want priority %d", i+1, c.RequeueCount, c.Priority, want)
			}
		}
		h = w.detail(alice).Routing
		if last := h[len(h)-1]; last.Reason != engine.ReasonRequeue || last.RuleName != "Escalate" || last.Priority != 900 {
			t.Errorf("last routing decision %+v; want the escalation rule's, with priority 900", last)
		}
	})
}

// TestRulePriorityInput sets, changes and clears a rule's priority: each
// change is a new rule-set version named in its summary, an out-of-range
// priority is refused naming the field, and clearing with a value is
// refused.
func TestRulePriorityInput(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		r := w.rule("VIP", `Customer.FollowersCount > 1000`, w.queue.ID)
		if r.Priority != nil {
			t.Fatalf("a new rule without a priority has %d", *r.Priority)
		}
		steps := []struct {
			name string
			in   engine.RuleInput
			want *int
		}{
			{"set", engine.RuleInput{Priority: ptr(700)}, ptr(700)},
			{"change", engine.RuleInput{Priority: ptr(0)}, ptr(0)},
			{"clear", engine.RuleInput{ClearPriority: true}, nil},
		}
		version := 1
		for _, s := range steps {
			ch, err := w.svc.UpdateRule(ctx, w.admin, w.ws.ID, r.ID, s.in)
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			version++
			if (ch.Rule.Priority == nil) != (s.want == nil) || (s.want != nil && *ch.Rule.Priority != *s.want) || ch.Version != version {
				t.Errorf("%s: rule priority %v in version %d; want %v in version %d", s.name, ch.Rule.Priority, ch.Version, s.want, version)
			}
			saved, err := w.svc.Rule(ctx, w.ws.ID, r.ID)
			if err != nil || (saved.Priority == nil) != (s.want == nil) {
				t.Errorf("%s: stored rule %+v, %v", s.name, saved, err)
			}
		}
		v, err := w.svc.RuleSetVersion(ctx, w.ws.ID, 2)
		if err != nil || v.Rules[0].Priority == nil || *v.Rules[0].Priority != 700 {
			t.Errorf("version 2 keeps the priority 700 it was made with: %+v, %v", v.Rules, err)
		}
		if !strings.Contains(v.Summary, "priority") {
			t.Errorf("version 2's summary %q does not name the priority", v.Summary)
		}
		for _, in := range []engine.RuleInput{{Priority: ptr(1001)}, {Priority: ptr(5), ClearPriority: true}} {
			_, err := w.svc.UpdateRule(ctx, w.admin, w.ws.ID, r.ID, in)
			var e *engine.Error
			if !errors.As(err, &e) || !errors.Is(e.Kind, engine.ErrInvalid) || len(e.Details) != 1 || e.Details[0].Field != "priority" {
				t.Errorf("UpdateRule(%+v) = %v; want an invalid priority field", in, err)
			}
		}
	})
}

package engine_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

func TestIngestNewCustomer(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		in := w.dm("ev1", "alice", "hello")
		in.Media = []engine.Media{{Type: "photo", URL: "https://pbs.example/p.jpg"}}
		res := w.ingest(in)
		if res.Duplicate || !res.NewConversation || res.Status != engine.StatusOpen {
			t.Fatalf("result = %+v; want a new open conversation", res)
		}
		if res.Routing == nil || res.Routing.Reason != engine.ReasonDefault || res.Routing.QueueID != w.queue.ID || res.Routing.RuleSetVersion != 0 {
			t.Fatalf("routing = %+v; want the default queue, version 0", res.Routing)
		}
		d := w.detail(res.ConversationID)
		if d.Contact == nil || d.Contact.Profile.ExternalID != "tw-alice" || d.IsReturning || d.QueueID != w.queue.ID || d.RoutedAt == nil {
			t.Errorf("conversation = %+v contact %+v", d.Conversation, d.Contact)
		}
		if len(d.Messages) != 1 || d.Messages[0].Text != "hello" || d.Messages[0].ExternalID != "ev1" || len(d.Messages[0].Media) != 1 {
			t.Errorf("messages = %+v", d.Messages)
		}
		if len(d.Routing) != 1 {
			t.Errorf("routing history = %+v", d.Routing)
		}
	})
}

func TestIngestDuplicateIsANoOp(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		first := w.ingest(w.dm("ev1", "alice", "hello"))
		again := w.ingest(w.dm("ev1", "alice", "hello"))
		if !again.Duplicate || again.ConversationID != first.ConversationID || again.MessageID != first.MessageID {
			t.Fatalf("redelivery = %+v; want a duplicate of %+v", again, first)
		}
		d := w.detail(first.ConversationID)
		if len(d.Messages) != 1 || d.MessageCount != 1 || len(d.Routing) != 1 {
			t.Errorf("after a redelivery: %d messages, count %d, %d routings; want 1, 1, 1", len(d.Messages), d.MessageCount, len(d.Routing))
		}
	})
}

func TestIngestContinuesTheConversation(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		first := w.ingest(w.dm("ev2", "alice", "second"))
		// Delivered late: written before the first one.
		late := w.dm("ev1", "alice", "first")
		late.SentAt = late.SentAt.Add(-time.Minute)
		w.clock.Advance(time.Hour)
		next := w.ingest(late)
		if next.ConversationID != first.ConversationID || next.NewConversation || next.Routing != nil {
			t.Fatalf("second message = %+v; want the same conversation, not routed again", next)
		}
		d := w.detail(first.ConversationID)
		if len(d.Messages) != 2 || d.Messages[0].Text != "first" || d.Messages[1].Text != "second" || d.MessageCount != 2 {
			t.Errorf("messages are not in the channel's order: %+v", d.Messages)
		}
		other := w.ingest(w.dm("ev3", "bob", "hi"))
		if other.ConversationID == first.ConversationID {
			t.Error("another customer joined alice's conversation")
		}
	})
}

func TestIngestIdentifiesCustomers(t *testing.T) {
	tests := []struct {
		name           string
		ws             engine.WorkStreamInput
		existing       []engine.CustomerProfile // contacts before the DM
		wantKnown      bool                     // linked to an existing contact
		wantContact    bool
		wantCandidates int // contacts left for the agent to confirm
	}{
		{name: "by channel identity", existing: []engine.CustomerProfile{{Channel: testChannel, ExternalID: "tw-alice", Name: "Alice Old", ScreenName: "alice_old", FollowersCount: 1}}, wantKnown: true, wantContact: true},
		{name: "by screen name", existing: []engine.CustomerProfile{{ScreenName: "ALICE"}}, wantKnown: true, wantContact: true},
		{name: "by display name", existing: []engine.CustomerProfile{{Name: "alice doe"}}, wantKnown: true, wantContact: true},
		{name: "ambiguous name creates a contact", existing: []engine.CustomerProfile{{ScreenName: "alice"}, {ScreenName: "Alice"}}, wantContact: true},
		{name: "name matching off", ws: engine.WorkStreamInput{ContactMatching: ptr(engine.MatchOff)}, existing: []engine.CustomerProfile{{ScreenName: "alice"}}, wantContact: true},
		{name: "ask leaves the choice to the agent", ws: engine.WorkStreamInput{ContactMatching: ptr(engine.MatchAsk)}, existing: []engine.CustomerProfile{{ScreenName: "alice"}}, wantContact: false, wantCandidates: 1},
		{name: "ask without a match creates a contact", ws: engine.WorkStreamInput{ContactMatching: ptr(engine.MatchAsk)}, existing: []engine.CustomerProfile{{ScreenName: "bob"}}, wantContact: true},
		{name: "no contact without a match", ws: engine.WorkStreamInput{CreateContacts: ptr(false)}, wantContact: false},
		{name: "new contact", wantContact: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachWorld(t, tt.ws, func(t *testing.T, w *world) {
				ctx := context.Background()
				var ids []engine.ContactID
				for _, p := range tt.existing {
					now := w.clock.Now()
					c := engine.Contact{ID: engine.ContactID(engine.NewID(now)), Profile: p, Tags: []string{"vip"}, CreatedAt: now, UpdatedAt: now}
					if err := w.db.CreateContact(ctx, c); err != nil {
						t.Fatal(err)
					}
					ids = append(ids, c.ID)
				}
				res := w.ingest(w.dm("ev1", "alice", "hi"))
				d := w.detail(res.ConversationID)
				if len(d.Candidates) != tt.wantCandidates {
					t.Errorf("%d contact candidates, want %d", len(d.Candidates), tt.wantCandidates)
				}
				if (d.Contact != nil) != tt.wantContact {
					t.Fatalf("contact = %+v, want one: %v", d.Contact, tt.wantContact)
				}
				if !tt.wantContact {
					return
				}
				linkedExisting := len(ids) > 0 && d.ContactID == ids[0]
				if linkedExisting != tt.wantKnown {
					t.Errorf("linked to the existing contact = %v, want %v", linkedExisting, tt.wantKnown)
				}
				if d.Contact.Profile.ExternalID != "tw-alice" || d.Contact.Profile.FollowersCount != 10 || d.Contact.Profile.ScreenName != "alice" {
					t.Errorf("the contact's profile was not brought up to date: %+v", d.Contact.Profile)
				}
			})
		})
	}
}

func TestIngestReturningCustomer(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		first := w.ingest(w.dm("ev1", "alice", "hi"))
		c, err := w.db.Conversation(ctx, first.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		c.Status = engine.StatusClosed
		if err := w.db.UpdateConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(24 * time.Hour)
		back := w.ingest(w.dm("ev2", "alice", "me again"))
		if !back.NewConversation || back.ConversationID == first.ConversationID {
			t.Fatalf("a DM after close = %+v; want a new conversation", back)
		}
		d := w.detail(back.ConversationID)
		if !d.IsReturning || d.PreviousConversations != 1 || d.ContactID != c.ContactID {
			t.Errorf("returning conversation = %+v; want returning with 1 previous and the same contact", d.Conversation)
		}
	})
}

func TestIngestRoutesByRules(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		vip := w.queueNamed("VIP")
		refunds := w.queueNamed("Refunds")
		w.rule("VIP", "Customer.FollowersCount > 10000", vip.ID)
		refundRule := w.rule("Refunds", `Message.Text contains "refund"`, refunds.ID)

		tests := []struct {
			customer   string
			followers  int
			text       string
			wantQueue  engine.QueueID
			wantRule   string
			wantReason engine.RoutingReason
		}{
			{"vip", 50000, "refund please", vip.ID, "VIP", engine.ReasonMatched},
			{"refunder", 5, "I want a refund", refunds.ID, "Refunds", engine.ReasonMatched},
			{"plain", 5, "hello", w.queue.ID, "", engine.ReasonDefault},
		}
		for i, tt := range tests {
			in := w.dm(fmt.Sprintf("ev%d", i), tt.customer, tt.text)
			in.Customer.FollowersCount = tt.followers
			res := w.ingest(in)
			d := res.Routing
			if d == nil || d.QueueID != tt.wantQueue || d.RuleName != tt.wantRule || d.Reason != tt.wantReason || d.RuleSetVersion != 2 {
				t.Errorf("%s routed %+v; want queue %s by %q (%s), version 2", tt.customer, d, tt.wantQueue, tt.wantRule, tt.wantReason)
			}
			if tt.wantRule == "Refunds" && d != nil && d.RuleID != string(refundRule.ID) {
				t.Errorf("rule id %s, want %s", d.RuleID, refundRule.ID)
			}
		}
	})
}

func TestIngestConcurrentDeliveries(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		// The same event delivered eight times at once, and a new customer's
		// several events at once: one message each, one conversation.
		for i := range 8 {
			wg.Add(2)
			go func() {
				defer wg.Done()
				if _, err := w.svc.Ingest(ctx, w.dm("same", "alice", "hi")); err != nil {
					errs <- err
				}
			}()
			go func() {
				defer wg.Done()
				if _, err := w.svc.Ingest(ctx, w.dm(fmt.Sprintf("bob-%d", i), "bob", "hello")); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent ingest: %v", err)
		}
		l, err := w.svc.ListConversations(ctx, w.admin, engine.ConversationFilter{}, engine.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Items) != 2 {
			t.Fatalf("%d conversations, want 2 (alice and bob)", len(l.Items))
		}
		for _, c := range l.Items {
			d := w.detail(c.ID)
			want := map[string]int{"alice": 1, "bob": 8}[c.Customer.ScreenName]
			if len(d.Messages) != want || d.MessageCount != want || len(d.Routing) != 1 {
				t.Errorf("%s: %d messages (count %d), %d routings; want %d, %d, 1", c.Customer.ScreenName, len(d.Messages), d.MessageCount, len(d.Routing), want, want)
			}
		}
	})
}

func TestAskingWorkStreamLetsTheAgentLinkTheContact(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{ContactMatching: ptr(engine.MatchAsk)}, func(t *testing.T, w *world) {
		ctx := context.Background()
		now := w.clock.Now()
		known := engine.Contact{ID: engine.ContactID(engine.NewID(now)), Profile: engine.CustomerProfile{Name: "Alice Doe", ScreenName: "alice"}, Tags: []string{"vip"}, CreatedAt: now, UpdatedAt: now}
		if err := w.db.CreateContact(ctx, known); err != nil {
			t.Fatal(err)
		}
		ada := w.agent("Ada", 1, engine.PresenceAvailable)
		res := w.ingest(w.dm("ev1", "alice", "hi"))
		if d := w.detail(res.ConversationID); d.ContactID != "" || len(d.Candidates) != 1 || d.Candidates[0].ID != known.ID {
			t.Fatalf("conversation links %q with candidates %+v; want no link and the known contact as candidate", d.ContactID, d.Candidates)
		}
		if _, err := w.svc.Accept(ctx, ada, res.ConversationID); err != nil {
			t.Fatal(err)
		}
		c, err := w.svc.LinkContact(ctx, ada, res.ConversationID, known.ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.ContactID != known.ID || len(c.ContactCandidates) != 0 {
			t.Errorf("after linking: contact %q candidates %v", c.ContactID, c.ContactCandidates)
		}
		if _, err := w.svc.LinkContact(ctx, ada, res.ConversationID, ""); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("linking twice = %v, want a conflict", err)
		}
		// The contact now carries the customer's channel identity: the next message finds it at once.
		next := w.ingest(w.dm("ev2", "alice", "thanks"))
		if d := w.detail(next.ConversationID); d.ContactID != known.ID || d.Contact.Profile.ExternalID != "tw-alice" {
			t.Errorf("next DM linked %q (%+v), want %s with the channel identity", d.ContactID, d.Contact, known.ID)
		}
	})
}

package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/switchboardhq/switchboard/engine"
)

func TestPushOfferCarriesTheCustomer(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ada := w.agent("Ada", 2, engine.PresenceAvailable)
		vip := w.rule("VIP", "Customer.FollowersCount > 1000", w.queue.ID)
		in := w.dm("ev1", "alice", "my order is late")
		in.Customer.FollowersCount = 5000
		res := w.ingest(in)
		c := w.conversation(res.ConversationID)
		if c.Status != engine.StatusOffered || c.OfferedAgentID != ada.AgentID || c.OfferedAt == nil {
			t.Fatalf("conversation = %+v; want offered to Ada", c)
		}
		n := w.notices(ada)
		if len(n) != 1 || n[0].Kind != engine.NoticeOffer {
			t.Fatalf("Ada's notifications = %+v; want one offer", n)
		}
		var offer engine.OfferNotice
		if err := json.Unmarshal(n[0].Payload, &offer); err != nil {
			t.Fatal(err)
		}
		if offer.Customer.ScreenName != "alice" || offer.Customer.FollowersCount != 5000 || offer.Customer.ContactID == "" ||
			offer.QueueName != "General" || offer.Routing == nil || offer.Routing.RuleID != string(vip.ID) ||
			len(offer.LastMessages) != 1 || offer.LastMessages[0].Text != "my order is late" {
			t.Errorf("offer notice = %+v", offer)
		}
	})
}

func TestOfferWaitsForCapacity(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		ada := w.agent("Ada", 1, engine.PresenceOffline)
		first := w.ingest(w.dm("ev1", "alice", "hi"))
		if c := w.conversation(first.ConversationID); c.Status != engine.StatusOpen {
			t.Fatalf("with nobody available the conversation is %s, want open", c.Status)
		}
		if _, err := w.svc.SetPresence(ctx, ada, ada.AgentID, engine.PresenceAvailable); err != nil {
			t.Fatal(err)
		}
		if c := w.conversation(first.ConversationID); c.Status != engine.StatusOffered || c.OfferedAgentID != ada.AgentID {
			t.Fatalf("after Ada became available: %+v; want offered to her", c)
		}
		second := w.ingest(w.dm("ev2", "bob", "hello"))
		if c := w.conversation(second.ConversationID); c.Status != engine.StatusOpen {
			t.Fatalf("Ada is full, yet bob's conversation is %s", c.Status)
		}
		if _, err := w.svc.Accept(ctx, ada, first.ConversationID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Close(ctx, ada, first.ConversationID, ""); err != nil {
			t.Fatal(err)
		}
		if c := w.conversation(second.ConversationID); c.Status != engine.StatusOffered || c.OfferedAgentID != ada.AgentID {
			t.Fatalf("after Ada closed alice's conversation, bob's is %+v; want offered to Ada", c)
		}
	})
}

func TestRejectOffersTheNextAgent(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		ada := w.agent("Ada", 1, engine.PresenceAvailable)
		bob := w.agent("Bob", 1, engine.PresenceAvailable)
		res := w.ingest(w.dm("ev1", "alice", "hi"))
		first := w.conversation(res.ConversationID).OfferedAgentID
		other := map[engine.AgentID]engine.Actor{ada.AgentID: bob, bob.AgentID: ada}[first]
		firstActor := map[engine.AgentID]engine.Actor{ada.AgentID: ada, bob.AgentID: bob}[first]
		if _, err := w.svc.Reject(ctx, firstActor, res.ConversationID); err != nil {
			t.Fatal(err)
		}
		if c := w.conversation(res.ConversationID); c.OfferedAgentID != other.AgentID {
			t.Fatalf("after a reject the offer went to %s, want %s", c.OfferedAgentID, other.AgentID)
		}
		if _, err := w.svc.Accept(ctx, firstActor, res.ConversationID); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("the agent who rejected accepting = %v, want a conflict", err)
		}
		if _, err := w.svc.Reject(ctx, other, res.ConversationID); err != nil {
			t.Fatal(err)
		}
		if c := w.conversation(res.ConversationID); c.Status != engine.StatusOpen || c.OfferedAgentID != "" {
			t.Fatalf("after everyone rejected: %+v; want open in its queue", c)
		}
	})
}

func TestAssignmentMethods(t *testing.T) {
	tests := []struct {
		method engine.AssignmentMethod
		want   []string // who gets each of three conversations in a row
	}{
		{engine.AssignRoundRobin, []string{"Ada", "Bob", "Ada"}},
		{engine.AssignHighestCapacity, []string{"Bob", "Bob", "Ada"}},
		{engine.AssignMostIdle, []string{"Ada", "Bob", "Ada"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.method), func(t *testing.T) {
			forEachWorld(t, engine.WorkStreamInput{AssignmentMethod: ptr(tt.method)}, func(t *testing.T, w *world) {
				names := map[engine.AgentID]string{}
				ada := w.agent("Ada", 2, engine.PresenceAvailable)
				bob := w.agent("Bob", 4, engine.PresenceAvailable)
				names[ada.AgentID], names[bob.AgentID] = "Ada", "Bob"
				var got []string
				for i := range tt.want {
					res := w.ingest(w.dm(fmt.Sprintf("ev%d", i), fmt.Sprintf("c%d", i), "hi"))
					got = append(got, names[w.conversation(res.ConversationID).OfferedAgentID])
				}
				for i := range got {
					if got[i] != tt.want[i] {
						t.Errorf("offers went to %v, want %v", got, tt.want)
						break
					}
				}
			})
		})
	}
}

func TestPickMode(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{Mode: ptr(engine.ModePick)}, func(t *testing.T, w *world) {
		ctx := context.Background()
		ada := w.agent("Ada", 1, engine.PresenceAvailable)
		bob := w.agent("Bob", 1, engine.PresenceAvailable)
		outsider := w.agent("Eve", 1, engine.PresenceAvailable, w.queueNamed("Elsewhere").ID)
		res := w.ingest(w.dm("ev1", "alice", "hi"))
		if c := w.conversation(res.ConversationID); c.Status != engine.StatusOpen || c.OfferedAgentID != "" {
			t.Fatalf("pick mode offered the conversation: %+v", c)
		}
		if _, err := w.svc.Accept(ctx, outsider, res.ConversationID); !errors.Is(err, engine.ErrForbidden) {
			t.Errorf("an agent of another queue picking = %v, want forbidden", err)
		}
		if _, err := w.svc.Accept(ctx, ada, res.ConversationID); err != nil {
			t.Fatalf("Ada picks: %v", err)
		}
		if _, err := w.svc.Accept(ctx, bob, res.ConversationID); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("Bob picking the same conversation = %v, want a conflict", err)
		}
		other := w.ingest(w.dm("ev2", "bob", "hi"))
		if _, err := w.svc.Accept(ctx, ada, other.ConversationID); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("Ada picking beyond her capacity = %v, want a conflict", err)
		}
	})
}

func TestStateMoves(t *testing.T) {
	type step struct {
		action string
		want   engine.Status // "" means refused with a conflict
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"the whole way", []step{{"accept", engine.StatusActive}, {"wait", engine.StatusWaiting}, {"end", engine.StatusWrapUp}, {"close", engine.StatusClosed}}},
		{"close while active", []step{{"accept", engine.StatusActive}, {"close", engine.StatusClosed}}},
		{"wait before accept", []step{{"wait", ""}}},
		{"end before accept", []step{{"end", ""}}},
		{"close before accept", []step{{"close", ""}}},
		{"accept twice", []step{{"accept", engine.StatusActive}, {"accept", ""}}},
		{"reject after accept", []step{{"accept", engine.StatusActive}, {"reject", ""}}},
		{"wait twice", []step{{"accept", engine.StatusActive}, {"wait", engine.StatusWaiting}, {"wait", ""}}},
		{"end in wrap-up", []step{{"accept", engine.StatusActive}, {"end", engine.StatusWrapUp}, {"end", ""}}},
		{"anything after close", []step{{"accept", engine.StatusActive}, {"close", engine.StatusClosed}, {"wait", ""}, {"end", ""}, {"close", ""}, {"accept", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
				ctx := context.Background()
				ada := w.agent("Ada", 1, engine.PresenceAvailable)
				res := w.ingest(w.dm("ev1", "alice", "hi"))
				actions := map[string]func() (engine.Conversation, error){
					"accept": func() (engine.Conversation, error) { return w.svc.Accept(ctx, ada, res.ConversationID) },
					"reject": func() (engine.Conversation, error) { return w.svc.Reject(ctx, ada, res.ConversationID) },
					"wait":   func() (engine.Conversation, error) { return w.svc.Wait(ctx, ada, res.ConversationID) },
					"end":    func() (engine.Conversation, error) { return w.svc.End(ctx, ada, res.ConversationID) },
					"close":  func() (engine.Conversation, error) { return w.svc.Close(ctx, ada, res.ConversationID, "") },
				}
				for _, s := range tt.steps {
					before := w.conversation(res.ConversationID).Status
					c, err := actions[s.action]()
					if s.want == "" {
						var e *engine.Error
						if !errors.Is(err, engine.ErrConflict) || !errors.As(err, &e) {
							t.Fatalf("%s from %s = %v, want a conflict", s.action, before, err)
						}
						if after := w.conversation(res.ConversationID).Status; after != before {
							t.Fatalf("a refused %s moved the conversation from %s to %s", s.action, before, after)
						}
						continue
					}
					if err != nil || c.Status != s.want {
						t.Fatalf("%s from %s = %s, %v; want %s", s.action, before, c.Status, err, s.want)
					}
				}
			})
		})
	}
}

func TestWorkflowPermissions(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		ada := w.agent("Ada", 1, engine.PresenceAvailable)
		bob := w.agent("Bob", 1, engine.PresenceOffline)
		res := w.ingest(w.dm("ev1", "alice", "hi"))
		if _, err := w.svc.Accept(ctx, w.admin, res.ConversationID); !errors.Is(err, engine.ErrForbidden) {
			t.Errorf("an admin accepting = %v, want forbidden (it is the agent's decision)", err)
		}
		if _, err := w.svc.Accept(ctx, ada, res.ConversationID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Wait(ctx, bob, res.ConversationID); !errors.Is(err, engine.ErrForbidden) {
			t.Errorf("another agent acting on Ada's conversation = %v, want forbidden", err)
		}
		analyst := engine.Actor{Name: "analyst", Role: engine.RoleAnalyst}
		if _, err := w.svc.Close(ctx, analyst, res.ConversationID, ""); !errors.Is(err, engine.ErrForbidden) {
			t.Errorf("an analyst closing = %v, want forbidden", err)
		}
		if _, err := w.svc.Wait(ctx, w.admin, res.ConversationID); err != nil {
			t.Errorf("an admin pausing: %v", err)
		}
		if _, err := w.svc.Close(ctx, w.admin, res.ConversationID, "spam"); err != nil {
			t.Errorf("an admin closing: %v", err)
		}
		var told []string
		for _, n := range w.notices(ada) {
			if n.Kind == engine.NoticeStatus {
				var st engine.StatusNotice
				if err := json.Unmarshal(n.Payload, &st); err != nil {
					t.Fatal(err)
				}
				told = append(told, st.Status)
			}
		}
		if len(told) != 2 || told[0] != "waiting" || told[1] != "closed" {
			t.Errorf("Ada was told of %v, want [waiting closed]: an admin changed her conversation", told)
		}
	})
}

func TestTransfer(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		billing := w.queueNamed("Billing")
		ada := w.agent("Ada", 1, engine.PresenceAvailable)
		bea := w.agent("Bea", 1, engine.PresenceAvailable, billing.ID)
		res := w.ingest(w.dm("ev1", "alice", "invoice question"))
		if _, err := w.svc.Accept(ctx, ada, res.ConversationID); err != nil {
			t.Fatal(err)
		}
		c, err := w.svc.Transfer(ctx, ada, res.ConversationID, engine.TransferInput{QueueID: billing.ID})
		if err != nil {
			t.Fatal(err)
		}
		if c.Status != engine.StatusOffered || c.QueueID != billing.ID || c.OfferedAgentID != bea.AgentID || c.AgentID != "" {
			t.Fatalf("after a transfer to Billing: %+v; want offered to Bea in Billing", c)
		}
		d := w.detail(res.ConversationID)
		if last := d.Routing[len(d.Routing)-1]; last.Reason != engine.ReasonTransfer || last.QueueID != billing.ID {
			t.Errorf("routing history ends with %+v; want the transfer", last)
		}
		if _, err := w.svc.Accept(ctx, bea, res.ConversationID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Transfer(ctx, bea, res.ConversationID, engine.TransferInput{AgentID: ada.AgentID}); err != nil {
			t.Fatalf("transfer to Ada: %v", err)
		}
		if c := w.conversation(res.ConversationID); c.OfferedAgentID != ada.AgentID || c.Status != engine.StatusOffered {
			t.Errorf("after a transfer to Ada: %+v", c)
		}
		if _, err := w.svc.Transfer(ctx, ada, res.ConversationID, engine.TransferInput{}); !errors.Is(err, engine.ErrInvalid) {
			t.Errorf("a transfer to nowhere = %v, want invalid", err)
		}
	})
}

func TestCustomerReturnsToWaitingConversation(t *testing.T) {
	tests := []struct {
		name      string
		keep      bool
		offline   bool
		wantAgent bool
	}{
		{"same agent", true, false, true},
		{"agent gone offline", true, true, false},
		{"work stream does not keep agents", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachWorld(t, engine.WorkStreamInput{KeepSameAgent: ptr(tt.keep)}, func(t *testing.T, w *world) {
				ctx := context.Background()
				ada := w.agent("Ada", 1, engine.PresenceAvailable)
				res := w.ingest(w.dm("ev1", "alice", "hi"))
				if _, err := w.svc.Accept(ctx, ada, res.ConversationID); err != nil {
					t.Fatal(err)
				}
				if _, err := w.svc.Wait(ctx, ada, res.ConversationID); err != nil {
					t.Fatal(err)
				}
				if tt.offline {
					if _, err := w.svc.SetPresence(ctx, ada, ada.AgentID, engine.PresenceOffline); err != nil {
						t.Fatal(err)
					}
				}
				back := w.ingest(w.dm("ev2", "alice", "still there?"))
				c := w.conversation(back.ConversationID)
				if tt.wantAgent {
					if c.Status != engine.StatusActive || c.AgentID != ada.AgentID {
						t.Errorf("conversation = %s with %q; want active with Ada", c.Status, c.AgentID)
					}
					n := w.notices(ada)
					if last := n[len(n)-1]; last.Kind != engine.NoticeMessage {
						t.Errorf("Ada's last notification is %s, want the new message", last.Kind)
					}
					return
				}
				if c.AgentID != "" || c.RequeueCount != 1 || back.Routing == nil || back.Routing.Reason != engine.ReasonRequeue {
					t.Errorf("conversation = %+v routing %+v; want requeued without an agent", c, back.Routing)
				}
			})
		})
	}
}

// TestConcurrentOffersRespectCapacity offers 200 conversations at once to
// 10 agents of capacity 3: nobody is ever above capacity and no
// conversation is offered to two agents.
func TestConcurrentOffersRespectCapacity(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		var agents []engine.Actor
		for i := range 10 {
			agents = append(agents, w.agent(fmt.Sprintf("agent%d", i), 3, engine.PresenceAvailable))
		}
		const n = 200
		var wg sync.WaitGroup
		errs := make(chan error, n)
		sem := make(chan struct{}, 16)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				if _, err := w.svc.Ingest(ctx, w.dm(fmt.Sprintf("ev%d", i), fmt.Sprintf("c%d", i), "hi")); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("ingest: %v", err)
		}
		perAgent := map[engine.AgentID]int{}
		offered, open := 0, 0
		page := engine.Page{Limit: 500}
		l, err := w.svc.ListConversations(ctx, w.admin, engine.ConversationFilter{}, page)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Items) != n {
			t.Fatalf("%d conversations, want %d: something was lost", len(l.Items), n)
		}
		for _, c := range l.Items {
			switch c.Status {
			case engine.StatusOffered:
				offered++
				perAgent[c.OfferedAgentID]++
			case engine.StatusOpen:
				open++
			default:
				t.Errorf("conversation in state %s", c.Status)
			}
		}
		for a, k := range perAgent {
			if k > 3 {
				t.Errorf("agent %s holds %d offers with capacity 3", a, k)
			}
		}
		if offered != 30 || open != n-30 {
			t.Errorf("%d offered and %d open, want 30 (10 agents × 3) and %d", offered, open, n-30)
		}
		for _, a := range agents {
			if got := len(w.notices(a)); got != perAgent[a.AgentID] {
				t.Errorf("%s got %d offer notifications for %d offers", a.Name, got, perAgent[a.AgentID])
			}
		}
	})
}

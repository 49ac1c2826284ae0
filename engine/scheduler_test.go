package engine_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
)

// kinds lists the kinds of notifications.
func kinds(ns []engine.Notification) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		out = append(out, n.Kind)
	}
	return out
}

// lastNotice decodes an agent's latest notification of a kind.
func (w *world) lastNotice(agent engine.Actor, kind string) (engine.StatusNotice, bool) {
	w.t.Helper()
	ns := w.notices(agent)
	for i := len(ns) - 1; i >= 0; i-- {
		if ns[i].Kind == kind {
			var n engine.StatusNotice
			if err := json.Unmarshal(ns[i].Payload, &n); err != nil {
				w.t.Fatal(err)
			}
			return n, true
		}
	}
	return engine.StatusNotice{}, false
}

// must fails the test when a job failed, and returns its stats.
func (w *world) must(stats engine.SweepStats, err error) engine.SweepStats {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
	return stats
}

func TestOfferTimeout(t *testing.T) {
	type step struct {
		advance      time.Duration
		wantExamined int
		wantStatus   engine.Status
		wantOffered  string // "first", "second" or "" (nobody)
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"not yet due: nothing happens", []step{{29 * time.Second, 0, engine.StatusOffered, "first"}}},
		{"timed out: the next agent gets it, then it waits in the queue", []step{
			{30 * time.Second, 1, engine.StatusOffered, "second"},
			{10 * time.Second, 0, engine.StatusOffered, "second"},
			{20 * time.Second, 1, engine.StatusOpen, ""},
			{time.Hour, 0, engine.StatusOpen, ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachWorld(t, engine.WorkStreamInput{OfferTimeout: ptr(30 * time.Second), RequeueAfter: ptr(24 * time.Hour)}, func(t *testing.T, w *world) {
				ctx := context.Background()
				ada := w.agent("Ada", 1, engine.PresenceAvailable)
				bob := w.agent("Bob", 1, engine.PresenceAvailable)
				res := w.ingest(w.dm("ev1", "alice", "hi"))
				actors := map[engine.AgentID]engine.Actor{ada.AgentID: ada, bob.AgentID: bob}
				first := actors[w.conversation(res.ConversationID).OfferedAgentID]
				second := map[engine.AgentID]engine.Actor{ada.AgentID: bob, bob.AgentID: ada}[first.AgentID]
				for i, s := range tt.steps {
					w.clock.Advance(s.advance)
					stats := w.must(w.svc.TimeOutOffers(ctx, w.clock.Now(), 10))
					c := w.conversation(res.ConversationID)
					want := map[string]engine.AgentID{"first": first.AgentID, "second": second.AgentID}[s.wantOffered]
					if stats.Examined != s.wantExamined || c.Status != s.wantStatus || c.OfferedAgentID != want {
						t.Fatalf("step %d: stats %+v, conversation %s offered to %q; want %d examined, %s offered to %q",
							i, stats, c.Status, c.OfferedAgentID, s.wantExamined, s.wantStatus, want)
					}
					if s.wantOffered == "" && (c.CapacityUnits != 0 || c.QueueID != w.queue.ID) {
						t.Fatalf("step %d: a conversation back in the queue holds %d capacity in queue %s", i, c.CapacityUnits, c.QueueID)
					}
				}
				if len(tt.steps) > 1 {
					n, ok := w.lastNotice(first, engine.NoticeOfferWithdrawn)
					if !ok || !strings.Contains(n.Reason, "timed out") {
						t.Errorf("the first agent's notifications %v: want offer_withdrawn (timed out), got %+v", kinds(w.notices(first)), n)
					}
				}
			})
		})
	}
}

func TestRequeueRepeatsAndEscalates(t *testing.T) {
	steps := []struct {
		advance      time.Duration
		wantExamined int
		wantCount    int
		wantQueue    string
	}{
		{time.Minute, 0, 0, "General"},
		{time.Minute, 1, 1, "General"},
		{time.Minute, 0, 1, "General"},
		{time.Minute, 1, 2, "Escalation"}, // the second requeue matches the rule
		{2 * time.Minute, 1, 3, "Escalation"},
	}
	forEachWorld(t, engine.WorkStreamInput{RequeueAfter: ptr(2 * time.Minute)}, func(t *testing.T, w *world) {
		ctx := context.Background()
		esc := w.queueNamed("Escalation")
		w.rule("Escalate", "Conversation.RequeueCount >= 2", esc.ID)
		w.rule("Long wait", "Conversation.WaitMinutes >= 100", esc.ID) // never matches here; WaitMinutes grows
		names := map[engine.QueueID]string{w.queue.ID: "General", esc.ID: "Escalation"}
		res := w.ingest(w.dm("ev1", "alice", "anyone there? #help"))
		for i, s := range steps {
			w.clock.Advance(s.advance)
			stats := w.must(w.svc.RequeueWaiting(ctx, w.clock.Now(), 10))
			c := w.conversation(res.ConversationID)
			if stats.Examined != s.wantExamined || stats.Changed != s.wantExamined || c.RequeueCount != s.wantCount || names[c.QueueID] != s.wantQueue {
				t.Fatalf("step %d: stats %+v, count %d, queue %s; want %d examined, count %d, queue %s",
					i, stats, c.RequeueCount, names[c.QueueID], s.wantExamined, s.wantCount, s.wantQueue)
			}
		}
		d := w.detail(res.ConversationID)
		var reasons []string
		for _, r := range d.Routing {
			reasons = append(reasons, string(r.Reason)+":"+names[r.QueueID])
		}
		want := "default:General requeue:General requeue:Escalation requeue:Escalation"
		if got := strings.Join(reasons, " "); got != want {
			t.Errorf("routing history = %s; want %s", got, want)
		}
		if last := d.Routing[len(d.Routing)-1]; last.RuleName != "Escalate" || last.RuleSetVersion == 0 {
			t.Errorf("last decision = %+v; want the Escalate rule of a published version", last)
		}
	})
}

func TestRequeueOffersAfresh(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{OfferTimeout: ptr(30 * time.Second), RequeueAfter: ptr(5 * time.Minute)}, func(t *testing.T, w *world) {
		ctx := context.Background()
		ada := w.agent("Ada", 1, engine.PresenceAvailable)
		res := w.ingest(w.dm("ev1", "alice", "hi"))
		if _, err := w.svc.Reject(ctx, ada, res.ConversationID); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(5 * time.Minute)
		w.must(w.svc.RequeueWaiting(ctx, w.clock.Now(), 10))
		if c := w.conversation(res.ConversationID); c.Status != engine.StatusOffered || c.OfferedAgentID != ada.AgentID {
			t.Fatalf("after the requeue: %+v; want offered to Ada again (her rejection was of the earlier routing)", c)
		}
	})
}

func TestStalledCustomer(t *testing.T) {
	tests := []struct {
		name        string
		agentReply  bool
		wantStalled bool
	}{
		{"the customer's message is unanswered", false, true},
		{"the agent answered", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachWorld(t, engine.WorkStreamInput{StallAfter: ptr(10 * time.Minute), RequeueAfter: ptr(30 * time.Minute)}, func(t *testing.T, w *world) {
				ctx := context.Background()
				ada := w.agent("Ada", 1, engine.PresenceAvailable)
				res := w.ingest(w.dm("ev1", "alice", "hi"))
				if _, err := w.svc.Accept(ctx, ada, res.ConversationID); err != nil {
					t.Fatal(err)
				}
				bob := w.agent("Bob", 1, engine.PresenceAvailable)
				w.clock.Advance(time.Minute)
				if tt.agentReply {
					if _, err := w.svc.Reply(ctx, ada, res.ConversationID, "on it"); err != nil {
						t.Fatal(err)
					}
				}
				w.clock.Advance(10 * time.Minute)
				stats := w.must(w.svc.MarkStalled(ctx, w.clock.Now(), 10, 0))
				c := w.conversation(res.ConversationID)
				if (c.StalledAt != nil) != tt.wantStalled || (stats.Changed == 1) != tt.wantStalled {
					t.Fatalf("stalled at %v after %+v; want stalled %v", c.StalledAt, stats, tt.wantStalled)
				}
				if !tt.wantStalled {
					return
				}
				if n, ok := w.lastNotice(ada, engine.NoticeStatus); !ok || !strings.Contains(n.Reason, "stalled") {
					t.Errorf("Ada was not told of the stall: %+v", n)
				}
				w.clock.Advance(time.Minute)
				if stats := w.must(w.svc.MarkStalled(ctx, w.clock.Now(), 10, 0)); stats.Examined != 0 {
					t.Errorf("a stalled conversation was marked again: %+v", stats)
				}
				// Past the second interval (the work stream's requeue_after) it is requeued.
				w.clock.Advance(30 * time.Minute)
				if stats := w.must(w.svc.MarkStalled(ctx, w.clock.Now(), 10, 0)); stats.Changed != 1 {
					t.Fatalf("second interval: %+v; want one requeue", stats)
				}
				c = w.conversation(res.ConversationID)
				if c.Status != engine.StatusOffered || c.OfferedAgentID != bob.AgentID || c.AgentID != "" || c.RequeueCount != 1 || c.StalledAt != nil {
					t.Fatalf("after the stall requeue: %+v; want offered to Bob, count 1", c)
				}
				if d := w.detail(res.ConversationID); d.Routing[len(d.Routing)-1].Reason != engine.ReasonRequeue {
					t.Errorf("last routing = %+v; want requeue", d.Routing[len(d.Routing)-1])
				}
				if n, ok := w.lastNotice(ada, engine.NoticeStatus); !ok || !strings.Contains(n.Reason, "requeued") {
					t.Errorf("Ada was not told the conversation left her: %+v", n)
				}
			})
		})
	}
}

func TestAgentGone(t *testing.T) {
	tests := []struct {
		name       string
		accept     bool
		wait       bool
		streamGone bool // the stream stops instead of the agent setting offline
		wantStatus engine.Status
		wantAgent  string // who holds it after: "bob" (offered), "ada" (kept)
	}{
		{"offline with an offer: withdrawn, offered to the next agent", false, false, false, engine.StatusOffered, "bob"},
		{"offline with an active conversation: requeued", true, false, false, engine.StatusOffered, "bob"},
		{"stream gone past the grace period: offline, requeued", true, false, true, engine.StatusOffered, "bob"},
		{"offline with a waiting conversation: kept (the work stream keeps agents)", true, true, false, engine.StatusWaiting, "ada"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
				ctx := context.Background()
				ada := w.agent("Ada", 1, engine.PresenceAvailable)
				res := w.ingest(w.dm("ev1", "alice", "hi"))
				if tt.accept {
					if _, err := w.svc.Accept(ctx, ada, res.ConversationID); err != nil {
						t.Fatal(err)
					}
				}
				if tt.wait {
					if _, err := w.svc.Wait(ctx, ada, res.ConversationID); err != nil {
						t.Fatal(err)
					}
				}
				bob := w.agent("Bob", 1, engine.PresenceAvailable)
				const grace = 2 * time.Minute
				if tt.streamGone {
					if err := w.svc.StreamSeen(ctx, ada.AgentID); err != nil {
						t.Fatal(err)
					}
					w.clock.Advance(time.Minute)
					if stats := w.must(w.svc.ReleaseGoneAgents(ctx, w.clock.Now(), 10, grace)); stats.Examined != 0 {
						t.Fatalf("within the grace period: %+v; want nothing", stats)
					}
					w.clock.Advance(grace)
				} else if _, err := w.svc.SetPresence(ctx, ada, ada.AgentID, engine.PresenceOffline); err != nil {
					t.Fatal(err)
				}
				w.must(w.svc.ReleaseGoneAgents(ctx, w.clock.Now(), 10, grace))
				c := w.conversation(res.ConversationID)
				holder := map[string]engine.AgentID{"bob": bob.AgentID, "ada": ada.AgentID}[tt.wantAgent]
				if got := c.OfferedAgentID + c.AgentID; c.Status != tt.wantStatus || got != holder {
					t.Fatalf("conversation %s held by %q; want %s held by %s", c.Status, got, tt.wantStatus, tt.wantAgent)
				}
				if a, err := w.svc.Agent(ctx, ada.AgentID); err != nil || a.Presence != engine.PresenceOffline {
					t.Errorf("Ada is %v (%v); want offline", a.Presence, err)
				}
				if tt.accept && !tt.wait && c.RequeueCount != 1 {
					t.Errorf("requeue count %d; want 1", c.RequeueCount)
				}
				if !tt.accept {
					if _, ok := w.lastNotice(ada, engine.NoticeOfferWithdrawn); !ok {
						t.Errorf("Ada's offer was not withdrawn: %v", kinds(w.notices(ada)))
					}
				}
				if stats := w.must(w.svc.ReleaseGoneAgents(ctx, w.clock.Now(), 10, grace)); stats.Examined != 0 {
					t.Errorf("a second run found work again: %+v", stats)
				}
			})
		})
	}
}

func TestAutoCloseThenReturningCustomer(t *testing.T) {
	tests := []struct {
		name   string
		accept bool
	}{
		{"waiting in the queue", false},
		{"worked by an agent", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachWorld(t, engine.WorkStreamInput{AutoCloseAfter: ptr(time.Hour), OfferTimeout: ptr(24 * time.Hour)}, func(t *testing.T, w *world) {
				ctx := context.Background()
				ada := w.agent("Ada", 1, engine.PresenceAvailable)
				if !tt.accept {
					if _, err := w.svc.SetPresence(ctx, ada, ada.AgentID, engine.PresenceBusy); err != nil {
						t.Fatal(err)
					}
				}
				res := w.ingest(w.dm("ev1", "alice", "hi"))
				if tt.accept {
					if _, err := w.svc.Accept(ctx, ada, res.ConversationID); err != nil {
						t.Fatal(err)
					}
				}
				w.clock.Advance(59 * time.Minute)
				if stats := w.must(w.svc.AutoClose(ctx, w.clock.Now(), 10)); stats.Examined != 0 {
					t.Fatalf("before auto_close_after: %+v", stats)
				}
				w.clock.Advance(time.Minute)
				if stats := w.must(w.svc.AutoClose(ctx, w.clock.Now(), 10)); stats.Changed != 1 {
					t.Fatalf("at auto_close_after: %+v; want one closed", stats)
				}
				c := w.conversation(res.ConversationID)
				if c.Status != engine.StatusClosed || c.CloseReason != engine.CloseInactivity || c.CapacityUnits != 0 {
					t.Fatalf("conversation = %s (%q, capacity %d); want closed for inactivity", c.Status, c.CloseReason, c.CapacityUnits)
				}
				if tt.accept {
					if n, ok := w.lastNotice(ada, engine.NoticeStatus); !ok || n.Status != string(engine.StatusClosed) {
						t.Errorf("Ada was not told: %+v", n)
					}
				}
				w.clock.Advance(time.Hour)
				again := w.ingest(w.dm("ev2", "alice", "me again"))
				if !again.NewConversation || again.ConversationID == res.ConversationID {
					t.Fatalf("a DM after the auto-close continued %s; want a new conversation", again.ConversationID)
				}
				if c := w.conversation(again.ConversationID); !c.IsReturning || c.PreviousConversations != 1 {
					t.Errorf("returning conversation = %+v; want returning with one previous", c)
				}
			})
		})
	}
}

func TestDueQueriesUseIndexesOnSQLite(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		if w.db.Dialect() != storage.SQLite {
			t.Skip("PostgreSQL's plans are shown by TestTwoSchedulersRequeueOnce, over enough rows for its planner")
		}
		for job, index := range map[engine.DueJob]string{
			engine.DueOfferTimeout: "conversations_offer_due_idx", engine.DueRequeue: "conversations_requeue_due_idx",
			engine.DueStall: "conversations_stall_due_idx", engine.DueStallRequeue: "conversations_stalled_due_idx",
			engine.DueAutoClose: "conversations_inactive_due_idx",
		} {
			plan, err := w.db.ExplainDue(context.Background(), engine.DueClaim{Job: job, WorkStreamID: w.ws.ID, Before: w.clock.Now(), Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, index) || strings.Contains(plan, "TEMP B-TREE") {
				t.Errorf("%s: plan\n%s\nwant a search of %s in due order", job, plan, index)
			}
		}
	})
}

func TestRequeueRespectsCapacityWithinABatch(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{RequeueAfter: ptr(time.Minute)}, func(t *testing.T, w *world) {
		ctx := context.Background()
		second := w.queueNamed("Second line")
		w.rule("Second line", "Conversation.RequeueCount >= 1", second.ID)
		ada := w.agent("Ada", 2, engine.PresenceAvailable, second.ID)
		var ids []engine.ConversationID
		for _, c := range []string{"alice", "bob", "carol"} {
			ids = append(ids, w.ingest(w.dm("ev-"+c, c, "hello")).ConversationID)
		}
		w.clock.Advance(time.Minute)
		if stats := w.must(w.svc.RequeueWaiting(ctx, w.clock.Now(), 10)); stats.Changed != 3 {
			t.Fatalf("requeue: %+v; want 3", stats)
		}
		offered := 0
		for _, id := range ids {
			c := w.conversation(id)
			if c.QueueID != second.ID || c.RequeueCount != 1 {
				t.Errorf("conversation %s: queue %s, count %d; want the second line, 1", id, c.QueueID, c.RequeueCount)
			}
			if c.Status == engine.StatusOffered && c.OfferedAgentID == ada.AgentID {
				offered++
			}
		}
		if offered != 2 {
			t.Errorf("%d conversations offered to Ada, whose capacity is 2", offered)
		}
		if d := w.detail(ids[0]); len(d.Routing) != 2 || d.Routing[1].Reason != engine.ReasonRequeue {
			t.Errorf("routing history %+v; want the first routing and one requeue", d.Routing)
		}
	})
}

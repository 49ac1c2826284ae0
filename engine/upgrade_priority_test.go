package engine_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/switchboardhq/switchboard/engine"
)

// TestUpgradeToPrioritiesKeepsEveryRow stores what the release before
// priorities could hold (queues, a rule, conversations waiting, worked and
// closed with their routing histories), takes the schema back to that
// release's (00020), migrates forward again, and reads it all back as it
// was, with the default priority and ordering; routing and offering go on.
func TestUpgradeToPrioritiesKeepsEveryRow(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		billing := w.queueNamed("Billing")
		rule := w.rule("Refunds", `Message.Text contains "refund"`, billing.ID)
		ann := w.agent("Ann", 1, engine.PresenceAvailable, w.queue.ID, billing.ID)
		alice := w.ingest(w.dm("ev1", "alice", "a refund please")).ConversationID
		if _, err := w.svc.Accept(ctx, ann, alice); err != nil {
			t.Fatal(err)
		}
		bob := w.ingest(w.dm("ev2", "bob", "hello")).ConversationID // Ann is full: it waits
		carol := w.ingest(w.dm("ev3", "carol", "hi")).ConversationID
		if _, err := w.svc.Close(ctx, w.admin, carol, "spam"); err != nil {
			t.Fatal(err)
		}
		ids := []engine.ConversationID{alice, bob, carol}
		read := func() ([]engine.ConversationDetail, []engine.Queue, []engine.Rule) {
			var details []engine.ConversationDetail
			for _, id := range ids {
				details = append(details, w.detail(id))
			}
			queues, err := w.svc.ListQueues(ctx, engine.Page{})
			if err != nil {
				t.Fatal(err)
			}
			rules, err := w.svc.Rules(ctx, w.ws.ID)
			if err != nil {
				t.Fatal(err)
			}
			return details, queues.Items, rules
		}
		beforeDetails, beforeQueues, beforeRules := read()

		if _, err := w.db.MigrateDown(ctx, 20); err != nil {
			t.Fatalf("back to 00020: %v", err)
		}
		if _, err := w.db.MigrateUp(ctx); err != nil {
			t.Fatalf("upgrade: %v", err)
		}

		afterDetails, afterQueues, afterRules := read()
		if !reflect.DeepEqual(beforeDetails, afterDetails) {
			t.Errorf("conversations changed in the upgrade:\nbefore %+v\nafter  %+v", beforeDetails, afterDetails)
		}
		if !reflect.DeepEqual(beforeQueues, afterQueues) || !reflect.DeepEqual(beforeRules, afterRules) {
			t.Errorf("queues or rules changed in the upgrade:\nbefore %+v %+v\nafter  %+v %+v", beforeQueues, beforeRules, afterQueues, afterRules)
		}
		for _, d := range afterDetails {
			if d.Conversation.Priority != engine.DefaultPriority {
				t.Errorf("conversation %s has priority %d after the upgrade, want the default", d.Conversation.ID, d.Conversation.Priority)
			}
		}
		for _, q := range afterQueues {
			if q.Ordering != engine.OrderByPriority {
				t.Errorf("queue %s orders by %q after the upgrade, want %q", q.Name, q.Ordering, engine.OrderByPriority)
			}
		}
		if len(afterRules) != 1 || afterRules[0].ID != rule.ID || afterRules[0].Priority != nil {
			t.Errorf("rules after the upgrade %+v; want Refunds without a priority", afterRules)
		}

		// Ann closes alice's conversation: bob's, waiting, is offered to her.
		if _, err := w.svc.Close(ctx, ann, alice, ""); err != nil {
			t.Fatal(err)
		}
		if c := w.conversation(bob); c.Status != engine.StatusOffered || c.OfferedAgentID != ann.AgentID {
			t.Errorf("after the upgrade bob's conversation is %+v; want offered to Ann", c)
		}
		if d := w.detail(w.ingest(w.dm("ev4", "dan", "refund?")).ConversationID); d.Conversation.QueueID != billing.ID {
			t.Errorf("a new DM after the upgrade went to %s, want Billing", d.Conversation.QueueID)
		}
	})
}

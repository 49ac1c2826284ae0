package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// TestQueueStatsReadOnlyLiveConversations: with the table full of closed
// conversations, the counts come through conversations_status_queue_idx,
// never a scan of the table, and count only what is not closed.
func TestQueueStatsReadOnlyLiveConversations(t *testing.T) {
	w := newPGWorld(t, engine.WorkStreamInput{})
	// 100 open conversations routed an hour ago, 150 just now, the rest closed.
	w.seed(t, 50000, 100, 150)
	w.agent("Ann", 3, engine.PresenceAvailable) // is offered three at once
	ctx := context.Background()

	tallies, members, err := w.db.ExplainQueueLoads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, plan := range map[string]string{"count by status": tallies, "agents' load": members} {
		t.Logf("EXPLAIN of the %s query:\n%s", name, plan)
		if !strings.Contains(plan, "conversations_status_queue_idx") || strings.Contains(plan, "Seq Scan on conversations") {
			t.Errorf("the %s query does not read conversations through conversations_status_queue_idx:\n%s", name, plan)
		}
	}

	report, err := w.svc.QueueStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Queues) != 1 {
		t.Fatalf("%d queues, want 1", len(report.Queues))
	}
	q := report.Queues[0]
	if q.Conversations != (engine.ConversationCounts{Open: 247, Offered: 3}) || q.LongestWait != time.Hour || q.AgentsAvailable != 1 {
		t.Errorf("General = %+v, want 247 open and 3 offered, the oldest routed an hour ago, 1 agent available", q)
	}
	if len(q.Members) != 1 || q.Members[0].Conversations != 3 || q.Members[0].Used != 3 {
		t.Errorf("General's members = %+v, want Ann holding the 3 offered", q.Members)
	}
}

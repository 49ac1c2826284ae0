package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboardhq/switchboard/engine"
)

// queueView is what a supervisor reads of one queue's statistics.
type queueView struct {
	Name          string
	Conversations engine.ConversationCounts
	LongestWait   time.Duration
	OldestAt      string   // "" when nothing waits
	Members       []string // "name presence conversations used/capacity", in order
	Available     int
}

func viewOf(r engine.QueueStatsReport) []queueView {
	out := []queueView{}
	for _, q := range r.Queues {
		v := queueView{Name: q.Name, Conversations: q.Conversations, LongestWait: q.LongestWait, Members: []string{}, Available: q.AgentsAvailable}
		if q.OldestUnassignedAt != nil {
			v.OldestAt = q.OldestUnassignedAt.Format("15:04:05")
		}
		for _, m := range q.Members {
			v.Members = append(v.Members, fmt.Sprintf("%s %s %d %d/%d", m.Name, m.Presence, m.Conversations, m.Used, m.Capacity))
		}
		out = append(out, v)
	}
	return out
}

// TestQueueStats puts conversations in every state across two queues, with
// members of different presence and load, and reads every number back.
func TestQueueStats(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{Capacity: ptr(2)}, func(t *testing.T, w *world) {
		ctx := context.Background()
		billing := w.queueNamed("billing") // lower case: queues are in name order regardless of case
		w.queueNamed("Empty")
		w.rule("Refunds", `Message.Text contains "refund"`, billing.ID)

		ann := w.agent("Ann", 6, engine.PresenceAvailable, w.queue.ID, billing.ID)
		w.agent("Dee", 2, engine.PresenceAway, billing.ID)
		w.agent("Cy", 3, engine.PresenceOffline, billing.ID)
		bob := w.agent("Bob", 2, engine.PresenceOffline)

		must := func(_ engine.Conversation, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		// 09:00 Ann accepts one conversation and ends another (wrap-up).
		a := w.ingest(w.dm("a", "alice", "hello")).ConversationID
		must(w.svc.Accept(ctx, ann, a))
		z := w.ingest(w.dm("z", "zed", "hello")).ConversationID
		must(w.svc.Accept(ctx, ann, z))
		must(w.svc.End(ctx, ann, z))
		// 09:01 a refund is offered to Ann, who has not answered: she is full.
		w.clock.Advance(time.Minute)
		if got := w.ingest(w.dm("b", "bea", "a refund please")).Status; got != engine.StatusOffered {
			t.Fatalf("the refund is %s, want offered to Ann", got)
		}
		// 09:02 the next one waits until Bob comes; he pauses it and turns busy.
		w.clock.Advance(time.Minute)
		c := w.ingest(w.dm("c", "carl", "hello")).ConversationID
		if _, err := w.svc.SetPresence(ctx, bob, bob.AgentID, engine.PresenceAvailable); err != nil {
			t.Fatal(err)
		}
		must(w.svc.Accept(ctx, bob, c))
		must(w.svc.Wait(ctx, bob, c))
		if _, err := w.svc.SetPresence(ctx, bob, bob.AgentID, engine.PresenceBusy); err != nil {
			t.Fatal(err)
		}
		// 09:03, 09:04 nobody has room; 09:05 one is closed while it waits.
		w.clock.Advance(time.Minute)
		w.ingest(w.dm("d", "dora", "refund now"))
		w.clock.Advance(time.Minute)
		w.ingest(w.dm("e", "emil", "hello"))
		w.clock.Advance(time.Minute)
		f := w.ingest(w.dm("f", "fay", "hello")).ConversationID
		must(w.svc.Close(ctx, w.admin, f, "spam"))
		w.clock.Advance(5 * time.Minute) // 09:10

		annLoad := "Ann available 3 6/6" // a, z and the offered refund, in both her queues
		want := []queueView{
			{Name: "billing", Conversations: engine.ConversationCounts{Open: 1, Offered: 1},
				LongestWait: 9 * time.Minute, OldestAt: "09:01:00", // the offered refund has no agent yet
				Members: []string{annLoad, "Cy offline 0 0/3", "Dee away 0 0/2"}, Available: 1},
			{Name: "Empty", Members: []string{}},
			{Name: "General", Conversations: engine.ConversationCounts{Open: 1, Active: 1, Waiting: 1, WrapUp: 1},
				LongestWait: 6 * time.Minute, OldestAt: "09:04:00",
				Members: []string{annLoad, "Bob busy 1 2/2"}, Available: 1},
		}
		report, err := w.svc.QueueStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !report.At.Equal(w.clock.Now()) {
			t.Errorf("report at %v, want the engine's clock %v", report.At, w.clock.Now())
		}
		if diff := cmp.Diff(want, viewOf(report)); diff != "" {
			t.Errorf("queue stats (-want +got):\n%s", diff)
		}

		// Time passes; then Ann takes the refund, and the open one waits longest.
		w.clock.Advance(30 * time.Second)
		must(w.svc.Accept(ctx, ann, w.ingest(w.dm("b2", "bea", "still there?")).ConversationID))
		report, err = w.svc.QueueStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := viewOf(report)
		if b := got[0]; b.Conversations != (engine.ConversationCounts{Open: 1, Active: 1}) || b.OldestAt != "09:03:00" || b.LongestWait != 7*time.Minute+30*time.Second {
			t.Errorf("billing after Ann accepted the refund = %+v; want 1 open since 09:03:00 (7m30s), 1 active", b)
		}
		if g := got[2]; g.LongestWait != 6*time.Minute+30*time.Second {
			t.Errorf("General's longest wait = %v 30s later, want 6m30s", g.LongestWait)
		}
	})
}

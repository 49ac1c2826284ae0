package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// TestUpgradeKeepsTheSweepsDueTimes stores conversations in progress and a
// closed one, takes the schema back to the release before the due times
// had a table of their own (00019), migrates forward again, and the
// sweeps find what is due: the unanswered conversation stalls, and both in
// progress are auto-closed, on SQLite and PostgreSQL.
func TestUpgradeKeepsTheSweepsDueTimes(t *testing.T) {
	ws := engine.WorkStreamInput{StallAfter: ptr(10 * time.Minute), AutoCloseAfter: ptr(time.Hour)}
	forEachWorld(t, ws, func(t *testing.T, w *world) {
		ctx := context.Background()
		ann := w.agent("Ann", 1, engine.PresenceAvailable)
		alice := w.ingest(w.dm("ev1", "alice", "help")).ConversationID
		if _, err := w.svc.Accept(ctx, ann, alice); err != nil {
			t.Fatal(err)
		}
		bob := w.ingest(w.dm("ev2", "bob", "hello")).ConversationID // Ann is full: it waits
		carol := w.ingest(w.dm("ev3", "carol", "hi")).ConversationID
		if _, err := w.svc.Close(ctx, w.admin, carol, "spam"); err != nil {
			t.Fatal(err)
		}

		if _, err := w.db.MigrateDown(ctx, 19); err != nil {
			t.Fatalf("back to 00019: %v", err)
		}
		if _, err := w.db.MigrateUp(ctx); err != nil {
			t.Fatalf("upgrade: %v", err)
		}

		w.clock.Advance(15 * time.Minute)
		if stats := w.must(w.svc.MarkStalled(ctx, w.clock.Now(), 10, time.Hour)); stats.Changed != 1 {
			t.Errorf("stall after the upgrade: %+v; want alice's conversation", stats)
		}
		if c := w.conversation(alice); c.StalledAt == nil {
			t.Errorf("alice's conversation is not stalled: %+v", c)
		}
		w.clock.Advance(2 * time.Hour)
		if stats := w.must(w.svc.AutoClose(ctx, w.clock.Now(), 10)); stats.Changed != 2 {
			t.Errorf("auto-close after the upgrade: %+v; want alice's and bob's", stats)
		}
		for _, id := range []engine.ConversationID{alice, bob, carol} {
			if c := w.conversation(id); c.Status != engine.StatusClosed {
				t.Errorf("conversation %s is %s, want closed", id, c.Status)
			}
		}
		if c := w.conversation(carol); c.CloseReason != "spam" {
			t.Errorf("carol's conversation was closed again: reason %q", c.CloseReason)
		}
	})
}

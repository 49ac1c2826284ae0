package engine_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/switchboardhq/switchboard/engine"
)

// TestUpgradeToOverflowKeepsEveryRow: queues and routing histories stored
// before overflow (00026) read back as they were, with no limit and no
// overflow; a limit can be set afterwards and takes effect.
func TestUpgradeToOverflowKeepsEveryRow(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		spill := w.queueNamed("Spill")
		alice := w.ingest(w.dm("ev1", "alice", "hello")).ConversationID
		bob := w.ingest(w.dm("ev2", "bob", "hi")).ConversationID
		read := func() ([]engine.ConversationDetail, engine.Queue) {
			q, err := w.svc.Queue(ctx, w.queue.ID)
			if err != nil {
				t.Fatal(err)
			}
			return []engine.ConversationDetail{w.detail(alice), w.detail(bob)}, q
		}
		d1, q1 := read()
		if _, err := w.db.MigrateDown(ctx, 26); err != nil {
			t.Fatalf("back to 00026: %v", err)
		}
		if _, err := w.db.MigrateUp(ctx); err != nil {
			t.Fatalf("upgrade: %v", err)
		}
		d2, q2 := read()
		if !reflect.DeepEqual(d1, d2) || !reflect.DeepEqual(q1, q2) {
			t.Errorf("rows changed in the upgrade:\n%+v %+v\n%+v %+v", d1, q1, d2, q2)
		}
		if q2.MaxWaiting != 0 || q2.OverflowQueueID != "" || d2[0].Routing[0].OverflowFrom != "" {
			t.Errorf("after the upgrade: queue %+v, decision %+v; want no overflow", q2, d2[0].Routing[0])
		}
		if _, err := w.svc.UpdateQueue(ctx, w.admin, w.queue.ID, engine.QueueInput{MaxWaiting: ptr(2), OverflowQueueID: &spill.ID}); err != nil {
			t.Fatal(err)
		}
		carol := w.ingest(w.dm("ev3", "carol", "anyone?")).ConversationID
		if h := w.detail(carol).Routing; len(h) != 1 || h[0].QueueID != spill.ID || h[0].Reason != engine.ReasonOverflow || h[0].OverflowFrom != w.queue.ID {
			t.Errorf("carol routed %+v; want overflow to Spill from the full default queue", h)
		}
	})
}

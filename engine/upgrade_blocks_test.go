package engine_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/switchboardhq/switchboard/engine"
)

// TestUpgradeToBlocksKeepsEveryRow stores what the release before blocks
// could hold (conversations waiting, worked with a reply, and closed),
// takes the schema back to that release's (00022), migrates forward again,
// and reads it all back as it was, no message marked blocked; blocking a
// customer then works on the upgraded database.
func TestUpgradeToBlocksKeepsEveryRow(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		ann := w.agent("Ann", 1, engine.PresenceAvailable)
		alice := w.ingest(w.dm("ev1", "alice", "where is my order")).ConversationID
		if _, err := w.svc.Accept(ctx, ann, alice); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.Reply(ctx, ann, alice, "on its way"); err != nil {
			t.Fatal(err)
		}
		bob := w.ingest(w.dm("ev2", "bob", "hello")).ConversationID // Ann is full: it waits
		carol := w.ingest(w.dm("ev3", "carol", "hi")).ConversationID
		if _, err := w.svc.Close(ctx, w.admin, carol, "spam"); err != nil {
			t.Fatal(err)
		}
		ids := []engine.ConversationID{alice, bob, carol}
		read := func() []engine.ConversationDetail {
			var details []engine.ConversationDetail
			for _, id := range ids {
				details = append(details, w.detail(id))
			}
			return details
		}
		before := read()

		if _, err := w.db.MigrateDown(ctx, 22); err != nil {
			t.Fatalf("back to 00022: %v", err)
		}
		if _, err := w.db.MigrateUp(ctx); err != nil {
			t.Fatalf("upgrade: %v", err)
		}

		after := read()
		if !reflect.DeepEqual(before, after) {
			t.Errorf("conversations changed in the upgrade:\nbefore %+v\nafter  %+v", before, after)
		}
		for _, d := range after {
			for _, m := range d.Messages {
				if m.Blocked {
					t.Errorf("message %s of %s is marked blocked after the upgrade", m.ID, d.Conversation.ID)
				}
			}
		}
		if _, err := w.svc.Block(ctx, w.admin, engine.BlockInput{ExternalID: "tw-bob", Reason: "spam"}); err != nil {
			t.Fatalf("block after the upgrade: %v", err)
		}
		if res := w.ingest(w.dm("ev4", "bob", "again")); res.ConversationID != bob || res.Routing != nil {
			t.Errorf("bob's DM after the upgrade and the block: %+v; want his conversation, not routed", res)
		}
		if m := w.detail(bob).Messages; len(m) != 2 || !m[1].Blocked {
			t.Errorf("bob's messages %+v; want his new DM marked blocked", m)
		}
	})
}

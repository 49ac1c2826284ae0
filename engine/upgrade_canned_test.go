package engine_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/switchboardhq/switchboard/engine"
)

// TestUpgradeToCannedResponsesKeepsEveryRow stores what the release before
// canned responses could hold (conversations worked with a reply and
// waiting, a blocked customer), takes the schema back to that release's
// (00024), migrates forward again, and reads it all back as it was; canned
// responses then work on the upgraded database.
func TestUpgradeToCannedResponsesKeepsEveryRow(t *testing.T) {
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
		if _, err := w.svc.Block(ctx, w.admin, engine.BlockInput{ExternalID: "tw-mallory", Reason: "spam"}); err != nil {
			t.Fatal(err)
		}
		read := func() ([]engine.ConversationDetail, engine.List[engine.CustomerBlock]) {
			blocks, err := w.svc.ListBlocks(ctx, engine.Page{})
			if err != nil {
				t.Fatal(err)
			}
			return []engine.ConversationDetail{w.detail(alice), w.detail(bob)}, blocks
		}
		convsBefore, blocksBefore := read()

		if _, err := w.db.MigrateDown(ctx, 24); err != nil {
			t.Fatalf("back to 00024: %v", err)
		}
		if _, err := w.db.MigrateUp(ctx); err != nil {
			t.Fatalf("upgrade: %v", err)
		}

		convsAfter, blocksAfter := read()
		if !reflect.DeepEqual(convsBefore, convsAfter) || !reflect.DeepEqual(blocksBefore, blocksAfter) {
			t.Errorf("rows changed in the upgrade:\nbefore %+v %+v\nafter  %+v %+v", convsBefore, blocksBefore, convsAfter, blocksAfter)
		}
		r := w.canned(ann, "/thanks", "Thanks", "Thanks, {{customer.first_name}}!")
		got, err := w.svc.RenderCannedResponse(ctx, ann, alice, r.ID)
		if err != nil || got.Text != "Thanks, alice!" {
			t.Errorf("rendering after the upgrade: %q, %v; want Thanks, alice!", got.Text, err)
		}
	})
}

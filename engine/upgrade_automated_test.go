package engine_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// TestUpgradeToAutomatedMessagesKeepsEveryRow stores what the release
// before automated messages could hold (a conversation worked with a
// reply, one waiting, a canned response), takes the schema back to that
// release's (00026), migrates forward again, and reads it all back as it
// was, every message not automated; automated messages then work on the
// upgraded database.
func TestUpgradeToAutomatedMessagesKeepsEveryRow(t *testing.T) {
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
		thanks := w.canned(w.admin, "/thanks", "Thanks", "Thanks, {{customer.first_name}}!")
		read := func() ([]engine.ConversationDetail, engine.CannedResponse) {
			r, err := w.svc.CannedResponse(ctx, w.admin, thanks.ID)
			if err != nil {
				t.Fatal(err)
			}
			return []engine.ConversationDetail{w.detail(alice), w.detail(bob)}, r
		}
		convsBefore, cannedBefore := read()

		if _, err := w.db.MigrateDown(ctx, 26); err != nil {
			t.Fatalf("back to 00026: %v", err)
		}
		if _, err := w.db.MigrateUp(ctx); err != nil {
			t.Fatalf("upgrade: %v", err)
		}

		convsAfter, cannedAfter := read()
		if !reflect.DeepEqual(convsBefore, convsAfter) || !reflect.DeepEqual(cannedBefore, cannedAfter) {
			t.Errorf("rows changed in the upgrade:\nbefore %+v %+v\nafter  %+v %+v", convsBefore, cannedBefore, convsAfter, cannedAfter)
		}
		for _, d := range convsAfter {
			for _, m := range d.Messages {
				if m.Automated {
					t.Errorf("message %s reads as automated after the upgrade", m.ID)
				}
			}
		}
		w.closedAtNight()
		w.automated(engine.AutomatedOutOfHours, "Closed until {{calendar.next_opening}}.")
		w.clock.Advance(9 * time.Hour)
		late := w.ingest(w.dm("ev3", "carol", "hi")).ConversationID
		if got := w.automatedTexts(late); len(got) != 1 {
			t.Errorf("after the upgrade: %q; want the out-of-hours message", got)
		}
	})
}

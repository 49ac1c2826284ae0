package engine_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// TestWorkStreamCalendar: a work stream's calendar holds its conversations
// in queues without hours of their own, and the open-queues run offers them
// when it opens; a queue's own calendar wins over the work stream's; a
// calendar a work stream keeps cannot be deleted.
func TestWorkStreamCalendar(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		eu, err := w.svc.CreateCalendar(ctx, w.admin, supportEU())
		if err != nil {
			t.Fatal(err)
		}
		late, err := w.svc.CreateCalendar(ctx, w.admin, engine.CalendarInput{Name: ptr("Evenings"), TimeZone: ptr("Europe/Berlin"),
			Hours: &[]engine.OpeningHours{{Day: time.Wednesday, Open: "18:00", Close: "24:00"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.UpdateWorkStream(ctx, w.admin, w.ws.ID, engine.WorkStreamInput{CalendarID: ptr(engine.CalendarID("nosuch"))}); err == nil || !strings.Contains(err.Error(), "calendar_id") {
			t.Errorf("a work stream with an unknown calendar: %v; want an error naming calendar_id", err)
		}
		ws, err := w.svc.UpdateWorkStream(ctx, w.admin, w.ws.ID, engine.WorkStreamInput{CalendarID: &eu.ID})
		if err != nil || ws.CalendarID != eu.ID {
			t.Fatalf("set the work stream's calendar: %+v %v", ws, err)
		}
		if got, err := w.svc.WorkStream(ctx, w.ws.ID); err != nil || got.CalendarID != eu.ID {
			t.Fatalf("stored work stream keeps calendar %q, want %q", got.CalendarID, eu.ID)
		}
		evening := w.queueNamed("Evening desk")
		if _, err := w.svc.UpdateQueue(ctx, w.admin, evening.ID, engine.QueueInput{CalendarID: &late.ID}); err != nil {
			t.Fatal(err)
		}
		w.rule("Evening", `Message.Text contains "evening"`, evening.ID)
		ann := w.agent("Ann", 4, engine.PresenceAvailable, w.queue.ID, evening.ID)

		w.clock.Advance(9 * time.Hour) // Wednesday 19:00 in Berlin: Support EU closed, Evenings open
		general := w.ingest(w.dm("ev1", "alice", "hello")).ConversationID
		desk := w.ingest(w.dm("ev2", "bob", "evening question")).ConversationID
		if c := w.conversation(general); c.Status != engine.StatusOpen || c.OfferedAgentID != "" {
			t.Errorf("out of the work stream's hours, in a queue without its own: %s to %q; want waiting", c.Status, c.OfferedAgentID)
		}
		if c := w.conversation(desk); c.Status != engine.StatusOffered || c.OfferedAgentID != ann.AgentID {
			t.Errorf("in a queue whose own calendar is open: %s to %q; want offered to Ann", c.Status, c.OfferedAgentID)
		}
		if stats := w.must(w.svc.OfferOpenQueues(ctx, w.clock.Now())); stats.Changed != 0 {
			t.Errorf("while the work stream is closed the job offered %d", stats.Changed)
		}
		w.clock.Advance(14 * time.Hour) // Thursday 09:00 in Berlin
		if stats := w.must(w.svc.OfferOpenQueues(ctx, w.clock.Now())); stats.Changed != 1 {
			t.Errorf("at the work stream's opening the job offered %d, want 1", stats.Changed)
		}
		if c := w.conversation(general); c.Status != engine.StatusOffered || c.OfferedAgentID != ann.AgentID {
			t.Errorf("after opening alice's conversation is %s to %q; want offered to Ann", c.Status, c.OfferedAgentID)
		}
		if err := w.svc.DeleteCalendar(ctx, w.admin, eu.ID); !errors.Is(err, engine.ErrConflict) || !strings.Contains(err.Error(), w.ws.Name) {
			t.Errorf("delete a calendar the work stream keeps: %v; want a conflict naming it", err)
		}
		if _, err := w.svc.UpdateWorkStream(ctx, w.admin, w.ws.ID, engine.WorkStreamInput{CalendarID: ptr(engine.CalendarID(""))}); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.DeleteCalendar(ctx, w.admin, eu.ID); err != nil {
			t.Errorf("delete the calendar once no one keeps it: %v", err)
		}
	})
}

// TestUpgradeToWorkStreamCalendarsKeepsEveryRow: work streams, queues and
// their calendars stored by the release before work-stream calendars
// (00024) read back as they were after the upgrade, keeping no calendar;
// one can be set afterwards.
func TestUpgradeToWorkStreamCalendarsKeepsEveryRow(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		cal, err := w.svc.CreateCalendar(ctx, w.admin, supportEU())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.UpdateQueue(ctx, w.admin, w.queue.ID, engine.QueueInput{CalendarID: &cal.ID}); err != nil {
			t.Fatal(err)
		}
		other, err := w.svc.CreateWorkStream(ctx, w.admin, engine.WorkStreamInput{Name: ptr("Billing"), DefaultQueueID: &w.queue.ID, TimeZone: ptr("Europe/Berlin")})
		if err != nil {
			t.Fatal(err)
		}
		read := func() (engine.WorkStream, engine.WorkStream, engine.Queue) {
			a, err1 := w.svc.WorkStream(ctx, w.ws.ID)
			b, err2 := w.svc.WorkStream(ctx, other.ID)
			q, err3 := w.svc.Queue(ctx, w.queue.ID)
			if err := errors.Join(err1, err2, err3); err != nil {
				t.Fatal(err)
			}
			return a, b, q
		}
		a1, b1, q1 := read()
		if _, err := w.db.MigrateDown(ctx, 24); err != nil {
			t.Fatalf("back to 00024: %v", err)
		}
		if _, err := w.db.MigrateUp(ctx); err != nil {
			t.Fatalf("upgrade: %v", err)
		}
		a2, b2, q2 := read()
		if !reflect.DeepEqual(a1, a2) || !reflect.DeepEqual(b1, b2) || !reflect.DeepEqual(q1, q2) {
			t.Errorf("rows changed in the upgrade:\n%+v %+v %+v\n%+v %+v %+v", a1, b1, q1, a2, b2, q2)
		}
		if a2.CalendarID != "" || q2.CalendarID != cal.ID {
			t.Errorf("after the upgrade the work stream keeps %q and the queue %q", a2.CalendarID, q2.CalendarID)
		}
		if ws, err := w.svc.UpdateWorkStream(ctx, w.admin, other.ID, engine.WorkStreamInput{CalendarID: &cal.ID}); err != nil || ws.CalendarID != cal.ID {
			t.Errorf("set a calendar after the upgrade: %+v %v", ws, err)
		}
	})
}

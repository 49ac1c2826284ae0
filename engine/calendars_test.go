package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// supportEU is open on weekdays 09:00–17:00 in Berlin, with a lunch break
// on Fridays and Christmas off.
func supportEU() engine.CalendarInput {
	var hours []engine.OpeningHours
	for d := time.Monday; d <= time.Thursday; d++ {
		hours = append(hours, engine.OpeningHours{Day: d, Open: "09:00", Close: "17:00"})
	}
	hours = append(hours, engine.OpeningHours{Day: time.Friday, Open: "09:00", Close: "12:00"},
		engine.OpeningHours{Day: time.Friday, Open: "13:00", Close: "24:00"})
	return engine.CalendarInput{Name: ptr("Support EU"), TimeZone: ptr("Europe/Berlin"), Hours: &hours,
		Holidays: &[]engine.Holiday{{Date: "2026-12-25", Name: "Christmas"}}}
}

func TestCalendarHours(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		c, err := w.svc.CreateCalendar(context.Background(), w.admin, supportEU())
		if err != nil {
			t.Fatal(err)
		}
		stored, err := w.svc.Calendar(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		at := func(s string) time.Time {
			v, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		tests := []struct {
			name, at string
			open     bool
			next     string // the next opening, when closed
		}{
			{"Wednesday morning", "2026-11-25T10:00:00+01:00", true, ""},
			{"Wednesday at closing", "2026-11-25T17:00:00+01:00", false, "2026-11-26T09:00:00+01:00"},
			{"before opening", "2026-11-26T08:59:00+01:00", false, "2026-11-26T09:00:00+01:00"},
			{"Friday lunch", "2026-11-27T12:30:00+01:00", false, "2026-11-27T13:00:00+01:00"},
			{"Friday late, open to midnight", "2026-11-27T23:59:00+01:00", true, ""},
			{"Saturday", "2026-11-28T11:00:00+01:00", false, "2026-11-30T09:00:00+01:00"},
			{"Christmas, a Friday", "2026-12-25T10:00:00+01:00", false, "2026-12-28T09:00:00+01:00"},
			{"the eve of Christmas, after closing", "2026-12-24T18:00:00+01:00", false, "2026-12-28T09:00:00+01:00"},
			{"summer time, in UTC", "2027-06-01T07:30:00Z", true, ""}, // 09:30 in Berlin (UTC+2)
			{"summer time, before opening", "2027-06-01T06:30:00Z", false, "2027-06-01T07:00:00Z"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				when := at(tt.at)
				if got := stored.IsOpen(when); got != tt.open {
					t.Errorf("IsOpen(%s) = %v, want %v", tt.at, got, tt.open)
				}
				next, ok := stored.NextOpening(when)
				want := when
				if !tt.open {
					want = at(tt.next)
				}
				if !ok || !next.Equal(want) {
					t.Errorf("NextOpening(%s) = %s, %v; want %s", tt.at, next, ok, want)
				}
			})
		}
		never, err := w.svc.CreateCalendar(context.Background(), w.admin, engine.CalendarInput{Name: ptr("Never"), TimeZone: ptr("UTC")})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := never.NextOpening(at("2026-11-25T10:00:00Z")); ok || never.IsOpen(at("2026-11-25T10:00:00Z")) {
			t.Errorf("a calendar without hours opens")
		}
	})
}

// TestCalendarInput refuses bad calendars naming the field, and a calendar
// a queue keeps cannot be deleted.
func TestCalendarInput(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		hours := func(h ...engine.OpeningHours) *[]engine.OpeningHours { return &h }
		tests := []struct {
			name  string
			in    engine.CalendarInput
			field string
		}{
			{"no name", engine.CalendarInput{TimeZone: ptr("UTC")}, "name"},
			{"no time zone", engine.CalendarInput{Name: ptr("A")}, "time_zone"},
			{"unknown time zone", engine.CalendarInput{Name: ptr("A"), TimeZone: ptr("Europe/Atlantis")}, "time_zone"},
			{"local time zone", engine.CalendarInput{Name: ptr("A"), TimeZone: ptr("Local")}, "time_zone"},
			{"bad opening", engine.CalendarInput{Name: ptr("A"), TimeZone: ptr("UTC"), Hours: hours(engine.OpeningHours{Day: time.Monday, Open: "9am", Close: "17:00"})}, "hours[0].open"},
			{"bad closing", engine.CalendarInput{Name: ptr("A"), TimeZone: ptr("UTC"), Hours: hours(engine.OpeningHours{Day: time.Monday, Open: "09:00", Close: "25:00"})}, "hours[0].close"},
			{"closes before it opens", engine.CalendarInput{Name: ptr("A"), TimeZone: ptr("UTC"), Hours: hours(engine.OpeningHours{Day: time.Monday, Open: "17:00", Close: "09:00"})}, "hours[0].close"},
			{"overlap", engine.CalendarInput{Name: ptr("A"), TimeZone: ptr("UTC"), Hours: hours(
				engine.OpeningHours{Day: time.Monday, Open: "09:00", Close: "13:00"}, engine.OpeningHours{Day: time.Monday, Open: "12:00", Close: "17:00"})}, "hours[1]"},
			{"bad holiday", engine.CalendarInput{Name: ptr("A"), TimeZone: ptr("UTC"), Holidays: &[]engine.Holiday{{Date: "25/12/2026"}}}, "holidays[0].date"},
			{"holiday twice", engine.CalendarInput{Name: ptr("A"), TimeZone: ptr("UTC"), Holidays: &[]engine.Holiday{{Date: "2026-12-25"}, {Date: "2026-12-25"}}}, "holidays[1].date"},
		}
		for _, tt := range tests {
			_, err := w.svc.CreateCalendar(ctx, w.admin, tt.in)
			var e *engine.Error
			if !errors.As(err, &e) || !errors.Is(err, engine.ErrInvalid) || len(e.Details) != 1 || e.Details[0].Field != tt.field {
				t.Errorf("%s: %v; want an invalid %s", tt.name, err, tt.field)
			}
		}
		if list, err := w.svc.ListCalendars(ctx); err != nil || len(list) != 0 {
			t.Fatalf("after the refusals %d calendars (%v), want none", len(list), err)
		}
		c, err := w.svc.CreateCalendar(ctx, w.admin, supportEU())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.CreateCalendar(ctx, w.admin, engine.CalendarInput{Name: ptr("support eu"), TimeZone: ptr("UTC")}); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("a second calendar of the same name: %v; want a conflict", err)
		}
		if _, err := w.svc.UpdateQueue(ctx, w.admin, w.queue.ID, engine.QueueInput{CalendarID: &c.ID}); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.DeleteCalendar(ctx, w.admin, c.ID); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("deleting a calendar the General queue keeps: %v; want a conflict", err)
		}
		unknown := engine.CalendarID("01HNOSUCHCALENDAR000000000")
		if _, err := w.svc.UpdateQueue(ctx, w.admin, w.queue.ID, engine.QueueInput{CalendarID: &unknown}); !errors.Is(err, engine.ErrInvalid) {
			t.Errorf("a queue keeping an unknown calendar: %v; want invalid", err)
		}
		none := engine.CalendarID("")
		if _, err := w.svc.UpdateQueue(ctx, w.admin, w.queue.ID, engine.QueueInput{CalendarID: &none}); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.DeleteCalendar(ctx, w.admin, c.ID); err != nil {
			t.Errorf("deleting a calendar no queue keeps: %v", err)
		}
	})
}

// TestOutOfHoursWaitsForOpening: a customer who writes after the queue's
// calendar closed waits in the queue, though an agent has room; the open
// queues job offers nothing while it is closed, and offers the conversation
// when the calendar opens the next morning.
func TestOutOfHoursWaitsForOpening(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		c, err := w.svc.CreateCalendar(ctx, w.admin, supportEU())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.UpdateQueue(ctx, w.admin, w.queue.ID, engine.QueueInput{CalendarID: &c.ID}); err != nil {
			t.Fatal(err)
		}
		ann := w.agent("Ann", 2, engine.PresenceAvailable)
		early := w.ingest(w.dm("ev1", "alice", "hello")).ConversationID // Wednesday 10:00 in Berlin: open
		if c := w.conversation(early); c.Status != engine.StatusOffered {
			t.Fatalf("in business hours the conversation is %s, want offered", c.Status)
		}
		w.clock.Advance(9 * time.Hour) // 19:00 in Berlin
		late := w.ingest(w.dm("ev2", "bob", "are you there?")).ConversationID
		if c := w.conversation(late); c.Status != engine.StatusOpen || c.OfferedAgentID != "" {
			t.Fatalf("out of hours the conversation is %+v; want it waiting in its queue", c)
		}
		if stats := w.must(w.svc.OfferOpenQueues(ctx, w.clock.Now())); stats.Examined != 0 || stats.Changed != 0 {
			t.Errorf("while closed the job did %+v; want nothing", stats)
		}
		w.clock.Advance(14 * time.Hour) // Thursday 08:00 UTC, 09:00 in Berlin
		stats := w.must(w.svc.OfferOpenQueues(ctx, w.clock.Now()))
		if stats.Examined != 1 || stats.Changed != 1 {
			t.Errorf("at opening the job did %+v; want one queue, one offer", stats)
		}
		if c := w.conversation(late); c.Status != engine.StatusOffered || c.OfferedAgentID != ann.AgentID {
			t.Errorf("at opening bob's conversation is %+v; want offered to Ann", c)
		}
	})
}

// TestRulesReadCalendars: a rule sends what arrives out of the calendar's
// hours to an out-of-hours queue, on a moved clock; saving a rule that names
// a calendar nobody has is refused at the name, with the name meant; a
// calendar that rules read cannot be renamed or deleted.
func TestRulesReadCalendars(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		cal, err := w.svc.CreateCalendar(ctx, w.admin, supportEU())
		if err != nil {
			t.Fatal(err)
		}
		after := w.queueNamed("After hours")
		w.rule("Out of hours", `!Time.InBusinessHours("Support EU") && Time.Local("Europe/Berlin").Hour >= 17`, after.ID)

		tests := []struct {
			name    string
			advance time.Duration
			want    engine.QueueID
		}{
			{"Wednesday 10:00 in Berlin, open", 0, w.queue.ID},
			{"Wednesday 19:00 in Berlin, closed", 9 * time.Hour, after.ID},
			{"Thursday 09:00 in Berlin, open again", 14 * time.Hour, w.queue.ID},
		}
		for i, tt := range tests {
			w.clock.Advance(tt.advance)
			id := w.ingest(w.dm(fmt.Sprintf("ev%d", i), fmt.Sprintf("customer%d", i), "hello")).ConversationID
			if got := w.conversation(id).QueueID; got != tt.want {
				t.Errorf("%s: routed to %s, want %s", tt.name, got, tt.want)
			}
		}

		_, err = w.svc.CreateRule(ctx, w.admin, w.ws.ID, engine.RuleInput{Name: ptr("Typo"), QueueID: &after.ID,
			Condition: ptr("Conversation.IsNew &&\n  Time.InBusinessHours(\"support eu \")")})
		var re *engine.RuleError
		if !errors.As(err, &re) || len(re.Problems) != 1 {
			t.Fatalf("a rule naming a calendar nobody has: %v; want a RuleError", err)
		}
		if p := re.Problems[0]; p.Field != "condition" || p.Line != 2 || p.Column != 24 || p.Message != `no calendar is named "support eu "` || p.Hint != `did you mean "Support EU"?` {
			t.Errorf("problem %+v; want line 2 column 24 and a did-you-mean", p)
		}

		if _, err := w.svc.UpdateCalendar(ctx, w.admin, cal.ID, engine.CalendarInput{Name: ptr("Support Europe")}); !errors.Is(err, engine.ErrConflict) || !strings.Contains(err.Error(), `rule "Out of hours"`) {
			t.Errorf("renaming a calendar a rule reads: %v; want a conflict naming the rule", err)
		}
		if err := w.svc.DeleteCalendar(ctx, w.admin, cal.ID); !errors.Is(err, engine.ErrConflict) || !strings.Contains(err.Error(), `rule "Out of hours"`) {
			t.Errorf("deleting a calendar a rule reads: %v; want a conflict naming the rule", err)
		}
		if _, err := w.svc.UpdateCalendar(ctx, w.admin, cal.ID, engine.CalendarInput{TimeZone: ptr("Europe/Paris")}); err != nil {
			t.Errorf("changing the zone of a calendar rules read: %v; want it allowed, the name stays", err)
		}
	})
}

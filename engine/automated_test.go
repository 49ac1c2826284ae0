package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// closedAtNight gives the world's default queue the Support EU calendar;
// the world's clock starts on Wednesday at 10:00 in Berlin, open.
func (w *world) closedAtNight() engine.Calendar {
	w.t.Helper()
	ctx := context.Background()
	c, err := w.svc.CreateCalendar(ctx, w.admin, supportEU())
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.svc.UpdateQueue(ctx, w.admin, w.queue.ID, engine.QueueInput{CalendarID: &c.ID}); err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *world) automated(kind engine.AutomatedKind, body string) {
	w.t.Helper()
	if _, err := w.svc.SetAutomatedMessage(context.Background(), w.admin, w.ws.ID, kind, body); err != nil {
		w.t.Fatalf("set the %s message: %v", kind, err)
	}
}

// automatedTexts lists the texts of a conversation's automated messages.
func (w *world) automatedTexts(id engine.ConversationID) []string {
	w.t.Helper()
	var out []string
	for _, m := range w.detail(id).Messages {
		if m.Automated {
			if m.Direction != engine.Outbound || m.AuthorAgentID != "" {
				w.t.Errorf("automated message %+v: want outbound, without an author", m)
			}
			out = append(out, m.Text)
		}
	}
	return out
}

// TestAutomatedOutOfHoursOncePerInterval: a DM while the queue is closed
// gets the out-of-hours message with the next opening in the calendar's
// zone, queued in the outbox; the conversation keeps waiting. A second DM
// an hour later gets none; one 12 hours after the first, still closed,
// gets it again; in business hours none is sent.
func TestAutomatedOutOfHoursOncePerInterval(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		w.closedAtNight()
		w.automated(engine.AutomatedOutOfHours, "Hi {{customer.first_name}}, we are closed.\nWe open again {{calendar.next_opening}}.")
		w.agent("Ann", 2, engine.PresenceAvailable)

		open := w.ingest(w.dm("ev0", "carol", "hello")).ConversationID // Wednesday 10:00 in Berlin
		if got := w.automatedTexts(open); len(got) != 0 {
			t.Errorf("in business hours: %q; want no automated message", got)
		}

		w.clock.Advance(9 * time.Hour) // Wednesday 19:00 in Berlin: closed
		res := w.ingest(w.dm("ev1", "alice", "are you there?"))
		want := "Hi alice, we are closed.\nWe open again Thursday 09:00 (Europe/Berlin)."
		if got := w.automatedTexts(res.ConversationID); len(got) != 1 || got[0] != want {
			t.Fatalf("out of hours: %q; want [%q]", got, want)
		}
		c := w.conversation(res.ConversationID)
		if c.Status != engine.StatusOpen || c.OfferedAgentID != "" || c.MessageCount != 2 || c.LastAgentMessageAt != nil {
			t.Errorf("the conversation is %+v; want it waiting, two messages, no agent message", c)
		}
		var sent engine.Message
		for _, m := range w.detail(res.ConversationID).Messages {
			if m.Automated {
				sent = m
			}
		}
		item, err := w.db.OutboxMessage(ctx, sent.ID)
		if err != nil || item.Delivery != engine.DeliveryQueued || item.RecipientID != "tw-alice" {
			t.Errorf("outbox: %+v, %v; want it queued for tw-alice", item, err)
		}

		w.clock.Advance(time.Hour) // 20:00
		w.ingest(w.dm("ev2", "alice", "hello?"))
		if got := w.automatedTexts(res.ConversationID); len(got) != 1 {
			t.Errorf("an hour later: %q; want still one", got)
		}

		w.clock.Advance(11*time.Hour + 30*time.Minute) // Thursday 07:30: 12½ hours on, still closed
		w.ingest(w.dm("ev3", "alice", "anyone?"))
		if got := w.automatedTexts(res.ConversationID); len(got) != 2 || got[1] != want {
			t.Errorf("12 hours later, still closed: %q; want it a second time", got)
		}
		routed := len(w.detail(res.ConversationID).Routing)
		if routed != 1 {
			t.Errorf("routing decisions: %d; want the first only", routed)
		}
	})
}

// TestAutomatedGreeting: a new conversation is greeted, once; out of hours
// the greeting comes first, then the out-of-hours message; a work stream
// without messages sends none, and deleting one stops it.
func TestAutomatedGreeting(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		w.closedAtNight()
		plain := w.ingest(w.dm("ev0", "dave", "hi")).ConversationID
		if got := w.automatedTexts(plain); len(got) != 0 {
			t.Errorf("without templates: %q; want none", got)
		}
		w.automated(engine.AutomatedGreeting, "Hello {{customer.name}}, your case is {{conversation.id}} in {{conversation.queue}}.")
		w.automated(engine.AutomatedOutOfHours, "Closed until {{calendar.next_opening}}.")

		id := w.ingest(w.dm("ev1", "alice", "hi")).ConversationID
		want := "Hello alice Doe, your case is " + string(id) + " in General."
		if got := w.automatedTexts(id); len(got) != 1 || got[0] != want {
			t.Errorf("in business hours: %q; want [%q]", got, want)
		}
		w.ingest(w.dm("ev2", "alice", "again"))
		if got := w.automatedTexts(id); len(got) != 1 {
			t.Errorf("a second DM: %q; want the greeting only", got)
		}

		w.clock.Advance(9 * time.Hour)
		late := w.ingest(w.dm("ev3", "bob", "hi")).ConversationID
		got := w.automatedTexts(late)
		if len(got) != 2 || !strings.HasPrefix(got[0], "Hello bob Doe") || got[1] != "Closed until Thursday 09:00 (Europe/Berlin)." {
			t.Errorf("out of hours: %q; want the greeting, then the out-of-hours message", got)
		}

		if err := w.svc.DeleteAutomatedMessage(ctx, w.admin, w.ws.ID, engine.AutomatedGreeting); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.AutomatedMessage(ctx, w.ws.ID, engine.AutomatedGreeting); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("a deleted greeting: %v; want not found", err)
		}
		if got := w.automatedTexts(w.ingest(w.dm("ev4", "erin", "hi")).ConversationID); len(got) != 1 || !strings.HasPrefix(got[0], "Closed") {
			t.Errorf("after deleting the greeting: %q; want the out-of-hours message only", got)
		}
	})
}

// TestAutomatedMessageTemplates: templates are checked at save with the
// place and a hint (there is no agent to name), kinds that do not exist
// are refused, saving again replaces, and each change is audited.
func TestAutomatedMessageTemplates(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		_, err := w.svc.SetAutomatedMessage(ctx, w.admin, w.ws.ID, engine.AutomatedOutOfHours, "We are closed.\nBack {{calendar.next_openin}}, {{agent.name}}")
		var te *engine.TemplateError
		if !errors.As(err, &te) || !errors.Is(err, engine.ErrInvalid) || len(te.Problems) != 2 {
			t.Fatalf("a bad template: %v; want a TemplateError with two problems", err)
		}
		if p := te.Problems[0]; p.Line != 2 || p.Column != 8 || p.Hint != "did you mean {{calendar.next_opening}}?" {
			t.Errorf("the typo: %+v; want line 2, column 8, the name meant", p)
		}
		if p := te.Problems[1]; !strings.Contains(p.Message, "{{agent.name}} is not a placeholder") {
			t.Errorf("the agent: %+v; want it refused", p)
		}
		for _, tt := range []struct {
			kind engine.AutomatedKind
			body string
		}{{"closing", "Bye"}, {engine.AutomatedGreeting, "  "}} {
			if _, err := w.svc.SetAutomatedMessage(ctx, w.admin, w.ws.ID, tt.kind, tt.body); !errors.Is(err, engine.ErrInvalid) {
				t.Errorf("kind %q, body %q: %v; want invalid", tt.kind, tt.body, err)
			}
		}
		if _, err := w.svc.SetAutomatedMessage(ctx, w.admin, "01JZZZZZZZZZZZZZZZZZZZZZZZ", engine.AutomatedGreeting, "Hi"); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("an unknown work stream: %v; want not found", err)
		}

		w.automated(engine.AutomatedGreeting, "Hi")
		w.clock.Advance(time.Minute)
		w.automated(engine.AutomatedGreeting, "Hello {{customer.first_name}}")
		list, err := w.svc.AutomatedMessages(ctx, w.ws.ID)
		if err != nil || len(list) != 1 || list[0].Body != "Hello {{customer.first_name}}" || !list[0].UpdatedAt.After(list[0].CreatedAt) {
			t.Errorf("after saving twice: %+v, %v; want one greeting, replaced", list, err)
		}
		if err := w.svc.DeleteAutomatedMessage(ctx, w.admin, w.ws.ID, engine.AutomatedGreeting); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.DeleteAutomatedMessage(ctx, w.admin, w.ws.ID, engine.AutomatedGreeting); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("deleting twice: %v; want not found", err)
		}
		audit, err := w.svc.ListAudit(ctx, engine.AuditFilter{Resource: "automated_message"}, engine.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range audit.Items {
			actions = append(actions, e.Action)
		}
		if strings.Join(actions, ",") != "delete,update,create" && strings.Join(actions, ",") != "create,update,delete" {
			t.Errorf("audit: %q; want create, update, delete", actions)
		}
	})
}

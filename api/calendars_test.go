package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// alwaysOpen is every day from midnight to midnight.
func alwaysOpen() []map[string]string {
	var out []map[string]string
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		out = append(out, map[string]string{"day": d, "open": "00:00", "close": "24:00"})
	}
	return out
}

// TestCalendarsOverHTTP: an analyst keeps calendars through the API; every
// bad field is refused with its name; agents read them; a calendar a queue
// uses cannot be deleted.
func TestCalendarsOverHTTP(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		analyst := h.key("analyst", "")
		agent := h.key("agent", "")
		var created calendarResponse
		res := h.call("POST", "/api/v1/calendars", analyst, map[string]any{
			"name": "Support EU", "time_zone": "Europe/Berlin",
			"hours":    []map[string]string{{"day": "Monday", "open": "09:00", "close": "12:30"}, {"day": "monday", "open": "13:30", "close": "17:00"}},
			"holidays": []map[string]string{{"date": "2026-12-25", "name": "Christmas Day"}},
		})
		if res.Code != http.StatusCreated {
			t.Fatalf("create = %d %s", res.Code, res.Body)
		}
		res.decode(t, &created)
		want := []openingHours{{"monday", "09:00", "12:30"}, {"monday", "13:30", "17:00"}}
		if created.Name != "Support EU" || created.TimeZone != "Europe/Berlin" || len(created.Hours) != 2 || created.Hours[0] != want[0] || created.Hours[1] != want[1] ||
			len(created.Holidays) != 1 || created.Holidays[0] != (holiday{"2026-12-25", "Christmas Day"}) {
			t.Errorf("created %+v", created)
		}
		// Open now or not, the answer says which and, when closed, when it opens.
		if created.OpenNow == (created.OpensAt != nil) {
			t.Errorf("open_now %v with opens_at %v: a closed calendar tells when it opens, an open one does not", created.OpenNow, created.OpensAt)
		}
		if created.OpensAt != nil {
			at, err := time.Parse(time.RFC3339Nano, *created.OpensAt)
			berlin, _ := time.LoadLocation("Europe/Berlin")
			if local := at.In(berlin); err != nil || local.Weekday() != time.Monday || !(local.Hour() == 9 || local.Hour() == 13 && local.Minute() == 30) {
				t.Errorf("opens_at %s (%v in Berlin), want a Monday at 09:00 or 13:30", *created.OpensAt, local)
			}
		}

		bad := []struct {
			name      string
			body      string
			wantCode  int
			wantField string
		}{
			{"no name", `{"time_zone":"UTC"}`, 400, "name"},
			{"no time zone", `{"name":"A"}`, 400, "time_zone"},
			{"a zone that does not exist", `{"name":"A","time_zone":"Europe/Berlinn"}`, 400, "time_zone"},
			{"a day that does not exist", `{"name":"A","time_zone":"UTC","hours":[{"day":"Mondy","open":"09:00","close":"17:00"}]}`, 400, "hours[0].day"},
			{"a time that is not one", `{"name":"A","time_zone":"UTC","hours":[{"day":"friday","open":"9am","close":"17:00"}]}`, 400, "hours[0].open"},
			{"closing before opening", `{"name":"A","time_zone":"UTC","hours":[{"day":"friday","open":"17:00","close":"09:00"}]}`, 400, "hours[0].close"},
			{"overlapping openings", `{"name":"A","time_zone":"UTC","hours":[{"day":"friday","open":"09:00","close":"13:00"},{"day":"friday","open":"12:00","close":"17:00"}]}`, 400, "hours[1]"},
			{"a holiday that is not a date", `{"name":"A","time_zone":"UTC","holidays":[{"date":"25/12/2026"}]}`, 400, "holidays[0].date"},
			{"the same name in other case", `{"name":"support eu","time_zone":"UTC"}`, 409, ""},
		}
		for _, tt := range bad {
			res := h.call("POST", "/api/v1/calendars", analyst, tt.body)
			if res.Code != tt.wantCode || (tt.wantField != "" && res.errorField(t) != tt.wantField) {
				t.Errorf("%s: %d %s; want %d naming %q", tt.name, res.Code, res.Body, tt.wantCode, tt.wantField)
			}
		}
		if res := h.call("POST", "/api/v1/calendars", agent, `{"name":"B","time_zone":"UTC"}`); res.Code != http.StatusForbidden {
			t.Errorf("an agent creating a calendar = %d, want 403", res.Code)
		}

		var list listResponse[calendarResponse]
		if res := h.call("GET", "/api/v1/calendars", agent, nil); res.Code != http.StatusOK {
			t.Fatalf("agent lists calendars = %d %s", res.Code, res.Body)
		} else {
			res.decode(t, &list)
		}
		if len(list.Items) != 1 || list.Items[0].ID != created.ID {
			t.Errorf("listed %+v, want the one calendar", list.Items)
		}

		path := "/api/v1/calendars/" + created.ID
		var open calendarResponse
		if res := h.call("PATCH", path, analyst, map[string]any{"hours": alwaysOpen(), "holidays": []any{}}); res.Code != http.StatusOK {
			t.Fatalf("patch = %d %s", res.Code, res.Body)
		} else {
			res.decode(t, &open)
		}
		if !open.OpenNow || open.OpensAt != nil || len(open.Hours) != 7 || len(open.Holidays) != 0 || open.Name != "Support EU" {
			t.Errorf("after opening every day: %+v", open)
		}

		q := h.create("/api/v1/queues", map[string]any{"name": "EU", "calendar_id": created.ID})
		var queue queueResponse
		h.call("GET", "/api/v1/queues/"+q, agent, nil).decode(t, &queue)
		if queue.CalendarID != created.ID {
			t.Errorf("queue's calendar_id %q, want %q", queue.CalendarID, created.ID)
		}
		if res := h.call("PATCH", "/api/v1/queues/"+q, analyst, `{"calendar_id":"nosuchcalendar"}`); res.Code != 400 || res.errorField(t) != "calendar_id" {
			t.Errorf("queue with an unknown calendar = %d %s, want 400 naming calendar_id", res.Code, res.Body)
		}
		if res := h.call("DELETE", path, analyst, nil); res.Code != http.StatusConflict || !strings.Contains(string(res.Body), "EU") {
			t.Errorf("delete a calendar queue EU uses = %d %s, want 409 naming the queue", res.Code, res.Body)
		}
		if res := h.call("PATCH", "/api/v1/queues/"+q, analyst, `{"calendar_id":""}`); res.Code != http.StatusOK {
			t.Fatalf("remove the queue's calendar = %d %s", res.Code, res.Body)
		}
		ws := h.create("/api/v1/workstreams", map[string]any{"name": "Care EU", "default_queue_id": q, "calendar_id": created.ID})
		var stream workStreamResponse
		h.call("GET", "/api/v1/workstreams/"+ws, agent, nil).decode(t, &stream)
		if stream.CalendarID != created.ID {
			t.Errorf("work stream's calendar_id %q, want %q", stream.CalendarID, created.ID)
		}
		if res := h.call("PATCH", "/api/v1/workstreams/"+ws, analyst, `{"calendar_id":"nosuchcalendar"}`); res.Code != 400 || res.errorField(t) != "calendar_id" {
			t.Errorf("work stream with an unknown calendar = %d %s, want 400 naming calendar_id", res.Code, res.Body)
		}
		if res := h.call("DELETE", path, analyst, nil); res.Code != http.StatusConflict || !strings.Contains(string(res.Body), "Care EU") {
			t.Errorf("delete a calendar work stream Care EU keeps = %d %s, want 409 naming it", res.Code, res.Body)
		}
		if res := h.call("PATCH", "/api/v1/workstreams/"+ws, analyst, `{"calendar_id":""}`); res.Code != http.StatusOK {
			t.Fatalf("remove the work stream's calendar = %d %s", res.Code, res.Body)
		}
		if res := h.call("DELETE", path, analyst, nil); res.Code != http.StatusNoContent {
			t.Errorf("delete an unused calendar = %d %s", res.Code, res.Body)
		}
		if res := h.call("GET", path, agent, nil); res.Code != http.StatusNotFound {
			t.Errorf("get a deleted calendar = %d, want 404", res.Code)
		}
	})
}

// TestQueueCalendarOverHTTP: a DM to a queue whose calendar is closed waits,
// though an agent is free, and is offered once the calendar opens and the
// scheduler's open-queues run comes.
func TestQueueCalendarOverHTTP(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		q, ws, handle := seedChannel(t, h)
		// Closed today, whatever day the test runs: open only on a holiday.
		today := time.Now().UTC()
		cal := h.create("/api/v1/calendars", map[string]any{"name": "Weekdays", "time_zone": "UTC",
			"hours":    []map[string]string{{"day": strings.ToLower(today.Weekday().String()), "open": "00:00", "close": "24:00"}},
			"holidays": []map[string]string{{"date": today.Format(time.DateOnly)}, {"date": today.Add(24 * time.Hour).Format(time.DateOnly)}}})
		if res := h.call("PATCH", "/api/v1/queues/"+string(q), h.admin, map[string]any{"calendar_id": cal}); res.Code != http.StatusOK {
			t.Fatalf("set the queue's calendar = %d %s", res.Code, res.Body)
		}
		rules := "/api/v1/workstreams/" + string(ws) + "/rules"
		res := h.call("POST", rules, h.admin, map[string]any{"name": "Closed", "queue_id": q, "condition": `!Time.InBusinessHours("weekdays")`})
		var problem struct {
			Error struct {
				Problems []struct {
					Line, Column  int
					Message, Hint string
				} `json:"details"`
			} `json:"error"`
		}
		res.decode(t, &problem)
		if res.Code != http.StatusUnprocessableEntity || len(problem.Error.Problems) != 1 || problem.Error.Problems[0].Line != 1 || problem.Error.Problems[0].Column != 23 ||
			problem.Error.Problems[0].Hint != `did you mean "Weekdays"?` {
			t.Errorf("a rule naming a calendar nobody has = %d %s; want 422 at line 1, column 23, with the name meant", res.Code, res.Body)
		}
		if res := h.call("POST", rules, h.admin, map[string]any{"name": "Closed", "queue_id": q, "condition": `!Time.InBusinessHours("Weekdays")`}); res.Code != http.StatusCreated {
			t.Fatalf("create a rule reading the calendar = %d %s", res.Code, res.Body)
		}
		var tested ruleTestResponse
		h.call("POST", rules+"/test", h.admin, map[string]any{"context": map[string]any{"Now": today.Format(time.RFC3339)}}).decode(t, &tested)
		if len(tested.Trace) != 1 || tested.Trace[0].Values[`Time.InBusinessHours("Weekdays")`] != false || tested.MatchedRule == nil {
			t.Errorf("rule test trace %+v; want the Closed rule matched, showing the calendar closed", tested.Trace)
		}
		var ada createdAgentResponse
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada", "capacity": 2, "queue_ids": []string{string(q)}}).decode(t, &ada)
		if res := h.call("PUT", "/api/v1/agents/"+ada.ID+"/presence", ada.Token, `{"presence":"available"}`); res.Code != http.StatusOK {
			t.Fatalf("presence = %d %s", res.Code, res.Body)
		}
		in, err := h.svc.Ingest(ctx, dm(handle, "ev1", "alice", "hello?"))
		if err != nil {
			t.Fatal(err)
		}
		conv := "/api/v1/conversations/" + string(in.ConversationID)
		var c conversationResponse
		h.call("GET", conv, h.admin, nil).decode(t, &c)
		if c.Status != string(engine.StatusOpen) || c.QueueID == nil || *c.QueueID != string(q) {
			t.Fatalf("out of hours the conversation is %s in %v, want open (waiting) in the queue", c.Status, c.QueueID)
		}
		if stats, err := h.svc.OfferOpenQueues(ctx, time.Now()); err != nil || stats.Changed != 0 {
			t.Fatalf("open-queues run while closed: %+v %v, want nothing offered", stats, err)
		}

		if res := h.call("PATCH", "/api/v1/calendars/"+cal, h.admin, map[string]any{"hours": alwaysOpen(), "holidays": []any{}}); res.Code != http.StatusOK {
			t.Fatalf("open the calendar = %d %s", res.Code, res.Body)
		}
		if stats, err := h.svc.OfferOpenQueues(ctx, time.Now()); err != nil || stats.Changed != 1 {
			t.Fatalf("open-queues run once open: %+v %v, want one offered", stats, err)
		}
		h.call("GET", conv, h.admin, nil).decode(t, &c)
		if c.Status != string(engine.StatusOffered) || c.OfferedAgentID == nil || *c.OfferedAgentID != ada.ID {
			t.Errorf("after opening the conversation is %s to %v, want offered to Ada", c.Status, c.OfferedAgentID)
		}
	})
}

package main

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// consoleCalendars: an analyst opens the Calendars page and creates
// "Support EU" in Europe/Berlin, Monday to Friday 09:00–17:00 with a
// holiday; a closing time before the opening is refused where it is
// written, and saved once fixed. The list shows the calendar's status and
// hours; the analyst gives a queue the calendar in the queue form, and
// deleting the calendar is refused, naming the queue.
func consoleCalendars(t *testing.T, dbEnv []string) {
	const admin = "console-admin-token-0123456789"
	svc := startService(t, append(dbEnv, "SWITCHBOARD_LISTEN=127.0.0.1:0", "SWITCHBOARD_LOG_FORMAT=json", "SWITCHBOARD_ADMIN_TOKEN="+admin))
	base := "http://" + svc.addr
	api := &apiClient{base: base + "/api/v1"}
	var key struct {
		Token string `json:"token"`
	}
	api.call(t, "POST", "/keys", admin, map[string]any{"name": "Ana Lyst", "role": "analyst"}, 201, &key)
	var queue idBody
	api.call(t, "POST", "/queues", admin, map[string]any{"name": "Berlin desk"}, 201, &queue)

	tab := newBrowserTab(t, base)
	tab.signIn(key.Token)
	tab.click("#nav a", "Calendars")
	tab.waitText("h1", "Calendars")
	tab.waitText("main", "None yet.")

	tab.fill(`input[name="name"]`, "Support EU")
	tab.fill(`input[name="time_zone"]`, "Europe/Berlin")
	tab.click(`button[aria-label="Add opening on Monday"]`, "Add opening") // a new day's first opening is 09:00–17:00
	if open, close := tab.value(`ul[aria-label="Monday openings"] input[name="open"]`), tab.value(`ul[aria-label="Monday openings"] input[name="close"]`); open != "09:00" || close != "17:00" {
		t.Errorf("Monday's new opening shows %s–%s, want 09:00–17:00", open, close)
	}
	tab.click("fieldset.week button", "Copy Monday to Tuesday–Friday")
	friday := `ul[aria-label="Friday openings"]`
	tab.fill(friday+` input[name="close"]`, "08:00") // a slip: closes before it opens
	tab.click("fieldset.holidays button", "Add holiday")
	tab.fill(`ul.holidays input[name="date"]`, "12252026")
	tab.fill(`ul.holidays input[name="holiday"]`, "Christmas Day")
	tab.click("form button", "Create")

	// Refused: the message is at Friday's closing time, and in the live
	// region, and the focus is there to fix it.
	tab.waitText(friday+" .field-error", "closes at 08:00, not after it opens at 09:00")
	tab.waitText(`form [aria-live="assertive"]`, "Friday opening, closes: closes at 08:00")
	if invalid := tab.text(`ul[aria-label="Monday openings"]`); strings.Contains(invalid, "closes at") {
		t.Errorf("Monday's opening shows an error too: %q", invalid)
	}
	ctx, cancel := context.WithTimeout(tab.ctx, browserWait)
	defer cancel()
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(e => e.closest('ul') ? e.closest('ul').getAttribute('aria-label') + ' ' + e.name : e.tagName)(document.activeElement)`))
	if err != nil {
		t.Fatalf("read the focus: %v", err)
	}
	if focused != "Friday openings close" {
		t.Errorf("after the refusal the focus is on %q, want Friday's closing time", focused)
	}
	tab.screenshot("calendar-refused", friday)

	tab.fill(friday+` input[name="close"]`, "17:00")
	tab.click("form button", "Create")
	tab.waitText("#toast", "Created “Support EU”")
	tab.waitText("table.calendars tbody tr", "Support EU\tEurope/Berlin\t")
	var cals struct {
		Items []struct {
			ID       string `json:"id"`
			OpenNow  bool   `json:"open_now"`
			Holidays []struct {
				Date string `json:"date"`
				Name string `json:"name"`
			} `json:"holidays"`
		} `json:"items"`
	}
	api.call(t, "GET", "/calendars", key.Token, nil, 200, &cals)
	if len(cals.Items) != 1 || len(cals.Items[0].Holidays) != 1 || cals.Items[0].Holidays[0].Date != "2026-12-25" || cals.Items[0].Holidays[0].Name != "Christmas Day" {
		t.Fatalf("the calendars are %+v, want Support EU with Christmas Day 2026-12-25", cals.Items)
	}
	row := tab.text("table.calendars tbody tr")
	wantStatus := "Closed — opens "
	if cals.Items[0].OpenNow {
		wantStatus = "Open now"
	}
	if !strings.Contains(row, "\t"+wantStatus) || !strings.Contains(row, "\tMon–Fri 09:00–17:00\t2026-12-25 Christmas Day\tNothing") {
		t.Errorf("the calendar's row shows %q, want its status (%s), Mon–Fri 09:00–17:00, the holiday and no user", row, wantStatus)
	}
	tab.screenshot("calendars")

	// Edited: Saturday mornings too.
	tab.click(`button[aria-label="Edit Support EU"]`, "Edit")
	tab.waitText("form.editing h2", "Edit the calendar “Support EU”")
	if close := tab.value(friday + ` input[name="close"]`); close != "17:00" {
		t.Errorf("the edit form shows Friday closing at %q, want 17:00", close)
	}
	tab.click(`button[aria-label="Add opening on Saturday"]`, "Add opening")
	tab.fill(`ul[aria-label="Saturday openings"] input[name="close"]`, "13:00")
	tab.click("form button", "Save")
	tab.waitText("table.calendars tbody tr", "\tMon–Fri 09:00–17:00; Sat 09:00–13:00\t")
	tab.waitText("form h2", "New calendar")

	// The queue keeps the calendar, chosen in the queue form.
	tab.click("#nav a", "Queues")
	tab.click(`button[aria-label="Edit Berlin desk"]`, "Edit")
	tab.waitText("form.editing h2", "Edit the queue “Berlin desk”")
	tab.choose(`select[name="calendar_id"]`, "Support EU")
	tab.screenshot("queue-calendar", `select[name="calendar_id"]`)
	tab.click("form button", "Save")
	tab.waitText("table tbody tr", "Berlin desk\tHighest priority, then longest waiting\tSupport EU\t")
	var q struct {
		CalendarID string `json:"calendar_id"`
	}
	api.call(t, "GET", "/queues/"+queue.ID, key.Token, nil, 200, &q)
	if q.CalendarID != cals.Items[0].ID {
		t.Errorf("the queue's calendar_id is %q, want %q", q.CalendarID, cals.Items[0].ID)
	}

	// Deleting it is refused while the queue keeps it.
	tab.click("#nav a", "Calendars")
	tab.waitText("table.calendars tbody tr", "queue Berlin desk")
	tab.acceptConfirms()
	tab.click(`button[aria-label="Delete Support EU"]`, "Delete")
	tab.waitText("#calendars-notice", `Not deleted: calendar "Support EU" cannot be deleted`)
	tab.waitText("#calendars-notice", "Berlin desk")
	tab.waitText("table.calendars tbody tr", "Support EU")
	tab.screenshot("calendar-in-use", "#calendars-notice")
}

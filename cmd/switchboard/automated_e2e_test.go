package main

import (
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
)

// TestOutOfHoursMessageEndToEnd runs the out-of-hours message over real
// HTTP, on SQLite and PostgreSQL, with the fake Twitter server: the
// General queue keeps a calendar that is closed today and tomorrow; a
// customer's first DM, signed at the webhook, gets the work stream's
// out-of-hours message once (the fake server receives one DM with the
// rendered text, the next opening in the calendar's zone), shown in the
// thread as automated; its echo routes nothing and stores nothing; a
// second DM an hour later gets none, and the conversation keeps waiting.
func TestOutOfHoursMessageEndToEnd(t *testing.T) {
	forEachServeDB(t, func(t *testing.T, dbEnv []string) {
		const admin = "automated-admin-token-0123456789"
		clock := &shiftedClock{}
		fake := newFakeChannel(t, "automated", twittertest.WithClock(clock.Now))
		customer := fake.AddUser(twittertest.User{ScreenName: "nightowl", Name: "Night Owl"})
		svc := startServiceWithClock(t, clock, fake.serviceEnv(t, append(dbEnv, "SWITCHBOARD_ADMIN_TOKEN="+admin,
			"SWITCHBOARD_AGENT_STREAM_GRACE=1h")...))
		api := &apiClient{base: "http://" + svc.addr + "/api/v1"}

		// Open only on the day after tomorrow (in Berlin): closed now and
		// an hour from now.
		berlin, err := time.LoadLocation("Europe/Berlin")
		if err != nil {
			t.Fatal(err)
		}
		openDay := clock.Now().In(berlin).AddDate(0, 0, 2).Weekday()
		var cal, general, ws idBody
		api.call(t, "POST", "/calendars", admin, map[string]any{"name": "Support EU", "time_zone": "Europe/Berlin",
			"hours": []map[string]any{{"day": strings.ToLower(openDay.String()), "open": "09:00", "close": "17:00"}}}, 201, &cal)
		api.call(t, "POST", "/queues", admin, map[string]any{"name": "General", "calendar_id": cal.ID}, 201, &general)
		api.call(t, "POST", "/workstreams", admin, map[string]any{"name": "Care", "default_queue_id": general.ID}, 201, &ws)
		api.call(t, "PUT", "/workstreams/"+ws.ID+"/automated-messages/out_of_hours", admin,
			map[string]any{"body": "Hi {{customer.first_name}}, we are closed. We open again {{calendar.next_opening}}."}, 200, nil)
		fake.connectHandle(t, api.base, admin, ws.ID)
		ann := api.newAgent(t, admin, "Ann", general.ID)

		inject := func(text string) {
			t.Helper()
			inj, err := fake.InjectDM(t.Context(), twittertest.InboundDM{From: customer.ID, To: fake.business.ID, Text: text})
			if err != nil || len(inj.Deliveries) != 1 || !inj.Deliveries[0].OK() {
				t.Fatalf("inject %q: %+v %v", text, inj, err)
			}
		}
		fromBusiness := func() []string {
			var out []string
			for _, m := range fake.Messages() {
				if m.SenderID == fake.business.ID && m.RecipientID == customer.ID {
					out = append(out, m.Text)
				}
			}
			return out
		}
		type thread struct {
			Status       string `json:"status"`
			MessageCount int    `json:"message_count"`
			Messages     []struct {
				Direction string `json:"direction"`
				Text      string `json:"text"`
				Delivery  string `json:"delivery_status"`
				Automated bool   `json:"automated"`
			} `json:"messages"`
			Routing []struct {
				Reason string `json:"reason"`
			} `json:"routing"`
		}
		var list struct {
			Items []idBody `json:"items"`
		}
		read := func() thread {
			t.Helper()
			api.call(t, "GET", "/conversations?customer=nightowl", admin, nil, 200, &list)
			if len(list.Items) != 1 {
				t.Fatalf("nightowl has %d conversations, want one", len(list.Items))
			}
			var d thread
			api.call(t, "GET", "/conversations/"+list.Items[0].ID, admin, nil, 200, &d)
			return d
		}

		inject("is anyone there?")
		want := "Hi Night, we are closed. We open again " + openDay.String() + " 09:00 (Europe/Berlin)."
		waitFor(t, "the out-of-hours message is sent", func() bool {
			d := read()
			return len(d.Messages) == 2 && d.Messages[1].Delivery == "sent"
		})
		fake.WaitDeliveries() // its echo has reached the webhook
		if got := fromBusiness(); len(got) != 1 || got[0] != want {
			t.Fatalf("Twitter received %q from the business; want once %q", got, want)
		}
		d := read()
		if m := d.Messages[1]; m.Direction != "outbound" || !m.Automated || m.Text != want || d.Messages[0].Automated {
			t.Errorf("thread %+v; want the customer's DM, then the automated message", d.Messages)
		}
		if d.Status != "open" || d.MessageCount != 2 || len(d.Routing) != 1 {
			t.Errorf("after the echo: %s, %d messages, %d routing decisions; want open, 2, 1", d.Status, d.MessageCount, len(d.Routing))
		}

		clock.Advance(time.Hour)
		inject("hello?")
		waitFor(t, "the second DM is stored", func() bool { return len(read().Messages) == 3 })
		time.Sleep(300 * time.Millisecond) // time for an automated message to be sent, were one queued
		fake.WaitDeliveries()
		d = read()
		if got := fromBusiness(); len(got) != 1 {
			t.Errorf("an hour later Twitter received %q from the business; want the first message only", got)
		}
		if d.MessageCount != 3 || len(d.Routing) != 1 || d.Status != "open" || d.Messages[2].Automated {
			t.Errorf("an hour later: %+v; want 3 messages, one routing decision, still open", d)
		}
		ann.stream.noMore(t) // closed: nobody is offered it
	})
}

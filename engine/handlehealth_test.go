package engine_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// TestHandleHealthNotesTheNewestEventOnceASecond delivers DMs to a handle:
// the first is recorded as its newest event at once; those within the
// following second are not written one by one; the first a second later
// is, and an older event never replaces a newer one.
func TestHandleHealthNotesTheNewestEventOnceASecond(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		receive := func(event int) {
			t.Helper()
			dm := engine.ChannelMessage{ExternalID: strconv.Itoa(event), SentAt: w.clock.Now(), SenderExternalID: "2000", RecipientExternalID: w.endpoint.ExternalID,
				Customer: engine.CustomerProfile{ExternalID: "2000", ScreenName: "jane"}, Text: "hello"}
			if _, err := w.svc.ReceiveChannelMessage(ctx, w.endpoint, dm); err != nil {
				t.Fatal(err)
			}
		}
		newest := func() string {
			t.Helper()
			h, err := w.svc.EndpointHealth(ctx, w.endpoint.ID)
			if err != nil {
				t.Fatal(err)
			}
			if h.LastEventAt == nil {
				return ""
			}
			return h.LastEventID
		}
		steps := []struct {
			advance time.Duration
			event   int
			want    string
		}{
			{0, 100, "100"},
			{300 * time.Millisecond, 101, "100"},
			{600 * time.Millisecond, 102, "100"},
			{100 * time.Millisecond, 103, "103"}, // a second after the write
			{2 * time.Second, 50, "103"},         // older: kept
			{2 * time.Second, 104, "104"},
		}
		for i, s := range steps {
			w.clock.Advance(s.advance)
			receive(s.event)
			if got := newest(); got != s.want {
				t.Fatalf("step %d (event %d): newest event %q, want %q", i, s.event, got, s.want)
			}
		}
	})
}

// TestDMWithoutATimeTakesTheClocks: a DM whose payload carries no
// created_timestamp is stored as sent when it was received, by the
// service's clock.
func TestDMWithoutATimeTakesTheClocks(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		dm := engine.ChannelMessage{ExternalID: "7001", SenderExternalID: "2000", RecipientExternalID: w.endpoint.ExternalID,
			Customer: engine.CustomerProfile{ExternalID: "2000", ScreenName: "jane"}, Text: "no time on this one"}
		res, err := w.svc.ReceiveChannelMessage(context.Background(), w.endpoint, dm)
		if err != nil {
			t.Fatal(err)
		}
		d := w.detail(res.ConversationID)
		if len(d.Messages) != 1 || !d.Messages[0].SentAt.Equal(w.clock.Now()) {
			t.Fatalf("messages = %+v; want one, sent at the clock's %s", d.Messages, w.clock.Now())
		}
	})
}

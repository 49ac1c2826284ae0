package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// TestDefaultBackoff: exponential from 1 s, capped at 5 min, with jitter
// in the upper half.
func TestDefaultBackoff(t *testing.T) {
	for attempt, want := range map[int]time.Duration{0: time.Second, 1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 9: 256 * time.Second, 10: 5 * time.Minute, 100: 5 * time.Minute} {
		for range 50 {
			if d := engine.DefaultBackoff(attempt); d < want/2 || d > want {
				t.Errorf("DefaultBackoff(%d) = %v, want in [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
}

// TestChannelError classifies a channel's failures.
func TestChannelError(t *testing.T) {
	err := error(&engine.ChannelError{Op: "send direct message", Message: "403 code 349"})
	te, ok := engine.AsChannelError(err)
	if !ok || !te.Permanent() || te.Error() != "send direct message: 403 code 349" {
		t.Errorf("349: %+v %v", te, ok)
	}
	for _, e := range []*engine.ChannelError{{Retryable: true}, {RateLimited: true}} {
		if e.Permanent() {
			t.Errorf("%+v is permanent", e)
		}
	}
}

// nobodySends is a Sender of another channel than the world's.
type nobodySends struct{}

func (nobodySends) Send(context.Context, engine.OutboundMessage) ([]string, error) {
	return nil, errors.New("not this channel")
}
func (nobodySends) SentLookup() engine.SentLookup { return nil }

// TestOutboxHoldsAnUnwiredChannel: a reply on a channel the service has no
// Sender for waits through the outbox's attempts, then fails with a reason
// that names the channel; nothing is sent by another channel's Sender.
func TestOutboxHoldsAnUnwiredChannel(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		ada := w.agent("Ada", 1, engine.PresenceAvailable)
		res := w.ingest(w.dm("ev-1", "ann", "where is my parcel?"))
		if _, err := w.svc.Accept(ctx, ada, res.ConversationID); err != nil {
			t.Fatal(err)
		}
		reply, err := w.svc.Reply(ctx, ada, res.ConversationID, "On its way.")
		if err != nil {
			t.Fatal(err)
		}
		svc := engine.NewService(w.db, engine.ServiceOptions{Clock: w.clock, Channels: []engine.Channel{testChannel, "other"},
			Senders: map[engine.Channel]engine.Sender{"other": nobodySends{}}})
		opts := engine.OutboxOptions{MaxAttempts: 2, Backoff: func(int) time.Duration { return time.Second }}
		delivery := func() engine.Message {
			t.Helper()
			for _, m := range w.detail(res.ConversationID).Messages {
				if m.ID == reply.ID {
					return m
				}
			}
			t.Fatalf("reply %s is gone", reply.ID)
			return engine.Message{}
		}

		run, err := svc.SendDue(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if m := delivery(); run.Retried != 1 || m.Delivery != engine.DeliveryQueued {
			t.Fatalf("first run %+v left the reply %s; want it retried and queued", run, m.Delivery)
		}
		w.clock.Advance(2 * time.Second)
		if run, err = svc.SendDue(ctx, opts); err != nil {
			t.Fatal(err)
		}
		m := delivery()
		if run.Failed != 1 || m.Delivery != engine.DeliveryFailed || !strings.Contains(m.LastError, `"sms" channel is not configured`) {
			t.Errorf("second run %+v left the reply %s (%q); want it failed, naming the channel", run, m.Delivery, m.LastError)
		}
	})
}

package twitter_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
)

// deliveryOf is the webhook body Twitter would have delivered for a stored
// DM.
func deliveryOf(forUser string, m twittertest.Message) []byte {
	return fmt.Appendf(nil, `{"for_user_id":%q,"direct_message_events":[{"type":"message_create","id":%q,"created_timestamp":"%d",`+
		`"message_create":{"target":{"recipient_id":%q},"sender_id":%q,"message_data":{"text":%q}}}]}`,
		forUser, m.ID, m.CreatedAt.UnixMilli(), m.RecipientID, m.SenderID, m.Text)
}

// TestBackfill: DMs sent while Switchboard was down past Twitter's retry
// window are recovered by backfill, once each, also when a late delivery
// of the same events races the backfill; a replayed backfill stores
// nothing more.
func TestBackfill(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		h := c.connect(c.business)
		if _, err := c.fake.InjectDM(c.ctx, twittertest.InboundDM{From: c.customer.ID, To: c.business.ID, Text: "before the outage"}); err != nil {
			t.Fatal(err)
		}
		// The outage: Twitter gives up delivering.
		c.fake.SetDeliveryFaults(twittertest.DeliveryFaults{Drop: true})
		bob := c.fake.AddUser(twittertest.User{ScreenName: "bob", Name: "Bob"})
		for i, from := range []twittertest.User{c.customer, bob, c.customer} {
			c.clock.Advance(time.Second)
			if _, err := c.fake.InjectDM(c.ctx, twittertest.InboundDM{From: from.ID, To: c.business.ID, Text: fmt.Sprintf("during the outage %d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		c.fake.SetDeliveryFaults(twittertest.DeliveryFaults{})
		if n := len(c.messages()); n != 1 {
			t.Fatalf("%d messages before backfill, want 1", n)
		}
		res, err := c.acc.Backfill(c.ctx, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Ingested != 3 || !res.Complete {
			t.Fatalf("backfill = %+v", res)
		}
		msgs := c.messages()
		if len(msgs) != 4 || len(c.conversations()) != 2 {
			t.Fatalf("%d messages in %d conversations after backfill, want 4 in 2", len(msgs), len(c.conversations()))
		}
		// Again: nothing new.
		if res, err = c.acc.Backfill(c.ctx, h.ID); err != nil || res.Ingested != 0 {
			t.Fatalf("second backfill = %+v, %v", res, err)
		}
		// Late deliveries of the same events race a backfill.
		var stored []twittertest.Message
		for _, m := range c.fake.Messages() {
			if m.RecipientID == c.business.ID {
				stored = append(stored, m)
			}
		}
		var wg sync.WaitGroup
		for _, m := range stored {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := deliveryOf(c.business.ID, m)
				if got := c.post(body, twitter.Sign(consumerSecret, body)); got != 200 {
					t.Errorf("late delivery: %d", got)
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.acc.Backfill(c.ctx, h.ID); err != nil {
				t.Error(err)
			}
		}()
		wg.Wait()
		if n := len(c.messages()); n != 4 {
			t.Fatalf("%d messages after the race, want 4", n)
		}
		// Replies Switchboard sent are known to backfill: they come back as
		// ours, not as agents' messages.
		conv := c.conversations()[0]
		c.reply(conv, "sorry for the wait")
		c.sendDue()
		c.fake.SetDeliveryFaults(twittertest.DeliveryFaults{Drop: true})
		if _, err := c.fake.InjectDM(c.ctx, twittertest.InboundDM{From: c.business.ID, To: conv.Customer.ExternalID, Text: "written in the app",
			SourceAppID: twittertest.TwitterWebAppID}); err != nil {
			t.Fatal(err)
		}
		c.fake.SetDeliveryFaults(twittertest.DeliveryFaults{})
		if res, err = c.acc.Backfill(c.ctx, h.ID); err != nil || res.Ingested != 0 || res.Echoes != 1 {
			t.Fatalf("backfill of echoes = %+v, %v", res, err)
		}
		if n := outboundCount(c.messages()); n != 2 {
			t.Errorf("%d outbound messages, want 2 (the reply and the native one)", n)
		}
	})
}

// TestBackfillRateLimited: a 429 on the list stops the backfill with the
// time it may continue, and no error.
func TestBackfillRateLimited(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		h := c.connect(c.business)
		c.fake.FailNext(twittertest.EndpointListDMEvents, twittertest.Fault{Status: 429, Code: 88, Message: "Rate limit exceeded", ResetIn: 15 * time.Minute})
		res, err := c.acc.Backfill(c.ctx, h.ID)
		if err != nil || res.Complete || res.RetryAt == nil || res.RetryAt.Before(c.clock.Now().Add(14*time.Minute)) || !strings.Contains(res.Error, "429") {
			t.Fatalf("backfill = %+v, %v", res, err)
		}
	})
}

// TestSilentHandle: a handle that usually receives DMs and falls silent is
// reported and logged.
func TestSilentHandle(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		h := c.connect(c.business)
		for i := range 3 {
			if _, err := c.fake.InjectDM(c.ctx, twittertest.InboundDM{From: c.customer.ID, To: c.business.ID, Text: fmt.Sprintf("dm %d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		busy := twitter.NewAccounts(c.svc, twitter.AccountsOptions{Silence: twitter.SilenceRule{After: 6 * time.Hour, BusyMin: 3}, Logger: newTestLogger(c.logs)})
		quiet := twitter.NewAccounts(c.svc, twitter.AccountsOptions{Silence: twitter.SilenceRule{After: 6 * time.Hour, BusyMin: 4}})
		admin := twitter.NewAdmin(busy)
		if silent, err := busy.CheckSilentHandles(c.ctx); err != nil || len(silent) != 0 {
			t.Fatalf("silent at once: %+v, %v", silent, err)
		}
		if since, err := admin.HandleSilentSince(c.ctx, h.ID); err != nil || since != nil {
			t.Fatalf("the handle shows silent since %v at once (%v)", since, err)
		}
		last := c.clock.Now()
		c.clock.Advance(7 * time.Hour)
		silent, err := busy.CheckSilentHandles(c.ctx)
		if err != nil || len(silent) != 1 || silent[0].Handle.ScreenName != "AcmeHelp" || !silent[0].Handle.AccessToken.IsZero() {
			t.Fatalf("silent = %+v, %v", silent, err)
		}
		if !strings.Contains(c.logs.String(), "usually busy") {
			t.Error("no warning logged")
		}
		if since, err := admin.HandleSilentSince(c.ctx, h.ID); err != nil || since == nil || since.Sub(last).Abs() > time.Second {
			t.Errorf("the handle shows silent since %v (%v); want its last DM's time, %v", since, err, last)
		}
		if silent, _ := quiet.CheckSilentHandles(c.ctx); len(silent) != 0 {
			t.Errorf("a quiet handle is reported: %+v", silent)
		}
		if since, _ := twitter.NewAdmin(quiet).HandleSilentSince(c.ctx, h.ID); since != nil {
			t.Errorf("a quiet handle shows silent since %v", since)
		}
	})
}

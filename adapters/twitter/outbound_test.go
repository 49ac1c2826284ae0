package twitter_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// TestSendDMWithAttachment sends a DM with media (a media id uploaded by
// the handle) in both dialects: v2's attachments[].media_id and v1.1's
// attachment.media.id. Twitter stores the attachment and its echo carries
// it. (The outbox sends agents' text only: engine.OutboundMessage has no
// media, so attachments go through the Client, not the Sender.)
func TestSendDMWithAttachment(t *testing.T) {
	for _, d := range []twitter.Dialect{twitter.DialectV2, twitter.DialectPremium} {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t)
			c := e.client(t, d)
			tok := e.token(t, e.handle.ID)
			e.subscribe(t, c, tok)
			const mediaID = "1455952740635586573"
			sent, err := c.SendDM(context.Background(), tok, twitter.OutgoingDM{RecipientID: e.customer.ID, Text: "Your receipt", MediaID: mediaID})
			if err != nil || len(sent) != 1 || sent[0].ID == "" {
				t.Fatalf("SendDM = %+v, %v", sent, err)
			}
			e.fake.WaitDeliveries()
			msgs := e.fake.Messages()
			if len(msgs) != 1 || msgs[0].ID != sent[0].ID || !strings.Contains(msgs[0].MediaURL, "/"+mediaID+"/") ||
				!strings.HasPrefix(msgs[0].Text, "Your receipt") {
				t.Fatalf("stored %+v", msgs)
			}
			got, _ := e.hook.got()
			if len(got) != 1 || len(got[0].DirectMessages) != 1 {
				t.Fatalf("echo deliveries %+v", got)
			}
			echo := got[0].DirectMessages[0]
			if echo.ID != sent[0].ID || !echo.IsEcho() || len(echo.Media) != 1 || echo.Media[0].ID != mediaID || echo.DisplayText() != "Your receipt" {
				t.Errorf("echo %+v", echo)
			}
			// Media alone, without text, is a DM too.
			if sent, err := c.SendDM(context.Background(), tok, twitter.OutgoingDM{RecipientID: e.customer.ID, MediaID: mediaID}); err != nil || len(sent) != 1 {
				t.Errorf("media-only SendDM = %+v, %v", sent, err)
			}
		})
	}
}

// TestOutboxPremiumDialectOnEachStore sends through the v1.1 endpoint of
// the premium dialect on SQLite and PostgreSQL; a 5xx there is retried
// after the backoff, and its echo is recognised.
func TestOutboxPremiumDialectOnEachStore(t *testing.T) {
	t.Parallel()
	storagetest.ForEach(t, func(t *testing.T, db *storage.DB) {
		c := newChannel(t, db, twitter.DialectPremium)
		c.connect(c.business)
		m := c.reply(c.conversationWith(c.customer, c.business), "premium reply")
		c.fake.FailNext(twittertest.EndpointSendDMv1, twittertest.FaultServerError)
		if run := c.sendDue(); run.Retried != 1 {
			t.Fatalf("run = %+v", run)
		}
		if got := c.message(m.ID); got.Delivery != engine.DeliveryQueued || !strings.Contains(got.LastError, "131") {
			t.Fatalf("after a 500: %+v", got)
		}
		c.clock.Advance(time.Minute)
		if run := c.sendDue(); run.Sent != 1 {
			t.Fatalf("run = %+v", run)
		}
		c.wantSentOnce(m)
		if n := outboundCount(c.messages()); n != 1 {
			t.Errorf("%d outbound messages, want 1", n)
		}
	})
}

// TestOutboxRateLimitResetHeaders: a 429 dated by each header the
// reference lists (§12) — the window's x-rate-limit-reset, the user's and
// the application's 24-hour x-*-limit-24hour-reset, and Retry-After — makes
// the outbox wait until then: nothing is sent before, the reply after.
func TestOutboxRateLimitResetHeaders(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		fault twittertest.Fault
		wait  time.Duration // until the reset the header gives
	}{
		{"x-rate-limit-reset", twittertest.Fault{Status: 429, Code: 88, Message: "Rate limit exceeded", ResetIn: 15 * time.Minute}, 15*time.Minute + time.Second},
		{"x-user-limit-24hour-reset", twittertest.Fault{Status: 429, Code: 88, Message: "Rate limit exceeded", ResetIn: 5 * time.Hour, UserDayCap: true}, 5 * time.Hour},
		{"x-app-limit-24hour-reset", twittertest.Fault{Status: 429, Code: 88, Message: "Rate limit exceeded", ResetIn: 3 * time.Hour, AppDayCap: true}, 3 * time.Hour},
		{"retry-after", twittertest.Fault{Status: 429, Code: 88, Message: "Rate limit exceeded", ResetIn: 10 * time.Minute, RetryAfter: true}, 10 * time.Minute},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachChannel(t, func(t *testing.T, c *channel) {
				c.connect(c.business)
				conv := c.conversationWith(c.customer, c.business)
				m := c.reply(conv, "wait for the reset")
				c.fake.FailNext(twittertest.EndpointSendDM, tt.fault)
				if run := c.sendDue(); run.RateLimited != 1 || run.Sent != 0 {
					t.Fatalf("run = %+v", run)
				}
				if got := c.message(m.ID); got.Delivery != engine.DeliveryQueued || got.Attempts != 0 || !strings.Contains(got.LastError, "429") {
					t.Fatalf("after the 429: %+v", got)
				}
				c.clock.Advance(tt.wait - 5*time.Second)
				if run := c.sendDue(); run.Sent != 0 {
					t.Fatalf("sent %v before the reset: %+v", 5*time.Second, run)
				}
				if n := len(c.sentTo(c.business.ID, c.customer.ID)); n != 0 {
					t.Fatalf("%d DMs before the reset", n)
				}
				c.clock.Advance(10 * time.Second)
				if run := c.sendDue(); run.Sent != 1 {
					t.Fatalf("run after the reset = %+v", run)
				}
				c.wantSentOnce(m)
			})
		})
	}
}

// TestOutboxPermanentFailureIsNotRetried: a recipient who cannot receive
// DMs (150, 349) fails the reply at once with Twitter's reason, from v2's
// problem answer; it is not tried again, however long one waits.
func TestOutboxPermanentFailureIsNotRetried(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		c.connect(c.business)
		for _, tt := range []struct {
			user   twittertest.User
			code   string
			reason string
		}{
			{twittertest.User{ScreenName: "picky", RequiresFollow: true}, "code 150", "You cannot send messages to users who are not following you"},
			{twittertest.User{ScreenName: "closed", ClosedDMs: true}, "code 349", "You cannot send messages to this user"},
		} {
			u := c.fake.AddUser(tt.user)
			m := c.reply(c.conversationWith(u, c.business), "hello?")
			if run := c.sendDue(); run.Failed != 1 || run.Retried != 0 {
				t.Fatalf("%s: run = %+v", tt.user.ScreenName, run)
			}
			got := c.message(m.ID)
			if got.Delivery != engine.DeliveryFailed || got.Attempts != 1 || !strings.Contains(got.LastError, tt.code) || !strings.Contains(got.LastError, tt.reason) {
				t.Fatalf("%s: %+v", tt.user.ScreenName, got)
			}
			c.clock.Advance(24 * time.Hour)
			if run := c.sendDue(); run.Claimed != 0 {
				t.Fatalf("%s: a failed reply was claimed again: %+v", tt.user.ScreenName, run)
			}
			if n := len(c.sentTo(c.business.ID, u.ID)); n != 0 {
				t.Errorf("%s: %d DMs stored", tt.user.ScreenName, n)
			}
		}
	})
}

// TestOutboxCrashBetweenSendAndCommitPremium: in the v1.1 dialect, a
// sender that sent a reply and died before recording it leaves the reply
// "sending"; after its lease the next sender finds the DM in the handle's
// v1.1 DM event list and records it as sent, not sending it twice.
func TestOutboxCrashBetweenSendAndCommitPremium(t *testing.T) {
	t.Parallel()
	storagetest.ForEach(t, func(t *testing.T, db *storage.DB) {
		c := newChannel(t, db, twitter.DialectPremium)
		h := c.connect(c.business)
		m := c.reply(c.conversationWith(c.customer, c.business), "sent, then the sender died")
		if claimed := c.claimAndSendElsewhere(h, m); len(claimed) != 1 {
			t.Fatalf("claimed %d", len(claimed))
		}
		if got := c.message(m.ID); got.Delivery != engine.DeliverySending {
			t.Fatalf("claimed message: %+v", got)
		}
		if run := c.sendDue(); run.Claimed != 0 {
			t.Fatalf("claimed again during the lease: %+v", run)
		}
		c.clock.Advance(outboxOpts.Lease + time.Second)
		if run := c.sendDue(); run.Recovered != 1 || run.Sent != 0 {
			t.Fatalf("run = %+v; want the reply recovered, not sent again", run)
		}
		c.wantSentOnce(m)
	})
}

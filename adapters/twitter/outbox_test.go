package twitter_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// outboxOpts sends with a fixed backoff, so that tests move the clock
// instead of sleeping.
var outboxOpts = engine.OutboxOptions{Batch: 10, Lease: time.Minute, MaxAttempts: 3, Backoff: func(int) time.Duration { return time.Minute }}

// conversationWith receives a customer's DM and returns its conversation.
func (c *channel) conversationWith(customer twittertest.User, handle twittertest.User) engine.Conversation {
	c.t.Helper()
	if _, err := c.fake.InjectDM(c.ctx, twittertest.InboundDM{From: customer.ID, To: handle.ID, Text: "hello from " + customer.ScreenName}); err != nil {
		c.t.Fatal(err)
	}
	for _, conv := range c.conversations() {
		if conv.Customer.ExternalID == customer.ID {
			return conv
		}
	}
	c.t.Fatalf("no conversation with %s", customer.ScreenName)
	return engine.Conversation{}
}

// reply enqueues an agent's reply as the messages endpoint does: in the
// caller's transaction.
func (c *channel) reply(conv engine.Conversation, text string) engine.Message {
	c.t.Helper()
	var m engine.Message
	err := c.db.InTx(c.ctx, func(tx engine.Tx) error {
		var err error
		m, err = c.svc.EnqueueReply(c.ctx, tx, conv, "", text, c.clock.Now())
		return err
	})
	if err != nil {
		c.t.Fatalf("enqueue reply: %v", err)
	}
	if m.Delivery != engine.DeliveryQueued {
		c.t.Fatalf("reply is %s, want queued", m.Delivery)
	}
	return m
}

func (c *channel) sendDue() engine.OutboxRun {
	c.t.Helper()
	opts := outboxOpts
	opts.Observe = c.metrics.ObserveSend
	run, err := c.svc.SendDue(c.ctx, opts)
	if err != nil {
		c.t.Fatalf("send due: %v", err)
	}
	c.fake.WaitDeliveries()
	return run
}

// drain runs the sender until a run claims nothing: a customer's replies
// go one per run, each after the one before it.
func (c *channel) drain() {
	c.t.Helper()
	for range 20 {
		if run := c.sendDue(); run.Claimed == 0 {
			return
		}
	}
	c.t.Fatal("the outbox still had due messages after 20 runs")
}

// wantSentOnce checks that m reached the customer exactly once and is
// recorded as sent, with its Twitter event id.
func (c *channel) wantSentOnce(m engine.Message) {
	c.t.Helper()
	if n := len(c.sentTo(c.business.ID, c.customer.ID)); n != 1 {
		c.t.Errorf("%d DMs on Twitter, want 1", n)
	}
	if got := c.message(m.ID); got.Delivery != engine.DeliverySent || got.ExternalID == "" {
		c.t.Errorf("message: %+v", got)
	}
}

func (c *channel) message(id engine.MessageID) engine.OutboxItem {
	c.t.Helper()
	m, err := c.db.OutboxMessage(c.ctx, id)
	if err != nil {
		c.t.Fatal(err)
	}
	return m
}

// sentTo counts the DMs the fake server stored from the handle to a user.
func (c *channel) sentTo(from, to string) []twittertest.Message {
	var out []twittertest.Message
	for _, m := range c.fake.Messages() {
		if m.SenderID == from && m.RecipientID == to {
			out = append(out, m)
		}
	}
	return out
}

func outboundCount(msgs []engine.Message) int {
	n := 0
	for _, m := range msgs {
		if m.Direction == engine.Outbound {
			n++
		}
	}
	return n
}

// TestOutboxSends: a reply is sent with the handle's token, records its
// event id, and its echo is recognised (also one delivered before the send
// answered); a long reply is split.
func TestOutboxSends(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		c.connect(c.business)
		conv := c.conversationWith(c.customer, c.business)
		m := c.reply(conv, "We are on it, Jane.")
		if run := c.sendDue(); run.Sent != 1 {
			t.Fatalf("run = %+v", run)
		}
		got := c.message(m.ID)
		sent := c.sentTo(c.business.ID, c.customer.ID)
		if got.Delivery != engine.DeliverySent || got.Attempts != 1 || len(sent) != 1 || got.ExternalID != sent[0].ID {
			t.Fatalf("message %+v, sent %+v", got, sent)
		}
		if n := outboundCount(c.messages()); n != 1 {
			t.Errorf("%d outbound messages after the echo, want 1 (the echo is ours)", n)
		}
		if a, err := c.db.SourceHealth(c.ctx, c.app.ID); err != nil || a.ClientID != c.fakeApp.ID {
			t.Errorf("learnt app id %q, want %q (%v)", a.ClientID, c.fakeApp.ID, err)
		}
		long := strings.Repeat("word ", 2500) // 12,500 characters: two DMs
		m = c.reply(conv, long)
		if run := c.sendDue(); run.Sent != 1 {
			t.Fatalf("run = %+v", run)
		}
		if got := c.message(m.ID); got.Delivery != engine.DeliverySent || got.SentParts != 2 {
			t.Fatalf("long reply: %+v", got)
		}
		if sent := c.sentTo(c.business.ID, c.customer.ID); len(sent) != 3 {
			t.Errorf("%d DMs on Twitter, want 3", len(sent))
		}
		if n := outboundCount(c.messages()); n != 2 {
			t.Errorf("%d outbound messages, want 2", n)
		}
		// Nothing left to send.
		if run := c.sendDue(); run.Claimed != 0 {
			t.Errorf("second run claimed %d", run.Claimed)
		}
	})
}

// TestOutboxEchoBeforeResponse: Twitter delivers the echo before the send
// call answers (§8); it is recognised as ours all the same, also when
// Twitter has wrapped the reply's link in t.co.
func TestOutboxEchoBeforeResponse(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"Echo race", "Echo race, see https://acme.example/help/returns"} {
		t.Run(text, func(t *testing.T) {
			forEachChannel(t, func(t *testing.T, c *channel) {
				c.connect(c.business)
				conv := c.conversationWith(c.customer, c.business)
				m := c.reply(conv, text)
				if run := c.sendDue(); run.Sent != 1 {
					t.Fatalf("run = %+v", run)
				}
				if n := outboundCount(c.messages()); n != 1 || c.message(m.ID).Delivery != engine.DeliverySent {
					t.Fatalf("%d outbound messages, want 1", n)
				}
			}, twittertest.WithEchoBeforeResponse())
		})
	}
}

// TestOutboxRetries: 5xx is retried after the backoff until it works; a
// failure that persists past MaxAttempts fails the message.
func TestOutboxRetries(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		c.connect(c.business)
		conv := c.conversationWith(c.customer, c.business)
		m := c.reply(conv, "retry me")
		c.fake.FailNext(twittertest.EndpointSendDM, twittertest.Fault{Status: 503, Code: 130, Message: "Over capacity", Times: 2})
		if run := c.sendDue(); run.Retried != 1 {
			t.Fatalf("first run = %+v", run)
		}
		got := c.message(m.ID)
		if got.Delivery != engine.DeliveryQueued || got.Attempts != 1 || !strings.Contains(got.LastError, "130") {
			t.Fatalf("after a 503: %+v", got)
		}
		if run := c.sendDue(); run.Claimed != 0 {
			t.Fatalf("retried before the backoff: %+v", run)
		}
		c.clock.Advance(time.Minute)
		if run := c.sendDue(); run.Retried != 1 {
			t.Fatalf("second run = %+v", run)
		}
		c.clock.Advance(time.Minute)
		if run := c.sendDue(); run.Sent != 1 {
			t.Fatalf("third run = %+v", run)
		}
		if got := c.message(m.ID); got.Delivery != engine.DeliverySent || got.Attempts != 3 || got.LastError != "" {
			t.Fatalf("after recovery: %+v", got)
		}
		if n := len(c.sentTo(c.business.ID, c.customer.ID)); n != 1 {
			t.Errorf("%d DMs sent, want 1", n)
		}

		m = c.reply(conv, "never works")
		c.fake.FailNext(twittertest.EndpointSendDM, twittertest.Fault{Status: 500, Code: 131, Message: "Internal error", Times: -1})
		for range outboxOpts.MaxAttempts {
			c.sendDue()
			c.clock.Advance(time.Minute)
		}
		c.fake.ClearFaults()
		if got := c.message(m.ID); got.Delivery != engine.DeliveryFailed || !strings.Contains(got.LastError, "gave up after 3 attempts") {
			t.Fatalf("persistent 500: %+v", got)
		}
	})
}

// TestOutboxKeepsACustomersRepliesInOrder: a reply that waits for a retry
// holds back the replies written after it to the same customer, which
// then follow it in order; another customer's reply does not wait.
func TestOutboxKeepsACustomersRepliesInOrder(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		c.connect(c.business)
		conv := c.conversationWith(c.customer, c.business)
		other := c.fake.AddUser(twittertest.User{ScreenName: "other_customer"})
		otherConv := c.conversationWith(other, c.business)
		first := c.reply(conv, "first: let me check")
		c.clock.Advance(time.Second)
		c.reply(conv, "second: found it")
		c.reply(otherConv, "to another customer")
		c.fake.FailNext(twittertest.EndpointSendDM, twittertest.Fault{Status: 503, Code: 130, Message: "Over capacity"})
		if run := c.sendDue(); run.Retried != 1 || run.Sent != 1 {
			t.Fatalf("first run = %+v; want the first reply retried, the other customer's sent, the second held", run)
		}
		if n := len(c.sentTo(c.business.ID, c.customer.ID)); n != 0 {
			t.Fatalf("%d replies reached the customer while the first waits for its retry; want none", n)
		}
		if got := c.message(first.ID); got.Delivery != engine.DeliveryQueued {
			t.Fatalf("first reply: %+v", got)
		}
		c.clock.Advance(time.Minute)
		for range 2 {
			c.sendDue()
		}
		var texts []string
		for _, m := range c.sentTo(c.business.ID, c.customer.ID) {
			texts = append(texts, m.Text)
		}
		if want := []string{"first: let me check", "second: found it"}; !slices.Equal(texts, want) {
			t.Errorf("the customer received %q; want %q", texts, want)
		}
		if n := len(c.sentTo(c.business.ID, other.ID)); n != 1 {
			t.Errorf("the other customer received %d replies, want 1", n)
		}
	})
}

// TestOutboxRateLimit: a 429 pauses the handle until the reset the headers
// give; nothing is sent before it, everything after it.
func TestOutboxRateLimit(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		c.connect(c.business)
		conv := c.conversationWith(c.customer, c.business)
		first := c.reply(conv, "first")
		c.clock.Advance(time.Second)
		second := c.reply(conv, "second")
		c.fake.FailNext(twittertest.EndpointSendDM, twittertest.Fault{Status: 429, Code: 88, Message: "Rate limit exceeded", ResetIn: 15 * time.Minute})
		run := c.sendDue() // the second waits behind the first
		if run.RateLimited != 1 || run.Sent != 0 {
			t.Fatalf("run = %+v", run)
		}
		for _, id := range []engine.MessageID{first.ID, second.ID} {
			if got := c.message(id); got.Delivery != engine.DeliveryQueued || got.Attempts != 0 {
				t.Fatalf("after the 429: %+v", got)
			}
		}
		c.clock.Advance(time.Second)
		third := c.reply(conv, "third, written during the pause")
		c.clock.Advance(14 * time.Minute)
		if run := c.sendDue(); run.Sent != 0 || run.Claimed > 1 {
			t.Fatalf("sent before the reset: %+v", run)
		}
		c.clock.Advance(2 * time.Minute)
		c.drain()
		for _, id := range []engine.MessageID{first.ID, second.ID, third.ID} {
			if got := c.message(id); got.Delivery != engine.DeliverySent {
				t.Errorf("after the reset: %+v", got)
			}
		}
		sent := c.sentTo(c.business.ID, c.customer.ID)
		if len(sent) != 3 || sent[0].Text != "first" || sent[1].Text != "second" || sent[2].Text != "third, written during the pause" {
			t.Errorf("sent = %+v", sent)
		}
	})
}

// TestOutboxPermanentFailures: 349 fails the message with the reason (and
// a retry through the API queues it again); 89 also disconnects the handle.
func TestOutboxPermanentFailures(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		h := c.connect(c.business)
		closed := c.fake.AddUser(twittertest.User{ScreenName: "closed", Name: "Closed DMs", ClosedDMs: true})
		conv := c.conversationWith(closed, c.business)
		m := c.reply(conv, "can you hear me?")
		if run := c.sendDue(); run.Failed != 1 {
			t.Fatalf("run = %+v", run)
		}
		got := c.message(m.ID)
		if got.Delivery != engine.DeliveryFailed || !strings.Contains(got.LastError, "349") {
			t.Fatalf("after 349: %+v", got)
		}
		if _, err := c.svc.RetryMessage(c.ctx, c.admin, conv.ID, m.ID); err != nil {
			t.Fatal(err)
		}
		if got := c.message(m.ID); got.Delivery != engine.DeliveryQueued || got.Attempts != 0 {
			t.Fatalf("after retry: %+v", got)
		}
		if _, err := c.svc.RetryMessage(c.ctx, c.admin, conv.ID, m.ID); err == nil {
			t.Error("retrying a queued message succeeded")
		}
		c.sendDue()

		conv = c.conversationWith(c.customer, c.business)
		m = c.reply(conv, "token trouble")
		c.fake.FailNext(twittertest.EndpointSendDM, twittertest.FaultInvalidToken)
		if run := c.sendDue(); run.Failed != 1 {
			t.Fatalf("run = %+v", run)
		}
		if hd, _ := c.acc.Handle(c.ctx, h.ID); hd.Status != engine.EndpointDisconnected {
			t.Errorf("handle after 89: %+v", hd)
		}
		if got := c.message(m.ID); got.Delivery != engine.DeliveryFailed || !strings.Contains(got.LastError, "89") {
			t.Errorf("after 89: %+v", got)
		}
	})
}

// TestOutboxCrashAfterSend: a sender claimed a message, sent it and died
// before recording it. When its lease ends, the next sender finds the DM
// among the handle's events and records it as sent instead of sending it
// twice.
func TestOutboxCrashAfterSend(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, text string }{
		{"text", "sent just before the crash"},
		// Twitter stores the link as a t.co link: found all the same.
		{"a link", "track it at https://acme.example/track/17?o=9 please"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachChannel(t, func(t *testing.T, c *channel) { c.crashAfterSend(tt.text) })
		})
	}
}

// crashAfterSend has Twitter store a reply of text whose sender crashed
// before recording it, and checks that the next sender finds it.
func (c *channel) crashAfterSend(text string) {
	t := c.t
	h := c.connect(c.business)
	conv := c.conversationWith(c.customer, c.business)
	m := c.reply(conv, text)
	var claimed []engine.OutboxItem
	err := c.db.InTx(c.ctx, func(tx engine.Tx) error {
		var err error
		claimed, err = tx.ClaimOutbox(c.ctx, c.clock.Now(), c.clock.Now().Add(outboxOpts.Lease), 10)
		return err
	})
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %+v", err, claimed)
	}
	creds, err := c.acc.HandleCredentials(c.ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	client, err := twitter.NewClient(twitter.Config{BaseURL: c.fake.URL, ConsumerKey: consumerKey, ConsumerSecret: consumerSecret})
	if err != nil {
		t.Fatal(err)
	}
	c.fake.SetDeliveryFaults(twittertest.DeliveryFaults{Drop: true}) // the crashed process got no echo either
	if _, err := client.SendDM(c.ctx, twitter.Token{Token: creds.AccessToken.Reveal(), Secret: creds.AccessTokenSecret.Reveal()},
		twitter.OutgoingDM{RecipientID: c.customer.ID, Text: m.Text}); err != nil {
		t.Fatal(err)
	}
	c.fake.SetDeliveryFaults(twittertest.DeliveryFaults{})
	if run := c.sendDue(); run.Claimed != 0 {
		t.Fatalf("claimed during the lease: %+v", run)
	}
	c.clock.Advance(outboxOpts.Lease + time.Second)
	if run := c.sendDue(); run.Recovered != 1 {
		t.Fatalf("run = %+v", run)
	}
	c.wantSentOnce(m)
}

// TestOutboxCrashAfterSendWhoseEchoArrived: the sender dies after Twitter
// stored the DM and delivered its echo, before the answer; the echo tied
// the event to the message being sent. After the lease the message is
// found on Twitter and recorded as sent, not sent again.
func TestOutboxCrashAfterSendWhoseEchoArrived(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		c.connect(c.business)
		conv := c.conversationWith(c.customer, c.business)
		m := c.reply(conv, "sent, echoed, answer lost")
		c.fake.HoldSends()
		ctx, crash := context.WithCancel(c.ctx)
		done := make(chan error, 1)
		go func() {
			_, err := c.svc.SendDue(ctx, outboxOpts)
			done <- err
		}()
		deadline := time.Now().Add(10 * time.Second)
		for c.fake.HeldSends() != 1 {
			if time.Now().After(deadline) {
				t.Fatal("the send never reached Twitter")
			}
			time.Sleep(5 * time.Millisecond)
		}
		c.fake.WaitDeliveries() // the echo reached the webhook
		crash()
		<-done
		c.fake.ReleaseSends()
		c.clock.Advance(outboxOpts.Lease + time.Second)
		if run := c.sendDue(); run.Recovered != 1 || run.Sent != 0 {
			t.Fatalf("run = %+v; want the message recovered, not sent again", run)
		}
		c.wantSentOnce(m)
	})
}

// TestOutboxCrashAfterSendOnABusyHandle: after the crashed send, more
// customers' DMs than fit on a page of the handle's DM events arrived; the
// lookup pages back to the reply instead of sending it again.
func TestOutboxCrashAfterSendOnABusyHandle(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		h := c.connect(c.business)
		conv := c.conversationWith(c.customer, c.business)
		m := c.reply(conv, "sent before a rush")
		if run := c.claimAndSendElsewhere(h, m); len(run) != 1 {
			t.Fatalf("claimed %d", len(run))
		}
		others := make([]twittertest.InboundDM, 150)
		for i := range others {
			u := c.fake.AddUser(twittertest.User{ScreenName: fmt.Sprintf("rush%03d", i)})
			others[i] = twittertest.InboundDM{From: u.ID, To: c.business.ID, Text: "me too"}
		}
		c.fake.SetDeliveryFaults(twittertest.DeliveryFaults{Drop: true}) // stored on Twitter only
		if _, err := c.fake.InjectDMs(c.ctx, others...); err != nil {
			t.Fatal(err)
		}
		c.fake.SetDeliveryFaults(twittertest.DeliveryFaults{})
		c.clock.Advance(outboxOpts.Lease + time.Second)
		if run := c.sendDue(); run.Recovered != 1 || run.Sent != 0 {
			t.Fatalf("run = %+v; want the message recovered, not sent again", run)
		}
		c.wantSentOnce(m)
	})
}

// TestOutboxCrashRecoveryWaitsOutARateLimitedSearch: when the search for
// a message a crashed sender may have sent is refused by a rate limit, the
// message is not sent blind; after the reset the search finds it.
func TestOutboxCrashRecoveryWaitsOutARateLimitedSearch(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		h := c.connect(c.business)
		conv := c.conversationWith(c.customer, c.business)
		m := c.reply(conv, "sent before the crash, searched under a rate limit")
		if run := c.claimAndSendElsewhere(h, m); len(run) != 1 {
			t.Fatalf("claimed %d", len(run))
		}
		c.fake.FailNext(twittertest.EndpointListDMEvents, twittertest.FaultRateLimited)
		c.clock.Advance(outboxOpts.Lease + time.Second)
		if run := c.sendDue(); run.RateLimited != 1 || run.Sent != 0 || run.Recovered != 0 {
			t.Fatalf("run under the rate limit = %+v; want the message held back", run)
		}
		if n := len(c.sentTo(c.business.ID, c.customer.ID)); n != 1 {
			t.Fatalf("%d DMs on Twitter while the search was refused, want 1", n)
		}
		if run := c.sendDue(); run.Claimed != 0 {
			t.Fatalf("claimed before the reset: %+v", run)
		}
		c.clock.Advance(twittertest.FaultRateLimited.ResetIn + time.Second)
		if run := c.sendDue(); run.Recovered != 1 || run.Sent != 0 {
			t.Fatalf("run after the reset = %+v; want the message recovered", run)
		}
		c.wantSentOnce(m)
	})
}

// TestOutboxHandsBackASlowBatch: when half the lease has passed before a
// claimed message's turn (a send hung), the rest of the batch is handed
// back unsent, due at once, so that no message is sent after another
// sender may have claimed it; the next run sends each exactly once.
func TestOutboxHandsBackASlowBatch(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		c.connect(c.business)
		// Three customers: a batch takes one message per customer.
		texts := []string{"one", "two", "three"} // the first claimed hangs
		var ids []engine.MessageID
		for i, text := range texts {
			customer := c.fake.AddUser(twittertest.User{ScreenName: fmt.Sprintf("batch%d", i)})
			ids = append(ids, c.reply(c.conversationWith(customer, c.business), text).ID)
		}
		c.fake.HoldSends()
		done := make(chan engine.OutboxRun, 1)
		go func() { done <- c.sendDue() }()
		deadline := time.Now().Add(10 * time.Second)
		for c.fake.HeldSends() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the first send never reached Twitter")
			}
			time.Sleep(10 * time.Millisecond)
		}
		c.clock.Advance(outboxOpts.Lease/2 + time.Second)
		c.fake.ReleaseSends()
		if run := <-done; run.Claimed != 3 || run.Sent != 1 || run.Released != 2 {
			t.Fatalf("slow run = %+v; want one sent and two handed back", run)
		}
		var sentNow, handedBack int
		for _, id := range ids {
			switch got := c.message(id); {
			case got.Delivery == engine.DeliverySent && got.Attempts == 1:
				sentNow++
			case got.Delivery == engine.DeliveryQueued && got.Attempts == 0:
				handedBack++
			default:
				t.Errorf("message %q: status %s after %d attempts", got.Text, got.Delivery, got.Attempts)
			}
		}
		if sentNow != 1 || handedBack != 2 {
			t.Errorf("after the slow run %d messages are sent and %d queued with no attempt used; want 1 and 2", sentNow, handedBack)
		}
		if run := c.sendDue(); run.Sent != 2 || run.Recovered != 0 {
			t.Fatalf("next run = %+v; want the other two sent", run)
		}
		sent := map[string]int{}
		for _, m := range c.fake.Messages() {
			if m.SenderID == c.business.ID {
				sent[m.Text]++
			}
		}
		for _, text := range texts {
			if sent[text] != 1 {
				t.Errorf("%q reached Twitter %d times, want once", text, sent[text])
			}
		}
	})
}

// TestOutboxSendsRepliesAtOnce: a reply queued in this process reaches
// Twitter without waiting for the sender's next poll (an hour here), and
// so does a failed message retried.
func TestOutboxSendsRepliesAtOnce(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		c.connect(c.business)
		agent, _, err := c.svc.CreateAgent(c.ctx, c.admin, engine.AgentInput{Name: ptr("Ann"), QueueIDs: &[]engine.QueueID{c.ws.DefaultQueueID}})
		if err != nil {
			t.Fatal(err)
		}
		ann := engine.Actor{Name: "Ann", Role: engine.RoleAgent, AgentID: agent.ID}
		if _, err := c.svc.SetPresence(c.ctx, ann, agent.ID, engine.PresenceAvailable); err != nil {
			t.Fatal(err)
		}
		conv := c.conversationWith(c.customer, c.business)
		if _, err := c.svc.Accept(c.ctx, ann, conv.ID); err != nil {
			t.Fatal(err)
		}
		opts := outboxOpts
		opts.Interval = time.Hour
		ctx, cancel := context.WithCancel(c.ctx)
		stopped := make(chan struct{})
		go func() { c.svc.RunOutbox(ctx, opts); close(stopped) }()
		t.Cleanup(func() { cancel(); <-stopped })
		waitSent := func(text string) {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for {
				for _, m := range c.sentTo(c.business.ID, c.customer.ID) {
					if m.Text == text {
						return
					}
				}
				if time.Now().After(deadline) {
					t.Fatalf("%q did not reach Twitter within ten seconds", text)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
		if _, err := c.svc.Reply(c.ctx, ann, conv.ID, "on its way"); err != nil {
			t.Fatal(err)
		}
		waitSent("on its way")

		c.fake.FailNext(twittertest.EndpointSendDM, twittertest.FaultCannotSendToUser)
		failed, err := c.svc.Reply(c.ctx, ann, conv.ID, "sent on the second try")
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for c.message(failed.ID).Delivery != engine.DeliveryFailed {
			if time.Now().After(deadline) {
				t.Fatalf("the refused reply is %s, want failed", c.message(failed.ID).Delivery)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if _, err := c.svc.RetryMessage(c.ctx, ann, conv.ID, failed.ID); err != nil {
			t.Fatal(err)
		}
		waitSent("sent on the second try")
	})
}

// claimAndSendElsewhere plays a sender that claims the due messages, sends
// m to Twitter (its echo lost too) and dies before recording anything.
func (c *channel) claimAndSendElsewhere(h twitter.Handle, m engine.Message) []engine.OutboxItem {
	c.t.Helper()
	var claimed []engine.OutboxItem
	err := c.db.InTx(c.ctx, func(tx engine.Tx) error {
		var err error
		claimed, err = tx.ClaimOutbox(c.ctx, c.clock.Now(), c.clock.Now().Add(outboxOpts.Lease), 10)
		return err
	})
	if err != nil {
		c.t.Fatalf("claim: %v", err)
	}
	creds, err := c.acc.HandleCredentials(c.ctx, h.ID)
	if err != nil {
		c.t.Fatal(err)
	}
	client, err := twitter.NewClient(twitter.Config{BaseURL: c.fake.URL, ConsumerKey: consumerKey, ConsumerSecret: consumerSecret})
	if err != nil {
		c.t.Fatal(err)
	}
	c.fake.SetDeliveryFaults(twittertest.DeliveryFaults{Drop: true})
	defer c.fake.SetDeliveryFaults(twittertest.DeliveryFaults{})
	if _, err := client.SendDM(c.ctx, twitter.Token{Token: creds.AccessToken.Reveal(), Secret: creds.AccessTokenSecret.Reveal()},
		twitter.OutgoingDM{RecipientID: c.customer.ID, Text: m.Text}); err != nil {
		c.t.Fatal(err)
	}
	return claimed
}

// TestOutboxConcurrentSenders: several senders (replicas) claiming at once
// send every message exactly once, each customer's in the order written.
func TestOutboxConcurrentSenders(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		c.connect(c.business)
		const customers, each = 4, 3
		var people []twittertest.User
		for i := range customers {
			u := c.fake.AddUser(twittertest.User{ScreenName: fmt.Sprintf("many%d", i)})
			people = append(people, u)
			conv := c.conversationWith(u, c.business)
			for j := range each {
				c.reply(conv, fmt.Sprintf("reply %d to %s", j, u.ScreenName))
				c.clock.Advance(time.Millisecond)
			}
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				opts := outboxOpts
				opts.Batch = 3
				for range 20 {
					if _, err := c.svc.SendDue(c.ctx, opts); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		c.fake.WaitDeliveries()
		for _, u := range people {
			var texts []string
			for _, m := range c.sentTo(c.business.ID, u.ID) {
				texts = append(texts, m.Text)
			}
			var want []string
			for j := range each {
				want = append(want, fmt.Sprintf("reply %d to %s", j, u.ScreenName))
			}
			if !slices.Equal(texts, want) {
				t.Errorf("%s received %q; want each reply once, in order: %q", u.ScreenName, texts, want)
			}
		}
		depth, err := c.svc.OutboxDepth(c.ctx)
		if err != nil || depth[engine.DeliveryQueued] != 0 || depth[engine.DeliverySending] != 0 {
			t.Errorf("outbox depth %v, %v", depth, err)
		}
	})
}

// TestOutboxAppWideRateLimit: a 429 of the application's 24-hour cap
// pauses every handle of the application until the reset.
func TestOutboxAppWideRateLimit(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		c.connect(c.business)
		sales := c.fake.AddUser(twittertest.User{ScreenName: "AcmeSales", Name: "Acme Sales"})
		c.connect(sales)
		bob := c.fake.AddUser(twittertest.User{ScreenName: "bob", Name: "Bob"})
		first := c.reply(c.conversationWith(c.customer, c.business), "from support")
		c.clock.Advance(time.Second)
		second := c.reply(c.conversationWith(bob, sales), "from sales")
		c.fake.FailNext(twittertest.EndpointSendDM, twittertest.Fault{Status: 429, Code: 88, Message: "Rate limit exceeded", ResetIn: time.Hour, AppDayCap: true})
		if run := c.sendDue(); run.RateLimited != 2 || run.Sent != 0 {
			t.Fatalf("run = %+v", run)
		}
		c.clock.Advance(30 * time.Minute)
		third := c.reply(c.conversationWith(bob, sales), "written during the pause")
		if run := c.sendDue(); run.Sent != 0 {
			t.Fatalf("sent during the application's pause: %+v", run)
		}
		c.clock.Advance(31 * time.Minute)
		c.drain()
		for _, id := range []engine.MessageID{first.ID, second.ID, third.ID} {
			if got := c.message(id); got.Delivery != engine.DeliverySent {
				t.Errorf("after the reset: %+v", got)
			}
		}
	})
}

// TestOutboxPremiumDialect sends through the v1.1 endpoint of the premium
// dialect and recognises the echo.
func TestOutboxPremiumDialect(t *testing.T) {
	t.Parallel()
	c := newChannel(t, storagetest.SQLite(t), twitter.DialectPremium)
	c.connect(c.business)
	m := c.reply(c.conversationWith(c.customer, c.business), "premium reply")
	if run := c.sendDue(); run.Sent != 1 {
		t.Fatalf("run = %+v", run)
	}
	if got := c.message(m.ID); got.Delivery != engine.DeliverySent || got.ExternalID == "" {
		t.Fatalf("message = %+v", got)
	}
	if n := outboundCount(c.messages()); n != 1 {
		t.Errorf("%d outbound messages, want 1", n)
	}
}

package twitter_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// TestWebhookCRC runs the reference's CRC vectors through the real handler,
// each with an application whose consumer secret is the vector's key.
func TestWebhookCRC(t *testing.T) {
	t.Parallel()
	c := newChannel(t, storagetest.SQLite(t), twitter.DialectV2)
	vectors := []struct{ secret, token, want string }{
		{"test", `{"test_number":1,"test_string":"two"}`, "sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI="},
		{"test", "test=1&other_test=2", "sha256=25Cu3iwbbiqBTwQRzcKJZwisjf736V2Q8UaTlkfLSoc="},
		{"z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu", "9b4507b3-9040-4669-9ca3-6b94edb50553", "sha256=Cytd4Sq+NvEcV3MMrXxWJGJx5A+y/lXzzU2Maartkx8="},
		{"consumer-secret", "foo", "sha256=DcTy7IecOE1nIXA5KRcZ3lAsoNWL9GefbVQ+nWXIK0Q="},
	}
	for i, v := range vectors {
		app, err := c.acc.CreateApplication(c.ctx, c.admin, twitter.ApplicationInput{
			Name: ptr("vector " + string(rune('a'+i))), ConsumerKey: ptr("ck"), ConsumerSecret: ptr(engine.Secret(v.secret))})
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.Get(c.srv.URL + twitter.WebhookPathPrefix + string(app.ID) + "?crc_token=" + url.QueryEscape(v.token) + "&nonce=n1")
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			ResponseToken string `json:"response_token"`
		}
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" || body.ResponseToken != v.want {
			t.Errorf("vector %d: %d %s %q, want 200 %q", i, res.StatusCode, res.Header.Get("Content-Type"), body.ResponseToken, v.want)
		}
	}
	disabled, err := c.acc.CreateApplication(c.ctx, c.admin, twitter.ApplicationInput{
		Name: ptr("off"), ConsumerKey: ptr("ck"), ConsumerSecret: ptr(engine.Secret("s")), Enabled: ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, path string
		want       int
	}{
		{"missing crc_token", twitter.WebhookPathPrefix + string(c.app.ID), 400},
		{"unknown application", twitter.WebhookPathPrefix + engine.NewID(c.clock.Now()) + "?crc_token=x", 404},
		{"malformed application id", twitter.WebhookPathPrefix + "nope?crc_token=x", 404},
		{"disabled application", twitter.WebhookPathPrefix + string(disabled.ID) + "?crc_token=x", 404},
	} {
		res, err := http.Get(c.srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		if res.StatusCode != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, res.StatusCode, tt.want)
		}
	}
}

// TestWebhookSignatures: a POST without a valid signature is refused with
// 401 and stores nothing.
func TestWebhookSignatures(t *testing.T) {
	t.Parallel()
	storagetest.ForEach(t, func(t *testing.T, db *storage.DB) {
		c := newChannel(t, db, twitter.DialectV2)
		c.handleFor("4337869213", "Harris")
		good := readTestdata(t, "text_dm.json")
		tests := []struct {
			name string
			body []byte
			sig  string
		}{
			{"missing signature", good, ""},
			{"wrong secret", good, twitter.Sign("not-the-secret", good)},
			{"tampered body", bytes.Replace(good, []byte("Hello World"), []byte("Hello Wörld"), 1), twitter.Sign(consumerSecret, good)},
			{"malformed header", good, "sha256=%%%"},
			{"signature of another body", good, twitter.Sign(consumerSecret, []byte("{}"))},
		}
		for _, tt := range tests {
			if got := c.post(tt.body, tt.sig); got != http.StatusUnauthorized {
				t.Errorf("%s: %d, want 401", tt.name, got)
			}
		}
		if n := len(c.messages()); n != 0 {
			t.Fatalf("%d messages stored from forged deliveries", n)
		}
		if got := c.post(good, twitter.Sign(consumerSecret, good)); got != 200 {
			t.Fatalf("good signature: %d", got)
		}
		if n := len(c.messages()); n != 1 {
			t.Fatalf("%d messages after a good delivery, want 1", n)
		}
		c.noSecrets("logs", c.logs.String())
	})
}

// TestWebhookSamples sends every payload of the reference's §6 through the
// handler, signed, and checks what is stored: customer DMs once each,
// echoes and typing/read events nothing, revocations disconnect.
func TestWebhookSamples(t *testing.T) {
	t.Parallel()
	storagetest.ForEach(t, func(t *testing.T, db *storage.DB) {
		c := newChannel(t, db, twitter.DialectV2)
		c.handleFor("4337869213", "Harris")
		c.handleFor("7472512", "Acme")
		c.handleFor("3805104374", "Birds")
		c.handleFor("2244994945", "XDevs")
		c.handleFor("1111111111111111111", "XAA")
		revoked := c.handleFor("63046977", "Revoked")
		tests := []struct {
			file      string
			wantAdded int    // messages stored
			check     string // what else to check
		}{
			{"text_dm.json", 1, "text"},
			{"photo_dm.json", 1, "media"},
			{"gif_dm.json", 1, "media"},
			{"quick_reply_dm.json", 1, "quick_reply"},
			// The handle's own message, written in another app ("Acme
			// Helpdesk"), to the customer of photo_dm: recorded as outbound.
			{"echo_dm.json", 1, "echo"},
			{"typing.json", 0, ""},
			{"read.json", 0, ""},
			{"follow.json", 0, ""},
			{"favorite.json", 0, ""},
			{"tweet_create.json", 0, ""},
			{"tweet_delete.json", 0, ""},
			{"replay_status.json", 0, ""},
			{"batch.json", 0, ""}, // the same customer as photo_dm: two more messages, checked below
			{"xaa_dm_received.json", 1, ""},
			{"xaa_chat.json", 0, ""},
			{"revoke.json", 0, "revoked"},
			{"xaa_revoke.json", 0, ""},
		}
		for _, tt := range tests {
			before, convsBefore := len(c.messages()), len(c.conversations())
			body := readTestdata(t, tt.file)
			if got := c.post(body, twitter.Sign(consumerSecret, body)); got != 200 {
				t.Errorf("%s: %d, want 200", tt.file, got)
				continue
			}
			want := tt.wantAdded
			if tt.file == "batch.json" {
				want = 2
			}
			if got := len(c.messages()) - before; got != want {
				t.Errorf("%s: %d messages stored, want %d", tt.file, got, want)
			}
			switch tt.check {
			case "echo":
				if n := len(c.conversations()); n != convsBefore {
					t.Errorf("%s: an echo started a conversation", tt.file)
				}
			case "revoked":
				h, err := c.acc.Handle(c.ctx, revoked.ID)
				if err != nil || h.Status != engine.EndpointDisconnected || h.StatusReason == "" {
					t.Errorf("%s: handle %+v, %v; want disconnected with a reason", tt.file, h, err)
				}
			}
		}
		var sawMedia, sawQuick bool
		outbound := 0
		for _, m := range c.messages() {
			if len(m.Media) > 0 {
				sawMedia = true
			}
			if m.QuickReply == "external_id_2" {
				sawQuick = true
			}
			if m.Direction == engine.Outbound {
				outbound++
			}
		}
		if outbound != 1 {
			t.Errorf("%d outbound messages, want the echo's", outbound)
		}
		if !sawMedia || !sawQuick {
			t.Errorf("media %t, quick reply %t: want both", sawMedia, sawQuick)
		}
		// Every sample again: nothing is stored twice.
		before := len(c.messages())
		for _, tt := range tests {
			body := readTestdata(t, tt.file)
			if got := c.post(body, twitter.Sign(consumerSecret, body)); got != 200 {
				t.Errorf("%s again: %d", tt.file, got)
			}
		}
		if after := len(c.messages()); after != before {
			t.Errorf("redelivery stored %d more messages", after-before)
		}
		// Malformed but signed: 400, nothing stored.
		for _, body := range []string{`[1,2]`, `{"for_user_id":"7472512","direct_message_events":[{"type":"message_create","message_create":{}}]}`, `not json`} {
			if got := c.post([]byte(body), twitter.Sign(consumerSecret, []byte(body))); got != 400 {
				t.Errorf("%s: %d, want 400", body, got)
			}
		}
		if after := len(c.messages()); after != before {
			t.Errorf("malformed deliveries stored %d messages", after-before)
		}
	})
}

// TestWebhookFromFakeTwitter receives DMs the fake server injects over real
// HTTP: a customer's DM once (also when delivered twice), an agent's reply
// written in Twitter's own app recorded as outbound, typing ignored.
func TestWebhookFromFakeTwitter(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		c.connect(c.business)
		c.fake.SetDeliveryFaults(twittertest.DeliveryFaults{Duplicate: true})
		inj, err := c.fake.InjectDM(c.ctx, twittertest.InboundDM{From: c.customer.ID, To: c.business.ID, Text: "my parcel is late"})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range inj.Deliveries {
			if !d.OK() {
				t.Errorf("delivery answered %d %s", d.Status, d.Response)
			}
		}
		c.fake.SetDeliveryFaults(twittertest.DeliveryFaults{})
		c.clock.Advance(time.Second) // Twitter's timestamps order the messages
		if _, err := c.fake.InjectTyping(c.ctx, c.customer.ID, c.business.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := c.fake.InjectDM(c.ctx, twittertest.InboundDM{From: c.business.ID, To: c.customer.ID, Text: "Looking into it (from the app)",
			SourceAppID: twittertest.TwitterWebAppID}); err != nil {
			t.Fatal(err)
		}
		convs := c.conversations()
		if len(convs) != 1 {
			t.Fatalf("%d conversations, want 1", len(convs))
		}
		msgs := c.messages()
		if len(msgs) != 2 || msgs[0].Direction != engine.Inbound || msgs[0].Text != "my parcel is late" ||
			msgs[1].Direction != engine.Outbound || msgs[1].Delivery != engine.DeliverySent || msgs[1].AuthorAgentID != "" {
			t.Fatalf("messages = %+v", msgs)
		}
		if convs[0].Customer.ScreenName != "janedoe" || convs[0].Customer.FollowersCount != 15000 {
			t.Errorf("customer = %+v", convs[0].Customer)
		}
		// A native reply to a customer without a conversation starts nothing.
		other := c.fake.AddUser(twittertest.User{ScreenName: "bob", Name: "Bob"})
		if _, err := c.fake.InjectDM(c.ctx, twittertest.InboundDM{From: c.business.ID, To: other.ID, Text: "hi Bob", SourceAppID: twittertest.TwitterWebAppID}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.fake.InjectTyping(c.ctx, other.ID, c.business.ID); err != nil {
			t.Fatal(err)
		}
		if n := len(c.conversations()); n != 1 {
			t.Errorf("%d conversations after an echo and typing, want 1", n)
		}
		health, err := c.svc.EndpointHealth(c.ctx, c.conversations()[0].EndpointID)
		if err != nil || health.LastEventAt == nil || health.Subscription != engine.SubscriptionSubscribed {
			t.Errorf("health = %+v, %v", health, err)
		}
	})
}

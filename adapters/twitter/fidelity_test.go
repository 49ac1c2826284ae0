package twitter_test

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
	"github.com/switchboardhq/switchboard/engine"
)

// dmWith is a signed-webhook body of one customer DM to the handle
// 7472512, with the given message_data fields (JSON, after "text").
func dmWith(id, createdMS, text, extra string) []byte {
	return []byte(fmt.Sprintf(`{"for_user_id":"7472512","direct_message_events":[{"type":"message_create","id":%q,"created_timestamp":%q,
		"message_create":{"target":{"recipient_id":"7472512"},"sender_id":"1140620289006551040",
		"message_data":{"text":%q%s}}}],
		"users":{"1140620289006551040":{"id":"1140620289006551040","created_timestamp":"1422556069340","name":"Jane","screen_name":"jane"}}}`,
		id, createdMS, text, extra))
}

// TestWebhookKeepsLinksAndMedia: a DM's t.co links are stored with where
// they lead and how they show (the attached media's own t.co link is not
// one of them), routing sees the expanded URLs and their domains, and a
// video keeps its preview image and every variant.
func TestWebhookKeepsLinksAndMedia(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		c.handleFor("7472512", "Acme")
		orders, err := c.svc.CreateQueue(c.ctx, c.admin, engine.QueueInput{Name: ptr("Orders")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.svc.CreateRule(c.ctx, c.admin, c.ws.ID, engine.RuleInput{Name: ptr("shop links"),
			Condition: ptr(`"shop.acme.example" in Message.Domains && "https://WWW.Shop.Acme.example/o/17?x=1" in Message.URLs`), QueueID: &orders.ID}); err != nil {
			t.Fatal(err)
		}
		body := dmWith("1300000000000000001", "1579153051217", "order https://t.co/aaa is late https://t.co/vid", `,
			"entities":{"hashtags":[],"symbols":[],"user_mentions":[],"urls":[
				{"url":"https://t.co/aaa","expanded_url":"https://WWW.Shop.Acme.example/o/17?x=1","display_url":"shop.acme.example/o/17…","indices":[6,22]},
				{"url":"https://t.co/vid","expanded_url":"https://twitter.com/messages/media/1300000000000000001","display_url":"pic.twitter.com/vid","indices":[31,47]}]},
			"attachment":{"type":"media","media":{"id":1300000000000000009,"id_str":"1300000000000000009","indices":[31,47],
				"media_url_https":"https://pbs.twimg.com/dm_video_preview/9.jpg","url":"https://t.co/vid","type":"video",
				"video_info":{"aspect_ratio":[16,9],"duration_millis":5000,"variants":[
					{"content_type":"application/x-mpegURL","url":"https://video.twimg.com/dm_video/9/pl.m3u8"},
					{"bitrate":832000,"content_type":"video/mp4","url":"https://video.twimg.com/dm_video/9/640.mp4"},
					{"bitrate":2176000,"content_type":"video/mp4","url":"https://video.twimg.com/dm_video/9/1280.mp4"}]}}}`)
		if got := c.post(body, twitter.Sign(consumerSecret, body)); got != 200 {
			t.Fatalf("delivery = %d", got)
		}
		msgs := c.messages()
		if len(msgs) != 1 {
			t.Fatalf("%d messages stored, want 1", len(msgs))
		}
		m := msgs[0]
		wantLinks := []engine.Link{{URL: "https://t.co/aaa", Expanded: "https://WWW.Shop.Acme.example/o/17?x=1", Display: "shop.acme.example/o/17…"}}
		if !reflect.DeepEqual(m.Links, wantLinks) {
			t.Errorf("links = %+v, want %+v", m.Links, wantLinks)
		}
		if want := []string{"https://WWW.Shop.Acme.example/o/17?x=1"}; !reflect.DeepEqual(m.Features.URLs, want) {
			t.Errorf("features.urls = %q, want %q", m.Features.URLs, want)
		}
		wantMedia := []engine.Media{{Type: "video", ID: "1300000000000000009", URL: "https://video.twimg.com/dm_video/9/1280.mp4",
			PreviewURL: "https://pbs.twimg.com/dm_video_preview/9.jpg", Variants: []engine.MediaVariant{
				{URL: "https://video.twimg.com/dm_video/9/pl.m3u8", ContentType: "application/x-mpegURL"},
				{URL: "https://video.twimg.com/dm_video/9/640.mp4", ContentType: "video/mp4", Bitrate: 832000},
				{URL: "https://video.twimg.com/dm_video/9/1280.mp4", ContentType: "video/mp4", Bitrate: 2176000}}}}
		if !reflect.DeepEqual(m.Media, wantMedia) {
			t.Errorf("media = %+v\nwant %+v", m.Media, wantMedia)
		}
		convs := c.conversations()
		if len(convs) != 1 || convs[0].QueueID != orders.ID {
			t.Errorf("conversation routed to %q, want the Orders queue (a rule on Message.Domains and Message.URLs)", convs[0].QueueID)
		}

		// A GIF keeps its preview and its one variant; a photo its image.
		for _, sample := range []struct {
			file string
			want engine.Media
		}{
			{"gif_dm.json", engine.Media{Type: "animated_gif", ID: "1218022642336325632",
				URL:        "https://video.twimg.com/dm_gif/1218022642336325632/UF-L2NL0RH3sLnu8V99AR2WbIYKXyy3OhL4E0YEw6cK-LcJ92Q.mp4",
				PreviewURL: "https://pbs.twimg.com/dm_gif_preview/1218022642336325632/UF-L2NL0RH3sLnu8V99AR2WbIYKXyy3OhL4E0YEw6cK-LcJ92Q.jpg",
				Variants: []engine.MediaVariant{{ContentType: "video/mp4",
					URL: "https://video.twimg.com/dm_gif/1218022642336325632/UF-L2NL0RH3sLnu8V99AR2WbIYKXyy3OhL4E0YEw6cK-LcJ92Q.mp4"}}}},
			{"photo_dm.json", engine.Media{Type: "photo", ID: "1218168684226711552",
				URL: "https://ton.twitter.com/1.1/ton/data/dm/1218168691763924998/1218168684226711552/7WY9gUyS.jpg"}},
		} {
			body := readTestdata(t, sample.file)
			if got := c.post(body, twitter.Sign(consumerSecret, body)); got != 200 {
				t.Fatalf("%s = %d", sample.file, got)
			}
			var found bool
			for _, m := range c.messages() {
				if len(m.Media) == 1 && m.Media[0].ID == sample.want.ID {
					found = true
					if !reflect.DeepEqual(m.Media[0], sample.want) {
						t.Errorf("%s: media = %+v\nwant %+v", sample.file, m.Media[0], sample.want)
					}
					if len(m.Links) != 0 || len(m.Features.URLs) != 0 {
						t.Errorf("%s: the media's own t.co link is a link: %+v %q", sample.file, m.Links, m.Features.URLs)
					}
				}
			}
			if !found {
				t.Errorf("%s: message not stored", sample.file)
			}
		}
	})
}

// TestWebhookKeepsInitiatedVia: the welcome message a quick-reply answer
// came from is stored with the message.
func TestWebhookKeepsInitiatedVia(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		c.handleFor("3805104374", "Birds")
		body := readTestdata(t, "quick_reply_dm.json")
		if got := c.post(body, twitter.Sign(consumerSecret, body)); got != 200 {
			t.Fatalf("delivery = %d", got)
		}
		msgs := c.messages()
		want := []engine.Initiation{{Kind: engine.InitiatedByWelcomeMessage, ID: "456789"}}
		if len(msgs) != 1 || !reflect.DeepEqual(msgs[0].InitiatedVia, want) || msgs[0].QuickReply != "external_id_2" {
			t.Fatalf("messages = %+v, want one answering welcome message 456789 with quick reply external_id_2", msgs)
		}
	})
}

// TestLateDMsDoNotAgeTheirConversation: DMs a week old, delivered now (a
// retry after an outage), open a conversation whose timers run from when
// Switchboard received them: the sweeps leave it alone, auto-close closes
// it only its auto_close_after after the delivery, and the thread still
// orders by the time the DMs were sent.
func TestLateDMsDoNotAgeTheirConversation(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		c.handleFor("7472512", "Acme")
		now := c.clock.Now().Truncate(time.Millisecond) // PostgreSQL keeps microseconds
		weekAgo := now.Add(-7 * 24 * time.Hour)
		// The later DM is delivered first.
		for _, dm := range []struct {
			id   string
			at   time.Time
			text string
		}{{"1300000000000000022", weekAgo.Add(time.Minute), "second"}, {"1300000000000000021", weekAgo, "first"}} {
			body := dmWith(dm.id, strconv.FormatInt(dm.at.UnixMilli(), 10), dm.text, "")
			if got := c.post(body, twitter.Sign(consumerSecret, body)); got != 200 {
				t.Fatalf("delivery = %d", got)
			}
		}
		sweep := func(at time.Time) {
			t.Helper()
			for name, run := range map[string]func() (engine.SweepStats, error){
				"auto-close": func() (engine.SweepStats, error) { return c.svc.AutoClose(c.ctx, at, 100) },
				"stalled":    func() (engine.SweepStats, error) { return c.svc.MarkStalled(c.ctx, at, 100, time.Hour) },
				"requeue":    func() (engine.SweepStats, error) { return c.svc.RequeueWaiting(c.ctx, at, 100) },
				"offers":     func() (engine.SweepStats, error) { return c.svc.TimeOutOffers(c.ctx, at, 100) },
			} {
				if _, err := run(); err != nil {
					t.Fatalf("%s sweep: %v", name, err)
				}
			}
		}
		sweep(now.Add(time.Minute))
		convs := c.conversations()
		if len(convs) != 1 {
			t.Fatalf("%d conversations, want 1", len(convs))
		}
		conv := convs[0]
		if conv.Status == engine.StatusClosed {
			t.Fatalf("a week-old DM delivered now was closed at once (%s)", conv.CloseReason)
		}
		if conv.LastMessageAt == nil || conv.LastMessageAt.Before(now) || conv.LastCustomerMessageAt == nil || conv.LastCustomerMessageAt.Before(now) {
			t.Errorf("last message at %v, last customer message at %v; want the received time %v", conv.LastMessageAt, conv.LastCustomerMessageAt, now)
		}
		msgs := c.messages()
		if len(msgs) != 2 || msgs[0].Text != "first" || msgs[1].Text != "second" {
			t.Fatalf("thread = %+v, want first then second (by sent time)", msgs)
		}
		for _, m := range msgs {
			if m.SentAt.After(weekAgo.Add(time.Minute)) || m.ReceivedAt.Before(now) {
				t.Errorf("message %q sent %v received %v; want sent a week ago, received now", m.Text, m.SentAt, m.ReceivedAt)
			}
		}
		// The auto-close timer runs from the delivery.
		sweep(now.Add(c.ws.AutoCloseAfter - time.Minute))
		if got := c.conversations()[0]; got.Status == engine.StatusClosed {
			t.Errorf("closed before auto_close_after had passed since the delivery")
		}
		sweep(now.Add(c.ws.AutoCloseAfter + time.Minute))
		if got := c.conversations()[0]; got.Status != engine.StatusClosed || got.CloseReason != engine.CloseInactivity {
			t.Errorf("after auto_close_after since the delivery: %s (%s), want closed for inactivity", got.Status, got.CloseReason)
		}
	})
}

// TestFakeTwitterDMKeepsLinksAndMedia: a DM with links and an attachment,
// delivered by the fake Twitter as Twitter would (links in t.co, a GIF or
// video with its preview and variants), is stored with where each link
// leads and every variant, and a rule on its domains routes it.
func TestFakeTwitterDMKeepsLinksAndMedia(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		media        *twittertest.Media
		wantPreview  string
		wantVariants []int64 // bitrates, in order
		wantBest     string
	}{
		{name: "video", media: &twittertest.Media{Type: "video", ID: "601"}, wantPreview: "https://pbs.twimg.com/dm_video_preview/601/",
			wantVariants: []int64{0, 256000, 832000, 2176000}, wantBest: "/vid/1280x1280/"},
		{name: "gif", media: &twittertest.Media{Type: "animated_gif", ID: "602"}, wantPreview: "https://pbs.twimg.com/dm_gif_preview/602/",
			wantVariants: []int64{0}, wantBest: "https://video.twimg.com/dm_gif/602/"},
		{name: "no attachment"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachChannel(t, func(t *testing.T, c *channel) {
				c.connect(c.business)
				orders, err := c.svc.CreateQueue(c.ctx, c.admin, engine.QueueInput{Name: ptr("Orders")})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := c.svc.CreateRule(c.ctx, c.admin, c.ws.ID, engine.RuleInput{Name: ptr("shop links"),
					Condition: ptr(`"shop.acme.example" in Message.Domains`), QueueID: &orders.ID}); err != nil {
					t.Fatal(err)
				}
				if _, err := c.fake.InjectDM(c.ctx, twittertest.InboundDM{From: c.customer.ID, To: c.business.ID,
					Text: "order https://shop.acme.example/o/17 is broken", Media: tt.media}); err != nil {
					t.Fatal(err)
				}
				msgs := c.messages()
				if len(msgs) != 1 {
					t.Fatalf("%d messages stored, want 1", len(msgs))
				}
				m := msgs[0]
				if len(m.Links) != 1 || m.Links[0].Expanded != "https://shop.acme.example/o/17" || m.Links[0].Display != "shop.acme.example/o/17" ||
					!strings.HasPrefix(m.Links[0].URL, "https://t.co/") || !strings.Contains(m.Text, m.Links[0].URL) {
					t.Errorf("text %q, links %+v: want its one t.co link leading to the shop", m.Text, m.Links)
				}
				if convs := c.conversations(); len(convs) != 1 || convs[0].QueueID != orders.ID {
					t.Errorf("not routed by the link's domain: %+v", convs)
				}
				if tt.media == nil {
					if len(m.Media) != 0 {
						t.Errorf("media %+v", m.Media)
					}
					return
				}
				if len(m.Media) != 1 {
					t.Fatalf("media %+v", m.Media)
				}
				md := m.Media[0]
				var bitrates []int64
				for _, v := range md.Variants {
					bitrates = append(bitrates, v.Bitrate)
				}
				if md.Type != tt.media.Type || !strings.HasPrefix(md.PreviewURL, tt.wantPreview) || !reflect.DeepEqual(bitrates, tt.wantVariants) ||
					!strings.Contains(md.URL, tt.wantBest) {
					t.Errorf("media %+v: want preview %s…, variants of bitrates %v, the best at %s", md, tt.wantPreview, tt.wantVariants, tt.wantBest)
				}
			})
		})
	}
}

package twittertest_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
)

// deliveredDM is what a webhook receives of one DM, as §6.3 and §6.4 show it.
type deliveredDM struct {
	DirectMessageEvents []struct {
		MessageCreate struct {
			MessageData struct {
				Text     string `json:"text"`
				Entities struct {
					URLs []struct {
						URL         string `json:"url"`
						ExpandedURL string `json:"expanded_url"`
						DisplayURL  string `json:"display_url"`
						Indices     []int  `json:"indices"`
					} `json:"urls"`
				} `json:"entities"`
				Attachment *struct {
					Type  string `json:"type"`
					Media struct {
						IDStr         string `json:"id_str"`
						Type          string `json:"type"`
						URL           string `json:"url"`
						Indices       []int  `json:"indices"`
						MediaURL      string `json:"media_url"`
						MediaURLHTTPS string `json:"media_url_https"`
						VideoInfo     *struct {
							AspectRatio []int `json:"aspect_ratio"`
							Variants    []struct {
								Bitrate     int64  `json:"bitrate"`
								ContentType string `json:"content_type"`
								URL         string `json:"url"`
							} `json:"variants"`
						} `json:"video_info"`
					} `json:"media"`
				} `json:"attachment"`
			} `json:"message_data"`
		} `json:"message_create"`
	} `json:"direct_message_events"`
}

type wantLink struct{ expanded, display string }

type wantVariant struct {
	contentType string
	bitrate     int64
	urlPrefix   string // the variant's URL, when got
}

// TestDeliveredDMEntitiesAndMedia: the fake wraps every link of a DM in
// t.co with where it leads, how it shows and where it is in the text; a
// GIF or video attachment comes with its preview image and every variant,
// with content types and bitrates; a photo with its signed-download URL.
// The DM list of /2/dm_events has the same links.
func TestDeliveredDMEntitiesAndMedia(t *testing.T) {
	tests := []struct {
		name         string
		dm           twittertest.InboundDM
		wantText     string // the text with each t.co link as "T"
		wantLinks    []wantLink
		mediaType    string
		previewHas   string
		wantVariants []wantVariant
	}{
		{name: "no link", dm: twittertest.InboundDM{Text: "where is my order?"}, wantText: "where is my order?"},
		{name: "links, punctuation kept out",
			dm:       twittertest.InboundDM{Text: "see https://www.acme.example/orders/17?ref=dm-campaign, or (http://x.test/a)."},
			wantText: "see T, or (T).",
			wantLinks: []wantLink{{"https://www.acme.example/orders/17?ref=dm-campaign", "acme.example/orders/17?re…"},
				{"http://x.test/a", "x.test/a"}}},
		{name: "a t.co link the customer pasted stays", dm: twittertest.InboundDM{Text: "look https://t.co/abc"}, wantText: "look https://t.co/abc"},
		{name: "non-ASCII text before a link", dm: twittertest.InboundDM{Text: "Grüße 👋 https://acme.example"}, wantText: "Grüße 👋 T",
			wantLinks: []wantLink{{"https://acme.example", "acme.example"}}},
		{name: "photo", dm: twittertest.InboundDM{Text: "receipt", Media: &twittertest.Media{Type: "photo", ID: "501"}},
			wantText: "receipt T", mediaType: "photo", previewHas: "/1.1/ton/data/dm/"},
		{name: "gif", dm: twittertest.InboundDM{Media: &twittertest.Media{Type: "animated_gif", ID: "502"}},
			wantText: "T", mediaType: "animated_gif", previewHas: "https://pbs.twimg.com/dm_gif_preview/502/",
			wantVariants: []wantVariant{{"video/mp4", 0, "https://video.twimg.com/dm_gif/502/"}}},
		{name: "video and a link", dm: twittertest.InboundDM{Text: "broken https://acme.example/p/9", Media: &twittertest.Media{Type: "video", ID: "503"}},
			wantText: "broken T T", wantLinks: []wantLink{{"https://acme.example/p/9", "acme.example/p/9"}},
			mediaType: "video", previewHas: "https://pbs.twimg.com/dm_video_preview/503/",
			wantVariants: []wantVariant{{"application/x-mpegURL", 0, "https://video.twimg.com/dm_video/503/"},
				{"video/mp4", 256000, "https://video.twimg.com/dm_video/503/"},
				{"video/mp4", 832000, "https://video.twimg.com/dm_video/503/"},
				{"video/mp4", 2176000, "https://video.twimg.com/dm_video/503/"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tt.dm.From, tt.dm.To = "janedoe", "AcmeHelp"
			inj, err := f.fake.InjectDM(context.Background(), tt.dm)
			if err != nil || len(inj.Deliveries) != 1 {
				t.Fatalf("inject: %+v, %v", inj, err)
			}
			var p deliveredDM
			if err := json.Unmarshal(inj.Deliveries[0].Body, &p); err != nil || len(p.DirectMessageEvents) != 1 {
				t.Fatalf("delivery %s: %v", inj.Deliveries[0].Body, err)
			}
			md := p.DirectMessageEvents[0].MessageCreate.MessageData
			ents := md.Entities.URLs
			// Every entity's indices point at its t.co link in the text.
			runes := []rune(md.Text)
			masked := md.Text
			for _, e := range ents {
				if len(e.Indices) != 2 || e.Indices[1] > len(runes) || string(runes[e.Indices[0]:e.Indices[1]]) != e.URL {
					t.Errorf("entity %+v: indices do not point at its link in %q", e, md.Text)
				}
				if !strings.HasPrefix(e.URL, "https://t.co/") {
					t.Errorf("entity url %q is not a t.co link", e.URL)
				}
				masked = strings.Replace(masked, e.URL, "T", 1)
			}
			if masked != tt.wantText {
				t.Errorf("text = %q, want %q with t.co links for T", md.Text, tt.wantText)
			}
			var links []wantLink
			for i, e := range ents {
				if md.Attachment != nil && i == len(ents)-1 {
					if e.URL != md.Attachment.Media.URL || !reflect.DeepEqual(e.Indices, md.Attachment.Media.Indices) ||
						e.DisplayURL != "pic.twitter.com/"+strings.TrimPrefix(e.URL, "https://t.co/") {
						t.Errorf("media entity %+v, media %+v", e, md.Attachment.Media)
					}
					continue
				}
				links = append(links, wantLink{e.ExpandedURL, e.DisplayURL})
			}
			if !reflect.DeepEqual(links, tt.wantLinks) {
				t.Errorf("links = %q, want %q", links, tt.wantLinks)
			}
			// /2/dm_events gives the same links, for backfill.
			page, err := f.client.ListDMEvents(context.Background(), f.handleToken, twitter.ListOptions{ForUserID: f.handle.ID})
			if err != nil || len(page.Messages) != 1 {
				t.Fatalf("list: %+v, %v", page, err)
			}
			var listed []wantLink
			for _, u := range page.Messages[0].URLs {
				listed = append(listed, wantLink{u.Expanded, u.Display})
			}
			if page.Messages[0].Text != md.Text || !reflect.DeepEqual(listed, tt.wantLinks) {
				t.Errorf("listed %q with links %q, want %q with %q", page.Messages[0].Text, listed, md.Text, tt.wantLinks)
			}
			if tt.mediaType == "" {
				if md.Attachment != nil {
					t.Errorf("an attachment: %+v", md.Attachment)
				}
				return
			}
			if md.Attachment == nil {
				t.Fatal("no attachment")
			}
			m := md.Attachment.Media
			if m.Type != tt.mediaType || !strings.Contains(m.MediaURLHTTPS, tt.previewHas) || m.MediaURL != m.MediaURLHTTPS {
				t.Errorf("media %s: media_url_https %q (media_url %q), want %s containing %q", m.Type, m.MediaURLHTTPS, m.MediaURL, tt.mediaType, tt.previewHas)
			}
			var got []wantVariant
			if m.VideoInfo != nil {
				for _, v := range m.VideoInfo.Variants {
					got = append(got, wantVariant{v.ContentType, v.Bitrate, v.URL})
				}
			}
			if len(got) != len(tt.wantVariants) {
				t.Fatalf("variants %+v, want %+v", got, tt.wantVariants)
			}
			for i, w := range tt.wantVariants {
				if got[i].contentType != w.contentType || got[i].bitrate != w.bitrate || !strings.HasPrefix(got[i].urlPrefix, w.urlPrefix) {
					t.Errorf("variant %d = %+v, want %+v", i, got[i], w)
				}
			}
			// The adapter reads it all back.
			d, err := twitter.ParseDelivery(inj.Deliveries[0].Body)
			if err != nil || len(d.DirectMessages) != 1 || len(d.DirectMessages[0].Media) != 1 {
				t.Fatalf("ParseDelivery: %+v, %v", d, err)
			}
			if pm := d.DirectMessages[0].Media[0]; pm.URL != m.MediaURLHTTPS || len(pm.Variants) != len(tt.wantVariants) {
				t.Errorf("parsed media %+v", pm)
			}
		})
	}
}

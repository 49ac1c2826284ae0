package api

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// linksSchema is the last migration before messages kept their links
// (00018) and what led to them (00019).
const linksSchema = 17

// receiveLinked stores a customer's DM with a link and a video, and one
// without either, and returns the conversation.
func receiveLinked(t *testing.T, h *harness) engine.ConversationID {
	t.Helper()
	ctx := context.Background()
	_, _, hd := h.signedOnHandle()
	dms := []engine.ChannelMessage{
		{ExternalID: "2001", SenderExternalID: "42", Customer: engine.CustomerProfile{ExternalID: "42", ScreenName: "jane"},
			Text:         "see https://t.co/aaa",
			InitiatedVia: []engine.Initiation{{Kind: engine.InitiatedByWelcomeMessage, ID: "456789"}},
			Links:        []engine.Link{{URL: "https://t.co/aaa", Expanded: "https://www.acme.example/o/17", Display: "acme.example/o/17"}},
			Media: []engine.Media{{Type: "video", ID: "9", URL: "https://video.example/9/1280.mp4", PreviewURL: "https://img.example/9.jpg",
				Variants: []engine.MediaVariant{{URL: "https://video.example/9/pl.m3u8", ContentType: "application/x-mpegURL"},
					{URL: "https://video.example/9/1280.mp4", ContentType: "video/mp4", Bitrate: 2176000}}}}},
		{ExternalID: "2002", SenderExternalID: "42", Customer: engine.CustomerProfile{ExternalID: "42", ScreenName: "jane"}, Text: "hello?",
			Media: []engine.Media{{Type: "photo", URL: "https://ton.example/1.jpg"}}},
	}
	var conv engine.ConversationID
	for i, dm := range dms {
		dm.SentAt, dm.RecipientExternalID = time.Now().Add(time.Duration(i)*time.Second), "6253282"
		res, err := h.acc.Receive(ctx, hd, dm)
		if err != nil || res.Action != engine.ReceivedIngested {
			t.Fatalf("DM %s: %+v, %v", dm.ExternalID, res, err)
		}
		conv = res.ConversationID
	}
	return conv
}

// TestMessageLinksAndMedia: a message's links (as written, expanded,
// displayed), a video's preview and variants and the welcome message that
// led to it are in the API's message,
// and its features' urls are the links' targets.
func TestMessageLinksAndMedia(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		conv := receiveLinked(t, h)
		var d conversationDetailResponse
		if r := h.call("GET", "/api/v1/conversations/"+string(conv), h.admin, nil); r.Code != http.StatusOK {
			t.Fatalf("GET conversation = %d %s", r.Code, r.Body)
		} else {
			r.decode(t, &d)
		}
		if len(d.Messages) != 2 {
			t.Fatalf("%d messages, want 2", len(d.Messages))
		}
		first, second := d.Messages[0], d.Messages[1]
		if want := []linkResponse{{URL: "https://t.co/aaa", ExpandedURL: "https://www.acme.example/o/17", DisplayURL: "acme.example/o/17"}}; !reflect.DeepEqual(first.Links, want) {
			t.Errorf("links = %+v, want %+v", first.Links, want)
		}
		if want := []string{"https://www.acme.example/o/17"}; !reflect.DeepEqual(first.Features.URLs, want) {
			t.Errorf("features.urls = %q, want %q", first.Features.URLs, want)
		}
		preview := "https://img.example/9.jpg"
		wantVideo := mediaResponse{Type: "video", URL: "https://video.example/9/1280.mp4", PreviewURL: &preview, Variants: []mediaVariantResponse{
			{URL: "https://video.example/9/pl.m3u8", ContentType: "application/x-mpegURL"},
			{URL: "https://video.example/9/1280.mp4", ContentType: "video/mp4", Bitrate: 2176000}}}
		if len(first.Media) != 1 || !reflect.DeepEqual(first.Media[0], wantVideo) {
			t.Errorf("video = %+v, want %+v", first.Media, wantVideo)
		}
		if iv := first.InitiatedVia; iv.WelcomeMessageID == nil || *iv.WelcomeMessageID != "456789" || iv.TweetID != nil {
			t.Errorf("initiated_via = %+v, want welcome message 456789", iv)
		}
		if iv := second.InitiatedVia; iv.TweetID != nil || iv.WelcomeMessageID != nil {
			t.Errorf("initiated_via of a message that answers no prompt = %+v, want null ids", iv)
		}
		wantPhoto := mediaResponse{Type: "photo", URL: "https://ton.example/1.jpg", Variants: []mediaVariantResponse{}}
		if len(second.Media) != 1 || !reflect.DeepEqual(second.Media[0], wantPhoto) || second.Links == nil || len(second.Links) != 0 {
			t.Errorf("photo message = media %+v links %+v, want %+v and no links", second.Media, second.Links, wantPhoto)
		}
	})
}

// TestUpgradeToMessageLinksKeepsEveryRow: messages stored before links
// and initiated_via were kept (the schema before 00018) migrate forward
// with everything they had, no links and no initiated_via.
func TestUpgradeToMessageLinksKeepsEveryRow(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		conv := receiveLinked(t, h)
		read := func() conversationDetailResponse {
			var d conversationDetailResponse
			r := h.call("GET", "/api/v1/conversations/"+string(conv), h.admin, nil)
			if r.Code != http.StatusOK {
				t.Fatalf("GET conversation = %d %s", r.Code, r.Body)
			}
			r.decode(t, &d)
			return d
		}
		before := read()
		if _, err := h.db.MigrateDown(ctx, linksSchema); err != nil {
			t.Fatalf("back to the schema before links: %v", err)
		}
		if _, err := h.db.MigrateUp(ctx); err != nil {
			t.Fatalf("upgrade: %v", err)
		}
		after := read()
		if len(after.Messages) != len(before.Messages) {
			t.Fatalf("%d messages after the upgrade, want %d", len(after.Messages), len(before.Messages))
		}
		for i := range after.Messages {
			if l := after.Messages[i].Links; l == nil || len(l) != 0 {
				t.Errorf("message %d links after the upgrade = %+v, want an empty list", i, l)
			}
			// Apart from the links, which the old schema did not keep,
			// everything reads back as it was.
			if iv := after.Messages[i].InitiatedVia; iv.TweetID != nil || iv.WelcomeMessageID != nil {
				t.Errorf("message %d initiated_via after the upgrade = %+v, want null ids", i, iv)
			}
			before.Messages[i].Links, before.Messages[i].InitiatedVia = after.Messages[i].Links, initiatedViaResponse{}
		}
		if bj, aj := mustJSON(t, before), mustJSON(t, after); bj != aj {
			t.Errorf("the conversation changed in the upgrade:\nbefore %s\nafter  %s", bj, aj)
		}
	})
}

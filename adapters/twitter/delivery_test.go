package twitter

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ms(v int64) time.Time { return time.UnixMilli(v).UTC() }

func TestParseDeliverySamples(t *testing.T) {
	customer := &User{
		ID: "3001969357", Name: "Jordan Brinks", ScreenName: "furiouscamper", Location: "Boulder, CO",
		Description: "Alter Ego - Twitter PE opinions-are-my-own", URL: "https://t.co/SnxaA15ZuY",
		ProfileImageURL: "https://pbs.twimg.com/profile_images/851526626785480705/cW4WTi7C_normal.jpg",
		FollowersCount:  22, FriendsCount: 45, StatusesCount: 494, CreatedAt: ms(1422556069340),
	}
	handle := &User{
		ID: "4337869213", Name: "Harrison Test", ScreenName: "Harris_0ff", Location: "Burlington, MA",
		ProfileImageURL: "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png",
		FollowersCount:  8, FriendsCount: 8, StatusesCount: 240, CreatedAt: ms(1448312972328),
	}
	jane := &User{
		ID: "1140620289006551040", Name: "Jane Doe", ScreenName: "janedoe", Verified: true,
		FollowersCount: 15000, FriendsCount: 10, StatusesCount: 3, Lang: "en", CreatedAt: ms(1560794346000),
		ProfileImageURL: "https://pbs.twimg.com/profile_images/1/jane_normal.jpg",
	}
	acme := &User{ID: "7472512", Name: "Acme Support", ScreenName: "AcmeHelp", Verified: true,
		FollowersCount: 90000, FriendsCount: 12, StatusesCount: 9000, CreatedAt: ms(1176125000000)}

	tests := []struct {
		file string
		want Delivery
	}{
		{"text_dm.json", Delivery{ForUserID: "4337869213", DirectMessages: []DirectMessage{{
			ID: "954491830116155396", ForUserID: "4337869213", CreatedAt: ms(1516403560557),
			SenderID: "3001969357", RecipientID: "4337869213", Text: "Hello World! #refund https://t.co/abc",
			URLs:        []URL{{TCO: "https://t.co/abc", Expanded: "https://acme.example/order/1", Display: "acme.example/order/1"}},
			Hashtags:    []string{"refund"},
			SourceAppID: "268278", SourceApp: &App{ID: "268278", Name: "Twitter Web Client", URL: "http://twitter.com"},
			Sender: customer, Recipient: handle,
		}}}},
		{"photo_dm.json", Delivery{ForUserID: "7472512", DirectMessages: []DirectMessage{{
			ID: "1218168691763924998", ForUserID: "7472512", CreatedAt: ms(1579153051217),
			SenderID: "1140620289006551040", RecipientID: "7472512", Text: "here is the receipt https://t.co/dOLqpmn7zX",
			URLs: []URL{{TCO: "https://t.co/dOLqpmn7zX", Expanded: "https://twitter.com/messages/media/1218168691763924998", Display: "pic.twitter.com/dOLqpmn7zX"}},
			Media: []Media{{ID: "1218168684226711552", Type: "photo",
				URL:    "https://ton.twitter.com/1.1/ton/data/dm/1218168691763924998/1218168684226711552/7WY9gUyS.jpg",
				TCOURL: "https://t.co/dOLqpmn7zX"}},
			Sender: jane, Recipient: acme,
		}}}},
		{"gif_dm.json", Delivery{ForUserID: "7472512", DirectMessages: []DirectMessage{{
			ID: "1218022650947260420", ForUserID: "7472512", CreatedAt: ms(1579118229000),
			SenderID: "1140620289006551040", RecipientID: "7472512", Text: " https://t.co/EqgUwK77ad",
			Media: []Media{{ID: "1218022642336325632", Type: "animated_gif",
				URL:      "https://pbs.twimg.com/dm_gif_preview/1218022642336325632/UF-L2NL0RH3sLnu8V99AR2WbIYKXyy3OhL4E0YEw6cK-LcJ92Q.jpg",
				VideoURL: "https://video.twimg.com/dm_gif/1218022642336325632/UF-L2NL0RH3sLnu8V99AR2WbIYKXyy3OhL4E0YEw6cK-LcJ92Q.mp4",
				Variants: []VideoVariant{{ContentType: "video/mp4",
					URL: "https://video.twimg.com/dm_gif/1218022642336325632/UF-L2NL0RH3sLnu8V99AR2WbIYKXyy3OhL4E0YEw6cK-LcJ92Q.mp4"}},
				TCOURL: "https://t.co/EqgUwK77ad"}},
		}}}},
		{"quick_reply_dm.json", Delivery{ForUserID: "3805104374", DirectMessages: []DirectMessage{{
			ID: "1234858592", ForUserID: "3805104374", CreatedAt: ms(1392078023603),
			SenderID: "2244994945", RecipientID: "3805104374", Text: "Blue Bird",
			QuickReply:   &QuickReplyResponse{Type: "options", Metadata: "external_id_2"},
			InitiatedVia: &InitiatedVia{WelcomeMessageID: "456789"},
		}}}},
		{"echo_dm.json", Delivery{ForUserID: "7472512", DirectMessages: []DirectMessage{{
			ID: "1086481292764606471", ForUserID: "7472512", CreatedAt: ms(1547872300698),
			SenderID: "7472512", RecipientID: "1140620289006551040", Text: "Hi Jane, we are on it.",
			SourceAppID: "13090192", SourceApp: &App{ID: "13090192", Name: "Acme Helpdesk", URL: "https://acme.example"},
		}}}},
		{"typing.json", Delivery{ForUserID: "4337869213", Typing: []TypingEvent{{
			ForUserID: "4337869213", SenderID: "3284025577", RecipientID: "4337869213", CreatedAt: ms(1518127183443),
			Sender: &User{ID: "3284025577", Name: "Bogus Bogart", ScreenName: "bogusbogart", Protected: true,
				FollowersCount: 1, FriendsCount: 4, StatusesCount: 35, CreatedAt: ms(1437281176085),
				ProfileImageURL: "https://pbs.twimg.com/profile_images/763383202857779200/ndvZ96mE_normal.jpg"},
		}}}},
		{"read.json", Delivery{ForUserID: "4337869213", Reads: []ReadEvent{{
			ForUserID: "4337869213", SenderID: "199566737", RecipientID: "4337869213",
			LastReadEventID: "963085315333238788", CreatedAt: ms(1518452444662),
			Sender: &User{ID: "199566737", Name: "Reader", ScreenName: "reader", CreatedAt: ms(1286843544000)},
		}}}},
		{"revoke.json", Delivery{Revocations: []Revocation{{UserID: "63046977", AppID: "13090192",
			At: time.Date(2018, 5, 24, 9, 48, 12, 0, time.UTC)}}}},
		{"follow.json", Delivery{ForUserID: "2244994945", Other: []string{"follow_events"}, OtherEvents: map[string]int{"follow_events": 1}}},
		{"favorite.json", Delivery{ForUserID: "2244994945", Other: []string{"favorite_events"}, OtherEvents: map[string]int{"favorite_events": 1}}},
		{"tweet_delete.json", Delivery{ForUserID: "930524282358325248", Other: []string{"tweet_delete_events"}, OtherEvents: map[string]int{"tweet_delete_events": 1}}},
		{"tweet_create.json", Delivery{ForUserID: "2244994945", Other: []string{"tweet_create_events", "user_has_blocked"},
			OtherEvents: map[string]int{"tweet_create_events": 1, "user_has_blocked": 1}}},
		{"replay_status.json", Delivery{ReplayJob: &ReplayJob{WebhookID: "1234567890", JobID: "1095098195724558337",
			State: "Complete", Description: "All events delivered"}}},
		{"xaa_dm_received.json", Delivery{ForUserID: "1111111111111111111", EventType: "dm.received",
			EventUUID: "-6850472171600526495", DirectMessages: []DirectMessage{{
				ID: "2080765901528535096", ForUserID: "1111111111111111111", CreatedAt: ms(1784928224372),
				SenderID: "2222222222222222222", RecipientID: "1111111111111111111", Text: "hello!",
				Sender: &User{ID: "2222222222222222222", Name: "OtherUser", ScreenName: "OtherUser",
					ProfileImageURL: "https://pbs.twimg.com/profile_images/x_normal.jpg",
					CreatedAt:       time.Date(2026, 4, 20, 19, 55, 59, 0, time.UTC)},
			}}}},
		{"xaa_revoke.json", Delivery{EventType: "oauth.revoke", EventUUID: "42", Revocations: []Revocation{{
			UserID: "1111111111111111111", AppID: "13090192", At: time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC)}}}},
		{"xaa_chat.json", Delivery{ForUserID: "1111111111111111111", EventType: "chat.received", EventUUID: "43",
			Other: []string{"chat.received"}, OtherEvents: map[string]int{"chat.received": 1}}},
		{"batch.json", Delivery{ForUserID: "7472512", Other: []string{"brand_new_activity_events", "some_future_flag"},
			OtherEvents: map[string]int{"brand_new_activity_events": 1, "some_future_flag": 1},
			DirectMessages: []DirectMessage{
				{ID: "1300000000000000002", ForUserID: "7472512", CreatedAt: ms(1600000000200), SenderID: "1140620289006551040",
					RecipientID: "7472512", Text: "second", Sender: &User{ID: "1140620289006551040", Name: "Jane Doe", ScreenName: "janedoe", CreatedAt: ms(1560794346000)}},
				{ID: "1300000000000000001", ForUserID: "7472512", CreatedAt: ms(1600000000100), SenderID: "1140620289006551040",
					RecipientID: "7472512", Text: "first", Sender: &User{ID: "1140620289006551040", Name: "Jane Doe", ScreenName: "janedoe", CreatedAt: ms(1560794346000)}},
			}}},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".json"), func(t *testing.T) {
			got, err := ParseDelivery(readSample(t, tt.file))
			if err != nil {
				t.Fatalf("ParseDelivery: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseDelivery mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDirectMessageEcho(t *testing.T) {
	echo, err := ParseDelivery(readSample(t, "echo_dm.json"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := ParseDelivery(readSample(t, "photo_dm.json"))
	if err != nil {
		t.Fatal(err)
	}
	e, m := echo.DirectMessages[0], in.DirectMessages[0]
	if !e.IsEcho() || m.IsEcho() {
		t.Errorf("IsEcho: echo=%v inbound=%v, want true, false", e.IsEcho(), m.IsEcho())
	}
	if got := e.CustomerID(); got != "1140620289006551040" {
		t.Errorf("echo CustomerID = %q", got)
	}
	if got := m.CustomerID(); got != "1140620289006551040" {
		t.Errorf("inbound CustomerID = %q", got)
	}
	if m.Customer() == nil || m.Customer().ScreenName != "janedoe" {
		t.Errorf("inbound Customer = %+v", m.Customer())
	}
	if !e.SentByApp("13090192") || e.SentByApp("268278") || e.SentByApp("") || m.SentByApp("13090192") {
		t.Error("SentByApp misclassifies")
	}
	if got := m.DisplayText(); got != "here is the receipt" {
		t.Errorf("DisplayText = %q", got)
	}
}

func TestParseDeliveryTimestampForms(t *testing.T) {
	const tmpl = `{"for_user_id":"1","direct_message_events":[{"type":"message_create","id":"9","created_timestamp":%s,
		"message_create":{"target":{"recipient_id":"1"},"sender_id":"2","message_data":{"text":"x"}}}]}`
	want := ms(1516403560557)
	for _, ts := range []string{`"1516403560557"`, `1516403560557`, `1.516403560557e12`, `"2018-01-19T23:12:40.557Z"`} {
		t.Run(ts, func(t *testing.T) {
			d, err := ParseDelivery([]byte(strings.Replace(tmpl, "%s", ts, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if got := d.DirectMessages[0].CreatedAt; !got.Equal(want) {
				t.Errorf("CreatedAt = %v, want %v", got, want)
			}
		})
	}
}

func TestParseDeliveryRejectsBadInput(t *testing.T) {
	tests := map[string]string{
		"empty":                 ``,
		"not json":              `hello`,
		"array":                 `[{"for_user_id":"1"}]`,
		"null":                  `null`,
		"truncated":             `{"for_user_id":"1","direct_message_events":[`,
		"events not array":      `{"for_user_id":"1","direct_message_events":"x"}`,
		"for_user_id object":    `{"for_user_id":{},"direct_message_events":[]}`,
		"no for_user_id":        `{"direct_message_events":[{"type":"message_create","id":"1","message_create":{"target":{"recipient_id":"1"},"sender_id":"2","message_data":{"text":"x"}}}]}`,
		"dm without id":         `{"for_user_id":"1","direct_message_events":[{"type":"message_create","message_create":{"target":{"recipient_id":"1"},"sender_id":"2","message_data":{"text":"x"}}}]}`,
		"dm without sender":     `{"for_user_id":"1","direct_message_events":[{"type":"message_create","id":"3","message_create":{"target":{"recipient_id":"1"},"message_data":{"text":"x"}}}]}`,
		"dm without recipient":  `{"for_user_id":"1","direct_message_events":[{"type":"message_create","id":"3","message_create":{"target":{},"sender_id":"2","message_data":{"text":"x"}}}]}`,
		"bad timestamp":         `{"for_user_id":"1","direct_message_events":[{"type":"message_create","id":"3","created_timestamp":"yesterday","message_create":{"target":{"recipient_id":"1"},"sender_id":"2","message_data":{"text":"x"}}}]}`,
		"timestamp bool":        `{"for_user_id":"1","direct_message_events":[{"type":"message_create","id":"3","created_timestamp":true,"message_create":{"target":{"recipient_id":"1"},"sender_id":"2","message_data":{"text":"x"}}}]}`,
		"text number":           `{"for_user_id":"1","direct_message_events":[{"type":"message_create","id":"3","message_create":{"target":{"recipient_id":"1"},"sender_id":"2","message_data":{"text":5}}}]}`,
		"users not object":      `{"for_user_id":"1","users":[]}`,
		"typing without sender": `{"for_user_id":"1","direct_message_indicate_typing_events":[{"created_timestamp":"1","target":{"recipient_id":"1"}}]}`,
		"revoke without user":   `{"user_event":{"revoke":{"date_time":"2018-05-24T09:48:12+00:00","target":{"app_id":"1"},"source":{}}}}`,
		"envelope no type":      `{"data":{"payload":{}}}`,
		"envelope bad payload":  `{"data":{"event_type":"dm.received","payload":"x"}}`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			d, err := ParseDelivery([]byte(body))
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseDelivery = %+v, %v; want an ErrMalformed error", d, err)
			}
		})
	}
}

// FuzzParseDelivery checks that the parser never panics, that what it
// rejects is ErrMalformed, and that what it accepts is usable. The seed
// corpus (every sample in testdata) runs as an ordinary test.
func FuzzParseDelivery(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no samples: %v", err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"data":null}`))
	f.Add([]byte(`{"for_user_id":1,"direct_message_events":[{"id":1e400}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := ParseDelivery(body)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		for _, m := range d.DirectMessages {
			if m.ID == "" || m.SenderID == "" || m.RecipientID == "" || m.ForUserID == "" {
				t.Fatalf("accepted an incomplete message %+v", m)
			}
		}
	})
}

// TestParseDeliveryReadsKeysExactly: a key is read only as Twitter spells
// it; one that differs only in case is another key (it lands in Other), and
// one spelled with escapes is the same key (so twice is refused).
func TestParseDeliveryReadsKeysExactly(t *testing.T) {
	dm := `"direct_message_events":[{"type":"message_create","id":"1300000000000000031","created_timestamp":"1579153051217",
		"message_create":{"target":{"recipient_id":"7472512"},"sender_id":"1140620289006551040","message_data":{"text":"hi"}}}]`
	tests := []struct {
		name      string
		body      string
		forUser   string
		other     []string
		malformed string
	}{
		{name: "exact", body: `{"for_user_id":"7472512",` + dm + `}`, forUser: "7472512"},
		{name: "another case beside", body: `{"For_User_Id":"999","for_user_id":"7472512",` + dm + `}`, forUser: "7472512", other: []string{"For_User_Id"}},
		{name: "another case alone", body: `{"FOR_USER_ID":"7472512",` + dm + `}`, malformed: "events without for_user_id"},
		{name: "escaped twice", body: `{"for_user_id":"7472512","for\u005fuser_id":"999",` + dm + `}`, malformed: "duplicate key for_user_id"},
		{name: "escaped once", body: `{"for\u005fuser_id":"7472512",` + dm + `}`, forUser: "7472512"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDelivery([]byte(tt.body))
			if tt.malformed != "" {
				if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.malformed) {
					t.Fatalf("ParseDelivery = %v; want ErrMalformed saying %q", err, tt.malformed)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.ForUserID != tt.forUser || len(d.DirectMessages) != 1 || d.DirectMessages[0].ForUserID != tt.forUser || !slices.Equal(d.Other, tt.other) {
				t.Errorf("for_user_id %q, %d DMs, other %v; want %q, one DM for it, %v", d.ForUserID, len(d.DirectMessages), d.Other, tt.forUser, tt.other)
			}
		})
	}
}

package twitter_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// metricValue reads one series of the channel's registry, 0 when absent.
func metricValue(t testing.TB, c *channel, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(gather(t, c), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	return 0
}

// TestWebhookCountsEveryEventKind: every Account Activity event of a
// signed delivery is counted by kind, also the ones Switchboard ignores;
// kinds it does not know are counted as unknown, per application too, and
// logged.
func TestWebhookCountsEveryEventKind(t *testing.T) {
	t.Parallel()
	storagetest.ForEach(t, func(t *testing.T, db *storage.DB) {
		c := newChannel(t, db, twitter.DialectV2)
		c.handleFor("4337869213", "Harris")
		c.handleFor("7472512", "Acme")
		c.handleFor("2244994945", "XDevs")
		unknownSeries := `switchboard_twitter_webhook_unknown_events_total{application_id="` + string(c.app.ID) + `"}`
		tests := []struct {
			name        string
			body        []byte
			want        map[string]float64 // kind → events added
			wantUnknown float64
		}{
			{"text DM", readTestdata(t, "text_dm.json"), map[string]float64{"direct_message": 1}, 0},
			{"batch of two DMs and unknown keys", readTestdata(t, "batch.json"), map[string]float64{"direct_message": 2, "unknown": 2}, 2},
			{"typing", readTestdata(t, "typing.json"), map[string]float64{"direct_message_indicate_typing": 1}, 0},
			{"read", readTestdata(t, "read.json"), map[string]float64{"direct_message_mark_read": 1}, 0},
			{"revoke", readTestdata(t, "revoke.json"), map[string]float64{"revoke": 1}, 0},
			{"replay job", readTestdata(t, "replay_status.json"), map[string]float64{"replay_job_status": 1}, 0},
			{"follow", readTestdata(t, "follow.json"), map[string]float64{"follow": 1}, 0},
			{"favorite", readTestdata(t, "favorite.json"), map[string]float64{"favorite": 1}, 0},
			{"tweet create (user_has_blocked is no event)", readTestdata(t, "tweet_create.json"), map[string]float64{"tweet_create": 1}, 0},
			{"tweet delete", readTestdata(t, "tweet_delete.json"), map[string]float64{"tweet_delete": 1}, 0},
			{"xchat", readTestdata(t, "xaa_chat.json"), map[string]float64{"chat": 1}, 0},
			{"two blocks", []byte(`{"for_user_id":"2244994945","block_events":[{"type":"block"},{"type":"block"}]}`), map[string]float64{"block": 2}, 0},
			{"unblock, mute, unmute", []byte(`{"for_user_id":"2244994945","unblock_events":[{}],"mute_events":[{}],"unmute_events":[{}]}`),
				map[string]float64{"unblock": 1, "mute": 1, "unmute": 1}, 0},
			{"unfollow", []byte(`{"for_user_id":"2244994945","unfollow_events":[{"type":"unfollow"}]}`), map[string]float64{"unfollow": 1}, 0},
			{"a new kind", []byte(`{"for_user_id":"2244994945","space_join_events":[{},{},{}]}`), map[string]float64{"unknown": 3}, 3},
		}
		kinds := []string{"direct_message", "direct_message_indicate_typing", "direct_message_mark_read", "revoke", "replay_job_status",
			"follow", "unfollow", "favorite", "tweet_create", "tweet_delete", "block", "unblock", "mute", "unmute", "chat", "unknown"}
		series := func(kind string) string { return `switchboard_twitter_webhook_activities_total{kind="` + kind + `"}` }
		for _, tt := range tests {
			before := map[string]float64{}
			for _, k := range kinds {
				before[k] = metricValue(t, c, series(k))
			}
			unknownBefore := metricValue(t, c, unknownSeries)
			if got := c.post(tt.body, twitter.Sign(consumerSecret, tt.body)); got != 200 {
				t.Errorf("%s: %d, want 200", tt.name, got)
				continue
			}
			for _, k := range kinds {
				if got := metricValue(t, c, series(k)) - before[k]; got != tt.want[k] {
					t.Errorf("%s: %s events counted %v, want %v", tt.name, k, got, tt.want[k])
				}
			}
			if got := metricValue(t, c, unknownSeries) - unknownBefore; got != tt.wantUnknown {
				t.Errorf("%s: %v unknown events for the application, want %v", tt.name, got, tt.wantUnknown)
			}
		}
		if logs := c.logs.String(); !strings.Contains(logs, `"key":"space_join_events"`) || !strings.Contains(logs, "does not know") {
			t.Errorf("the unknown kind is not logged:\n%s", logs)
		}
		// A delivery refused (bad signature) counts no event.
		before := metricValue(t, c, series("follow"))
		body := readTestdata(t, "follow.json")
		if got := c.post(body, twitter.Sign("wrong", body)); got != 401 {
			t.Fatalf("forged: %d", got)
		}
		if got := metricValue(t, c, series("follow")); got != before {
			t.Errorf("a forged delivery's events were counted")
		}
	})
}

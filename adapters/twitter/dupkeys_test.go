package twitter_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/adapters/twitter"
)

// TestWebhookRefusesDuplicateKeys: a signed delivery with a key twice at a
// level Switchboard reads (two for_user_id, two sender_id in a DM) is
// refused with 400 naming the key, and nothing is stored; a duplicate
// inside an activity Switchboard only names (a tweet) is no reason to
// refuse the delivery.
func TestWebhookRefusesDuplicateKeys(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		c.handleFor("7472512", "Acme")
		c.handleFor("4337869213", "Other")
		dm := `"direct_message_events":[{"type":"message_create","id":"1300000000000000031","created_timestamp":"1579153051217",
			"message_create":{"target":{"recipient_id":"7472512"},"sender_id":"1140620289006551040",%s"message_data":{"text":"hi"}}}]`
		for _, tt := range []struct {
			body, key string
		}{
			{`{"for_user_id":"7472512","for_user_id":"4337869213",` + strings.Replace(dm, "%s", "", 1) + `}`, "for_user_id"},
			{`{"for_user_id":"7472512",` + strings.Replace(dm, "%s", `"sender_id":"999",`, 1) + `}`, "direct_message_events[0].message_create.sender_id"},
			{`{"data":{"event_type":"dm.received","event_type":"oauth.revoke","payload":{}}}`, "data.event_type"},
		} {
			body := []byte(tt.body)
			req, _ := http.NewRequest("POST", c.webhookURL(), bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set(twitter.SignatureHeader, twitter.Sign(consumerSecret, body))
			res, err := c.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			msg, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(msg), "duplicate key "+tt.key) {
				t.Errorf("%s: %d %q, want 400 naming duplicate key %s", tt.key, res.StatusCode, msg, tt.key)
			}
			if _, err := twitter.ParseDelivery(body); err == nil {
				t.Errorf("%s: ParseDelivery accepted it", tt.key)
			}
		}
		if n := len(c.messages()); n != 0 {
			t.Errorf("%d messages stored from refused deliveries", n)
		}
		ok := []byte(`{"for_user_id":"7472512","tweet_create_events":[{"id":1,"id":1}],` + strings.Replace(dm, "%s", "", 1) + `}`)
		if got := c.post(ok, twitter.Sign(consumerSecret, ok)); got != http.StatusOK {
			t.Errorf("a duplicate inside a tweet event: %d, want 200", got)
		}
		if n := len(c.messages()); n != 1 {
			t.Errorf("%d messages stored, want the DM", n)
		}
	})
}

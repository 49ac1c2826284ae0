package twitter_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/engine"
)

// TestWebhookRevocationOfAnotherApp: once Switchboard knows its own app id
// (from the echo of a reply it sent), a signed revocation naming another
// app leaves the handle connected, is logged with both ids and counted; one
// naming this app disconnects it, in either envelope.
func TestWebhookRevocationOfAnotherApp(t *testing.T) {
	t.Parallel()
	aaa := func(appID, userID string) []byte {
		return []byte(fmt.Sprintf(`{"user_event":{"revoke":{"date_time":"2026-08-01T10:00:00+00:00","target":{"app_id":%q},"source":{"user_id":%q}}}}`, appID, userID))
	}
	xaa := func(appID, userID string) []byte {
		return []byte(fmt.Sprintf(`{"data":{"event_uuid":"77","filter":{},"event_type":"oauth.revoke","payload":{"date_time":"2026-08-01T10:00:00.000Z","user_id":%q,"app_id":%q}}}`, userID, appID))
	}
	for _, env := range []struct {
		name string
		body func(appID, userID string) []byte
	}{{"account activity", aaa}, {"x activity api", xaa}} {
		t.Run(env.name, func(t *testing.T) {
			t.Parallel()
			forEachChannel(t, func(t *testing.T, c *channel) {
				h := c.connect(c.business)
				conv := c.conversationWith(c.customer, c.business)
				c.reply(conv, "We are on it.")
				if run := c.sendDue(); run.Sent != 1 {
					t.Fatalf("run = %+v", run)
				}
				const otherApp = "13090192"
				tests := []struct {
					appID     string
					wantState engine.EndpointStatus
				}{
					{otherApp, engine.EndpointActive},
					{c.fakeApp.ID, engine.EndpointDisconnected},
				}
				for _, tt := range tests {
					body := env.body(tt.appID, c.business.ID)
					if got := c.post(body, twitter.Sign(consumerSecret, body)); got != 200 {
						t.Fatalf("revocation of app %s: %d, want 200", tt.appID, got)
					}
					hd, err := c.acc.Handle(c.ctx, h.ID)
					if err != nil || hd.Status != tt.wantState {
						t.Errorf("after a revocation of app %s: handle %s (%v), want %s", tt.appID, hd.Status, err, tt.wantState)
					}
				}
				logs := c.logs.String()
				if !strings.Contains(logs, "revocation of another Twitter app") || !strings.Contains(logs, `"revoked_app_id":"`+otherApp+`"`) ||
					!strings.Contains(logs, `"twitter_app_id":"`+c.fakeApp.ID+`"`) || !strings.Contains(logs, `"level":"WARN"`) {
					t.Errorf("the ignored revocation is not logged at warn with both ids:\n%s", logs)
				}
				metrics := gather(t, c)
				for _, want := range []string{`switchboard_twitter_webhook_events_total{action="revoke_other_app"} 1`,
					`switchboard_twitter_webhook_events_total{action="revoked"} 1`} {
					if !strings.Contains(metrics, want) {
						t.Errorf("metrics lack %s:\n%s", want, metrics)
					}
				}
			})
		})
	}
}

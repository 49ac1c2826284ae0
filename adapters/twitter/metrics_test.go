package twitter_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// TestMetrics: deliveries by result, signature failures, sends by result,
// rate-limit pauses, outbox depth and handle health are exported.
func TestMetrics(t *testing.T) {
	t.Parallel()
	c := newChannel(t, storagetest.SQLite(t), twitter.DialectV2)
	twitter.RegisterHealthCollector(c.reg, c.svc, c.acc)
	c.connect(c.business)
	conv := c.conversationWith(c.customer, c.business)
	body := []byte(`{}`)
	c.post(body, twitter.Sign("wrong", body))
	c.reply(conv, "queued one")
	c.fake.FailNext(twittertest.EndpointSendDM, twittertest.Fault{Status: 429, Code: 88, Message: "Rate limit exceeded", ResetIn: time.Minute})
	c.sendDue()
	c.reply(conv, "queued two")
	want := map[string]string{
		`switchboard_twitter_webhook_deliveries_total{result="ok"}`:            "",
		`switchboard_twitter_webhook_deliveries_total{result="bad_signature"}`: "",
		`switchboard_twitter_webhook_signature_failures_total 1`:               "",
		`switchboard_twitter_sends_total{result="rate_limited"} 1`:             "",
		`switchboard_twitter_rate_limit_pauses_total 1`:                        "",
		`switchboard_twitter_outbox_messages{status="queued"} 2`:               "",
		`switchboard_twitter_handle_subscribed{handle_id=`:                     "",
		`switchboard_twitter_handle_last_event_timestamp_seconds{handle_id=`:   "",
		`switchboard_twitter_webhook_valid{application_id=`:                    "",
	}
	out := gather(t, c)
	for w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("metrics lack %s:\n%s", w, out)
		}
	}
}

// gather renders the channel's registry as "name{labels} value" lines.
func gather(t testing.TB, c *channel) string {
	t.Helper()
	mfs, err := c.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := []string{}
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"=\""+l.GetValue()+"\"")
			}
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			name := mf.GetName()
			if len(labels) > 0 {
				name += "{" + strings.Join(labels, ",") + "}"
			}
			out.WriteString(name + " " + strconv.FormatFloat(v, 'f', -1, 64) + "\n")
		}
	}
	return out.String()
}

package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
)

// TestBusinessMetrics runs one conversation through the served service
// (a DM routed by a rule, an offer rejected, one timed out, a requeue, an
// offer accepted, a reply sent) and reads each business counter from
// /metrics; no log line holds the DM's or the reply's text.
func TestBusinessMetrics(t *testing.T) {
	forEachServeDB(t, func(t *testing.T, dbEnv []string) {
		const (
			admin    = "metrics-admin-token-0123456789"
			dmText   = "my parcel never came, order 4411"
			replyTxt = "Sorry about that: a new one ships today."
		)
		clock := &shiftedClock{}
		fake := newFakeChannel(t, "metrics", twittertest.WithClock(clock.Now))
		customer := fake.AddUser(twittertest.User{ScreenName: "bigfan", Name: "Big Fan", FollowersCount: 50000})
		svc := startServiceWithClock(t, clock, fake.serviceEnv(t, append(dbEnv, "SWITCHBOARD_ADMIN_TOKEN="+admin,
			"SWITCHBOARD_SCHEDULE_SWEEP=@every 1s", "SWITCHBOARD_AGENT_STREAM_GRACE=1h")...))
		api := &apiClient{base: "http://" + svc.addr + "/api/v1"}

		var general, vip, ws, bigAccounts idBody
		api.call(t, "POST", "/queues", admin, map[string]any{"name": "General"}, 201, &general)
		api.call(t, "POST", "/queues", admin, map[string]any{"name": "VIP"}, 201, &vip)
		api.call(t, "POST", "/workstreams", admin, map[string]any{"name": "Care", "default_queue_id": general.ID,
			"offer_timeout": "2m", "requeue_after": "10m"}, 201, &ws)
		api.call(t, "POST", "/workstreams/"+ws.ID+"/rules", admin, map[string]any{"name": "Big accounts",
			"condition": "Customer.FollowersCount > 10000", "queue_id": vip.ID}, 201, &bigAccounts)
		fake.connectHandle(t, api.base, admin, ws.ID)

		// The DM is routed to VIP by the rule and offered to Ann, who rejects it.
		ann := api.newAgent(t, admin, "Ann", vip.ID)
		inj, err := fake.InjectDM(t.Context(), twittertest.InboundDM{From: customer.ID, To: fake.business.ID, Text: dmText})
		if err != nil || len(inj.Deliveries) != 1 || !inj.Deliveries[0].OK() {
			t.Fatalf("inject the DM: %+v, %v", inj, err)
		}
		offer := decodeOffer(t, ann.stream.expect(t, "offer"))
		conv := "/conversations/" + offer.ConversationID
		api.call(t, "POST", conv+"/reject", ann.token, nil, 200, nil)

		// Ben comes to work, is offered it and lets the offer time out.
		ben := api.newAgent(t, admin, "Ben", vip.ID)
		if o := decodeOffer(t, ben.stream.expect(t, "offer")); o.ConversationID != offer.ConversationID {
			t.Fatalf("Ben was offered %s, want %s", o.ConversationID, offer.ConversationID)
		}
		clock.Advance(3 * time.Minute)
		ben.stream.expect(t, "offer_withdrawn")

		// Nobody took it: past requeue_after it is routed again, by the
		// same rule, and offered afresh; whoever is offered accepts and
		// replies.
		clock.Advance(10 * time.Minute)
		var taker testAgent
		waitFor(t, "the requeued conversation is offered", func() bool {
			d := api.conversation(t, conv, admin)
			for _, a := range []testAgent{ann, ben} {
				if d.Status == "offered" && d.OfferedAgentID == a.id {
					taker = a
				}
			}
			return taker.id != ""
		})
		api.call(t, "POST", conv+"/accept", taker.token, nil, 200, nil)
		api.call(t, "POST", conv+"/messages", taker.token, map[string]any{"text": replyTxt}, 201, nil)
		waitFor(t, "the reply is sent", func() bool {
			return slices.ContainsFunc(api.conversation(t, conv, admin).Messages, func(m message) bool { return m.Text == replyTxt && m.Delivery == "sent" })
		})
		fake.WaitDeliveries() // the reply's echo has reached the webhook: it is not a DM in

		want := map[string]float64{
			`switchboard_messages_ingested_total{channel="twitter"}`:                                   1,
			`switchboard_messages_ingested_total{channel="webchat"}`:                                   0,
			fmt.Sprintf(`switchboard_routing_decisions_total{queue_id="%s",reason="matched"}`, vip.ID): 1,
			fmt.Sprintf(`switchboard_routing_decisions_total{queue_id="%s",reason="requeue"}`, vip.ID): 1,
			fmt.Sprintf(`switchboard_routing_rule_decisions_total{rule_id="%s"}`, bigAccounts.ID):      2,
			`switchboard_offers_total{outcome="accepted"}`:                                             1,
			`switchboard_offers_total{outcome="rejected"}`:                                             1,
			`switchboard_offers_total{outcome="timed_out"}`:                                            1,
			`switchboard_offers_total{outcome="withdrawn"}`:                                            0,
			`switchboard_replies_total{status="sent"}`:                                                 1,
			`switchboard_replies_total{status="failed"}`:                                               0,
			`switchboard_requeues_total`:                                                               1,
		}
		var metrics string
		mismatch := func() []string {
			_, metrics = get(t, "http://"+svc.addr+"/metrics", "")
			var bad []string
			for series, n := range want {
				if !strings.Contains(metrics, series+" ") {
					bad = append(bad, series+" is missing")
				} else if got := metricValue(metrics, series); got != n {
					bad = append(bad, fmt.Sprintf("%s = %v, want %v", series, got, n))
				}
			}
			slices.Sort(bad)
			return bad
		}
		deadline := time.Now().Add(10 * time.Second)
		for bad := mismatch(); len(bad) > 0; bad = mismatch() {
			if time.Now().After(deadline) {
				t.Fatalf("business counters:\n%s\n\n/metrics:\n%s", strings.Join(bad, "\n"), metrics)
			}
			time.Sleep(50 * time.Millisecond) // polling /metrics, bounded by the deadline
		}
		if strings.Contains(metrics, dmText) || strings.Contains(metrics, replyTxt) {
			t.Errorf("/metrics holds a message's text")
		}
		if logs := svc.logs.String(); strings.Contains(logs, "parcel never came") || strings.Contains(logs, "ships today") {
			t.Errorf("the logs hold a message's text:\n%s", logs)
		}
	})
}

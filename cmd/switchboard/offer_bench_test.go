package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// BenchmarkOfferLatency measures how long after the webhook answers a new
// customer's DM (the DM is committed by then) the offer it makes is on
// the agent's notification stream: on one replica, SQLite and PostgreSQL,
// and across two replicas on PostgreSQL, the DM arriving at one and the
// agent's stream open on the other, woken by LISTEN/NOTIFY (the streams'
// safety-net poll is an hour). An offer already there when the webhook's
// answer arrives counts as 0. It reports the p50 and p99, and those of the
// whole path from the delivery's start, in milliseconds.
//
//	SWITCHBOARD_TEST_DATABASE_URL=postgres://... go test ./cmd/switchboard -run '^$' -bench BenchmarkOfferLatency -benchtime 500x
//
// An agent has room for 1,000 conversations: -benchtime must stay below.
func BenchmarkOfferLatency(b *testing.B) {
	for _, tc := range []struct {
		name     string
		postgres bool
		replicas int
	}{
		{"sqlite/one-replica", false, 1},
		{"postgres/one-replica", true, 1},
		{"postgres/two-replicas", true, 2},
	} {
		b.Run(tc.name, func(b *testing.B) {
			if b.N > 1000 {
				b.Fatalf("b.N = %d: an agent has room for 1,000 offers; use -benchtime 500x", b.N)
			}
			const admin = "offer-latency-admin-token-0123456789"
			fake := newFakeChannel(b, "offers")
			shared := []string{"SWITCHBOARD_ADMIN_TOKEN=" + admin, "SWITCHBOARD_STREAM_POLL=1h", "SWITCHBOARD_SCHEDULER=off"}
			if tc.postgres {
				shared = append(shared, "SWITCHBOARD_DATABASE_URL="+storagetest.PostgresURL(b), "SWITCHBOARD_SECRET_KEY="+strings.Repeat("6b", 32))
			} else {
				shared = append(shared, "SWITCHBOARD_DATABASE_URL="+filepath.Join(b.TempDir(), "sb.db"))
			}
			webhook := startService(b, fake.serviceEnv(b, shared...))
			streams := webhook
			if tc.replicas == 2 {
				streams = startService(b, append([]string{"SWITCHBOARD_LISTEN=127.0.0.1:0", "SWITCHBOARD_LOG_FORMAT=json",
					"SWITCHBOARD_TWITTER_API_URL=" + fake.URL}, shared...))
			}
			apiHook, apiStreams := "http://"+webhook.addr+"/api/v1", "http://"+streams.addr+"/api/v1"
			var queue, ws, agent struct {
				ID    string `json:"id"`
				Token string `json:"token"`
			}
			apiCall(b, "POST", apiHook+"/queues", admin, map[string]any{"name": "General"}, &queue)
			apiCall(b, "POST", apiHook+"/workstreams", admin, map[string]any{"name": "Care", "default_queue_id": queue.ID, "offer_timeout": "1h"}, &ws)
			fake.connectHandle(b, apiHook, admin, ws.ID)
			apiCall(b, "POST", apiHook+"/agents", admin, map[string]any{"name": "Ann", "queue_ids": []string{queue.ID}, "capacity": 1000}, &agent)
			apiCall(b, "PUT", apiStreams+"/agents/"+agent.ID+"/presence", agent.Token, map[string]any{"presence": "available"}, nil)
			stream := openAgentStream(b, apiStreams+"/agents/"+agent.ID+"/notifications", agent.Token)
			customers := make([]twittertest.User, b.N)
			for i := range customers {
				customers[i] = fake.AddUser(twittertest.User{ScreenName: fmt.Sprintf("offer%04d", i)})
			}

			afterAnswer := make([]time.Duration, 0, b.N)
			whole := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				sent := time.Now()
				inj, err := fake.InjectDM(b.Context(), twittertest.InboundDM{From: customers[i].ID, To: fake.business.ID, Text: "where is my order?"})
				answered := time.Now()
				if err != nil || len(inj.Deliveries) != 1 || !inj.Deliveries[0].OK() {
					b.Fatalf("delivery %d: %+v %v", i, inj, err)
				}
				want := `"screen_name":"` + customers[i].ScreenName + `"`
				for offered := false; !offered; {
					select {
					case e := <-stream.events:
						offered = e[0] == "offer" && strings.Contains(e[1], want)
					case <-time.After(10 * time.Second):
						b.Fatalf("no offer for %s within ten seconds", customers[i].ScreenName)
					}
				}
				at := time.Now()
				afterAnswer = append(afterAnswer, at.Sub(answered))
				whole = append(whole, at.Sub(sent))
			}
			b.StopTimer()
			for name, d := range map[string][]time.Duration{"offer-after-answer": afterAnswer, "offer-after-send": whole} {
				slices.Sort(d)
				b.ReportMetric(ms(d[len(d)/2]), name+"-p50-ms")
				b.ReportMetric(ms(d[min(len(d)*99/100, len(d)-1)]), name+"-p99-ms")
			}
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

package main

import (
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// TestOfferReachesAStreamOnAnotherReplica runs two replicas on one
// PostgreSQL database, their streams' safety-net poll an hour apart: the
// DM arrives at replica B's webhook, and the offer it makes reaches the
// agent's stream on replica A at once, announced by PostgreSQL.
func TestOfferReachesAStreamOnAnotherReplica(t *testing.T) {
	fake := newFakeChannel(t, "replicas")
	customer := fake.AddUser(twittertest.User{ScreenName: "carol", Name: "Carol"})
	const admin = "replicas-admin-token-0123456789"
	shared := []string{"SWITCHBOARD_DATABASE_URL=" + storagetest.PostgresURL(t), "SWITCHBOARD_SECRET_KEY=" + strings.Repeat("5a", 32),
		"SWITCHBOARD_ADMIN_TOKEN=" + admin, "SWITCHBOARD_STREAM_POLL=1h"}
	b := startService(t, fake.serviceEnv(t, shared...))
	a := startService(t, append([]string{"SWITCHBOARD_LISTEN=127.0.0.1:0", "SWITCHBOARD_LOG_FORMAT=json", "SWITCHBOARD_SCHEDULER=off",
		"SWITCHBOARD_TWITTER_API_URL=" + fake.URL}, shared...))
	apiB, apiA := "http://"+b.addr+"/api/v1", "http://"+a.addr+"/api/v1"

	var queue, ws, agent struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	apiCall(t, "POST", apiB+"/queues", admin, map[string]any{"name": "General"}, &queue)
	apiCall(t, "POST", apiB+"/workstreams", admin, map[string]any{"name": "Care", "default_queue_id": queue.ID}, &ws)
	fake.connectHandle(t, apiB, admin, ws.ID)
	apiCall(t, "POST", apiB+"/agents", admin, map[string]any{"name": "Ann", "queue_ids": []string{queue.ID}}, &agent)
	apiCall(t, "PUT", apiA+"/agents/"+agent.ID+"/presence", agent.Token, map[string]any{"presence": "available"}, nil)

	stream := openAgentStream(t, apiA+"/agents/"+agent.ID+"/notifications", agent.Token)
	inj, err := fake.InjectDM(t.Context(), twittertest.InboundDM{From: customer.ID, To: fake.business.ID, Text: "hello from carol"})
	if err != nil || len(inj.Deliveries) != 1 || !inj.Deliveries[0].OK() || !strings.HasPrefix(inj.Deliveries[0].URL, "http://"+b.addr) {
		t.Fatalf("the DM was not delivered to replica B: %+v, %v", inj, err)
	}
	if offer := stream.expect(t, "offer"); !strings.Contains(offer, `"screen_name":"carol"`) {
		t.Errorf("offer on replica A = %s", offer)
	}
}

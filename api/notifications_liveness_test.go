package api

import (
	"context"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// TestStreamRecordsLiveness checks that an agent's notification stream
// tells the scheduler the agent is there: while the stream was seen within
// the grace period the agent keeps its presence; once the stream has been
// gone longer, the scheduler sets the agent offline.
func TestStreamRecordsLiveness(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		var ada createdAgentResponse
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada"}).decode(t, &ada)
		h.call("PUT", "/api/v1/agents/"+ada.ID+"/presence", ada.Token, `{"presence":"available"}`)
		srv := newStreamServer(t, h)
		openStream(t, srv.URL+"/api/v1/agents/"+ada.ID+"/notifications", ada.Token, "") // returns once the stream has begun

		presence := func() engine.Presence {
			t.Helper()
			a, err := h.svc.Agent(ctx, engine.AgentID(ada.ID))
			if err != nil {
				t.Fatal(err)
			}
			return a.Presence
		}
		const grace = time.Minute
		if _, err := h.svc.ReleaseGoneAgents(ctx, time.Now(), 10, grace); err != nil {
			t.Fatal(err)
		}
		if p := presence(); p != engine.PresenceAvailable {
			t.Fatalf("with the stream just seen the agent is %s, want available", p)
		}
		if _, err := h.svc.ReleaseGoneAgents(ctx, time.Now().Add(time.Hour), 10, grace); err != nil {
			t.Fatal(err)
		}
		if p := presence(); p != engine.PresenceOffline {
			t.Fatalf("an hour after the stream was last seen the agent is %s, want offline", p)
		}
	})
}

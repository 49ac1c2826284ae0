package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

// Timing of the notification stream.
const (
	// defaultStreamPoll is how often a stream reads its agent's
	// notifications when nothing woke it: this replica's commits wake it at
	// once, and so do other replicas' where the database announces them
	// (PostgreSQL's LISTEN/NOTIFY); the poll catches what a lost
	// announcement missed.
	defaultStreamPoll = time.Second
	// defaultHeartbeat keeps proxies from closing an idle stream.
	defaultHeartbeat = 15 * time.Second
)

func (s *Server) notificationRoutes(g *gin.RouterGroup) {
	s.handle(g, route{Method: "GET", Path: "/agents/:id/notifications",
		Summary: "Server-sent events for an agent: offers with the customer's details, withdrawn offers, new messages, state changes. Reconnect with Last-Event-ID to get what was missed.",
		Tag:     "agents", Roles: []engine.Role{engine.RoleAgent}, Status: http.StatusOK, ContentType: "text/event-stream",
		Query: []queryParam{{"last_event_id", "resume after this event id (the Last-Event-ID header takes precedence)"}}}, s.streamNotifications)
}

// streamNotifications serves an agent's notifications as server-sent
// events: first what was stored after the client's last event id, then new
// ones as they are committed, with heartbeats in between.
func (s *Server) streamNotifications(c *gin.Context) {
	id, err := s.ownAgent(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	last, err := lastEventID(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	ctx := c.Request.Context()
	// Check access and the agent before the stream starts, so errors are JSON.
	if _, err := s.svc.Agent(ctx, id); err != nil {
		s.writeError(c, err)
		return
	}
	wake, unsubscribe := s.svc.Subscribe(id)
	defer unsubscribe()
	// The scheduler sets offline an agent whose stream stays gone past a
	// grace period: record that this one is alive, now and at each heartbeat.
	s.seeStream(c, id)

	w := c.Writer
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprintf(w, "retry: 2000\n\n")
	w.Flush()

	poll := time.NewTicker(s.streamPoll)
	defer poll.Stop()
	heartbeat := time.NewTicker(s.heartbeat)
	defer heartbeat.Stop()
	for {
		batch, err := s.svc.NotificationsAfter(ctx, actor(c), id, last, 200)
		if err != nil {
			s.log.WarnContext(ctx, "notification stream ends", "agent_id", id, "error", err)
			return
		}
		for _, n := range batch {
			if _, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", n.ID, n.Kind, n.Payload); err != nil {
				return
			}
			last = n.ID
		}
		if len(batch) > 0 {
			w.Flush()
		}
		if len(batch) == 200 {
			continue // more are waiting
		}
		select {
		case <-ctx.Done():
			return
		case <-s.draining:
			return
		case <-wake:
		case <-poll.C:
		case <-heartbeat.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil {
				return
			}
			w.Flush()
			s.seeStream(c, id)
		}
	}
}

// seeStream records that an agent's notification stream is connected; a
// failure is logged, and the stream goes on.
func (s *Server) seeStream(c *gin.Context, id engine.AgentID) {
	if err := s.svc.StreamSeen(c.Request.Context(), id); err != nil {
		s.log.WarnContext(c.Request.Context(), "recording the notification stream failed", "agent_id", id, "error", err)
	}
}

// lastEventID reads where a reconnecting client left off.
func lastEventID(c *gin.Context) (int64, error) {
	v := c.GetHeader("Last-Event-ID")
	field := "Last-Event-ID"
	if v == "" {
		v, field = c.Query("last_event_id"), "last_event_id"
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, engine.FieldError(field, "%q is not an event id this stream sent", v)
	}
	return n, nil
}

package api

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

// queueStatsListResponse is the live statistics of every queue at one
// moment.
type queueStatsListResponse struct {
	// At is when the statistics were taken (the engine's clock, RFC 3339):
	// every wait is measured to it.
	At string `json:"at"`
	// Items are all the queues, in name order (ignoring case); not paginated.
	Items []queueStatsResponse `json:"items"`
}

// queueStatsResponse is one queue's statistics.
type queueStatsResponse struct {
	QueueID string `json:"queue_id"`
	Name    string `json:"name"`
	// Conversations counts the queue's conversations that are not closed,
	// by status. A conversation counts in the queue it was last routed to,
	// also while an agent holds it.
	Conversations conversationCountsResponse `json:"conversations"`
	// LongestWaitSeconds is how long, in whole seconds, the conversation
	// that has waited longest for an agent (status open or offered) has
	// waited since it was last routed to the queue (a requeue or a transfer
	// routes it again); 0 when none waits.
	LongestWaitSeconds int64 `json:"longest_wait_seconds"`
	// LongestWaitSince is when that conversation was last routed to the
	// queue (RFC 3339); absent when none waits.
	LongestWaitSince *string `json:"longest_wait_since,omitempty"`
	// Agents are the queue's members, by name, each with its load.
	Agents []queueAgentResponse `json:"agents"`
	// AgentsAvailable counts the members whose presence is available: the
	// only ones offered work.
	AgentsAvailable int `json:"agents_available"`
}

// conversationCountsResponse counts conversations by status; each key is
// the status a conversation listing filters by (GET
// /conversations?queue_id=…&status=…).
type conversationCountsResponse struct {
	// Open: in the queue, unassigned, waiting to be offered (push mode) or
	// taken (pick mode).
	Open int `json:"open"`
	// Offered: offered to an agent, who has not accepted or rejected yet.
	Offered int `json:"offered"`
	// Active: an agent works it.
	Active int `json:"active"`
	// Waiting: asynchronous pause; the agent keeps it, no one is typing.
	Waiting int `json:"waiting"`
	// WrapUp: the agent finishes the paperwork.
	WrapUp int `json:"wrap_up"`
}

// queueAgentResponse is a member of a queue with the work it holds now.
type queueAgentResponse struct {
	AgentID string `json:"agent_id"`
	Name    string `json:"name"`
	// Presence is available, busy, away or offline.
	Presence string `json:"presence"`
	// Conversations counts those offered to the agent or held by it
	// (offered, active, waiting, wrap_up), in all its queues.
	Conversations int `json:"conversations"`
	// Used is the capacity those conversations take (each takes its work
	// stream's capacity); the agent is offered work while capacity − used
	// leaves room for it.
	Used int `json:"used"`
	// Capacity is the agent's total capacity.
	Capacity int `json:"capacity"`
}

func toQueueStatsListResponse(r engine.QueueStatsReport) queueStatsListResponse {
	out := queueStatsListResponse{At: timestamp(r.At), Items: make([]queueStatsResponse, 0, len(r.Queues))}
	for _, q := range r.Queues {
		c := q.Conversations
		item := queueStatsResponse{QueueID: string(q.QueueID), Name: q.Name,
			Conversations:      conversationCountsResponse{Open: c.Open, Offered: c.Offered, Active: c.Active, Waiting: c.Waiting, WrapUp: c.WrapUp},
			LongestWaitSeconds: int64(q.LongestWait / time.Second), Agents: make([]queueAgentResponse, 0, len(q.Members)), AgentsAvailable: q.AgentsAvailable}
		if q.OldestUnassignedAt != nil {
			since := timestamp(*q.OldestUnassignedAt)
			item.LongestWaitSince = &since
		}
		for _, m := range q.Members {
			item.Agents = append(item.Agents, queueAgentResponse{AgentID: string(m.AgentID), Name: m.Name, Presence: string(m.Presence),
				Conversations: m.Conversations, Used: m.Used, Capacity: m.Capacity})
		}
		out.Items = append(out.Items, item)
	}
	return out
}

func (s *Server) queueStats(c *gin.Context) (any, error) {
	r, err := s.svc.QueueStats(c.Request.Context())
	if err != nil {
		return nil, err
	}
	return toQueueStatsListResponse(r), nil
}

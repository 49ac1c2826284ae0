package engine

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
)

// ConversationCounts counts the conversations of a queue that are not
// closed, by status. A conversation counts in the queue it was last routed
// to (Conversation.QueueID), whoever holds it.
type ConversationCounts struct {
	Open    int // in the queue, unassigned: waiting to be offered (push) or taken (pick)
	Offered int // offered to an agent, who has not answered yet
	Active  int // an agent works it
	Waiting int // asynchronous pause: the agent keeps it, no one is typing
	WrapUp  int // the agent finishes the paperwork
}

// Add counts n conversations of status st; closed ones and unknown
// statuses are not counted.
func (c *ConversationCounts) Add(st Status, n int) {
	switch st {
	case StatusOpen:
		c.Open += n
	case StatusOffered:
		c.Offered += n
	case StatusActive:
		c.Active += n
	case StatusWaiting:
		c.Waiting += n
	case StatusWrapUp:
		c.WrapUp += n
	}
}

// MemberLoad is an agent of a queue with the work it holds now, in any of
// its queues.
type MemberLoad struct {
	AgentID  AgentID
	Name     string
	Presence Presence
	Capacity int
	// Conversations are those offered to the agent or held by it (offered,
	// active, waiting, wrap_up): the ones that take its capacity.
	Conversations int
	// Used is the capacity those conversations take (AgentLoad.Used): what
	// assignment compares with Capacity.
	Used int
}

// QueueLoad is what the store tells of a queue now.
type QueueLoad struct {
	QueueID       QueueID
	Name          string
	Conversations ConversationCounts
	// OldestUnassignedAt is when the conversation that has waited longest
	// for an agent (open or offered) was last routed to the queue; nil when
	// none waits.
	OldestUnassignedAt *time.Time
	Members            []MemberLoad // in no particular order
}

// QueueStatsStore reads the live state of every queue.
type QueueStatsStore interface {
	// QueueLoads returns every queue, in no particular order, with its
	// conversations counted by status, the routing time of its longest-
	// waiting unassigned conversation, and its members with their load.
	// The counts are made by the database, not by reading conversations.
	QueueLoads(ctx context.Context) ([]QueueLoad, error)
}

// QueueStats is the live picture of one queue.
type QueueStats struct {
	QueueLoad
	// LongestWait is how long the longest-waiting unassigned conversation
	// has waited since it was last routed to the queue (a requeue or a
	// transfer routes it again); zero when none waits.
	LongestWait time.Duration
	// AgentsAvailable counts the members whose presence is available: the
	// only ones offered work.
	AgentsAvailable int
}

// QueueStatsReport is every queue's live picture at one moment.
type QueueStatsReport struct {
	At     time.Time // the engine's clock when the report was made; waits are measured to it
	Queues []QueueStats
}

// QueueStats reports, for every queue in name order, its conversations by
// status, its longest wait and its members (by name) with their load.
func (s *Service) QueueStats(ctx context.Context) (QueueStatsReport, error) {
	now := s.clock.Now()
	loads, err := s.store.QueueLoads(ctx)
	if err != nil {
		return QueueStatsReport{}, err
	}
	out := QueueStatsReport{At: now, Queues: make([]QueueStats, 0, len(loads))}
	for _, l := range loads {
		st := QueueStats{QueueLoad: l}
		if l.OldestUnassignedAt != nil {
			st.LongestWait = max(0, now.Sub(*l.OldestUnassignedAt))
		}
		if st.Members == nil {
			st.Members = []MemberLoad{}
		}
		slices.SortFunc(st.Members, func(a, b MemberLoad) int {
			return cmp.Or(byName(a.Name, b.Name), cmp.Compare(a.AgentID, b.AgentID))
		})
		for _, m := range st.Members {
			if m.Presence == PresenceAvailable {
				st.AgentsAvailable++
			}
		}
		out.Queues = append(out.Queues, st)
	}
	slices.SortFunc(out.Queues, func(a, b QueueStats) int {
		return cmp.Or(byName(a.Name, b.Name), cmp.Compare(a.QueueID, b.QueueID))
	})
	return out, nil
}

// byName orders names ignoring case (queue names are unique regardless of
// case), then exactly, so the order is the same on every database.
func byName(a, b string) int {
	return cmp.Or(cmp.Compare(strings.ToLower(a), strings.ToLower(b)), cmp.Compare(a, b))
}

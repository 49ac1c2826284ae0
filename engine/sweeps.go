package engine

import (
	"context"
	"time"
)

// DueJob names the rows a scheduler job claims (see scheduler.go).
type DueJob string

// The jobs' due sets. Each is a state and a due column of a conversation,
// compared with a cutoff computed from the conversation's work stream.
const (
	// DueOfferTimeout: offered, with offered_at at or before the cutoff.
	DueOfferTimeout DueJob = "offer_timeout"
	// DueRequeue: open, with routed_at at or before the cutoff.
	DueRequeue DueJob = "requeue"
	// DueStall: active or waiting, its latest message the customer's, sent
	// at or before the cutoff, and not marked stalled since.
	DueStall DueJob = "stall"
	// DueStallRequeue: active or waiting, marked stalled at or before the
	// cutoff, and the customer's message still unanswered.
	DueStallRequeue DueJob = "stall_requeue"
	// DueAutoClose: not closed, its latest message at or before the cutoff.
	DueAutoClose DueJob = "auto_close"
	// DueAgentGone: offered to, or worked by, an agent who is offline
	// (the cutoff is not used).
	DueAgentGone DueJob = "agent_gone"
)

// DueClaim asks for one batch of a job's due conversations in one work
// stream.
type DueClaim struct {
	Job          DueJob
	WorkStreamID WorkStreamID
	// Before is the cutoff: rows whose due column is at or before it are due.
	Before time.Time
	// Now is the scheduler's time, written on the rows it claims.
	Now time.Time
	// Limit is the batch size.
	Limit int
	// KeepWaiting leaves, for DueAgentGone, the waiting conversations with
	// their agent (the work stream keeps the same agent).
	KeepWaiting bool
	// IDs, when set, restricts the claim to these conversations (still
	// only those due): the scheduler retries a failed batch row by row.
	IDs []ConversationID
}

// SweepStore claims the scheduler's work. A claim is one statement that
// selects due rows in due-time order, at most Limit, locks them (skipping
// rows another transaction holds, on PostgreSQL; SQLite has one writer)
// and marks them updated at Now, returning them. The rows stay locked until
// the transaction ends: the job acts on them and commits, after which they
// are no longer due, so two schedulers never act on one conversation for
// the same due time, and a batch whose transaction fails is claimable again
// at once, whole.
type SweepStore interface {
	// ClaimDue claims a batch of a job's due conversations.
	ClaimDue(ctx context.Context, c DueClaim) ([]Conversation, error)
	// ClaimGoneStreams sets offline, at most limit, the agents who are not
	// offline and whose notification stream was last seen before before,
	// clearing that time; it returns them as they are now.
	ClaimGoneStreams(ctx context.Context, before, now time.Time, limit int) ([]Agent, error)
	// SeeStream records that an agent's notification stream is connected.
	SeeStream(ctx context.Context, agent AgentID, at time.Time) error
	// LastInboundMessages returns the latest customer message (in the
	// channel's order) of each of the conversations that have one.
	LastInboundMessages(ctx context.Context, ids []ConversationID) (map[ConversationID]Message, error)
	// AppendRoutingDecisions records several routing decisions at once.
	AppendRoutingDecisions(ctx context.Context, ds []RoutingDecision) error
	// SaveConversations saves several changed conversations at once, as
	// UpdateConversation saves one.
	SaveConversations(ctx context.Context, cs []Conversation) error
}

package engine

import "context"

// Tx is every read and write the engine makes of its state. The same
// methods work inside a transaction and outside one.
type Tx interface {
	KeyStore
	AuditStore
	QueueStore
	CalendarStore
	WorkStreamStore
	AgentStore
	EndpointStore
	RuleStore
	ConversationStore
	OutboxStore // outbox_store.go
	SignOnStore // channel.go
	HealthStore // channel.go
	AssignmentStore
	NotificationStore
	SweepStore      // the scheduler's claims (sweeps.go)
	QueueStatsStore // queuestats.go
	BlockStore      // blocks.go
	CannedResponseStore
	AutomatedMessageStore // automated.go
	QueuePlaceStore       // queue_place.go
}

// Store is the engine's persistent state. InTx runs fn in one transaction:
// committed when fn returns nil, rolled back (nothing written) otherwise.
type Store interface {
	Tx
	InTx(ctx context.Context, fn func(tx Tx) error) error
}

// Each flow takes the stores it reads and writes, not all of Tx, so that
// its signature says what it touches; a Tx is each of them.
type (
	// routingTx is what deciding a conversation's queue reads and records.
	routingTx interface {
		ConversationStore
		QueueStore
		EndpointStore
		RuleStore
		calendarLister // rules read calendars by name
		QueuePlaceStore
	}
	// assignmentTx is what offering conversations to agents reads and
	// writes.
	assignmentTx interface {
		AgentStore
		AssignmentStore
		ConversationStore
		QueueStore
		CalendarStore
		WorkStreamStore
	}
	// ingestTx is what storing an arriving message, routing it and
	// offering it reads and writes.
	ingestTx interface {
		routingTx
		assignmentTx
		BlockStore
		automatedTx // automated.go
	}
	// workflowTx is what agents' actions (accept, reply, wait, transfer,
	// close) and the sweeps that act for them read and write.
	workflowTx interface {
		ingestTx
		OutboxStore
	}
)

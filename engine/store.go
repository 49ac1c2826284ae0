package engine

import "context"

// Tx is every read and write the engine makes of its state. The same
// methods work inside a transaction and outside one.
type Tx interface {
	KeyStore
	AuditStore
	QueueStore
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
	SweepStore // the scheduler's claims (sweeps.go)
}

// Store is the engine's persistent state. InTx runs fn in one transaction:
// committed when fn returns nil, rolled back (nothing written) otherwise.
type Store interface {
	Tx
	InTx(ctx context.Context, fn func(tx Tx) error) error
}

package engine

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/switchboardhq/switchboard/dsl"
)

// Service is the engine's entry point for everything that changes or reads
// Switchboard's resources. Every write validates its input, changes the store
// and records an audit entry in one transaction.
type Service struct {
	store   Store
	clock   Clock
	log     *slog.Logger
	senders map[Channel]Sender
	// endpointAudit names each channel's endpoints in the audit log.
	endpointAudit map[Channel]string
	channels      []Channel
	ruleSets      ruleSetCache // compiled rule sets (routingrules.go)
	broker        broker       // wakes agents' notification streams (notifications.go)
	// outboxWake tells this process's sender (RunOutbox) that a reply was
	// queued, so that it sends at once rather than at its next poll.
	outboxWake chan struct{}
	// eventNotes spaces out the writes of endpoints' newest events (channel.go).
	eventNotes endpointEventNotes
	onRouted   func(ctx context.Context, ec *dsl.Context, d RoutingDecision)
	groups     *groupCommitter // shares transactions between concurrent ingests (groupcommit.go)
}

// ServiceOptions are the dependencies and settings of a Service.
type ServiceOptions struct {
	// Clock tells the time; nil means the system clock.
	Clock Clock
	// Logger receives the engine's logs; nil discards them.
	Logger *slog.Logger
	// Channels are the channels work streams may serve, as their adapters
	// name them; the first is a new work stream's default.
	Channels []Channel
	// EndpointAuditNames are the audit log's names for the endpoints of
	// each channel (Twitter's adapter calls a handle "twitter_handle"), so
	// that what the engine does to an endpoint by itself (disconnecting
	// it) is listed with what the adapter records; "endpoint" otherwise.
	EndpointAuditNames map[Channel]string
	// Senders deliver the replies of each channel's conversations (the
	// outbound port, ports.go); the outbox holds a channel's replies while
	// it has none.
	Senders map[Channel]Sender
	// OnRouted, when set, is called with what the rules saw each time they
	// decide a conversation's queue (ingest, requeue), before the decision
	// is committed: for tracing routing. It must not keep ec.
	OnRouted func(ctx context.Context, ec *dsl.Context, d RoutingDecision)
	// GroupCommit says how concurrent ingests share transactions; the
	// zero value groups up to 64 messages, one group at a time.
	GroupCommit GroupCommit
	// OnGroupCommit, when set, is told about every group once it is
	// written: for metrics.
	OnGroupCommit func(GroupStats)
	// Observer, when set, is told each business event (a DM stored, a
	// routing decision, an offer's outcome, a reply's delivery, a requeue)
	// once its transaction has committed (observer.go): for metrics.
	Observer Observer
}

// NewService returns a Service over store.
func NewService(store Store, opts ServiceOptions) *Service {
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{channels: opts.Channels, store: observeStore(store, opts.Observer), clock: opts.Clock, log: opts.Logger, senders: opts.Senders, endpointAudit: opts.EndpointAuditNames,
		outboxWake: make(chan struct{}, 1), onRouted: opts.OnRouted}
	s.groups = newGroupCommitter(opts.GroupCommit, s.commitGroup, opts.OnGroupCommit)
	return s
}

// Actor is who asks for a change: the API key behind a request.
type Actor struct {
	KeyID   APIKeyID
	Name    string
	Role    Role
	AgentID AgentID
}

// ActorOf returns the actor an API key stands for.
func ActorOf(k APIKey) Actor {
	return Actor{KeyID: k.ID, Name: k.Name, Role: k.Role, AgentID: k.AgentID}
}

// write runs fn in a transaction and appends the audit entry fn describes.
func (s *Service) write(ctx context.Context, actor Actor, fn func(tx Tx) (AuditEntry, error)) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		return s.audited(ctx, tx, actor, func() (AuditEntry, error) { return fn(tx) })
	})
}

// audited runs fn inside tx and appends the audit entry it describes.
func (s *Service) audited(ctx context.Context, tx AuditStore, actor Actor, fn func() (AuditEntry, error)) error {
	entry, err := fn()
	if err != nil {
		return err
	}
	now := s.clock.Now()
	entry.ID = NewID(now)
	entry.At = now
	entry.ActorKeyID = actor.KeyID
	entry.ActorName = actor.Name
	if err := tx.AppendAudit(ctx, entry); err != nil {
		return fmt.Errorf("audit %s %s: %w", entry.Action, entry.Resource, err)
	}
	return nil
}

package engine

import (
	"context"
	"slices"
)

// batchTx is a batch's transaction with the lookups that a batch repeats
// for every conversation, and never changes, remembered: endpoints,
// sources and queues. It keeps a sweep to the statements each
// conversation needs of its own.
//
// It also reads the claimed conversations' latest customer messages in one
// query, and, when rememberFull is set, remembers which queues have no agent
// with room for a conversation of the work stream. That holds only for a
// batch that frees no capacity (the requeue of open conversations): its
// offers only take capacity, and the agents' rows stay locked from the
// first look, so such a queue stays full until the batch commits.
//
// Routing decisions are written together when the batch ends (or before
// anyone reads a routing history), and the current rule-set version is read
// once per batch.
type batchTx struct {
	rememberingTx
	rules     *batchRules
	decisions []RoutingDecision
	// saved and pending keep the conversations saved in a requeue batch
	// (nil otherwise) until the batch ends or something reads
	// conversations or agents' loads: saved maps an id to its place in
	// pending.
	saved    map[ConversationID]int
	pending  []Conversation
	capacity int // the capacity a conversation of the batch's work stream takes
	full     map[QueueID]bool
	last     map[ConversationID]Message
}

func (s *Service) newBatchTx(ctx context.Context, tx Tx, ws WorkStream, due []Conversation, rememberFull bool) (*batchTx, error) {
	ids := make([]ConversationID, 0, len(due))
	for _, c := range due {
		ids = append(ids, c.ID)
	}
	last, err := tx.LastInboundMessages(ctx, ids)
	if err != nil {
		return nil, err
	}
	b := &batchTx{rememberingTx: newRememberingTx(tx), rules: &batchRules{RuleStore: s.store, latest: map[WorkStreamID]int{}}, capacity: ws.Capacity, last: last}
	if rememberFull {
		b.full = map[QueueID]bool{}
		b.saved = map[ConversationID]int{}
	}
	return b, nil
}

// CandidateAgents returns the available agents of a queue, or none once
// none of them had room for a conversation of the work stream.
func (t *batchTx) CandidateAgents(ctx context.Context, queue QueueID) ([]AgentLoad, error) {
	if t.full[queue] {
		return nil, nil
	}
	if err := t.flush(ctx); err != nil { // loads count the conversations kept
		return nil, err
	}
	agents, err := t.Tx.CandidateAgents(ctx, queue)
	if err != nil {
		return nil, err
	}
	if t.full != nil && !slices.ContainsFunc(agents, func(a AgentLoad) bool { return a.Free() >= t.capacity }) {
		t.full[queue] = true
	}
	return agents, nil
}

// lastInbound returns a conversation's latest customer message (the zero
// Message when it has none).
func lastInbound(ctx context.Context, tx ConversationStore, id ConversationID) (Message, error) {
	if b, ok := tx.(*batchTx); ok {
		return b.last[id], nil
	}
	msgs, err := tx.Messages(ctx, id)
	if err != nil {
		return Message{}, err
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Direction == Inbound {
			return msgs[i], nil
		}
	}
	return Message{}, nil
}

// remembered returns m[k], looking it up with get the first time.
func remembered[K comparable, V any](ctx context.Context, m map[K]V, k K, get func(context.Context, K) (V, error)) (V, error) {
	if v, ok := m[k]; ok {
		return v, nil
	}
	v, err := get(ctx, k)
	if err == nil {
		m[k] = v
	}
	return v, err
}

// rememberingTx is a transaction that reads each endpoint, work stream,
// source and queue once: for a batch of work that never changes them (a
// scheduler batch, an ingest group), whose items would otherwise read them
// again each.
type rememberingTx struct {
	Tx
	endpoints   map[EndpointID]Endpoint
	workStreams map[WorkStreamID]WorkStream
	sources     map[SourceID]Source
	queues      map[QueueID]Queue
	calendars   *[]Calendar // *calendars is nil until read
}

func newRememberingTx(tx Tx) rememberingTx {
	return rememberingTx{Tx: tx, endpoints: map[EndpointID]Endpoint{}, workStreams: map[WorkStreamID]WorkStream{},
		sources: map[SourceID]Source{}, queues: map[QueueID]Queue{}, calendars: new([]Calendar)}
}

// ListCalendars lists the calendars, read once: rules of every item of the
// batch read them.
func (t rememberingTx) ListCalendars(ctx context.Context) ([]Calendar, error) {
	if *t.calendars == nil {
		list, err := t.Tx.ListCalendars(ctx)
		if err != nil {
			return nil, err
		}
		*t.calendars = append([]Calendar{}, list...)
	}
	return *t.calendars, nil
}

// Endpoint returns an endpoint, read once.
func (t rememberingTx) Endpoint(ctx context.Context, id EndpointID) (Endpoint, error) {
	return remembered(ctx, t.endpoints, id, t.Tx.Endpoint)
}

// WorkStream returns a work stream, read once.
func (t rememberingTx) WorkStream(ctx context.Context, id WorkStreamID) (WorkStream, error) {
	return remembered(ctx, t.workStreams, id, t.Tx.WorkStream)
}

// Source returns a source, read once.
func (t rememberingTx) Source(ctx context.Context, id SourceID) (Source, error) {
	return remembered(ctx, t.sources, id, t.Tx.Source)
}

// Queue returns a queue, read once.
func (t rememberingTx) Queue(ctx context.Context, id QueueID) (Queue, error) {
	return remembered(ctx, t.queues, id, t.Tx.Queue)
}

// AppendRoutingDecision keeps a decision to be written with the batch's.
func (t *batchTx) AppendRoutingDecision(ctx context.Context, d RoutingDecision) error {
	t.decisions = append(t.decisions, d)
	return nil
}

// RoutingHistory writes the batch's decisions, then reads the history.
func (t *batchTx) RoutingHistory(ctx context.Context, id ConversationID) ([]RoutingDecision, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.Tx.RoutingHistory(ctx, id)
}

// flush writes the conversations and decisions kept so far.
func (t *batchTx) flush(ctx context.Context) error {
	if len(t.pending) > 0 {
		err := t.Tx.SaveConversations(ctx, t.pending)
		t.pending = t.pending[:0]
		clear(t.saved)
		if err != nil {
			return err
		}
	}
	if len(t.decisions) == 0 {
		return nil
	}
	err := t.Tx.AppendRoutingDecisions(ctx, t.decisions)
	t.decisions = t.decisions[:0]
	return err
}

// UpdateConversation keeps, in a requeue batch, the conversation to be
// saved with the batch's.
func (t *batchTx) UpdateConversation(ctx context.Context, c Conversation) error {
	if t.saved == nil {
		return t.Tx.UpdateConversation(ctx, c)
	}
	if i, ok := t.saved[c.ID]; ok {
		t.pending[i] = c
		return nil
	}
	t.saved[c.ID] = len(t.pending)
	t.pending = append(t.pending, c)
	return nil
}

// AgentLoad saves what the batch kept (loads count conversations), then
// reads.
func (t *batchTx) AgentLoad(ctx context.Context, id AgentID) (AgentLoad, error) {
	if err := t.flush(ctx); err != nil {
		return AgentLoad{}, err
	}
	return t.Tx.AgentLoad(ctx, id)
}

// Conversation saves what the batch kept, then reads.
func (t *batchTx) Conversation(ctx context.Context, id ConversationID) (Conversation, error) {
	if err := t.flush(ctx); err != nil {
		return Conversation{}, err
	}
	return t.Tx.Conversation(ctx, id)
}

// LockConversation saves what the batch kept, then reads.
func (t *batchTx) LockConversation(ctx context.Context, id ConversationID) (Conversation, error) {
	if err := t.flush(ctx); err != nil {
		return Conversation{}, err
	}
	return t.Tx.LockConversation(ctx, id)
}

// WaitingConversations saves what the batch kept, then reads.
func (t *batchTx) WaitingConversations(ctx context.Context, queues []QueueID, limit int) ([]Conversation, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.Tx.WaitingConversations(ctx, queues, limit)
}

// batchRules reads each work stream's latest rule-set version once per
// batch, from the store as routing always does.
type batchRules struct {
	RuleStore
	latest map[WorkStreamID]int
}

// LatestRuleSetVersion returns the version read at the batch's first look.
func (r *batchRules) LatestRuleSetVersion(ctx context.Context, ws WorkStreamID) (int, error) {
	return remembered(ctx, r.latest, ws, r.RuleStore.LatestRuleSetVersion)
}

// ruleStoreFor is where routing in tx reads rule-set versions: the store,
// or, in a scheduler batch or an ingest group, its once-per-batch view of it.
func (s *Service) ruleStoreFor(tx RuleStore) RuleStore {
	switch b := tx.(type) {
	case *batchTx:
		return b.rules
	case *groupTx:
		return b.rules
	}
	return s.store
}

package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// The scheduler's jobs keep asynchronous work moving. Each is a method of
// Service that takes the time from its caller's clock and a batch size, and
// works per work stream (whose timers decide what is due): it claims a
// batch of due rows (SweepStore.ClaimDue: one statement, FOR UPDATE SKIP
// LOCKED on PostgreSQL), acts on them with the same functions the agents'
// workflow uses, and commits the batch with its notifications, then claims
// the next until a batch comes back short. Two schedulers on one database
// therefore never act on one conversation for the same due time; a process
// that dies mid-run leaves its uncommitted batch, and everything after it,
// to the next run; and a batch that fails is retried row by row, so that a
// conversation the job cannot handle holds up no other. cmd/switchboard
// calls the jobs on cron schedules.
//
// Benchmark: BenchmarkRequeueSweep (scheduler_bench_test.go), PostgreSQL
// 15 on the 2-core development machine, quiet (load average about 2),
// 100,000 conversations of which 1,000 are due, batches of 100; runs of
// -benchtime 5x, time per operation:
//
//	SWITCHBOARD_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	  go test ./engine -run '^$' -bench RequeueSweep -benchtime 5x -v
//
//	find_due   (the due selection, 1,000 rows)     0.53–0.66 ms  Index Only Scan using conversations_requeue_due_idx
//	full_scan  (the same rows, index scans off)    18 ms         Parallel Seq Scan on conversations, then Sort
//	bare_sql   (claim + mark in 10 statements)     45–56 ms (median 55)
//	sweep      (RequeueWaiting: claim, rules,      142–170 ms (median 150)
//	            decision, offer, save)
//
// Ratios: finding the due rows costs 1/28 to 1/34 of the table scan (target
// met: an index range scan in due order, no sort); the whole sweep takes
// 0.15 s (target under 1 s: met); the sweep is 2.7x the bare SQL of the
// same run by the medians, 2.6x to 3.8x run by run (target within 3x: met by
// the median, not by every run). Per batch the sweep issues about nine
// statements (claim, latest customer messages, rule-set version, handle,
// application and queue, one candidate-agents look per queue, the
// conversations saved in one upsert, the decisions in one INSERT), the two
// large ones written as plain multi-row SQL on the transaction's
// connection; the rest is rule evaluation. Before the batching in batchTx it
// took about 1 s, 12x the bare SQL; before gorm stopped formatting every
// statement for its logger and the batch writes bypassed its struct
// machinery, 4.3x.

// SweepStats says what one run of a job did.
type SweepStats struct {
	// Examined counts the rows the job claimed as due.
	Examined int
	// Changed counts the rows it changed.
	Changed int
}

func (a *SweepStats) add(b SweepStats) {
	a.Examined += b.Examined
	a.Changed += b.Changed
}

// maxBatchesPerRun bounds a run, so that a bug that leaves rows due cannot
// keep it going forever; the next run carries on.
const maxBatchesPerRun = 10_000

// sweepActor is who the audit log names for the scheduler's changes.
const sweepActor = "scheduler"

// actFunc is what a job does with one claimed conversation, inside the batch's
// transaction; it saves the conversation itself and reports whether it
// changed anything.
type actFunc func(ctx context.Context, tx Tx, fx *effects, ws WorkStream, c *Conversation, now time.Time) (bool, error)

// sweep runs one job over every work stream: claim gives a work stream's
// claim (ok false skips the work stream), act handles each conversation.
//
// A batch whose transaction fails (a conversation the job cannot handle)
// is rolled back and retried one conversation per transaction, so that one
// bad row holds up no other; the conversations that still fail stay due,
// are logged, and make the run return an error after it has done the rest.
func (s *Service) sweep(ctx context.Context, job DueJob, now time.Time, batch int, claim func(WorkStream) (DueClaim, bool), act actFunc) (SweepStats, error) {
	var stats SweepStats
	if batch <= 0 {
		batch = 100
	}
	streams, err := s.allWorkStreams(ctx)
	if err != nil {
		return stats, fmt.Errorf("%s sweep: %w", job, err)
	}
	var failed int
	var firstErr error
	for _, ws := range streams {
		c, ok := claim(ws)
		if !ok {
			continue
		}
		c.Job, c.WorkStreamID, c.Now, c.Limit = job, ws.ID, now, batch
		for range maxBatchesPerRun {
			got, claimed, err := s.sweepBatch(ctx, c, ws, act)
			if err != nil && len(claimed) == 0 {
				return stats, fmt.Errorf("%s sweep of work stream %s: %w", job, ws.ID, err)
			}
			if err != nil {
				s.log.WarnContext(ctx, "a scheduler batch failed; retrying its conversations one by one", "job", job, "work_stream_id", ws.ID, "error", err)
				got = SweepStats{Examined: len(claimed)}
				for _, id := range claimed {
					one := c
					one.IDs, one.Limit = []ConversationID{id}, 1
					g, _, err := s.sweepBatch(ctx, one, ws, act)
					if ctx.Err() != nil {
						return stats, fmt.Errorf("%s sweep of work stream %s: %w", job, ws.ID, ctx.Err())
					}
					if err != nil {
						failed++
						firstErr = cmp.Or(firstErr, err)
						s.log.ErrorContext(ctx, "the scheduler cannot handle a conversation; it stays due", "job", job, "conversation_id", id, "error", err)
						continue
					}
					got.Changed += g.Changed
				}
				if got.Changed == 0 { // nothing but failures: leave them to the next run
					stats.add(got)
					break
				}
			}
			stats.add(got)
			if got.Examined < batch {
				break
			}
		}
	}
	if failed > 0 {
		return stats, fmt.Errorf("%s sweep: %d conversations failed and stay due; the first: %w", job, failed, firstErr)
	}
	return stats, nil
}

// sweepBatch claims one batch and acts on it in one transaction. It returns
// the ids it claimed, also when the transaction failed after the claim.
func (s *Service) sweepBatch(ctx context.Context, c DueClaim, ws WorkStream, act actFunc) (SweepStats, []ConversationID, error) {
	var got SweepStats
	var claimed []ConversationID
	err := s.change(ctx, func(inner Tx, fx *effects) error {
		got, claimed = SweepStats{}, nil
		due, err := inner.ClaimDue(ctx, c)
		if err != nil {
			return err
		}
		got.Examined = len(due)
		for _, d := range due {
			claimed = append(claimed, d.ID)
		}
		tx, err := s.newBatchTx(ctx, inner, ws, due, c.Job == DueRequeue)
		if err != nil {
			return err
		}
		for i := range due {
			changed, err := act(ctx, tx, fx, ws, &due[i], c.Now)
			if err != nil {
				return fmt.Errorf("conversation %s: %w", due[i].ID, err)
			}
			if changed {
				got.Changed++
			}
		}
		return tx.flush(ctx)
	})
	return got, claimed, err
}

// allWorkStreams lists every work stream.
func (s *Service) allWorkStreams(ctx context.Context) ([]WorkStream, error) {
	var out []WorkStream
	p := Page{Limit: MaxPageLimit}
	for {
		l, err := s.store.ListWorkStreams(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("list work streams: %w", err)
		}
		out = append(out, l.Items...)
		if l.Next == "" {
			return out, nil
		}
		p.After = l.Next
	}
}

// TimeOutOffers ends the offers not accepted within their work stream's
// offer timeout: the offer times out, the agent's capacity is released and
// the agent told (offer_withdrawn), and the conversation is offered to the
// next agent of its queue who has room and has not declined it or let it
// time out since it was routed; when there is none it waits in the queue.
func (s *Service) TimeOutOffers(ctx context.Context, now time.Time, batch int) (SweepStats, error) {
	return s.sweep(ctx, DueOfferTimeout, now, batch, func(ws WorkStream) (DueClaim, bool) {
		return DueClaim{Before: now.Add(-ws.OfferTimeout)}, ws.OfferTimeout > 0
	}, func(ctx context.Context, tx Tx, fx *effects, ws WorkStream, c *Conversation, now time.Time) (bool, error) {
		agent := c.OfferedAgentID
		if err := s.endOffer(ctx, tx, c, OfferTimedOut, now); err != nil {
			return false, err
		}
		if agent != "" {
			notice := StatusNotice{ConversationID: string(c.ID), Status: string(c.Status), Reason: "timed out: not accepted within " + ws.OfferTimeout.String()}
			if err := fx.notify(agent, NoticeOfferWithdrawn, notice, now); err != nil {
				return false, err
			}
		}
		if _, err := s.offer(ctx, tx, fx, c, ws, nil, now); err != nil {
			return false, err
		}
		return true, s.save(ctx, tx, c, now)
	})
}

// RequeueWaiting re-evaluates the conversations open in a queue for longer
// than their work stream's requeue_after since they were last routed: the
// requeue count goes up, the current rule set decides the queue with the
// new waiting time and count (so a rule can escalate), the decision is
// recorded with reason requeue, and the conversation is offered afresh. It
// repeats every requeue_after until someone takes the conversation.
func (s *Service) RequeueWaiting(ctx context.Context, now time.Time, batch int) (SweepStats, error) {
	return s.sweep(ctx, DueRequeue, now, batch, func(ws WorkStream) (DueClaim, bool) {
		return DueClaim{Before: now.Add(-ws.RequeueAfter)}, ws.RequeueAfter > 0
	}, func(ctx context.Context, tx Tx, fx *effects, ws WorkStream, c *Conversation, now time.Time) (bool, error) {
		return true, s.requeue(ctx, tx, fx, ws, c, "", now)
	})
}

// MarkStalled marks the active and waiting conversations whose latest
// message is the customer's and older than their work stream's stall_after:
// stalled_at is set and the agent told. Past a second interval, requeueAfter
// after being marked (zero: the work stream's requeue_after), a stalled
// conversation still unanswered is taken from its agent and requeued by the
// same re-evaluation as RequeueWaiting.
func (s *Service) MarkStalled(ctx context.Context, now time.Time, batch int, requeueAfter time.Duration) (SweepStats, error) {
	marked, err := s.sweep(ctx, DueStall, now, batch, func(ws WorkStream) (DueClaim, bool) {
		return DueClaim{Before: now.Add(-ws.StallAfter)}, ws.StallAfter > 0
	}, func(ctx context.Context, tx Tx, fx *effects, ws WorkStream, c *Conversation, now time.Time) (bool, error) {
		c.StalledAt = &now
		if c.AgentID != "" {
			notice := StatusNotice{ConversationID: string(c.ID), Status: string(c.Status),
				Reason: "stalled: the customer's message has waited more than " + ws.StallAfter.String() + " for an answer"}
			if err := fx.notify(c.AgentID, NoticeStatus, notice, now); err != nil {
				return false, err
			}
		}
		return true, s.save(ctx, tx, c, now)
	})
	if err != nil {
		return marked, err
	}
	requeued, err := s.sweep(ctx, DueStallRequeue, now, batch, func(ws WorkStream) (DueClaim, bool) {
		after := requeueAfter
		if after <= 0 {
			after = ws.RequeueAfter
		}
		return DueClaim{Before: now.Add(-after)}, after > 0
	}, func(ctx context.Context, tx Tx, fx *effects, ws WorkStream, c *Conversation, now time.Time) (bool, error) {
		return true, s.requeue(ctx, tx, fx, ws, c, "requeued: the customer's message stayed unanswered", now)
	})
	marked.add(requeued)
	return marked, err
}

// ReleaseGoneAgents takes work from agents who are gone. An agent whose
// notification stream was last seen more than grace ago (and who is not
// offline) is set offline first; then every offline agent loses its
// pending offers (withdrawn; the conversation goes to the next agent) and
// its active conversations, which are requeued by the same re-evaluation
// as RequeueWaiting. Waiting conversations stay with their agent when the
// work stream keeps the same agent (the customer's next message requeues
// them if the agent is still away); otherwise they are requeued too.
func (s *Service) ReleaseGoneAgents(ctx context.Context, now time.Time, batch int, grace time.Duration) (SweepStats, error) {
	var stats SweepStats
	if batch <= 0 {
		batch = 100
	}
	if grace > 0 {
		for range maxBatchesPerRun {
			var n int
			err := s.store.InTx(ctx, func(tx Tx) error {
				gone, err := tx.ClaimGoneStreams(ctx, now.Add(-grace), now, batch)
				if err != nil {
					return err
				}
				n = len(gone)
				for _, a := range gone {
					entry := AuditEntry{ID: NewID(now), At: now, ActorName: sweepActor, Action: "presence", Resource: "agent", ResourceID: string(a.ID),
						Summary: fmt.Sprintf("agent %q went offline: its notification stream was gone for more than %s", a.Name, grace)}
					if err := tx.AppendAudit(ctx, entry); err != nil {
						return fmt.Errorf("audit agent %s going offline: %w", a.ID, err)
					}
				}
				return nil
			})
			if err != nil {
				return stats, fmt.Errorf("%s sweep: agents whose stream is gone: %w", DueAgentGone, err)
			}
			stats.Examined += n
			stats.Changed += n
			if n < batch {
				break
			}
		}
	}
	released, err := s.sweep(ctx, DueAgentGone, now, batch, func(ws WorkStream) (DueClaim, bool) {
		return DueClaim{KeepWaiting: ws.KeepSameAgent}, true
	}, func(ctx context.Context, tx Tx, fx *effects, ws WorkStream, c *Conversation, now time.Time) (bool, error) {
		if c.Status == StatusOffered {
			if err := s.withdraw(ctx, tx, fx, c, now); err != nil {
				return false, err
			}
			if _, err := s.offer(ctx, tx, fx, c, ws, nil, now); err != nil {
				return false, err
			}
			return true, s.save(ctx, tx, c, now)
		}
		return true, s.requeue(ctx, tx, fx, ws, c, "requeued: you went offline", now)
	})
	stats.add(released)
	return stats, err
}

// AutoClose closes the conversations in which no message was written for
// their work stream's auto_close_after, with reason inactivity; a pending
// offer is withdrawn, the agent told, and the capacity freed. A later DM of
// the customer starts a returning conversation.
func (s *Service) AutoClose(ctx context.Context, now time.Time, batch int) (SweepStats, error) {
	return s.sweep(ctx, DueAutoClose, now, batch, func(ws WorkStream) (DueClaim, bool) {
		return DueClaim{Before: now.Add(-ws.AutoCloseAfter)}, ws.AutoCloseAfter > 0
	}, func(ctx context.Context, tx Tx, fx *effects, ws WorkStream, c *Conversation, now time.Time) (bool, error) {
		// Closing frees capacity, which may offer a conversation of this
		// very batch (ours to change, so not skipped): act on the row as
		// it is now.
		fresh, err := tx.Conversation(ctx, c.ID)
		if err != nil {
			return false, err
		}
		if *c = fresh; c.Status == StatusClosed {
			return false, nil
		}
		agent := c.AgentID
		if err := s.closeConversation(ctx, tx, fx, c, CloseInactivity, now); err != nil {
			return false, err
		}
		if agent != "" {
			notice := StatusNotice{ConversationID: string(c.ID), Status: string(StatusClosed),
				Reason: "closed: no message for " + ws.AutoCloseAfter.String()}
			if err := fx.notify(agent, NoticeStatus, notice, now); err != nil {
				return false, err
			}
		}
		return true, s.save(ctx, tx, c, now)
	})
}

// CloseInactivity is the close reason of conversations the scheduler
// closed because nobody wrote.
const CloseInactivity = "inactivity"

// StreamSeen records that an agent's notification stream is connected now.
// The stream calls it when it opens and at each heartbeat; the scheduler
// sets offline the agents whose stream has been gone longer than a grace
// period (ReleaseGoneAgents).
func (s *Service) StreamSeen(ctx context.Context, agent AgentID) error {
	return s.store.SeeStream(ctx, agent, s.clock.Now())
}

// save writes a conversation the scheduler changed.
func (s *Service) save(ctx context.Context, tx Tx, c *Conversation, now time.Time) error {
	c.UpdatedAt = now
	return tx.UpdateConversation(ctx, *c)
}

// requeue takes c from whoever holds it (telling them why, when reason is
// set), counts a requeue, re-evaluates the work stream's current rules for
// it, records the decision with reason requeue, offers it afresh and saves
// it.
func (s *Service) requeue(ctx context.Context, tx Tx, fx *effects, ws WorkStream, c *Conversation, reason string, now time.Time) error {
	if c.Status == StatusOffered {
		if err := s.withdraw(ctx, tx, fx, c, now); err != nil {
			return err
		}
	}
	if previous := c.AgentID; previous != "" && reason != "" {
		notice := StatusNotice{ConversationID: string(c.ID), Status: string(StatusOpen), Reason: reason}
		if err := fx.notify(previous, NoticeStatus, notice, now); err != nil {
			return err
		}
	}
	c.Status, c.AgentID, c.OfferedAgentID, c.OfferedAt, c.CapacityUnits, c.StalledAt = StatusOpen, "", "", nil, 0, nil
	c.RequeueCount++
	d, err := s.reevaluate(ctx, tx, ws, c, now)
	if err != nil {
		return err
	}
	if _, err := s.offer(ctx, tx, fx, c, ws, &d, now); err != nil {
		return err
	}
	return s.save(ctx, tx, c, now)
}

// reevaluate routes c again by the work stream's current rule set, as
// ingest routed it, with the customer's latest message, and records the
// decision with reason requeue.
func (s *Service) reevaluate(ctx context.Context, tx Tx, ws WorkStream, c *Conversation, now time.Time) (RoutingDecision, error) {
	ep, err := tx.Endpoint(ctx, c.EndpointID)
	if err != nil {
		return RoutingDecision{}, err
	}
	contact, err := contactOf(ctx, tx, *c)
	if err != nil {
		return RoutingDecision{}, err
	}
	last, err := lastInbound(ctx, tx, c.ID)
	if err != nil {
		return RoutingDecision{}, err
	}
	return s.route(ctx, tx, ws, ep, c, contact, last, now, ReasonRequeue)
}

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
	Tx
	rules     *batchRules
	decisions []RoutingDecision
	// saved and pending keep the conversations saved in a requeue batch
	// (nil otherwise) until the batch ends or something reads
	// conversations or agents' loads: saved maps an id to its place in
	// pending.
	saved     map[ConversationID]int
	pending   []Conversation
	capacity  int // the capacity a conversation of the batch's work stream takes
	endpoints map[EndpointID]Endpoint
	sources   map[SourceID]Source
	queues    map[QueueID]Queue
	full      map[QueueID]bool
	last      map[ConversationID]Message
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
	b := &batchTx{Tx: tx, rules: &batchRules{RuleStore: s.store, latest: map[WorkStreamID]int{}}, capacity: ws.Capacity, endpoints: map[EndpointID]Endpoint{}, sources: map[SourceID]Source{},
		queues: map[QueueID]Queue{}, last: last}
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
func lastInbound(ctx context.Context, tx Tx, id ConversationID) (Message, error) {
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

// Endpoint returns an endpoint, read once per batch.
func (t *batchTx) Endpoint(ctx context.Context, id EndpointID) (Endpoint, error) {
	return remembered(ctx, t.endpoints, id, t.Tx.Endpoint)
}

// Source returns a source, read once per batch.
func (t *batchTx) Source(ctx context.Context, id SourceID) (Source, error) {
	return remembered(ctx, t.sources, id, t.Tx.Source)
}

// Queue returns a queue, read once per batch.
func (t *batchTx) Queue(ctx context.Context, id QueueID) (Queue, error) {
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
// or, in a scheduler batch, the batch's once-per-batch view of it.
func (s *Service) ruleStoreFor(tx Tx) RuleStore {
	if b, ok := tx.(*batchTx); ok {
		return b.rules
	}
	return s.store
}

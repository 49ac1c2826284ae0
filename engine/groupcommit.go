package engine

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// GroupCommit says how concurrent ingests share transactions. Messages
// that arrive while a group is committing wait, and the next group writes
// them together in one transaction: one commit, one WAL flush (one fsync
// on SQLite) for all of them. A message that fails on its own is retried
// in a transaction of its own and answered on its own; its group-mates are
// written without it.
type GroupCommit struct {
	// MaxBatch bounds the messages one transaction holds; 1 gives every
	// message its own transaction, as without group commit. 0 means 64.
	MaxBatch int
	// Groups is how many groups may commit at once; 0 means 1. More than
	// one lets groups run side by side on a database that takes
	// concurrent writers (PostgreSQL), at the price of lock waits
	// between them; SQLite's single writer takes one at a time anyway.
	Groups int
	// MaxWait is how long a group that is not full waits for more
	// messages, and only while another group is committing (as
	// PostgreSQL's commit_delay waits only with commit_siblings): a lone
	// delivery never waits. 0 means no wait.
	MaxWait time.Duration
}

func (g GroupCommit) withDefaults() GroupCommit {
	if g.MaxBatch <= 0 {
		g.MaxBatch = 64
	}
	if g.Groups <= 0 {
		g.Groups = 1
	}
	if g.MaxWait < 0 {
		g.MaxWait = 0
	}
	return g
}

// GroupStats tells what group commit did, for metrics.
type GroupStats struct {
	Messages int // messages the group held when it committed
	Retried  int // messages that failed in the group and were retried alone
}

// ingestCall is one caller's messages, in order. Its messages are never
// in two groups at once, so a delivery's DMs are stored in their order.
type ingestCall struct {
	ctx     context.Context
	msgs    []InboundMessage
	next    int  // the first message not yet taken by a group
	pending int  // messages taken or not yet taken whose outcome is unknown
	busy    bool // a group holds some of its messages
	out     []ingestOutcome
	done    chan struct{}
}

type ingestOutcome struct {
	res IngestResult
	err error
}

// groupItem is one message of a group.
type groupItem struct {
	call *ingestCall
	i    int
}

func (it groupItem) msg() InboundMessage { return it.call.msgs[it.i] }

// groupCommitter queues ingest calls and commits them in groups. It runs
// no goroutine of its own while idle: a caller that finds fewer groups in
// flight than allowed commits one itself, and one that leaves work queued
// behind it starts a goroutine to carry on.
type groupCommitter struct {
	cfg     GroupCommit
	commit  func(ctx context.Context, items []groupItem) (outs []ingestOutcome, retried int)
	observe func(GroupStats)

	mu         sync.Mutex
	queue      []*ingestCall
	queued     int // messages in the queue not yet taken
	running    int // groups being taken or committed
	committing int // groups being committed
	// customers counts the messages of each endpoint's customer in the
	// groups being committed: a customer's next message waits for the
	// group that holds one, so that two groups never lock one
	// conversation, nor write a customer's messages out of order.
	customers map[customerKey]int
	arrived   chan struct{}
}

func newGroupCommitter(cfg GroupCommit, commit func(context.Context, []groupItem) ([]ingestOutcome, int), observe func(GroupStats)) *groupCommitter {
	if observe == nil {
		observe = func(GroupStats) {}
	}
	return &groupCommitter{cfg: cfg.withDefaults(), commit: commit, observe: observe, arrived: make(chan struct{}, 1), customers: map[customerKey]int{}}
}

type customerKey struct {
	endpoint EndpointID
	customer string
}

func customerOf(m InboundMessage) customerKey {
	return customerKey{m.EndpointID, m.Customer.ExternalID}
}

func (it groupItem) customer() customerKey { return customerOf(it.msg()) }

// ingest commits msgs, in order, and returns each one's outcome once the
// transaction holding it has committed (or it failed).
func (g *groupCommitter) ingest(ctx context.Context, msgs []InboundMessage) []ingestOutcome {
	c := &ingestCall{ctx: ctx, msgs: msgs, pending: len(msgs), out: make([]ingestOutcome, len(msgs)), done: make(chan struct{})}
	if len(msgs) == 0 {
		return nil
	}
	g.mu.Lock()
	g.queue = append(g.queue, c)
	g.queued += len(msgs)
	lead := g.running < g.cfg.Groups
	if lead {
		g.running++
	}
	g.mu.Unlock()
	select {
	case g.arrived <- struct{}{}:
	default:
	}
	if lead {
		// The group runs to its end even if this caller gives up: other
		// callers' messages are in it.
		g.lead(context.WithoutCancel(ctx))
	}
	<-c.done
	return c.out
}

// lead takes one group and commits it; if work is left queued, a
// goroutine carries on so that this caller can answer.
func (g *groupCommitter) lead(ctx context.Context) {
	items := g.take()
	if items == nil {
		return
	}
	outs, retried := g.commit(ctx, items)
	g.observe(GroupStats{Messages: len(items), Retried: retried})
	g.mu.Lock()
	g.committing--
	for _, it := range items {
		if k := it.customer(); g.customers[k] <= 1 {
			delete(g.customers, k)
		} else {
			g.customers[k]--
		}
	}
	for k, it := range items {
		c := it.call
		c.out[it.i] = outs[k]
		c.pending--
		c.busy = false
		if c.pending == 0 {
			close(c.done)
		}
	}
	again := g.queued > 0
	if !again {
		g.running--
	}
	g.mu.Unlock()
	if again {
		go g.lead(ctx)
	}
}

// take removes the next group from the queue, or returns nil (and gives up
// its place among the running groups) when nothing can be taken.
func (g *groupCommitter) take() []groupItem {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cfg.MaxWait > 0 {
		deadline := time.Now().Add(g.cfg.MaxWait)
		for g.queued < g.cfg.MaxBatch && g.committing > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				break
			}
			g.mu.Unlock()
			timer := time.NewTimer(left)
			select {
			case <-g.arrived:
			case <-timer.C:
			}
			timer.Stop()
			g.mu.Lock()
		}
	}
	var items []groupItem
	kept := g.queue[:0]
	for _, c := range g.queue {
		if c.busy || len(items) == g.cfg.MaxBatch {
			kept = append(kept, c)
			continue
		}
		if err := c.ctx.Err(); err != nil && c.next == 0 {
			// Its caller gave up before any of it was written.
			for i := range c.msgs {
				c.out[i].err = err
			}
			g.queued -= len(c.msgs)
			c.pending = 0
			close(c.done)
			continue
		}
		n := min(len(c.msgs)-c.next, g.cfg.MaxBatch-len(items))
		if g.committing > 0 && slices.ContainsFunc(c.msgs[c.next:c.next+n], func(m InboundMessage) bool { return g.customers[customerOf(m)] > 0 }) {
			kept = append(kept, c) // after the group that holds its customer
			continue
		}
		for i := c.next; i < c.next+n; i++ {
			items = append(items, groupItem{call: c, i: i})
		}
		c.next += n
		g.queued -= n
		c.busy = true
		if c.next < len(c.msgs) {
			kept = append(kept, c)
		}
	}
	clear(g.queue[len(kept):])
	g.queue = kept
	if len(items) == 0 {
		g.running--
		return nil
	}
	g.committing++
	for _, it := range items {
		g.customers[it.customer()]++
	}
	return items
}

// commitGroup ingests items in one transaction and returns their outcomes
// and how many were retried alone. When one fails, the transaction is
// rolled back; the messages before it are written together again, then it
// alone, then the ones after it together, so that a caller's messages keep
// their order. When the commit itself fails, every message is ingested alone.
func (s *Service) commitGroup(ctx context.Context, items []groupItem) ([]ingestOutcome, int) {
	outs := make([]ingestOutcome, len(items))
	return outs, s.commitItems(ctx, items, outs)
}

func (s *Service) commitItems(ctx context.Context, items []groupItem, outs []ingestOutcome) (retried int) {
	for len(items) > 0 {
		if len(items) == 1 {
			outs[0].res, outs[0].err = s.ingestAlone(ctx, items[0].msg())
			return retried
		}
		results := make([]IngestResult, len(items))
		failed := -1
		err := s.change(ctx, func(tx Tx, fx *effects) error {
			tx = s.newGroupTx(tx)
			for j, it := range items {
				results[j] = IngestResult{}
				err := s.ingest(ctx, tx, fx, it.msg(), &results[j])
				if errors.Is(err, errDuplicate) {
					continue // found stored before anything was written
				}
				if err != nil {
					failed = j
					return err
				}
			}
			return nil
		})
		switch {
		case err == nil:
			for j := range items {
				outs[j].res = results[j]
			}
			return retried
		case failed < 0:
			for j, it := range items {
				outs[j].res, outs[j].err = s.ingestAlone(ctx, it.msg())
			}
			return retried + len(items)
		}
		retried += s.commitItems(ctx, items[:failed], outs[:failed])
		outs[failed].res, outs[failed].err = s.ingestAlone(ctx, items[failed].msg())
		retried++
		items, outs = items[failed+1:], outs[failed+1:]
	}
	return retried
}

// groupTx is a group's transaction with the reads that its DMs repeat, and
// that ingesting them never changes, remembered (rememberingTx), and the
// latest rule-set version of each work stream read once (a rule change
// that commits meanwhile routes the next group, as it would had the group
// committed a moment earlier).
type groupTx struct {
	rememberingTx
	rules *batchRules
}

func (s *Service) newGroupTx(tx Tx) *groupTx {
	return &groupTx{rememberingTx: newRememberingTx(tx), rules: &batchRules{RuleStore: s.store, latest: map[WorkStreamID]int{}}}
}

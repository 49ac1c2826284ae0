package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// The scheduler's jobs keep asynchronous work moving. Each is a method of
// Service that takes the time from its caller's clock and a batch size, and
// works per work stream (whose timers decide what is due): it claims a
// batch of due rows (SweepStore.ClaimDue: one statement, FOR UPDATE SKIP
// LOCKED on PostgreSQL), acts on them with the same functions the agents'
// workflow uses, and commits the batch with its notifications, then claims
// the next until a batch comes back short. Two schedulers on one database
// therefore never act on one conversation for the same due time, and a run
// that fails leaves its uncommitted batch, and everything after it, to the
// next run. cmd/switchboard calls the jobs on cron schedules.
//
// Benchmark (BenchmarkRequeueSweep in scheduler_bench_test.go, PostgreSQL
// 15 on the development machine, 100,000 conversations of which 1,000 are
// due, batches of 100):
//
//	SWITCHBOARD_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable \
//	  go test ./engine -run '^$' -bench RequeueSweep -benchtime 5x
//
// See the figures in scheduler_bench_test.go's doc comment.

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
func (s *Service) sweep(ctx context.Context, job DueJob, now time.Time, batch int, claim func(WorkStream) (DueClaim, bool), act actFunc) (SweepStats, error) {
	var stats SweepStats
	if batch <= 0 {
		batch = 100
	}
	streams, err := s.allWorkStreams(ctx)
	if err != nil {
		return stats, fmt.Errorf("%s sweep: %w", job, err)
	}
	for _, ws := range streams {
		c, ok := claim(ws)
		if !ok {
			continue
		}
		c.Job, c.WorkStreamID, c.Now, c.Limit = job, ws.ID, now, batch
		for range maxBatchesPerRun {
			var got SweepStats
			err := s.change(ctx, func(tx Tx, fx *effects) error {
				got = SweepStats{}
				due, err := tx.ClaimDue(ctx, c)
				if err != nil {
					return err
				}
				got.Examined = len(due)
				for i := range due {
					changed, err := act(ctx, tx, fx, ws, &due[i], now)
					if err != nil {
						return fmt.Errorf("conversation %s: %w", due[i].ID, err)
					}
					if changed {
						got.Changed++
					}
				}
				return nil
			})
			if err != nil {
				return stats, fmt.Errorf("%s sweep of work stream %s: %w", job, ws.ID, err)
			}
			stats.add(got)
			if got.Examined < batch {
				break
			}
		}
	}
	return stats, nil
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
			if err := s.notify(ctx, tx, fx, agent, NoticeOfferWithdrawn, notice, now); err != nil {
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
			if err := s.notify(ctx, tx, fx, c.AgentID, NoticeStatus, notice, now); err != nil {
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
			if err := s.notify(ctx, tx, fx, agent, NoticeStatus, notice, now); err != nil {
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
		if err := s.notify(ctx, tx, fx, previous, NoticeStatus, notice, now); err != nil {
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
	handle, err := tx.TwitterHandle(ctx, c.HandleID)
	if err != nil {
		return RoutingDecision{}, err
	}
	var contact *Contact
	known := false
	if c.ContactID != "" {
		ct, err := tx.Contact(ctx, c.ContactID)
		switch {
		case err == nil:
			contact = &ct
			known = ct.CreatedAt.Before(c.CreatedAt) // known before this conversation began
		case !errors.Is(err, ErrNotFound):
			return RoutingDecision{}, err
		}
	}
	msgs, err := tx.Messages(ctx, c.ID)
	if err != nil {
		return RoutingDecision{}, err
	}
	var last Message
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Direction == Inbound {
			last = msgs[i]
			break
		}
	}
	in := InboundMessage{Hashtags: hashtags(last.Text)}
	return s.route(ctx, tx, ws, handle, c, contact, known, last, in, now, ReasonRequeue)
}

// hashtags returns the hashtags of a text without their #, as Twitter's
// entities name them (the message does not keep the entities).
func hashtags(text string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return unicode.IsSpace(r) }) {
		tag, ok := strings.CutPrefix(f, "#")
		if !ok {
			continue
		}
		tag = strings.TrimRightFunc(tag, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' })
		if tag != "" {
			out = append(out, tag)
		}
	}
	return out
}

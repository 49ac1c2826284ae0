package engine

import (
	"context"
	"fmt"
	"time"
)

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
	}, func(ctx context.Context, tx workflowTx, fx *effects, ws WorkStream, c *Conversation, now time.Time) (bool, error) {
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

// StreamSeen records that an agent's notification stream is connected now.
// The stream calls it when it opens and at each heartbeat; the scheduler
// sets offline the agents whose stream has been gone longer than a grace
// period (ReleaseGoneAgents).
func (s *Service) StreamSeen(ctx context.Context, agent AgentID) error {
	return s.store.SeeStream(ctx, agent, s.clock.Now())
}

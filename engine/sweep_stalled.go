package engine

import (
	"context"
	"time"
)

// MarkStalled marks the active and waiting conversations whose latest
// message is the customer's and older than their work stream's stall_after:
// stalled_at is set and the agent told. Past a second interval, requeueAfter
// after being marked (zero: the work stream's requeue_after), a stalled
// conversation still unanswered is taken from its agent and requeued by the
// same re-evaluation as RequeueWaiting.
func (s *Service) MarkStalled(ctx context.Context, now time.Time, batch int, requeueAfter time.Duration) (SweepStats, error) {
	marked, err := s.sweep(ctx, DueStall, now, batch, func(ws WorkStream) (DueClaim, bool) {
		return DueClaim{Before: now.Add(-ws.StallAfter)}, ws.StallAfter > 0
	}, func(ctx context.Context, tx workflowTx, fx *effects, ws WorkStream, c *Conversation, now time.Time) (bool, error) {
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
	}, func(ctx context.Context, tx workflowTx, fx *effects, ws WorkStream, c *Conversation, now time.Time) (bool, error) {
		return true, s.requeue(ctx, tx, fx, ws, c, "requeued: the customer's message stayed unanswered", now)
	})
	marked.add(requeued)
	return marked, err
}

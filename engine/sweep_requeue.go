package engine

import (
	"context"
	"time"
)

// RequeueWaiting re-evaluates the conversations open in a queue for longer
// than their work stream's requeue_after since they were last routed: the
// requeue count goes up, the current rule set decides the queue with the
// new waiting time and count (so a rule can escalate), the decision is
// recorded with reason requeue, and the conversation is offered afresh. It
// repeats every requeue_after until someone takes the conversation.
func (s *Service) RequeueWaiting(ctx context.Context, now time.Time, batch int) (SweepStats, error) {
	return s.sweep(ctx, DueRequeue, now, batch, func(ws WorkStream) (DueClaim, bool) {
		return DueClaim{Before: now.Add(-ws.RequeueAfter)}, ws.RequeueAfter > 0
	}, func(ctx context.Context, tx workflowTx, fx *effects, ws WorkStream, c *Conversation, now time.Time) (bool, error) {
		return true, s.requeue(ctx, tx, fx, ws, c, "", now)
	})
}

// requeue takes c from whoever holds it (telling them why, when reason is
// set), counts a requeue, re-evaluates the work stream's current rules for
// it, records the decision with reason requeue, offers it afresh and saves
// it.
func (s *Service) requeue(ctx context.Context, tx workflowTx, fx *effects, ws WorkStream, c *Conversation, reason string, now time.Time) error {
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
	noteRequeued(tx)
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
func (s *Service) reevaluate(ctx context.Context, tx routingTx, ws WorkStream, c *Conversation, now time.Time) (RoutingDecision, error) {
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

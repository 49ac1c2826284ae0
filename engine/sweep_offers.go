package engine

import (
	"context"
	"time"
)

// TimeOutOffers ends the offers not accepted within their work stream's
// offer timeout: the offer times out, the agent's capacity is released and
// the agent told (offer_withdrawn), and the conversation is offered to the
// next agent of its queue who has room and has not declined it or let it
// time out since it was routed; when there is none it waits in the queue.
func (s *Service) TimeOutOffers(ctx context.Context, now time.Time, batch int) (SweepStats, error) {
	return s.sweep(ctx, DueOfferTimeout, now, batch, func(ws WorkStream) (DueClaim, bool) {
		return DueClaim{Before: now.Add(-ws.OfferTimeout)}, ws.OfferTimeout > 0
	}, func(ctx context.Context, tx workflowTx, fx *effects, ws WorkStream, c *Conversation, now time.Time) (bool, error) {
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

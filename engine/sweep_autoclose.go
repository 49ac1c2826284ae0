package engine

import (
	"context"
	"time"
)

// AutoClose closes the conversations in which no message was written for
// their work stream's auto_close_after, with reason inactivity; a pending
// offer is withdrawn, the agent told, and the capacity freed. A later DM of
// the customer starts a returning conversation.
func (s *Service) AutoClose(ctx context.Context, now time.Time, batch int) (SweepStats, error) {
	return s.sweep(ctx, DueAutoClose, now, batch, func(ws WorkStream) (DueClaim, bool) {
		return DueClaim{Before: now.Add(-ws.AutoCloseAfter)}, ws.AutoCloseAfter > 0
	}, func(ctx context.Context, tx workflowTx, fx *effects, ws WorkStream, c *Conversation, now time.Time) (bool, error) {
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

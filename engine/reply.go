package engine

import (
	"context"
	"time"
)

// Reply stores an agent's reply to the customer and queues it in the
// outbox, in one transaction with the conversation's update; the sender
// delivers it on the customer's channel. A reply to a waiting conversation makes it active
// again. Agents reply to their own conversations; admins to any in progress.
func (s *Service) Reply(ctx context.Context, actor Actor, id ConversationID, text string) (Message, error) {
	var msg Message
	_, err := s.act(ctx, id, func(tx workflowTx, fx *effects, c *Conversation, ws WorkStream, now time.Time) error {
		if err := mayWork(actor, *c, ActionReply); err != nil {
			return err
		}
		if actor.Role == RoleAgent && c.AgentID != actor.AgentID {
			return Errorf(ErrConflict, "accept conversation %s before replying", c.ID)
		}
		if err := checkMove(ActionReply, *c); err != nil {
			return err
		}
		var err error
		if msg, err = s.EnqueueReply(ctx, tx, *c, actor.AgentID, text, now); err != nil {
			return err
		}
		c.MessageCount++
		c.LastMessageAt = laterOf(c.LastMessageAt, msg.SentAt)
		c.LastAgentMessageAt = laterOf(c.LastAgentMessageAt, msg.SentAt)
		c.StalledAt = nil
		c.Status = StatusActive
		return nil
	})
	if err == nil {
		s.wakeOutbox()
	}
	return msg, err
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The agent's workflow: each action checks who may take it and which
// states it may leave, changes the conversation in one transaction with its
// offer, capacity and notifications, and answers ErrConflict naming the
// current state when the move is not allowed.

// Action names the moves of the workflow, as the API and errors call them.
type Action string

// The workflow's actions.
const (
	ActionAccept   Action = "accept"
	ActionReject   Action = "reject"
	ActionWait     Action = "wait"
	ActionEnd      Action = "end"
	ActionClose    Action = "close"
	ActionTransfer Action = "transfer"
	ActionReply    Action = "reply"
	// ActionPrioritize changes a conversation's priority.
	ActionPrioritize Action = "prioritize"
)

// allowedFrom lists the states each action may leave.
var allowedFrom = map[Action][]Status{
	ActionAccept:   {StatusOffered, StatusOpen}, // open: pick mode
	ActionReject:   {StatusOffered},
	ActionWait:     {StatusActive},
	ActionEnd:      {StatusActive, StatusWaiting},
	ActionClose:    {StatusWrapUp, StatusActive, StatusWaiting, StatusOpen, StatusOffered},
	ActionTransfer: {StatusOpen, StatusOffered, StatusActive, StatusWaiting},
	ActionReply:    {StatusActive, StatusWaiting},
	// Priority orders the waiting; it is kept while the conversation is
	// worked, for when it is transferred or requeued.
	ActionPrioritize: {StatusOpen, StatusOffered, StatusActive, StatusWaiting},
}

func checkMove(a Action, c Conversation) error {
	if slices.Contains(allowedFrom[a], c.Status) {
		return nil
	}
	return &Error{Kind: ErrConflict, Message: fmt.Sprintf("cannot %s conversation %s: it is %s", a, c.ID, c.Status),
		Details: []Detail{{Field: "status", Message: string(c.Status)}}}
}

// mustAgent returns the agent behind actor, or ErrForbidden: accepting and
// rejecting are an agent's own decisions.
func mustAgent(actor Actor, a Action) (AgentID, error) {
	if actor.Role != RoleAgent || actor.AgentID == "" {
		return "", Errorf(ErrForbidden, "%s is an agent's action: call it with the agent's own token", a)
	}
	return actor.AgentID, nil
}

// mayWork reports whether actor may act on a conversation assigned to
// someone: admins may; agents only on their own.
func mayWork(actor Actor, c Conversation, a Action) error {
	switch {
	case actor.Role == RoleAdmin:
		return nil
	case actor.Role == RoleAgent && actor.AgentID != "" && (c.AgentID == actor.AgentID || c.OfferedAgentID == actor.AgentID):
		return nil
	case actor.Role == RoleAgent:
		return Errorf(ErrForbidden, "conversation %s is not assigned to you", c.ID)
	}
	return Errorf(ErrForbidden, "the %s role may not %s conversations", actor.Role, a)
}

// tellAgent tells the agent working a conversation that someone else (an
// admin) changed its state; an agent's own moves need no notice.
func (s *Service) tellAgent(ctx context.Context, tx assignmentTx, fx *effects, actor Actor, agent AgentID, c Conversation, reason string, now time.Time) error {
	if agent == "" || agent == actor.AgentID {
		return nil
	}
	return fx.notify(agent, NoticeStatus, StatusNotice{ConversationID: string(c.ID), Status: string(c.Status), Reason: reason}, now)
}

// act runs a workflow action on a locked conversation and saves it.
func (s *Service) act(ctx context.Context, id ConversationID, fn func(tx workflowTx, fx *effects, c *Conversation, ws WorkStream, now time.Time) error) (Conversation, error) {
	var out Conversation
	err := s.change(ctx, func(tx Tx, fx *effects) error {
		c, err := tx.LockConversation(ctx, id)
		if err != nil {
			return err
		}
		ws, err := tx.WorkStream(ctx, c.WorkStreamID)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		if err := fn(tx, fx, &c, ws, now); err != nil {
			return err
		}
		c.UpdatedAt = now
		if err := tx.UpdateConversation(ctx, c); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

// Accept takes a conversation: the one offered to the agent (push mode), or
// one waiting in a queue of the agent's (pick mode; the first to accept
// wins, the others get ErrConflict).
func (s *Service) Accept(ctx context.Context, actor Actor, id ConversationID) (Conversation, error) {
	agent, err := mustAgent(actor, ActionAccept)
	if err != nil {
		return Conversation{}, err
	}
	return s.act(ctx, id, func(tx workflowTx, fx *effects, c *Conversation, ws WorkStream, now time.Time) error {
		if err := checkMove(ActionAccept, *c); err != nil {
			return err
		}
		switch c.Status {
		case StatusOffered:
			if c.OfferedAgentID != agent {
				return Errorf(ErrConflict, "conversation %s is offered to another agent", c.ID)
			}
			o, err := tx.PendingOffer(ctx, c.ID)
			if err != nil {
				return err
			}
			if err := tx.DecideOffer(ctx, o.ID, OfferAccepted, now); err != nil {
				return err
			}
		case StatusOpen:
			if ws.Mode != ModePick {
				return Errorf(ErrConflict, "conversation %s waits to be offered (its work stream is in push mode)", c.ID)
			}
			load, err := tx.AgentLoad(ctx, agent)
			if err != nil {
				return err
			}
			if !load.MemberOf(c.QueueID) {
				return Errorf(ErrForbidden, "conversation %s waits in a queue you are not a member of", c.ID)
			}
			if load.Free() < ws.Capacity {
				return Errorf(ErrConflict, "you have no free capacity for conversation %s (free %d, it takes %d)", c.ID, load.Free(), ws.Capacity)
			}
			c.CapacityUnits = ws.Capacity
		}
		c.Status, c.AgentID, c.OfferedAgentID, c.OfferedAt = StatusActive, agent, "", nil
		return tx.TouchAgent(ctx, agent, nil, &now)
	})
}

// Reject declines an offer; the conversation is offered to the next agent,
// or waits in its queue when nobody else has room.
func (s *Service) Reject(ctx context.Context, actor Actor, id ConversationID) (Conversation, error) {
	agent, err := mustAgent(actor, ActionReject)
	if err != nil {
		return Conversation{}, err
	}
	return s.act(ctx, id, func(tx workflowTx, fx *effects, c *Conversation, ws WorkStream, now time.Time) error {
		if err := checkMove(ActionReject, *c); err != nil {
			return err
		}
		if c.OfferedAgentID != agent {
			return Errorf(ErrConflict, "conversation %s is offered to another agent", c.ID)
		}
		if err := s.endOffer(ctx, tx, c, OfferRejected, now); err != nil {
			return err
		}
		_, err := s.offer(ctx, tx, fx, c, ws, nil, now)
		return err
	})
}

// endOffer closes the pending offer of c with outcome and puts c back in
// its queue, releasing the capacity it held.
func (s *Service) endOffer(ctx context.Context, tx assignmentTx, c *Conversation, outcome OfferOutcome, now time.Time) error {
	o, err := tx.PendingOffer(ctx, c.ID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if err == nil {
		if err := tx.DecideOffer(ctx, o.ID, outcome, now); err != nil {
			return err
		}
	}
	c.Status, c.OfferedAgentID, c.OfferedAt, c.CapacityUnits = StatusOpen, "", nil, 0
	return nil
}

// Wait pauses an active conversation: nobody is typing, the customer may
// answer in hours.
func (s *Service) Wait(ctx context.Context, actor Actor, id ConversationID) (Conversation, error) {
	return s.act(ctx, id, func(tx workflowTx, fx *effects, c *Conversation, ws WorkStream, now time.Time) error {
		if err := mayWork(actor, *c, ActionWait); err != nil {
			return err
		}
		if err := checkMove(ActionWait, *c); err != nil {
			return err
		}
		c.Status = StatusWaiting
		return s.tellAgent(ctx, tx, fx, actor, c.AgentID, *c, "paused by "+actor.Name, now)
	})
}

// End moves a conversation to wrap-up: the agent finishes its notes.
func (s *Service) End(ctx context.Context, actor Actor, id ConversationID) (Conversation, error) {
	return s.act(ctx, id, func(tx workflowTx, fx *effects, c *Conversation, ws WorkStream, now time.Time) error {
		if err := mayWork(actor, *c, ActionEnd); err != nil {
			return err
		}
		if err := checkMove(ActionEnd, *c); err != nil {
			return err
		}
		c.Status = StatusWrapUp
		return s.tellAgent(ctx, tx, fx, actor, c.AgentID, *c, "ended by "+actor.Name, now)
	})
}

// Close closes a conversation and frees the capacity it held; a later DM of
// the customer starts a returning conversation. Agents close their own
// conversations; admins may close any, even one still waiting in a queue.
func (s *Service) Close(ctx context.Context, actor Actor, id ConversationID, reason string) (Conversation, error) {
	if reason == "" {
		reason = "closed"
	}
	return s.act(ctx, id, func(tx workflowTx, fx *effects, c *Conversation, ws WorkStream, now time.Time) error {
		if err := mayWork(actor, *c, ActionClose); err != nil {
			return err
		}
		if err := checkMove(ActionClose, *c); err != nil {
			return err
		}
		if actor.Role != RoleAdmin && (c.Status == StatusOpen || c.Status == StatusOffered) {
			return Errorf(ErrConflict, "cannot close conversation %s: it is %s; reject the offer instead", c.ID, c.Status)
		}
		agent := c.AgentID
		if err := s.closeConversation(ctx, tx, fx, c, reason, now); err != nil {
			return err
		}
		return s.tellAgent(ctx, tx, fx, actor, agent, *c, "closed by "+actor.Name, now)
	})
}

// closeConversation closes c, withdrawing a pending offer, and offers the
// freed capacity to conversations waiting in the agent's queues.
func (s *Service) closeConversation(ctx context.Context, tx workflowTx, fx *effects, c *Conversation, reason string, now time.Time) error {
	holder := c.AgentID
	if c.Status == StatusOffered {
		holder = c.OfferedAgentID
		if err := s.withdraw(ctx, tx, fx, c, now); err != nil {
			return err
		}
	}
	c.Status, c.ClosedAt, c.CloseReason, c.CapacityUnits = StatusClosed, &now, reason, 0
	c.UpdatedAt = now
	if holder == "" {
		return nil
	}
	if err := tx.UpdateConversation(ctx, *c); err != nil {
		return err
	}
	return s.freed(ctx, tx, fx, holder, now)
}

// withdraw takes back a pending offer and tells the agent.
func (s *Service) withdraw(ctx context.Context, tx workflowTx, fx *effects, c *Conversation, now time.Time) error {
	agent := c.OfferedAgentID
	if err := s.endOffer(ctx, tx, c, OfferWithdrawn, now); err != nil {
		return err
	}
	return fx.notify(agent, NoticeOfferWithdrawn, StatusNotice{ConversationID: string(c.ID), Status: string(c.Status), Reason: "withdrawn"}, now)
}

// freed offers work from an agent's queues after its capacity was freed.
func (s *Service) freed(ctx context.Context, tx assignmentTx, fx *effects, agent AgentID, now time.Time) error {
	a, err := tx.Agent(ctx, agent)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.assignWaiting(ctx, tx, fx, a.QueueIDs, now)
}

// TransferInput names where a conversation goes: a queue (it is routed
// there) or an agent (it is offered to them).
type TransferInput struct {
	QueueID QueueID
	AgentID AgentID
}

// Transfer moves a conversation to another queue or agent.
func (s *Service) Transfer(ctx context.Context, actor Actor, id ConversationID, in TransferInput) (Conversation, error) {
	if (in.QueueID == "") == (in.AgentID == "") {
		return Conversation{}, FieldError("queue_id", "give either queue_id or agent_id")
	}
	return s.act(ctx, id, func(tx workflowTx, fx *effects, c *Conversation, ws WorkStream, now time.Time) error {
		if err := mayWork(actor, *c, ActionTransfer); err != nil {
			return err
		}
		if err := checkMove(ActionTransfer, *c); err != nil {
			return err
		}
		previous := c.AgentID
		if c.Status == StatusOffered {
			if err := s.withdraw(ctx, tx, fx, c, now); err != nil {
				return err
			}
		}
		c.Status, c.AgentID, c.CapacityUnits = StatusOpen, "", 0
		if in.QueueID != "" {
			q, err := tx.Queue(ctx, in.QueueID)
			if errors.Is(err, ErrNotFound) {
				return FieldError("queue_id", "no queue has the id %q", in.QueueID)
			} else if err != nil {
				return err
			}
			d := RoutingDecision{ID: NewID(now), ConversationID: c.ID, At: now, QueueID: q.ID, Reason: ReasonTransfer,
				RuleName: "transferred by " + actor.Name, Priority: c.Priority}
			if err := tx.AppendRoutingDecision(ctx, d); err != nil {
				return err
			}
			c.QueueID, c.RoutedAt = q.ID, &now
			if _, err := s.offer(ctx, tx, fx, c, ws, &d, now); err != nil {
				return err
			}
		} else {
			target, err := tx.AgentLoad(ctx, in.AgentID)
			if errors.Is(err, ErrNotFound) {
				return FieldError("agent_id", "no agent has the id %q", in.AgentID)
			} else if err != nil {
				return err
			}
			switch {
			case target.Presence != PresenceAvailable:
				return Errorf(ErrConflict, "agent %s is %s, not available", target.Name, target.Presence)
			case target.Free() < ws.Capacity:
				return Errorf(ErrConflict, "agent %s has no free capacity (free %d, the conversation takes %d)", target.Name, target.Free(), ws.Capacity)
			}
			if err := s.offerTo(ctx, tx, fx, c, ws, target.ID, nil, now); err != nil {
				return err
			}
		}
		if previous != "" && previous != in.AgentID {
			if err := fx.notify(previous, NoticeStatus, StatusNotice{ConversationID: string(c.ID), Status: string(c.Status), Reason: "transferred"}, now); err != nil {
				return err
			}
			if err := tx.UpdateConversation(ctx, *c); err != nil {
				return err
			}
			return s.freed(ctx, tx, fx, previous, now)
		}
		return nil
	})
}

// SetPriority changes a conversation's priority (rules.MinPriority to
// rules.MaxPriority, higher offered first) and records the change in its
// routing history. An admin may change any conversation's priority; an
// agent only that of a conversation offered or assigned to it. Setting the
// priority it has records no decision.
func (s *Service) SetPriority(ctx context.Context, actor Actor, id ConversationID, priority int) (Conversation, error) {
	if err := checkPriority("priority", priority); err != nil {
		return Conversation{}, err
	}
	return s.act(ctx, id, func(tx workflowTx, _ *effects, c *Conversation, _ WorkStream, now time.Time) error {
		if err := mayWork(actor, *c, ActionPrioritize); err != nil {
			return err
		}
		if err := checkMove(ActionPrioritize, *c); err != nil {
			return err
		}
		if c.Priority == priority {
			return nil
		}
		d := RoutingDecision{ID: NewID(now), ConversationID: c.ID, At: now, QueueID: c.QueueID, Reason: ReasonPriority,
			RuleName: fmt.Sprintf("priority %d → %d by %s", c.Priority, priority, actor.Name), Priority: priority}
		c.Priority = priority
		return tx.AppendRoutingDecision(ctx, d)
	})
}

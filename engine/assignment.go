package engine

import (
	"context"
	"errors"
	"slices"
	"time"
)

// OfferOutcome is how an offer ended.
type OfferOutcome string

// Offer outcomes.
const (
	OfferPending   OfferOutcome = "pending"
	OfferAccepted  OfferOutcome = "accepted"
	OfferRejected  OfferOutcome = "rejected"
	OfferTimedOut  OfferOutcome = "timed_out"
	OfferWithdrawn OfferOutcome = "withdrawn"
)

// Offer is one offer of a conversation to an agent.
type Offer struct {
	ID             string
	ConversationID ConversationID
	AgentID        AgentID
	OfferedAt      time.Time
	Outcome        OfferOutcome
	DecidedAt      *time.Time
}

// AgentLoad is an agent with the capacity its conversations hold now.
type AgentLoad struct {
	Agent
	Used           int // capacity held by conversations offered to or worked by the agent
	LastOfferedAt  *time.Time
	LastActivityAt *time.Time
}

// Free is the capacity the agent has left.
func (a AgentLoad) Free() int { return a.Capacity - a.Used }

// AssignmentStore keeps offers and tells who has room for work. Methods
// that lock do so until the transaction ends (row locks on PostgreSQL; the
// single writer on SQLite), which is what keeps concurrent offers from
// exceeding an agent's capacity.
type AssignmentStore interface {
	// CandidateAgents returns the available agents that are members of
	// queue, locked, in id order, with their load.
	CandidateAgents(ctx context.Context, queue QueueID) ([]AgentLoad, error)
	// AgentLoad returns one agent, locked, with its load.
	AgentLoad(ctx context.Context, id AgentID) (AgentLoad, error)
	// TouchAgent records when an agent was last offered work and last
	// active; nil leaves a time as it is.
	TouchAgent(ctx context.Context, id AgentID, offeredAt, activeAt *time.Time) error
	CreateOffer(ctx context.Context, o Offer) error
	// PendingOffer returns the conversation's pending offer; ErrNotFound
	// when there is none.
	PendingOffer(ctx context.Context, conv ConversationID) (Offer, error)
	// DecideOffer ends a pending offer.
	DecideOffer(ctx context.Context, id string, outcome OfferOutcome, at time.Time) error
	// DeclinedSince lists the agents who rejected an offer of the
	// conversation, or let one time out, at or after since.
	DeclinedSince(ctx context.Context, conv ConversationID, since time.Time) ([]AgentID, error)
	// LockConversation returns a conversation, locked.
	LockConversation(ctx context.Context, id ConversationID) (Conversation, error)
	// WaitingConversations returns up to limit open conversations of the
	// queues, locked, in the order they are offered: the highest priority
	// first (counting every conversation of a queue ordered by age as the
	// default priority), then routed longest ago; rows another transaction
	// holds are skipped.
	WaitingConversations(ctx context.Context, queues []QueueID, limit int) ([]Conversation, error)
}

// offer offers conv to the best agent of its queue who is available, has
// not declined it since it was last routed, and has free capacity for it,
// by the work stream's assignment method. It reserves the capacity in tx
// and notifies the agent; it reports false when nobody has room (the
// conversation then waits in the queue) or the work stream is in pick mode.
func (s *Service) offer(ctx context.Context, tx assignmentTx, fx *effects, conv *Conversation, ws WorkStream, routing *RoutingDecision, now time.Time) (bool, error) {
	if ws.Mode != ModePush || conv.Status != StatusOpen || conv.QueueID == "" {
		return false, nil
	}
	if open, err := s.queueOpen(ctx, tx, conv.QueueID, ws, now); err != nil || !open {
		return false, err // out of hours it waits, and is offered when the queue opens
	}
	candidates, err := tx.CandidateAgents(ctx, conv.QueueID)
	if err != nil || len(candidates) == 0 {
		return false, err
	}
	since := conv.CreatedAt
	if conv.RoutedAt != nil {
		since = *conv.RoutedAt
	}
	declined, err := tx.DeclinedSince(ctx, conv.ID, since)
	if err != nil {
		return false, err
	}
	candidates = slices.DeleteFunc(candidates, func(a AgentLoad) bool {
		return a.Free() < ws.Capacity || slices.Contains(declined, a.ID)
	})
	best, ok := choose(candidates, ws.AssignmentMethod)
	if !ok {
		return false, nil
	}
	return true, s.offerTo(ctx, tx, fx, conv, ws, best.ID, routing, now)
}

// queueOpen reports whether a queue offers a conversation of ws at now:
// always, unless the queue keeps a calendar that is closed, or keeps none
// and the work stream keeps one that is closed. A queue's own hours win:
// a queue serving several work streams opens when it says.
func (s *Service) queueOpen(ctx context.Context, tx assignmentTx, id QueueID, ws WorkStream, now time.Time) (bool, error) {
	q, err := tx.Queue(ctx, id)
	if err != nil {
		return false, err
	}
	cal := q.CalendarID
	if cal == "" {
		cal = ws.CalendarID
	}
	if cal == "" {
		return true, nil
	}
	c, err := tx.Calendar(ctx, cal)
	if err != nil {
		return false, err
	}
	return c.IsOpen(now), nil
}

// offerTo records an offer of conv to agent and notifies the agent.
func (s *Service) offerTo(ctx context.Context, tx assignmentTx, fx *effects, conv *Conversation, ws WorkStream, agent AgentID, routing *RoutingDecision, now time.Time) error {
	o := Offer{ID: NewID(now), ConversationID: conv.ID, AgentID: agent, OfferedAt: now, Outcome: OfferPending}
	if err := tx.CreateOffer(ctx, o); err != nil {
		return err
	}
	conv.Status, conv.OfferedAgentID, conv.OfferedAt, conv.CapacityUnits = StatusOffered, agent, &now, ws.Capacity
	conv.UpdatedAt = now
	if err := tx.TouchAgent(ctx, agent, &now, nil); err != nil {
		return err
	}
	notice, err := s.offerNotice(ctx, tx, *conv, ws, routing, now)
	if err != nil {
		return err
	}
	return fx.notify(agent, NoticeOffer, notice, now)
}

// choose picks an agent by the assignment method: round robin takes the
// agent offered work longest ago; highest capacity the one with the most
// free capacity; most idle the one holding the least work, then idle
// longest. Ties go to the agent offered work longest ago, then by id, so
// the choice is deterministic.
func choose(candidates []AgentLoad, method AssignmentMethod) (AgentLoad, bool) {
	if len(candidates) == 0 {
		return AgentLoad{}, false
	}
	before := func(a, b *time.Time) int { // nil (never) sorts first
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return -1
		case b == nil:
			return 1
		}
		return a.Compare(*b)
	}
	roundRobin := func(a, b AgentLoad) int {
		if c := before(a.LastOfferedAt, b.LastOfferedAt); c != 0 {
			return c
		}
		if a.ID < b.ID {
			return -1
		}
		return 1
	}
	cmp := roundRobin
	switch method {
	case AssignHighestCapacity:
		cmp = func(a, b AgentLoad) int {
			if a.Free() != b.Free() {
				return b.Free() - a.Free()
			}
			return roundRobin(a, b)
		}
	case AssignMostIdle:
		cmp = func(a, b AgentLoad) int {
			if a.Used != b.Used {
				return a.Used - b.Used
			}
			if c := before(a.LastActivityAt, b.LastActivityAt); c != 0 {
				return c
			}
			return roundRobin(a, b)
		}
	}
	return slices.MinFunc(candidates, cmp), true
}

// offerNotice describes an offer with what the agent needs to decide.
func (s *Service) offerNotice(ctx context.Context, tx assignmentTx, conv Conversation, ws WorkStream, routing *RoutingDecision, now time.Time) (OfferNotice, error) {
	n := OfferNotice{
		ConversationID: string(conv.ID), WorkStreamID: string(ws.ID), QueueID: string(conv.QueueID),
		OfferedAt: now, ExpiresAt: now.Add(ws.OfferTimeout),
		Customer: CustomerNotice{
			Channel: string(conv.Customer.Channel), ExternalID: conv.Customer.ExternalID, Name: conv.Customer.Name, ScreenName: conv.Customer.ScreenName,
			FollowersCount: conv.Customer.FollowersCount, Verified: conv.Customer.Verified, ContactID: string(conv.ContactID),
			Tags: []string{}, IsReturning: conv.IsReturning, PreviousConversations: conv.PreviousConversations,
		},
		LastMessages: []MessageNotice{},
	}
	if q, err := tx.Queue(ctx, conv.QueueID); err == nil {
		n.QueueName = q.Name
	} else if !errors.Is(err, ErrNotFound) {
		return n, err
	}
	if conv.ContactID != "" {
		c, err := tx.Contact(ctx, conv.ContactID)
		if err != nil {
			return n, err
		}
		n.Customer.Tags = append(n.Customer.Tags, c.Tags...)
	}
	if routing == nil {
		history, err := tx.RoutingHistory(ctx, conv.ID)
		if err != nil {
			return n, err
		}
		if len(history) > 0 {
			routing = &history[len(history)-1]
		}
	}
	if routing != nil {
		n.Routing = &RoutingNotice{RuleID: routing.RuleID, RuleName: routing.RuleName, RuleSetVersion: routing.RuleSetVersion, Reason: string(routing.Reason)}
	}
	msgs, err := tx.Messages(ctx, conv.ID)
	if err != nil {
		return n, err
	}
	const shown = 5
	for _, m := range msgs[max(0, len(msgs)-shown):] {
		n.LastMessages = append(n.LastMessages, messageNotice(m))
	}
	return n, nil
}

func messageNotice(m Message) MessageNotice {
	return MessageNotice{ConversationID: string(m.ConversationID), MessageID: string(m.ID), Direction: string(m.Direction), Text: m.Text, SentAt: m.SentAt}
}

// assignWaiting offers the conversations waiting in the queues (highest
// priority, then oldest routing first) to whoever has room, until one finds nobody. It runs when
// capacity frees: an agent becomes available, a conversation ends.
func (s *Service) assignWaiting(ctx context.Context, tx assignmentTx, fx *effects, queues []QueueID, now time.Time) error {
	_, err := s.offerWaiting(ctx, tx, fx, queues, now)
	return err
}

// offerWaiting is assignWaiting, counting the conversations it offered.
func (s *Service) offerWaiting(ctx context.Context, tx assignmentTx, fx *effects, queues []QueueID, now time.Time) (int, error) {
	if len(queues) == 0 {
		return 0, nil
	}
	const batch = 20
	waiting, err := tx.WaitingConversations(ctx, queues, batch)
	if err != nil {
		return 0, err
	}
	streams := map[WorkStreamID]WorkStream{}
	n := 0
	for i := range waiting {
		conv := &waiting[i]
		ws, ok := streams[conv.WorkStreamID]
		if !ok {
			if ws, err = tx.WorkStream(ctx, conv.WorkStreamID); err != nil {
				return n, err
			}
			streams[ws.ID] = ws
		}
		offered, err := s.offer(ctx, tx, fx, conv, ws, nil, now)
		if err != nil {
			return n, err
		}
		if offered {
			n++
			if err := tx.UpdateConversation(ctx, *conv); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

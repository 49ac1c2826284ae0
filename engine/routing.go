package engine

import (
	"context"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/dsl"
)

// route evaluates the work stream's current rule set for conv, records the
// decision in its routing history, and puts it in the chosen queue. A rule
// set that cannot be loaded routes to the default queue with reason error,
// so that a customer is never left out of every queue.
func (s *Service) route(ctx context.Context, tx routingTx, ws WorkStream, ep Endpoint, conv *Conversation, contact *Contact, last Message, now time.Time, reason RoutingReason) (RoutingDecision, error) {
	d, err := s.decide(ctx, tx, ws, ep, conv, contact, last, now, reason)
	if err != nil {
		return RoutingDecision{}, err
	}
	if err := tx.AppendRoutingDecision(ctx, d); err != nil {
		return RoutingDecision{}, err
	}
	return d, nil
}

// decide is route without recording the decision: it evaluates the rules
// and puts conv in the chosen queue. The caller appends d to the routing
// history once the conversation is stored.
func (s *Service) decide(ctx context.Context, tx routingTx, ws WorkStream, ep Endpoint, conv *Conversation, contact *Contact, last Message, now time.Time, reason RoutingReason) (RoutingDecision, error) {
	d := RoutingDecision{ID: NewID(now), ConversationID: conv.ID, At: now, QueueID: ws.DefaultQueueID}
	set, err := s.ruleSetOf(ctx, s.ruleStoreFor(tx), ws)
	if err != nil {
		s.log.ErrorContext(ctx, "routing with the default queue: the rule set does not load", "work_stream_id", ws.ID, "error", err)
		d.Reason, d.Error = ReasonError, err.Error()
	} else {
		ec, err := s.engagementContext(ctx, tx, ws, ep, *conv, contact, last, now)
		if err != nil {
			return RoutingDecision{}, err
		}
		decision := set.Route(ec)
		d.RuleSetVersion, d.QueueID = decision.Version, QueueID(decision.QueueID)
		d.Reason = ReasonDefault
		if decision.Rule != nil {
			d.RuleID, d.RuleName = decision.Rule.ID, decision.Rule.Name
			d.Reason = ReasonMatched
			if p := decision.Rule.Priority; p != nil {
				conv.Priority = *p
			}
		}
		if reason != ReasonMatched {
			d.Reason = reason
		}
		if s.onRouted != nil {
			s.onRouted(ctx, ec, d)
		}
	}
	if err := s.overflow(ctx, tx, &d); err != nil {
		return RoutingDecision{}, err
	}
	conv.QueueID, conv.RoutedAt, conv.Status = d.QueueID, &now, StatusOpen
	d.Priority = conv.Priority
	return d, nil
}

// maxOverflowHops bounds how far a decision follows full queues' overflow
// queues; a cycle of full queues ends where it began.
const maxOverflowHops = 5

// overflow moves a decision off a full queue to its overflow queue, and on
// while that one is full too. The first queue is kept in OverflowFrom and,
// for a decision of the rules, the reason becomes overflow; a requeue
// stays a requeue. The count is of what waits now, so concurrent routing
// may pass a limit by the few decided at the same moment.
func (s *Service) overflow(ctx context.Context, tx routingTx, d *RoutingDecision) error {
	visited := map[QueueID]bool{}
	for range maxOverflowHops {
		q, err := tx.Queue(ctx, d.QueueID)
		if errors.Is(err, ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if q.MaxWaiting == 0 || q.OverflowQueueID == "" || visited[q.ID] {
			return nil
		}
		visited[q.ID] = true
		n, err := tx.CountWaiting(ctx, q.ID, d.ConversationID)
		if err != nil {
			return err
		}
		if n < q.MaxWaiting {
			return nil
		}
		if d.OverflowFrom == "" {
			d.OverflowFrom = q.ID
		}
		if d.Reason == ReasonMatched || d.Reason == ReasonDefault {
			d.Reason = ReasonOverflow
		}
		d.QueueID = q.OverflowQueueID
	}
	return nil
}

// contextLookups are the reads the engagement context needs besides what
// its caller holds: a transaction, the store, or a sweep's remembering batch.
type contextLookups interface {
	Source(ctx context.Context, id SourceID) (Source, error)
	Queue(ctx context.Context, id QueueID) (Queue, error)
	QueuePosition(ctx context.Context, c Conversation, ordering QueueOrdering) (int, error)
	calendarLister
}

// engagementContext builds what a routing rule sees: conv and its customer
// (the contact's id and tags), the customer's latest message last with the
// features stored with it, the channel, and now in the work stream's time
// zone, with the business's calendars for rules that read them. Ingest,
// requeue, the rule test and explain all build it here, so a rule decides
// the same wherever it runs; only the waiting time, the requeue count, the
// queue it is in (and its place there) and the time can differ between them.
func (s *Service) engagementContext(ctx context.Context, lk contextLookups, ws WorkStream, ep Endpoint, conv Conversation, contact *Contact, last Message, now time.Time) (*dsl.Context, error) {
	src, err := lk.Source(ctx, ep.SourceID)
	if err != nil {
		return nil, err
	}
	p, f := conv.Customer, last.Features
	ec := &dsl.Context{
		Customer: dsl.Customer{
			Name: p.Name, ScreenName: p.ScreenName, FollowersCount: p.FollowersCount, FriendsCount: p.FriendsCount,
			Verified: p.Verified, Protected: p.Protected, Language: p.Language, Location: p.Location, Description: p.Description,
			AccountCreatedAt: p.AccountCreatedAt, IsKnownContact: f.KnownContact, Tags: []string{},
		},
		Message: dsl.Message{
			Text: last.Text, Length: utf8.RuneCountInString(last.Text), HasMedia: len(f.MediaKinds) > 0,
			HasURL: len(f.URLs) > 0, URLs: append([]string{}, f.URLs...), Domains: dsl.LinkDomains(f.URLs), Hashtags: append([]string{}, f.Hashtags...), QuickReply: last.QuickReply, Language: f.Language,
		},
		Channel: dsl.Channel{Kind: string(ep.Channel), Application: src.Name, Handle: ep.Name, HandleScreenName: ep.Address},
		Conversation: dsl.Conversation{
			IsNew: conv.MessageCount <= 1, IsReturning: conv.IsReturning, PreviousConversations: conv.PreviousConversations,
			MessageCount: conv.MessageCount, RequeueCount: conv.RequeueCount, Priority: conv.Priority, Status: string(conv.Status),
			WaitMinutes: int(now.Sub(conv.CreatedAt) / time.Minute),
		},
	}
	ec.Customer.SetIdentity(string(ep.Channel), p.ExternalID)
	if len(f.MediaKinds) > 0 {
		ec.Message.MediaType = f.MediaKinds[0]
	}
	if contact != nil {
		ec.Customer.ContactID = string(contact.ID)
		ec.Customer.Tags = append(ec.Customer.Tags, contact.Tags...)
	}
	if conv.QueueID != "" {
		q, err := lk.Queue(ctx, conv.QueueID)
		if err == nil {
			ec.Conversation.Queue = q.Name
			if conv.Status == StatusOpen && conv.RoutedAt != nil {
				if ec.Conversation.QueuePosition, err = lk.QueuePosition(ctx, conv, q.Ordering); err != nil {
					return nil, err
				}
			}
		} else if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	ec.SetTime(now, ws.Location())
	s.withCalendars(ctx, ec, lk)
	return ec, nil
}

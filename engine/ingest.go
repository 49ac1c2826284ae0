package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// InboundMessage is a customer's message as a channel adapter hands it to
// the engine (the inbound port), already resolved to its source and
// endpoint. (ApplicationID, ExternalID) is its dedupe key: a channel that
// delivers a message again delivers the same key.
type InboundMessage struct {
	SourceID         SourceID
	EndpointID       EndpointID
	ExternalID       string // the channel's id for the message: unique per source
	ExternalThreadID string
	SentAt           time.Time // the channel's time for the message
	Customer         CustomerProfile
	Text             string
	Media            []Media
	Links            []Link // the links of the text, with where they lead
	InitiatedVia     []Initiation
	URLs             []string // links known only by where they lead (when there are no Links)
	Hashtags         []string
	QuickReply       string // the metadata of the quick-reply option chosen
	Language         string // the message's language as an IETF code, when the channel tells it
}

// IngestResult says what Ingest did with a message.
type IngestResult struct {
	ConversationID  ConversationID
	MessageID       MessageID
	Duplicate       bool // the event was stored before: nothing changed
	NewConversation bool
	Routing         *RoutingDecision // set when the message routed its conversation
	Status          Status
}

// errDuplicate ends an ingest whose event turned out to be stored, before
// it wrote anything. errRaced ends one that found, on inserting the message,
// that a concurrent delivery of the same event had won: its transaction has
// writes to roll back (and PostgreSQL's is aborted).
var (
	errDuplicate = errors.New("duplicate event")
	errRaced     = errors.New("duplicate event, delivered concurrently")
)

// Ingest stores an inbound DM exactly once: it drops a redelivered event,
// identifies the customer's contact, continues the customer's conversation
// with the endpoint or starts one, stores the message, and routes a
// conversation that waits for a queue. Only when Ingest returns nil is the
// message durably stored; a webhook answers 200 only then. Concurrent
// ingests share transactions (GroupCommit).
func (s *Service) Ingest(ctx context.Context, in InboundMessage) (IngestResult, error) {
	outs, err := s.IngestAll(ctx, []InboundMessage{in})
	if err != nil {
		return IngestResult{}, err
	}
	return outs[0], nil
}

// IngestAll ingests msgs in their order, sharing transactions with each
// other and with concurrent callers (GroupCommit). It returns every
// message's result; the error is the first message's that failed, the
// others are stored all the same.
func (s *Service) IngestAll(ctx context.Context, msgs []InboundMessage) ([]IngestResult, error) {
	for _, in := range msgs {
		if err := in.validate(); err != nil {
			return nil, err
		}
	}
	outs := s.groups.ingest(ctx, msgs)
	res := make([]IngestResult, len(outs))
	var first error
	for i, o := range outs {
		res[i] = o.res
		if o.err != nil && first == nil {
			first = o.err
		}
	}
	return res, first
}

// ingestAlone ingests one message in a transaction of its own.
func (s *Service) ingestAlone(ctx context.Context, in InboundMessage) (IngestResult, error) {
	var res IngestResult
	// A conflict on the conversation in progress means another delivery of
	// the same customer created it concurrently: the second try finds it.
	for attempt := 0; ; attempt++ {
		res = IngestResult{}
		err := s.change(ctx, func(tx Tx, fx *effects) error { return s.ingest(ctx, tx, fx, in, &res) })
		switch {
		case errors.Is(err, errDuplicate) || errors.Is(err, errRaced):
			res.Duplicate = true
			return res, nil
		case errors.Is(err, ErrConflict) && attempt < 2:
			continue
		case err != nil:
			return IngestResult{}, fmt.Errorf("ingest event %s: %w", in.ExternalID, err)
		}
		return res, nil
	}
}

func (in InboundMessage) validate() error {
	switch {
	case in.SourceID == "":
		return FieldError("application_id", "is required")
	case in.EndpointID == "":
		return FieldError("handle_id", "is required")
	case in.ExternalID == "":
		return FieldError("event_id", "is required")
	case in.Customer.ExternalID == "":
		return FieldError("customer.external_id", "is required")
	case in.SentAt.IsZero():
		return FieldError("sent_at", "is required")
	}
	return nil
}

func (s *Service) ingest(ctx context.Context, tx ingestTx, fx *effects, in InboundMessage, res *IngestResult) error {
	if m, err := tx.MessageByExternalID(ctx, in.SourceID, in.ExternalID); err == nil {
		res.Duplicate, res.ConversationID, res.MessageID = true, m.ConversationID, m.ID
		return errDuplicate
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	ep, err := tx.Endpoint(ctx, in.EndpointID)
	if err != nil {
		return err
	}
	if ep.SourceID != in.SourceID {
		return Errorf(ErrInvalid, "endpoint %s does not belong to source %s", in.EndpointID, in.SourceID)
	}
	ws, err := tx.WorkStream(ctx, ep.WorkStreamID)
	if err != nil {
		return err
	}
	in.Customer.Channel = ep.Channel
	now := s.clock.Now()
	contact, known, candidates, err := s.identify(ctx, tx, ws, in.Customer, now)
	if err != nil {
		return err
	}

	conv, err := tx.ConversationInProgress(ctx, ep.ID, in.Customer.ExternalID)
	switch {
	case errors.Is(err, ErrNotFound):
		previous, err := tx.CountClosedConversations(ctx, ep.ID, in.Customer.ExternalID)
		if err != nil {
			return err
		}
		conv = Conversation{
			ID: ConversationID(NewID(now)), SourceID: in.SourceID, EndpointID: ep.ID, WorkStreamID: ws.ID,
			ExternalThreadID: in.ExternalThreadID, Status: StatusOpen,
			IsReturning: previous > 0, PreviousConversations: previous, CreatedAt: now,
		}
		res.NewConversation = true
	case err != nil:
		return err
	}
	if contact != nil {
		conv.ContactID, conv.ContactCandidates = contact.ID, nil
	} else if conv.ContactID == "" && len(candidates) > 0 {
		conv.ContactCandidates = candidates
	}
	conv.Customer = in.Customer

	msg := Message{
		ID: MessageID(NewID(now)), ConversationID: conv.ID, SourceID: in.SourceID, Direction: Inbound,
		ExternalID: in.ExternalID, SenderExternalID: in.Customer.ExternalID, Text: in.Text, Media: in.Media,
		Links: in.Links, InitiatedVia: in.InitiatedVia, QuickReply: in.QuickReply, Features: featuresOf(in, known), SentAt: in.SentAt.UTC(), ReceivedAt: now,
	}
	conv.MessageCount++
	// The timers (stall, requeue, auto-close) run from when Switchboard
	// received the message, not from when the channel says it was sent: a
	// DM delivered days late (a backfill, a retry after an outage) is news
	// now. The thread still orders by the sent time.
	conv.LastMessageAt = laterOf(conv.LastMessageAt, msg.ReceivedAt)
	conv.LastCustomerMessageAt = laterOf(conv.LastCustomerMessageAt, msg.ReceivedAt)
	conv.UpdatedAt = now
	// A blocked customer's DM is stored, marked, and neither routed nor
	// offered (blocks.go).
	if blocked, err := customerBlocked(ctx, tx, in.Customer.Identity()); err != nil {
		return err
	} else if blocked {
		return s.ingestBlocked(ctx, tx, ep.Channel, &conv, msg, res)
	}
	if res.NewConversation {
		// A new conversation is routed before it is stored, so that it is
		// written once, with its queue.
		d, err := s.decide(ctx, tx, ws, ep, &conv, contact, msg, now, ReasonMatched)
		if err != nil {
			return err
		}
		res.Routing = &d
		if err := tx.CreateConversation(ctx, conv); err != nil {
			return err
		}
		if err := tx.AppendRoutingDecision(ctx, d); err != nil {
			return err
		}
	}
	if err := tx.AppendMessage(ctx, msg); err != nil {
		if errors.Is(err, ErrConflict) {
			// Delivered twice at the same moment: the other delivery won.
			res.Duplicate = true
			return errRaced
		}
		return err
	}
	noteIngested(tx, ep.Channel)
	if res.NewConversation {
		offered, err := s.offer(ctx, tx, fx, &conv, ws, res.Routing, now)
		if err != nil {
			return err
		}
		sent, err := s.sendAutomated(ctx, tx, &conv, ws, true, now) // automated.go
		if err != nil {
			return err
		}
		if offered || sent {
			if err := tx.UpdateConversation(ctx, conv); err != nil {
				return err
			}
		}
		res.ConversationID, res.MessageID, res.Status = conv.ID, msg.ID, conv.Status
		return nil
	}
	requeue := false
	if conv.Status == StatusWaiting {
		// The customer is back. The same agent takes it up again when the
		// work stream keeps agents and the agent is still at work (it holds
		// the capacity already); otherwise it is routed afresh.
		if keep, err := s.keepsAgent(ctx, tx, ws, conv); err != nil {
			return err
		} else if keep {
			conv.Status = StatusActive
		} else {
			previous := conv.AgentID
			// It keeps its queue until routed again, as a requeue by the
			// scheduler does, so that a rule sees where it was.
			conv.Status, conv.AgentID, conv.CapacityUnits = StatusOpen, "", 0
			conv.RequeueCount++
			noteRequeued(tx)
			requeue = true
			if err := fx.notify(previous, NoticeStatus, StatusNotice{ConversationID: string(conv.ID), Status: string(StatusOpen), Reason: "requeued: the customer wrote while you were away"}, now); err != nil {
				return err
			}
		}
	}
	if requeue || conv.Status == StatusOpen && conv.QueueID == "" {
		reason := ReasonMatched
		if requeue {
			reason = ReasonRequeue
		}
		d, err := s.route(ctx, tx, ws, ep, &conv, contact, msg, now, reason)
		if err != nil {
			return err
		}
		res.Routing = &d
		if _, err := s.offer(ctx, tx, fx, &conv, ws, &d, now); err != nil {
			return err
		}
	}
	if conv.AgentID != "" {
		if err := fx.notify(conv.AgentID, NoticeMessage, messageNotice(msg), now); err != nil {
			return err
		}
	}
	// A conversation waiting in a closed queue tells the customer so
	// (automated.go).
	if _, err := s.sendAutomated(ctx, tx, &conv, ws, false, now); err != nil {
		return err
	}
	if err := tx.UpdateConversation(ctx, conv); err != nil {
		return err
	}
	res.ConversationID, res.MessageID, res.Status = conv.ID, msg.ID, conv.Status
	return nil
}

// keepsAgent reports whether a waiting conversation goes back to its agent.
func (s *Service) keepsAgent(ctx context.Context, tx ingestTx, ws WorkStream, conv Conversation) (bool, error) {
	if !ws.KeepSameAgent || conv.AgentID == "" {
		return false, nil
	}
	a, err := tx.Agent(ctx, conv.AgentID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return a.Presence != PresenceOffline, nil
}

func laterOf(current *time.Time, t time.Time) *time.Time {
	if current != nil && current.After(t) {
		return current
	}
	return &t
}

// identify finds the customer's contact, as the reference product does: by
// the customer's channel identity, else (per the work stream) by screen name
// and then by display name among contacts not linked to a channel's customer; a profile that
// changed updates the contact. Exact matching links the one contact a name
// matches; asking links none and returns the matches as candidates for the
// agent. Without a link a contact is created, unless the work stream leaves
// such conversations unlinked or asks and has candidates. known reports
// whether the contact existed before this message.
func (s *Service) identify(ctx context.Context, tx ingestTx, ws WorkStream, p CustomerProfile, now time.Time) (contact *Contact, known bool, candidates []ContactID, err error) {
	c, err := tx.ContactByIdentity(ctx, p.Identity())
	switch {
	case err == nil:
		if profileChanged(c.Profile, p) {
			c.Profile, c.UpdatedAt = p, now
			if err := tx.UpdateContact(ctx, c); err != nil {
				return nil, false, nil, err
			}
		}
		return &c, true, nil, nil
	case !errors.Is(err, ErrNotFound):
		return nil, false, nil, err
	}
	if ws.ContactMatching != MatchOff {
		for _, by := range []struct{ field, value string }{{"screen_name", p.ScreenName}, {"name", p.Name}} {
			if strings.TrimSpace(by.value) == "" {
				continue
			}
			found, err := tx.ContactsByName(ctx, by.field, by.value)
			if err != nil {
				return nil, false, nil, err
			}
			if ws.ContactMatching == MatchExact && len(found) == 1 { // an ambiguous name links nothing
				c := found[0]
				c.Profile, c.UpdatedAt = p, now
				if err := tx.UpdateContact(ctx, c); err != nil {
					return nil, false, nil, err
				}
				return &c, true, nil, nil
			}
			for _, f := range found {
				if !slices.Contains(candidates, f.ID) {
					candidates = append(candidates, f.ID)
				}
			}
		}
		if ws.ContactMatching == MatchAsk && len(candidates) > 0 {
			return nil, false, candidates, nil
		}
		candidates = nil
	}
	if !ws.CreateContacts {
		return nil, false, nil, nil
	}
	c = Contact{ID: ContactID(NewID(now)), Profile: p, Tags: []string{}, CreatedAt: now, UpdatedAt: now}
	if err := tx.CreateContact(ctx, c); err != nil {
		return nil, false, nil, err
	}
	return &c, false, nil, nil
}

func profileChanged(old, p CustomerProfile) bool {
	return old.Name != p.Name || old.ScreenName != p.ScreenName || old.FollowersCount != p.FollowersCount ||
		old.FriendsCount != p.FriendsCount || old.Verified != p.Verified || old.Protected != p.Protected ||
		old.Location != p.Location || old.Description != p.Description || old.ProfileImageURL != p.ProfileImageURL ||
		old.Language != p.Language
}

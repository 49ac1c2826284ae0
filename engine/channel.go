package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ChannelMessage is one message of an endpoint as its channel's adapter
// normalized it: delivered by a webhook or read back by a backfill.
type ChannelMessage struct {
	ExternalID       string
	ExternalThreadID string
	// SentAt is when the channel says it was sent; zero when it does not
	// say, and then ReceiveChannelMessage takes the service's clock.
	SentAt              time.Time
	SenderExternalID    string
	RecipientExternalID string
	// Echo is set when the endpoint itself sent the message: the customer is
	// then the recipient.
	Echo bool
	// ClientID names the client application the sender used, if the
	// channel says (an echo of Switchboard's own send carries its own).
	ClientID string
	// Customer is the other party's profile; at least its ExternalID.
	Customer CustomerProfile
	Text     string
	Media    []Media
	// Links are the links of the text with where they lead, as the
	// channel reported them. URLs are links known only by where they lead,
	// for a channel that gives no more; a message's features take Links'
	// targets when there are Links, else URLs.
	Links []Link
	// InitiatedVia says what prompt of the business led to the message.
	InitiatedVia []Initiation
	URLs         []string
	Hashtags     []string
	QuickReply   string
}

// Subscription states of an endpoint (to its source's webhook).
const (
	SubscriptionUnknown       = "unknown"
	SubscriptionSubscribed    = "subscribed"
	SubscriptionNotSubscribed = "not_subscribed"
	SubscriptionError         = "error"
)

// Webhook states of a source.
const (
	WebhookUnknown = "unknown"
	WebhookValid   = "valid"
	WebhookInvalid = "invalid"
	WebhookError   = "error"
)

// EndpointHealth is how an endpoint's channel is doing: when it last
// received an event, whether it is subscribed to its source's webhook.
type EndpointHealth struct {
	EndpointID EndpointID
	// LastEventAt and LastEventID describe the newest event stored for
	// the endpoint (received or backfilled); under load they are written at
	// most once a second, so they may lag the newest message by that second.
	LastEventAt       *time.Time
	LastEventID       string
	Subscription      string // one of the Subscription* states
	SubscriptionError string
	CheckedAt         *time.Time
	// PausedUntil holds the endpoint's sends until its rate limit resets.
	PausedUntil *time.Time
}

// SourceHealth is the state of a source's webhook.
type SourceHealth struct {
	SourceID     SourceID
	WebhookID    string
	WebhookURL   string
	Webhook      string // one of the Webhook* states
	WebhookError string
	// ClientID is the source's own client id on the channel, learnt from
	// the echo of a message Switchboard sent.
	ClientID  string
	CheckedAt *time.Time
	// PausedUntil holds all the source's sends until a source-wide rate
	// limit resets.
	PausedUntil *time.Time
}

// SignOnStore keeps the sign-ons in progress.
type SignOnStore interface {
	CreateSignOn(ctx context.Context, s SignOn) error
	// TakeSignOn deletes and returns the sign-on of a request token;
	// ErrNotFound when there is none (never issued, or used already).
	TakeSignOn(ctx context.Context, requestToken string) (SignOn, error)
}

// HealthStore keeps how each endpoint and source is doing with its channel.
type HealthStore interface {
	// EndpointHealth returns an endpoint's health; one never checked has
	// zero values and state unknown.
	EndpointHealth(ctx context.Context, id EndpointID) (EndpointHealth, error)
	SaveEndpointHealth(ctx context.Context, h EndpointHealth) error
	SourceHealth(ctx context.Context, id SourceID) (SourceHealth, error)
	SaveSourceHealth(ctx context.Context, a SourceHealth) error
	// CountInboundSince counts the customer messages an endpoint received
	// (sent, by the channel's clock) after since.
	CountInboundSince(ctx context.Context, endpoint EndpointID, since time.Time) (int, error)
}

// SignOn is a sign-on in progress: the request token the channel issued
// for a pending endpoint, kept until the callback uses it (once) or it expires.
type SignOn struct {
	RequestToken  string
	RequestSecret Secret
	SourceID      SourceID
	EndpointID    EndpointID
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// ReceiveResult says what the engine did with a message of an endpoint.
type ReceiveResult struct {
	// Action is "ingested", "duplicate", "echo_ours" (Switchboard's own
	// send, dropped), "echo_recorded" (an agent wrote from another
	// client) or "echo_dropped" (no conversation in progress to record it in).
	Action         string
	ConversationID ConversationID
	MessageID      MessageID
}

// Receive actions.
const (
	ReceivedIngested     = "ingested"
	ReceivedDuplicate    = "duplicate"
	ReceivedEchoOurs     = "echo_ours"
	ReceivedEchoRecorded = "echo_recorded"
	ReceivedEchoDropped  = "echo_dropped"
)

// ReceiveChannelMessage takes one message of an endpoint, from a webhook or
// a backfill: a customer's message is ingested exactly once (Ingest); an
// echo of the endpoint's own message is dropped when Switchboard sent it, recorded as
// an outbound message of the customer's conversation when someone wrote
// from another client, and never starts a conversation. Returning nil means
// the outcome is committed.
func (s *Service) ReceiveChannelMessage(ctx context.Context, ep Endpoint, dm ChannelMessage) (ReceiveResult, error) {
	res, err := s.ReceiveChannelMessages(ctx, ep, []ChannelMessage{dm})
	if err != nil {
		return ReceiveResult{}, err
	}
	return res[0], nil
}

// ReceiveChannelMessages takes the messages of an endpoint that one
// delivery or one backfill page brought, oldest first, as
// ReceiveChannelMessage takes each: the customers' messages between two
// echoes are ingested together (IngestAll), so that a delivery of many DMs
// costs one transaction, not one each. Every message is handled even when
// one fails; the error is the first failure, and a message without one is
// committed when it returns.
func (s *Service) ReceiveChannelMessages(ctx context.Context, ep Endpoint, dms []ChannelMessage) ([]ReceiveResult, error) {
	now := s.clock.Now()
	dms = slices.Clone(dms)
	inbound := make([]InboundMessage, len(dms)) // the customers' messages, by index
	for i := range dms {
		dm := &dms[i]
		if dm.ExternalID == "" {
			return nil, FieldError("event_id", "is required")
		}
		if dm.SentAt.IsZero() {
			dm.SentAt = now // the channel did not date it
		}
		if dm.Echo {
			continue
		}
		inbound[i] = InboundMessage{
			SourceID: ep.SourceID, EndpointID: ep.ID, ExternalID: dm.ExternalID,
			ExternalThreadID: dm.ExternalThreadID, SentAt: dm.SentAt, Customer: dm.Customer,
			Text: dm.Text, Media: dm.Media, Links: dm.Links, InitiatedVia: dm.InitiatedVia, URLs: dm.URLs, Hashtags: dm.Hashtags, QuickReply: dm.QuickReply,
		}
		if err := inbound[i].validate(); err != nil {
			return nil, err
		}
	}
	results := make([]ReceiveResult, len(dms))
	var first error
	fail := func(err error) {
		if first == nil {
			first = err
		}
	}
	var newest *ChannelMessage
	for start := 0; start < len(dms); {
		if dms[start].Echo {
			res, err := s.recordEcho(ctx, ep, dms[start])
			if err != nil {
				fail(fmt.Errorf("record echo %s: %w", dms[start].ExternalID, err))
			} else {
				results[start] = res
				newest = newerOf(newest, &dms[start])
			}
			start++
			continue
		}
		end := start
		for end < len(dms) && !dms[end].Echo {
			end++
		}
		for i, o := range s.groups.ingest(ctx, inbound[start:end]) {
			if o.err != nil {
				fail(o.err)
				continue
			}
			res := ReceiveResult{Action: ReceivedIngested, ConversationID: o.res.ConversationID, MessageID: o.res.MessageID}
			if o.res.Duplicate {
				res.Action = ReceivedDuplicate
			}
			results[start+i] = res
			newest = newerOf(newest, &dms[start+i])
		}
		start = end
	}
	if newest != nil {
		if err := s.noteEndpointEvent(ctx, ep.ID, newest.ExternalID, newest.SentAt); err != nil {
			// Health is advisory: the messages themselves are committed.
			s.log.WarnContext(ctx, "could not note the endpoint's last event", "endpoint_id", ep.ID, "error", err)
		}
	}
	return results, first
}

// newerOf returns whichever of two messages has the newer event id.
func newerOf(a, b *ChannelMessage) *ChannelMessage {
	if a == nil || newerEvent(b.ExternalID, a.ExternalID) {
		return b
	}
	return a
}

// ExpandedText is the message's text with each link replaced by where it
// leads. A channel that wraps links (Twitter's t.co) sends back the text of
// a reply with its links wrapped, so it is compared with what was written
// once its links are expanded again.
func (m ChannelMessage) ExpandedText() string {
	t := m.Text
	for _, l := range m.Links {
		if l.URL != "" && l.Expanded != "" {
			t = strings.ReplaceAll(t, l.URL, l.Expanded)
		}
	}
	return t
}

// recordEcho handles an echo in one transaction.
func (s *Service) recordEcho(ctx context.Context, ep Endpoint, dm ChannelMessage) (ReceiveResult, error) {
	var res ReceiveResult
	app := ep.SourceID
	err := s.store.InTx(ctx, func(tx Tx) error {
		if id, err := tx.SentEventMessage(ctx, app, dm.ExternalID); err == nil {
			res = ReceiveResult{Action: ReceivedEchoOurs, MessageID: id}
			return s.learnClientID(ctx, tx, app, dm.ClientID)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if m, err := tx.MessageByExternalID(ctx, app, dm.ExternalID); err == nil {
			res = ReceiveResult{Action: ReceivedDuplicate, ConversationID: m.ConversationID, MessageID: m.ID}
			if _, err := tx.SentEventMessage(ctx, app, dm.ExternalID); err == nil {
				// The send committed between the two looks: ours.
				res.Action = ReceivedEchoOurs
				return s.learnClientID(ctx, tx, app, dm.ClientID)
			}
			return nil
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		health, err := tx.SourceHealth(ctx, app)
		if err != nil {
			return err
		}
		if health.ClientID != "" && dm.ClientID == health.ClientID {
			res = ReceiveResult{Action: ReceivedEchoOurs}
			return nil
		}
		customerID := dm.RecipientExternalID
		conv, err := tx.ConversationInProgress(ctx, ep.ID, customerID)
		if errors.Is(err, ErrNotFound) {
			res = ReceiveResult{Action: ReceivedEchoDropped}
			return nil
		} else if err != nil {
			return err
		}
		msgs, err := tx.Messages(ctx, conv.ID)
		if err != nil {
			return err
		}
		// The send may have committed since the first look (read committed):
		// look again after reading the messages, so that a message read as
		// already sent has its event ids visible here.
		if id, err := tx.SentEventMessage(ctx, app, dm.ExternalID); err == nil {
			res = ReceiveResult{Action: ReceivedEchoOurs, ConversationID: conv.ID, MessageID: id}
			return s.learnClientID(ctx, tx, app, dm.ClientID)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		// The echo may arrive before the send that caused it has committed
		// its event ids (§8): a message being sent with this text is ours.
		text := strings.TrimSpace(dm.ExpandedText())
		for _, m := range msgs {
			if m.Direction == Outbound && m.Delivery == DeliverySending && text != "" && strings.Contains(m.Text, text) {
				if err := tx.RecordSentEvents(ctx, app, m.ID, []string{dm.ExternalID}); err != nil {
					return err
				}
				res = ReceiveResult{Action: ReceivedEchoOurs, ConversationID: conv.ID, MessageID: m.ID}
				return s.learnClientID(ctx, tx, app, dm.ClientID)
			}
		}
		now := s.clock.Now()
		msg := Message{
			ID: MessageID(NewID(now)), ConversationID: conv.ID, SourceID: app, Direction: Outbound,
			ExternalID: dm.ExternalID, SenderExternalID: ep.ExternalID, Text: dm.Text, Media: dm.Media, Links: dm.Links,
			SentAt: dm.SentAt.UTC(), ReceivedAt: now, Delivery: DeliverySent,
		}
		if err := tx.AppendMessage(ctx, msg); err != nil {
			if errors.Is(err, ErrConflict) {
				res = ReceiveResult{Action: ReceivedDuplicate, ConversationID: conv.ID}
				return nil
			}
			return err
		}
		conv.MessageCount++
		// Timers run from the received time, as for a customer's message.
		conv.LastMessageAt = laterOf(conv.LastMessageAt, msg.ReceivedAt)
		conv.LastAgentMessageAt = laterOf(conv.LastAgentMessageAt, msg.ReceivedAt)
		conv.UpdatedAt = now
		if err := tx.UpdateConversation(ctx, conv); err != nil {
			return err
		}
		res = ReceiveResult{Action: ReceivedEchoRecorded, ConversationID: conv.ID, MessageID: msg.ID}
		return nil
	})
	return res, err
}

// learnClientID remembers the source's own client id from the echo of a
// message Switchboard sent, so that later echoes are recognised by it even
// before their send has committed.
func (s *Service) learnClientID(ctx context.Context, tx HealthStore, app SourceID, clientID string) error {
	if clientID == "" {
		return nil
	}
	h, err := tx.SourceHealth(ctx, app)
	if err != nil {
		return err
	}
	if h.ClientID == clientID {
		return nil
	}
	h.SourceID, h.ClientID = app, clientID
	return tx.SaveSourceHealth(ctx, h)
}

// noteEndpointEvent advances the endpoint's newest event, in one
// transaction; for a busy endpoint at most once a second (see endpointEventNotes).
func (s *Service) noteEndpointEvent(ctx context.Context, endpoint EndpointID, eventID string, at time.Time) error {
	now := s.clock.Now()
	if !s.eventNotes.claim(endpoint, now) {
		return nil
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		h, err := tx.EndpointHealth(ctx, endpoint)
		if err != nil {
			return err
		}
		if h.LastEventID != "" && !newerEvent(eventID, h.LastEventID) {
			return nil
		}
		at = at.UTC()
		h.EndpointID, h.LastEventID, h.LastEventAt = endpoint, eventID, &at
		return tx.SaveEndpointHealth(ctx, h)
	})
	if err != nil {
		s.eventNotes.release(endpoint, now)
	}
	return err
}

// newerEvent compares two snowflake ids.
func newerEvent(a, b string) bool {
	x, errA := strconv.ParseUint(a, 10, 64)
	y, errB := strconv.ParseUint(b, 10, 64)
	if errA != nil || errB != nil {
		return a > b
	}
	return x > y
}

// EndpointHealth returns an endpoint's channel health.
func (s *Service) EndpointHealth(ctx context.Context, id EndpointID) (EndpointHealth, error) {
	h, err := s.store.EndpointHealth(ctx, id)
	if err != nil {
		return EndpointHealth{}, fmt.Errorf("endpoint health: %w", err)
	}
	h.EndpointID = id
	return h, nil
}

// eventNoteInterval is how often a busy endpoint's newest event is written.
const eventNoteInterval = time.Second

// endpointEventNotes remembers when this process last wrote each endpoint's
// newest event, so that under load the health is written once a second
// rather than once a delivery (a transaction and a commit each, all on the
// endpoint's one row). LastEventAt may then lag the newest message by up to that
// second, which its readers (silence alerts after hours, backfill with an
// hour's overlap) do not notice.
type endpointEventNotes struct {
	mu   sync.Mutex
	last map[EndpointID]time.Time
}

// claim reports whether the caller is to write the endpoint's newest event
// now: none was written or claimed less than eventNoteInterval before now.
// Checking and claiming at once keeps the deliveries that arrive together
// when the interval ends from all writing (and queueing on the health
// row's lock).
func (n *endpointEventNotes) claim(h EndpointID, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if t, ok := n.last[h]; ok && now.Sub(t) < eventNoteInterval && !now.Before(t) {
		return false
	}
	if n.last == nil {
		n.last = map[EndpointID]time.Time{}
	}
	n.last[h] = now
	return true
}

// release gives up the claim made at now, whose write failed, so that the
// next delivery writes.
func (n *endpointEventNotes) release(h EndpointID, now time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.last[h].Equal(now) {
		delete(n.last, h)
	}
}

// ChannelActor is the actor of the changes a channel makes by itself (an
// endpoint disconnected because the channel refuses its token).
func ChannelActor(ch Channel) Actor {
	return Actor{Name: string(ch) + " channel", Role: RoleAdmin}
}

// DisconnectEndpoint marks an endpoint disconnected and its subscription
// gone, in one transaction, by its channel: e.g. when the channel refuses
// its credentials (revoked or expired). reason is shown to admins and must
// hold no secret.
func (s *Service) DisconnectEndpoint(ctx context.Context, id EndpointID, reason string) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		e, err := tx.Endpoint(ctx, id)
		if err != nil {
			return err
		}
		return s.audited(ctx, tx, ChannelActor(e.Channel), func() (AuditEntry, error) {
			now := s.clock.Now()
			e.Status, e.StatusReason, e.UpdatedAt = EndpointDisconnected, reason, now
			if err := tx.UpdateEndpoint(ctx, e); err != nil {
				return AuditEntry{}, err
			}
			health, err := tx.EndpointHealth(ctx, id)
			if err != nil {
				return AuditEntry{}, err
			}
			health.EndpointID, health.Subscription, health.SubscriptionError, health.CheckedAt = id, SubscriptionNotSubscribed, reason, &now
			if err := tx.SaveEndpointHealth(ctx, health); err != nil {
				return AuditEntry{}, err
			}
			resource := s.endpointAudit[e.Channel]
			if resource == "" {
				resource = "endpoint"
			}
			return AuditEntry{Action: "status", Resource: resource, ResourceID: string(id),
				Summary: fmt.Sprintf("%s endpoint %s is disconnected: %s", e.Channel, e.label(), reason)}, nil
		})
	})
}

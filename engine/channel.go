package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TwitterGateway is what the engine needs from Twitter: "Sign on to
// Twitter", the webhook and subscription "ensure" steps, and listing recent
// DM events for backfill (replies go through the channel's Sender). The Twitter adapter implements it
// over its API client; tests may use a fake. Failures that Twitter answered
// (or that never got an answer) are *TwitterError values, so that the engine
// knows whether to retry, wait, disconnect the handle or give up; their
// messages never contain secrets.
type TwitterGateway interface {
	// RequestSignOn obtains a request token whose authorization redirects
	// to callbackURL, and the authorization page to send the admin to.
	RequestSignOn(ctx context.Context, app TwitterApplication, callbackURL string) (SignOnRequest, error)
	// CompleteSignOn exchanges a request token and the callback's verifier
	// for the handle's access token, and reads who the handle is.
	CompleteSignOn(ctx context.Context, app TwitterApplication, requestToken string, requestSecret Secret, verifier string) (TwitterAccount, error)
	// EnsureWebhook makes callbackURL a valid registered webhook of the
	// application (registering it, or re-validating it, as needed). owner
	// is the handle whose token manages webhooks where the dialect needs a
	// user token (premium). It never deletes another webhook.
	EnsureWebhook(ctx context.Context, app TwitterApplication, owner TwitterHandle, callbackURL string) (TwitterWebhook, error)
	// EnsureSubscription subscribes the handle to the webhook unless it is.
	EnsureSubscription(ctx context.Context, app TwitterApplication, handle TwitterHandle, webhookID string) error
	// ListDMEvents reads one page of the handle's recent DM events, newest
	// first; cursor "" starts with the newest.
	ListDMEvents(ctx context.Context, app TwitterApplication, handle TwitterHandle, cursor string) (TwitterDMPage, error)
}

// SignOnRequest is the start of a sign-on: a request token (its secret
// kept server-side) and the page where the admin authorizes it.
type SignOnRequest struct {
	Token            string
	Secret           Secret
	AuthorizationURL string
}

// TwitterAccount is a completed sign-on: who the handle is, and its tokens.
type TwitterAccount struct {
	UserID            string
	ScreenName        string
	AccessToken       Secret
	AccessTokenSecret Secret
}

// TwitterWebhook is an application's registered webhook.
type TwitterWebhook struct {
	ID    string
	URL   string
	Valid bool
}

// TwitterDMPage is one page of DM events, newest first.
type TwitterDMPage struct {
	DMs        []ChannelMessage
	NextCursor string // empty on the last page
}

// ChannelMessage is one direct message of a handle, normalized by the adapter:
// delivered by the webhook or listed by backfill.
type ChannelMessage struct {
	ExternalID               string
	ExternalThreadID string
	// SentAt is the DM's created_timestamp; zero when the payload has
	// none, and then ReceiveChannelMessage takes the service's clock.
	SentAt      time.Time
	SenderExternalID    string
	RecipientExternalID string
	// Echo is set when the handle itself sent the message: the customer is
	// then the recipient.
	Echo bool
	// ClientID is the numeric id of the app the sender used, if known.
	ClientID string
	// Customer is the other party's profile; at least its TwitterID.
	Customer   CustomerProfile
	Text       string
	Media      []Media
	URLs       []string
	Hashtags   []string
	QuickReply string
}

// ErrNoTwitter is returned by operations that need Twitter when the service
// has no TwitterGateway.
var ErrNoTwitter = Errorf(ErrUnavailable, "Twitter is not configured in this service")

// Subscription states of a handle.
const (
	SubscriptionUnknown       = "unknown"
	SubscriptionSubscribed    = "subscribed"
	SubscriptionNotSubscribed = "not_subscribed"
	SubscriptionError         = "error"
)

// Webhook states of an application.
const (
	WebhookUnknown = "unknown"
	WebhookValid   = "valid"
	WebhookInvalid = "invalid"
	WebhookError   = "error"
)

// EndpointHealth is how a handle's channel is doing: when it last received
// an event, whether it is subscribed to the application's webhook.
type EndpointHealth struct {
	EndpointID EndpointID
	// LastEventAt and LastEventID describe the newest DM event stored for
	// the handle (received or backfilled); under load they are written at
	// most once a second, so they may lag the newest DM by that second.
	LastEventAt       *time.Time
	LastEventID       string
	Subscription      string // one of the Subscription* states
	SubscriptionError string
	CheckedAt         *time.Time
	// PausedUntil holds the handle's sends until its rate limit resets.
	PausedUntil *time.Time
}

// SourceHealth is the state of an application's webhook.
type SourceHealth struct {
	SourceID SourceID
	WebhookID     string
	WebhookURL    string
	Webhook       string // one of the Webhook* states
	WebhookError  string
	// ClientID is the application's numeric id at Twitter
	// (source_app_id), learnt from the echo of a DM Switchboard sent.
	ClientID string
	CheckedAt    *time.Time
	// PausedUntil holds all the application's sends until an app-wide
	// rate limit resets.
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
	// EndpointHealth returns a handle's health; a handle never checked has
	// zero values and state unknown.
	EndpointHealth(ctx context.Context, id EndpointID) (EndpointHealth, error)
	SaveEndpointHealth(ctx context.Context, h EndpointHealth) error
	SourceHealth(ctx context.Context, id SourceID) (SourceHealth, error)
	SaveSourceHealth(ctx context.Context, a SourceHealth) error
	// CountInboundSince counts the customer messages a handle received
	// (sent by Twitter's clock) after since.
	CountInboundSince(ctx context.Context, handle EndpointID, since time.Time) (int, error)
}

// SignOn is a sign-on in progress: the request token Twitter issued for a
// pending handle, kept until the callback uses it (once) or it expires.
type SignOn struct {
	RequestToken  string
	RequestSecret Secret
	SourceID SourceID
	EndpointID      EndpointID
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// ReceiveResult says what the engine did with a DM of a handle.
type ReceiveResult struct {
	// Action is "ingested", "duplicate", "echo_ours" (Switchboard's own
	// send, dropped), "echo_recorded" (an agent wrote from Twitter's own
	// app) or "echo_dropped" (no conversation in progress to record it in).
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

// ReceiveChannelMessage takes one DM of a handle, from the webhook or from
// backfill: a customer's DM is ingested exactly once (Ingest); an echo of
// the handle's own message is dropped when Switchboard sent it, recorded as
// an outbound message of the customer's conversation when someone wrote
// from another app, and never starts a conversation. Returning nil means
// the outcome is committed.
func (s *Service) ReceiveChannelMessage(ctx context.Context, handle TwitterHandle, dm ChannelMessage) (ReceiveResult, error) {
	if dm.ExternalID == "" {
		return ReceiveResult{}, FieldError("event_id", "is required")
	}
	if dm.SentAt.IsZero() {
		dm.SentAt = s.clock.Now() // a payload without created_timestamp
	}
	var res ReceiveResult
	if !dm.Echo {
		r, err := s.Ingest(ctx, InboundMessage{
			SourceID: handle.ApplicationID, EndpointID: handle.ID, ExternalID: dm.ExternalID,
			ExternalThreadID: dm.ExternalThreadID, SentAt: dm.SentAt, Customer: dm.Customer,
			Text: dm.Text, Media: dm.Media, URLs: dm.URLs, Hashtags: dm.Hashtags, QuickReply: dm.QuickReply,
		})
		if err != nil {
			return ReceiveResult{}, err
		}
		res = ReceiveResult{Action: ReceivedIngested, ConversationID: r.ConversationID, MessageID: r.MessageID}
		if r.Duplicate {
			res.Action = ReceivedDuplicate
		}
	} else {
		var err error
		if res, err = s.recordEcho(ctx, handle, dm); err != nil {
			return ReceiveResult{}, fmt.Errorf("record echo %s: %w", dm.ExternalID, err)
		}
	}
	if err := s.noteHandleEvent(ctx, handle.ID, dm.ExternalID, dm.SentAt); err != nil {
		// Health is advisory: the message itself is committed.
		s.log.WarnContext(ctx, "could not note the handle's last event", "handle_id", handle.ID, "error", err)
	}
	return res, nil
}

// recordEcho handles an echo in one transaction.
func (s *Service) recordEcho(ctx context.Context, handle TwitterHandle, dm ChannelMessage) (ReceiveResult, error) {
	var res ReceiveResult
	app := handle.ApplicationID
	err := s.store.InTx(ctx, func(tx Tx) error {
		if id, err := tx.SentEventMessage(ctx, app, dm.ExternalID); err == nil {
			res = ReceiveResult{Action: ReceivedEchoOurs, MessageID: id}
			return s.learnAppID(ctx, tx, app, dm.ClientID)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if m, err := tx.MessageByExternalID(ctx, app, dm.ExternalID); err == nil {
			res = ReceiveResult{Action: ReceivedDuplicate, ConversationID: m.ConversationID, MessageID: m.ID}
			if _, err := tx.SentEventMessage(ctx, app, dm.ExternalID); err == nil {
				// The send committed between the two looks: ours.
				res.Action = ReceivedEchoOurs
				return s.learnAppID(ctx, tx, app, dm.ClientID)
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
		conv, err := tx.ConversationInProgress(ctx, handle.ID, customerID)
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
			return s.learnAppID(ctx, tx, app, dm.ClientID)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		// The echo may arrive before the send that caused it has committed
		// its event ids (§8): a message being sent with this text is ours.
		text := strings.TrimSpace(dm.Text)
		for _, m := range msgs {
			if m.Direction == Outbound && m.Delivery == DeliverySending && text != "" && strings.Contains(m.Text, text) {
				if err := tx.RecordSentEvents(ctx, app, m.ID, []string{dm.ExternalID}); err != nil {
					return err
				}
				res = ReceiveResult{Action: ReceivedEchoOurs, ConversationID: conv.ID, MessageID: m.ID}
				return s.learnAppID(ctx, tx, app, dm.ClientID)
			}
		}
		now := s.clock.Now()
		msg := Message{
			ID: MessageID(NewID(now)), ConversationID: conv.ID, SourceID: app, Direction: Outbound,
			ExternalID: dm.ExternalID, SenderExternalID: handle.UserID, Text: dm.Text, Media: dm.Media,
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
		conv.LastMessageAt = laterOf(conv.LastMessageAt, msg.SentAt)
		conv.LastAgentMessageAt = laterOf(conv.LastAgentMessageAt, msg.SentAt)
		conv.UpdatedAt = now
		if err := tx.UpdateConversation(ctx, conv); err != nil {
			return err
		}
		res = ReceiveResult{Action: ReceivedEchoRecorded, ConversationID: conv.ID, MessageID: msg.ID}
		return nil
	})
	return res, err
}

// learnAppID remembers the application's numeric Twitter id from the echo
// of a message Switchboard sent, so that later echoes are recognised by
// source_app_id even before their send has committed.
func (s *Service) learnAppID(ctx context.Context, tx Tx, app SourceID, sourceAppID string) error {
	if sourceAppID == "" {
		return nil
	}
	h, err := tx.SourceHealth(ctx, app)
	if err != nil {
		return err
	}
	if h.ClientID == sourceAppID {
		return nil
	}
	h.SourceID, h.ClientID = app, sourceAppID
	return tx.SaveSourceHealth(ctx, h)
}

// noteHandleEvent advances the handle's newest event, in one transaction;
// for a busy handle at most once a second (see handleEventNotes).
func (s *Service) noteHandleEvent(ctx context.Context, handle EndpointID, eventID string, at time.Time) error {
	now := s.clock.Now()
	if !s.eventNotes.claim(handle, now) {
		return nil
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		h, err := tx.EndpointHealth(ctx, handle)
		if err != nil {
			return err
		}
		if h.LastEventID != "" && !newerEvent(eventID, h.LastEventID) {
			return nil
		}
		at = at.UTC()
		h.EndpointID, h.LastEventID, h.LastEventAt = handle, eventID, &at
		return tx.SaveEndpointHealth(ctx, h)
	})
	if err != nil {
		s.eventNotes.release(handle, now)
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

// DisconnectTwitterUser marks the handle of app connected as Twitter user
// userID disconnected, e.g. when the user revoked the application: its
// token no longer works and its subscription is gone. A user that is no
// handle of app is ignored.
func (s *Service) DisconnectTwitterUser(ctx context.Context, app SourceID, userID, reason string) error {
	h, err := twitterOf(s.store).TwitterHandleByUserID(ctx, app, userID)
	if errors.Is(err, ErrNotFound) {
		return nil
	} else if err != nil {
		return fmt.Errorf("disconnect Twitter user %s: %w", userID, err)
	}
	if err := s.disconnect(ctx, h.ID, reason); err != nil {
		return fmt.Errorf("disconnect Twitter user %s: %w", userID, err)
	}
	return nil
}

// channelActor is the actor of changes the Twitter channel makes by itself.
var channelActor = Actor{Name: "twitter channel", Role: RoleAdmin}

// disconnect marks a handle disconnected and its subscription gone, in one
// transaction.
func (s *Service) disconnect(ctx context.Context, id EndpointID, reason string) error {
	return s.write(ctx, channelActor, func(tx Tx) (AuditEntry, error) {
		h, err := twitterOf(tx).TwitterHandle(ctx, id)
		if err != nil {
			return AuditEntry{}, err
		}
		now := s.clock.Now()
		h.Status, h.StatusReason, h.UpdatedAt = EndpointDisconnected, reason, now
		if err := twitterOf(tx).UpdateTwitterHandle(ctx, h); err != nil {
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
		return AuditEntry{Action: "status", Resource: "twitter_handle", ResourceID: string(id),
			Summary: fmt.Sprintf("handle %q is disconnected: %s", h.Name, reason)}, nil
	})
}

// EndpointHealth returns a handle's channel health.
func (s *Service) EndpointHealth(ctx context.Context, id EndpointID) (EndpointHealth, error) {
	h, err := s.store.EndpointHealth(ctx, id)
	if err != nil {
		return EndpointHealth{}, fmt.Errorf("handle health: %w", err)
	}
	h.EndpointID = id
	return h, nil
}

// SilentHandle is an active handle that usually receives DMs and has been
// silent for longer than the threshold.
type SilentHandle struct {
	Handle      TwitterHandle
	LastEventAt time.Time
	Usual       int // customer messages in the week before it fell silent
}

// CheckSilentHandles finds active handles that received at least busyMin
// customer messages in the week before their last event and none for
// longer than silentAfter, and logs a warning for each: their webhook or
// subscription may be broken. Tokens are not part of the answer.
func (s *Service) CheckSilentHandles(ctx context.Context, silentAfter time.Duration, busyMin int) ([]SilentHandle, error) {
	now := s.clock.Now()
	var out []SilentHandle
	err := s.eachActiveHandle(ctx, func(app TwitterApplication, h TwitterHandle) error {
		health, err := s.store.EndpointHealth(ctx, h.ID)
		if err != nil {
			return err
		}
		if health.LastEventAt == nil || now.Sub(*health.LastEventAt) <= silentAfter {
			return nil
		}
		n, err := s.store.CountInboundSince(ctx, h.ID, health.LastEventAt.Add(-7*24*time.Hour))
		if err != nil {
			return err
		}
		if n < busyMin {
			return nil
		}
		out = append(out, SilentHandle{Handle: h.withoutSecrets(), LastEventAt: *health.LastEventAt, Usual: n})
		s.log.WarnContext(ctx, "a usually busy Twitter handle has received nothing for a while: check its webhook and subscription (POST /api/v1/twitter/applications/{id}/verify)",
			"handle_id", h.ID, "screen_name", h.ScreenName, "application_id", app.ID, "silent_for", now.Sub(*health.LastEventAt).Round(time.Second).String(),
			"messages_in_week_before", n)
		return nil
	})
	return out, err
}

// eachActiveHandle calls fn for every active handle of every enabled
// application, with credentials.
func (s *Service) eachActiveHandle(ctx context.Context, fn func(app TwitterApplication, h TwitterHandle) error) error {
	p := Page{Limit: 100}
	for {
		apps, err := twitterOf(s.store).ListTwitterApplications(ctx, p)
		if err != nil {
			return err
		}
		for _, a := range apps.Items {
			if !a.Enabled {
				continue
			}
			hp := Page{Limit: 100}
			for {
				hs, err := twitterOf(s.store).ListTwitterHandles(ctx, a.ID, hp)
				if err != nil {
					return err
				}
				for _, h := range hs.Items {
					if h.Status != EndpointActive {
						continue
					}
					if err := fn(a, h); err != nil {
						return err
					}
				}
				if hs.Next == "" {
					break
				}
				hp.After = hs.Next
			}
		}
		if apps.Next == "" {
			return nil
		}
		p.After = apps.Next
	}
}

// HandleHealthReport is one handle's health with its application's
// webhook state, for metrics and dashboards. The handle has no tokens.
type HandleHealthReport struct {
	Handle      TwitterHandle
	Health      EndpointHealth
	Application SourceHealth
}

// TwitterChannelHealth reports every handle of every enabled application.
func (s *Service) TwitterChannelHealth(ctx context.Context) ([]HandleHealthReport, error) {
	var out []HandleHealthReport
	p := Page{Limit: 100}
	for {
		apps, err := twitterOf(s.store).ListTwitterApplications(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("channel health: %w", err)
		}
		for _, a := range apps.Items {
			if !a.Enabled {
				continue
			}
			ah, err := s.store.SourceHealth(ctx, a.ID)
			if err != nil {
				return nil, fmt.Errorf("channel health: %w", err)
			}
			ah.SourceID = a.ID
			hp := Page{Limit: 100}
			for {
				hs, err := twitterOf(s.store).ListTwitterHandles(ctx, a.ID, hp)
				if err != nil {
					return nil, fmt.Errorf("channel health: %w", err)
				}
				for _, h := range hs.Items {
					hh, err := s.EndpointHealth(ctx, h.ID)
					if err != nil {
						return nil, err
					}
					out = append(out, HandleHealthReport{Handle: h.withoutSecrets(), Health: hh, Application: ah})
				}
				if hs.Next == "" {
					break
				}
				hp.After = hs.Next
			}
		}
		if apps.Next == "" {
			return out, nil
		}
		p.After = apps.Next
	}
}

// eventNoteInterval is how often a busy handle's newest event is written.
const eventNoteInterval = time.Second

// handleEventNotes remembers when this process last wrote each handle's
// newest event, so that under load the health is written once a second
// rather than once a delivery (a transaction and a commit each, all on the
// handle's one row). LastEventAt may then lag the newest DM by up to that
// second, which its readers (silence alerts after hours, backfill with an
// hour's overlap) do not notice.
type handleEventNotes struct {
	mu   sync.Mutex
	last map[EndpointID]time.Time
}

// claim reports whether the caller is to write the handle's newest event
// now: none was written or claimed less than eventNoteInterval before now.
// Checking and claiming at once keeps the deliveries that arrive together
// when the interval ends from all writing (and queueing on the health
// row's lock).
func (n *handleEventNotes) claim(h EndpointID, now time.Time) bool {
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
func (n *handleEventNotes) release(h EndpointID, now time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.last[h].Equal(now) {
		delete(n.last, h)
	}
}

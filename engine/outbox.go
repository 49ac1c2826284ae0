package engine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxReplyLength bounds an agent's reply, in characters. A channel with a
// smaller bound (Twitter takes 10,000 per DM) sends a longer reply in parts.
const MaxReplyLength = 40000

// EnqueueReply stores an agent's reply to conv as an outbound message,
// delivery queued, in the outbox, inside the caller's transaction tx: the
// reply and its outbox row commit (or roll back) together. The sender
// (RunOutbox) picks it up. It does not change conv: the caller updates the
// conversation's counters (MessageCount, LastMessageAt, LastAgentMessageAt)
// and saves it. An empty or over-long text is ErrInvalid.
func (s *Service) EnqueueReply(ctx context.Context, tx ReplyStore, conv Conversation, author AgentID, text string, now time.Time) (Message, error) {
	return s.enqueueOutbound(ctx, tx, conv, author, text, false, now)
}

// enqueueOutbound is EnqueueReply, for an agent's reply or (automated set,
// no author) an automated message (automated.go).
func (s *Service) enqueueOutbound(ctx context.Context, tx ReplyStore, conv Conversation, author AgentID, text string, automated bool, now time.Time) (Message, error) {
	if strings.TrimSpace(text) == "" {
		return Message{}, FieldError("text", "is required")
	}
	if n := utf8.RuneCountInString(text); n > MaxReplyLength {
		return Message{}, FieldError("text", "is %d characters long; the limit is %d", n, MaxReplyLength)
	}
	if conv.Customer.ExternalID == "" {
		return Message{}, Errorf(ErrInvalid, "conversation %s has no customer to reply to", conv.ID)
	}
	ep, err := tx.Endpoint(ctx, conv.EndpointID)
	if err != nil {
		return Message{}, fmt.Errorf("enqueue reply: %w", err)
	}
	now = now.UTC()
	m := Message{
		ID: MessageID(NewID(now)), ConversationID: conv.ID, SourceID: conv.SourceID, Direction: Outbound,
		SenderExternalID: ep.ExternalID, AuthorAgentID: author, Text: text, Media: []Media{},
		SentAt: now, ReceivedAt: now, Delivery: DeliveryQueued, Automated: automated,
	}
	if err := tx.AppendMessage(ctx, m); err != nil {
		return Message{}, fmt.Errorf("enqueue reply: %w", err)
	}
	if err := tx.ScheduleOutbound(ctx, m.ID, conv.EndpointID, conv.Customer.ExternalID, now); err != nil {
		return Message{}, fmt.Errorf("enqueue reply: %w", err)
	}
	return m, nil
}

// RetryMessage puts a failed outbound message back in the outbox, due now,
// with its attempts reset. An agent may retry only messages of the
// conversations offered or assigned to it.
func (s *Service) RetryMessage(ctx context.Context, actor Actor, conv ConversationID, id MessageID) (Message, error) {
	var out Message
	err := s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		c, err := tx.Conversation(ctx, conv)
		if err != nil {
			return AuditEntry{}, err
		}
		if actor.Role == RoleAgent && c.AgentID != actor.AgentID && c.OfferedAgentID != actor.AgentID {
			return AuditEntry{}, Errorf(ErrNotFound, "no conversation has the id %q", conv)
		}
		item, err := tx.OutboxMessage(ctx, id)
		if err != nil {
			return AuditEntry{}, err
		}
		if item.ConversationID != conv || item.Direction != Outbound {
			return AuditEntry{}, Errorf(ErrNotFound, "conversation %s has no outbound message %q", conv, id)
		}
		if item.Delivery != DeliveryFailed {
			return AuditEntry{}, Errorf(ErrConflict, "message %s is %s; only a failed message can be retried", id, item.Delivery)
		}
		now := s.clock.Now()
		u := DeliveryUpdate{ID: id, Status: DeliveryQueued, NextAttemptAt: now, SentParts: item.SentParts, ExternalID: item.ExternalID}
		if err := tx.UpdateDelivery(ctx, u); err != nil {
			return AuditEntry{}, err
		}
		out = item.Message
		out.Delivery, out.Attempts, out.LastError = DeliveryQueued, 0, ""
		return AuditEntry{Action: "retry", Resource: "message", ResourceID: string(id),
			Summary: fmt.Sprintf("queued failed message %s of conversation %s again", id, conv)}, nil
	})
	if err == nil {
		s.wakeOutbox()
	}
	return out, err
}

// OutboxOptions tune the sender.
type OutboxOptions struct {
	// Batch is how many messages one claim takes (default 20).
	Batch int
	// Lease is how long a claimed message stays "sending" before another
	// sender may take it (default 2 min).
	Lease time.Duration
	// MaxAttempts bounds the attempts at a message that keeps failing with
	// retryable errors (default 8); rate limits do not count.
	MaxAttempts int
	// Backoff is the wait before retry number attempt (default
	// DefaultBackoff).
	Backoff func(attempt int) time.Duration
	// Interval is how often RunOutbox looks for due messages (default 1 s).
	Interval time.Duration
	// Observe, when set, is told the result of each send attempt: "sent",
	// "retry", "rate_limited", "failed", "recovered" or "paused".
	Observe func(result string)
}

func (o OutboxOptions) withDefaults() OutboxOptions {
	if o.Batch <= 0 {
		o.Batch = 20
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Observe == nil {
		o.Observe = func(string) {}
	}
	return o
}

// DefaultBackoff is exponential from 1 s, doubling, capped at 5 min, with
// jitter in the upper half so that senders do not retry in step.
func DefaultBackoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := 5 * time.Minute
	if attempt < 10 {
		d = min(time.Second<<(attempt-1), d)
	}
	return d/2 + rand.N(d/2+1)
}

// Send results reported to OutboxOptions.Observe.
const (
	SendSent        = "sent"
	SendRetry       = "retry"
	SendRateLimited = "rate_limited"
	SendFailed      = "failed"
	SendRecovered   = "recovered" // a re-claimed message found already sent
	SendPaused      = "paused"    // held back by a rate-limit pause, not sent
)

// OutboxRun counts what one SendDue did.
type OutboxRun struct {
	Claimed, Sent, Retried, RateLimited, Failed, Recovered int
	// Released counts claimed messages handed back unsent because half
	// the lease had passed before their turn.
	Released int
}

// RunOutbox sends due outbox messages until ctx is done, claiming a batch
// every opts.Interval, at once again after a batch that sent something,
// and at once when a reply is queued in this process. The poll finds what other replicas
// queued and what is due again after a backoff.
func (s *Service) RunOutbox(ctx context.Context, opts OutboxOptions) {
	opts = opts.withDefaults()
	t := time.NewTicker(opts.Interval)
	defer t.Stop()
	for {
		run, err := s.SendDue(ctx, opts)
		if err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "outbox: sending failed", "error", err)
		}
		// A full batch may have left more due; a send may have made the
		// next reply to the same customer due (one at a time each).
		if err == nil && (run.Claimed >= opts.Batch || run.Sent+run.Recovered > 0) {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.outboxWake:
		}
	}
}

// wakeOutbox tells RunOutbox, after a commit, that a message is due now.
func (s *Service) wakeOutbox() {
	select {
	case s.outboxWake <- struct{}{}:
	default: // a wake is pending already
	}
}

// SendDue claims one batch of due outbox messages and sends each through
// its channel's Sender: sent messages record their external ids (so their
// echoes are recognised); retryable failures are retried with backoff up
// to opts.MaxAttempts; a rate limit delays the endpoint's (or, for a
// source-wide cap, the source's) queued messages to its reset; permanent
// failures fail the message with the reason, and refused credentials
// disconnect the endpoint.
//
// A message whose lease ran out while "sending" may have been sent by a
// sender that crashed before recording it: before sending it again, the
// Sender's SentLookup looks for it among the endpoint's recent messages,
// and a match is recorded as sent instead; a look-up refused by a rate
// limit is tried again after the reset. A duplicate is thus possible only
// when that look-up misses or fails otherwise (e.g. the channel's list
// lags), at most once per lease.
func (s *Service) SendDue(ctx context.Context, opts OutboxOptions) (OutboxRun, error) {
	if len(s.senders) == 0 {
		return OutboxRun{}, ErrNoSender
	}
	opts = opts.withDefaults()
	now := s.clock.Now()
	var items []OutboxItem
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		items, err = tx.ClaimOutbox(ctx, now, now.Add(opts.Lease), opts.Batch)
		return err
	})
	if err != nil {
		return OutboxRun{}, fmt.Errorf("claim outbox: %w", err)
	}
	run := OutboxRun{Claimed: len(items)}
	paused := map[string]time.Time{} // handle or application id → until
	lookups := map[Channel]SentLookup{}
	// A send begun within the first half of the lease ends (a send times
	// out well within it) before another sender may claim the message; the
	// rest of a slow batch is handed back rather than sent late, which
	// could send a message that another sender has claimed meanwhile.
	sendBy := now.Add(opts.Lease / 2)
	for i, it := range items {
		if s.clock.Now().After(sendBy) {
			if err := s.releaseClaims(ctx, items[i:]); err != nil {
				return run, err
			}
			run.Released = len(items) - i
			break
		}
		result, err := s.sendOne(ctx, opts, it, paused, lookups)
		if err != nil {
			return run, fmt.Errorf("send message %s: %w", it.ID, err)
		}
		opts.Observe(result)
		switch result {
		case SendSent:
			run.Sent++
		case SendRetry:
			run.Retried++
		case SendRateLimited, SendPaused:
			run.RateLimited++
		case SendFailed:
			run.Failed++
		case SendRecovered:
			run.Recovered++
		}
	}
	return run, nil
}

// releaseClaims makes claimed messages due again at once, as they were
// before the claim: a message found "sending" stays so, to be looked for
// on its channel before it is sent.
func (s *Service) releaseClaims(ctx context.Context, items []OutboxItem) error {
	now := s.clock.Now()
	for _, it := range items {
		status := DeliveryQueued
		if it.PreviousStatus == DeliverySending {
			status = DeliverySending
		}
		u := DeliveryUpdate{ID: it.ID, Status: status, Attempts: it.Attempts - 1, LastError: it.LastError, NextAttemptAt: now,
			ExternalID: it.ExternalID, SentParts: it.SentParts}
		if err := s.updateDelivery(ctx, u, nil); err != nil {
			return fmt.Errorf("release message %s: %w", it.ID, err)
		}
	}
	return nil
}

func (s *Service) sendOne(ctx context.Context, opts OutboxOptions, it OutboxItem, paused map[string]time.Time, lookups map[Channel]SentLookup) (string, error) {
	now := s.clock.Now()
	ep, err := s.store.Endpoint(ctx, it.EndpointID)
	if err != nil {
		return "", err
	}
	update := DeliveryUpdate{ID: it.ID, Attempts: it.Attempts, SentParts: it.SentParts, ExternalID: it.ExternalID}
	if err := s.loadPauses(ctx, ep.SourceID, ep.ID, paused); err != nil {
		return "", err
	}
	for _, key := range []string{string(ep.SourceID), string(ep.ID)} {
		if until, ok := paused[key]; ok && until.After(now) {
			update.Status, update.NextAttemptAt, update.Attempts = DeliveryQueued, until, it.Attempts-1
			return SendPaused, s.updateDelivery(ctx, update, nil)
		}
	}
	if ep.Status != EndpointActive {
		update.Status, update.LastError = DeliveryFailed, fmt.Sprintf("%s is %s: sign on again, then retry the message", ep.label(), ep.Status)
		return SendFailed, s.updateDelivery(ctx, update, nil)
	}
	out := OutboundMessage{ID: it.ID, Source: ep.SourceID, Endpoint: ep, RecipientID: it.RecipientID, Text: it.Text,
		SkipParts: it.SentParts, WrittenAt: it.SentAt}
	sender := s.senders[it.Channel]
	if sender == nil {
		sender = unconfiguredSender{it.Channel}
	}
	if it.PreviousStatus == DeliverySending {
		ids, err := s.findSent(ctx, it.Channel, sender, lookups, out)
		if err == nil && len(ids) > 0 {
			update.Status = DeliverySent
			if update.ExternalID == "" {
				update.ExternalID = ids[0]
			}
			update.SentParts += len(ids)
			return SendRecovered, s.updateDelivery(ctx, update, ids)
		}
		if ce, ok := AsChannelError(err); ok && ce.RateLimited {
			// The search is refused only for a while: look again after the
			// reset rather than risk a duplicate the customer would see.
			until := ce.ResetAt
			if !until.After(now) {
				until = now.Add(time.Minute)
			}
			update.Status, update.NextAttemptAt, update.Attempts = DeliverySending, until, it.Attempts-1
			return SendPaused, s.updateDelivery(ctx, update, nil)
		}
		// On any other failed search, sending again risks one duplicate;
		// not sending risks losing the reply. Send.
	}
	ids, sendErr := sender.Send(ctx, out)
	if len(ids) > 0 {
		if update.ExternalID == "" {
			update.ExternalID = ids[0]
		}
		update.SentParts += len(ids)
	}
	if sendErr == nil {
		update.Status, update.LastError = DeliverySent, ""
		return SendSent, s.updateDelivery(ctx, update, ids)
	}
	te, ok := AsChannelError(sendErr)
	if !ok {
		te = &ChannelError{Op: "send message", Message: "the channel could not be reached", Retryable: true, NoAnswer: true, Err: sendErr}
	}
	update.LastError = te.Error()
	switch {
	case te.RateLimited:
		until := te.ResetAt
		if !until.After(now) {
			until = now.Add(time.Minute)
		}
		update.Status, update.NextAttemptAt, update.Attempts = DeliveryQueued, until, it.Attempts-1
		key, scope := string(ep.ID), ep.ID
		if te.SourceWide {
			key, scope = string(ep.SourceID), ""
		}
		paused[key] = until
		if err := s.updateDelivery(ctx, update, ids); err != nil {
			return "", err
		}
		if err := s.savePause(ctx, ep.SourceID, scope, until); err != nil {
			return "", err
		}
		if _, err := s.store.DelayOutbox(ctx, ep.SourceID, scope, until); err != nil {
			return "", fmt.Errorf("pause outbox: %w", err)
		}
		s.log.WarnContext(ctx, "channel rate limit: pausing sends", "channel", it.Channel, "source_id", ep.SourceID, "endpoint_id", scope, "until", until, "source_wide", te.SourceWide)
		return SendRateLimited, nil
	case te.Retryable && it.Attempts < opts.MaxAttempts:
		update.Status, update.NextAttemptAt = DeliveryQueued, now.Add(opts.Backoff(it.Attempts))
		if te.NoAnswer {
			// The DM may have been delivered: it stays "sending", so that
			// the next claim looks for it among the handle's DM events
			// before sending it again.
			update.Status = DeliverySending
		}
		return SendRetry, s.updateDelivery(ctx, update, ids)
	case te.Retryable:
		update.Status, update.LastError = DeliveryFailed, fmt.Sprintf("gave up after %d attempts: %s", it.Attempts, te.Error())
		return SendFailed, s.updateDelivery(ctx, update, ids)
	default:
		update.Status = DeliveryFailed
		if err := s.updateDelivery(ctx, update, ids); err != nil {
			return "", err
		}
		if te.CredentialsRejected {
			if err := s.DisconnectEndpoint(ctx, ep.ID, "the channel refuses the endpoint's credentials (revoked or expired); sign on again"); err != nil {
				return "", err
			}
		}
		return SendFailed, nil
	}
}

// loadPauses adds the stored rate-limit pauses of an application and a
// handle to paused (keyed by their ids), once per run.
func (s *Service) loadPauses(ctx context.Context, app SourceID, handle EndpointID, paused map[string]time.Time) error {
	loaded := "loaded:" + string(handle)
	if _, ok := paused[loaded]; ok {
		return nil
	}
	a, err := s.store.SourceHealth(ctx, app)
	if err != nil {
		return err
	}
	h, err := s.store.EndpointHealth(ctx, handle)
	if err != nil {
		return err
	}
	if a.PausedUntil != nil && a.PausedUntil.After(paused[string(app)]) {
		paused[string(app)] = *a.PausedUntil
	}
	if h.PausedUntil != nil && h.PausedUntil.After(paused[string(handle)]) {
		paused[string(handle)] = *h.PausedUntil
	}
	paused[loaded] = time.Time{}
	return nil
}

// savePause stores a rate-limit pause of a handle (or, with handle empty,
// of the whole application), so that replies written during it wait too.
func (s *Service) savePause(ctx context.Context, app SourceID, handle EndpointID, until time.Time) error {
	until = until.UTC()
	return s.store.InTx(ctx, func(tx Tx) error {
		if handle == "" {
			a, err := tx.SourceHealth(ctx, app)
			if err != nil {
				return err
			}
			a.SourceID, a.PausedUntil = app, &until
			return tx.SaveSourceHealth(ctx, a)
		}
		h, err := tx.EndpointHealth(ctx, handle)
		if err != nil {
			return err
		}
		h.EndpointID, h.PausedUntil = handle, &until
		return tx.SaveEndpointHealth(ctx, h)
	})
}

// updateDelivery records an attempt's outcome and the event ids it sent,
// in one transaction.
func (s *Service) updateDelivery(ctx context.Context, u DeliveryUpdate, sentIDs []string) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		if len(sentIDs) > 0 {
			m, err := tx.OutboxMessage(ctx, u.ID)
			if err != nil {
				return err
			}
			if err := tx.RecordSentEvents(ctx, m.SourceID, u.ID, sentIDs); err != nil {
				return err
			}
		}
		return tx.UpdateDelivery(ctx, u)
	})
}

// findSent asks the channel whether a message claimed again was sent
// before its sender crashed, and keeps the parts found that no other
// message owns (their echo may have tied them to this one already).
func (s *Service) findSent(ctx context.Context, ch Channel, sender Sender, lookups map[Channel]SentLookup, m OutboundMessage) ([]string, error) {
	lookup := lookups[ch]
	if lookup == nil {
		lookup = sender.SentLookup()
		lookups[ch] = lookup
	}
	found, err := lookup.FindSent(ctx, m)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, id := range found {
		owner, err := s.store.SentEventMessage(ctx, m.Source, id)
		switch {
		case errors.Is(err, ErrNotFound):
			ids = append(ids, id)
		case err != nil:
			return nil, err
		case owner == m.ID:
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// unconfiguredSender stands for a channel this service was not wired
// with: its messages wait, and fail after the outbox's attempts, with a
// reason an admin can act on.
type unconfiguredSender struct{ channel Channel }

func (u unconfiguredSender) err() error {
	return &ChannelError{Op: "send message", Message: fmt.Sprintf("the %q channel is not configured in this service", u.channel), Retryable: true}
}

func (u unconfiguredSender) Send(context.Context, OutboundMessage) ([]string, error) {
	return nil, u.err()
}
func (u unconfiguredSender) SentLookup() SentLookup { return u }
func (u unconfiguredSender) FindSent(context.Context, OutboundMessage) ([]string, error) {
	return nil, u.err()
}

// OutboxDepth counts the messages waiting in the outbox, by delivery status.
func (s *Service) OutboxDepth(ctx context.Context) (map[DeliveryStatus]int, error) {
	d, err := s.store.OutboxDepth(ctx)
	if err != nil {
		return nil, fmt.Errorf("outbox depth: %w", err)
	}
	return d, nil
}

package engine

import (
	"context"
	"errors"
	"time"
)

// The ports are what a channel adapter implements for the engine. Inbound,
// an adapter hands Ingest an InboundMessage with its dedupe key; outbound,
// the outbox calls the channel's Sender. Failures are *ChannelError values,
// so that the engine decides alike for every channel whether to retry,
// wait, fail the message or disconnect the endpoint.

// ErrNoSender is returned by the outbox when the service has no Sender.
var ErrNoSender = Errorf(ErrUnavailable, "no channel can send replies in this service")

// OutboundMessage is a reply the outbox hands a channel's Sender.
type OutboundMessage struct {
	ID     MessageID
	Source SourceID // the application or widget it goes out through
	// Endpoint is the business's endpoint that sends it, as the outbox
	// read it for this attempt, its credentials in clear.
	Endpoint Endpoint
	// RecipientID is the customer's id on the channel.
	RecipientID string
	Text        string
	// SkipParts counts the parts of a split text that an earlier attempt
	// sent already.
	SkipParts int
	// WrittenAt is when the agent wrote it: a crashed send went out after.
	WrittenAt time.Time
}

// Sender delivers replies on one channel.
type Sender interface {
	// Send delivers the message, split into parts the channel accepts,
	// skipping the first m.SkipParts. It returns the channel's ids of the
	// parts this call sent, also when it fails midway; the error is a
	// *ChannelError when the channel answered (or never did).
	Send(ctx context.Context, m OutboundMessage) ([]string, error)
	// SentLookup starts a look-up of messages a sender may have delivered
	// before it crashed, for one outbox run: the run's look-ups share what
	// they read of the channel.
	SentLookup() SentLookup
}

// SentLookup finds a message a crashed sender may have delivered.
type SentLookup interface {
	// FindSent returns the channel's ids of the parts of m found delivered
	// to its recipient, oldest first; none when it was not. The outbox
	// drops the ids another message owns.
	FindSent(ctx context.Context, m OutboundMessage) ([]string, error)
}

// ChannelError is a failed call to a channel, classified for the engine.
type ChannelError struct {
	// Op names the call, e.g. "send direct message".
	Op string
	// Message describes the failure without secrets; it is shown to users.
	Message string
	// Retryable failures (5xx, over capacity, no answer) are worth another
	// attempt after a backoff.
	Retryable bool
	// RateLimited failures may be retried at ResetAt; SourceWide says the
	// exhausted limit is the whole source's (an application's), not the
	// endpoint's.
	RateLimited bool
	ResetAt     time.Time
	SourceWide  bool
	// CredentialsRejected says the endpoint's credentials no longer work:
	// it must sign on again.
	CredentialsRejected bool
	// NoAnswer is set when the request got no answer: it may have been
	// carried out.
	NoAnswer bool
	Err      error
}

// Error returns the message.
func (e *ChannelError) Error() string {
	if e.Op == "" {
		return e.Message
	}
	return e.Op + ": " + e.Message
}

// Unwrap returns the cause.
func (e *ChannelError) Unwrap() error { return e.Err }

// Permanent reports a failure that retrying will not fix.
func (e *ChannelError) Permanent() bool { return !e.Retryable && !e.RateLimited }

// AsChannelError returns the *ChannelError in err's chain.
func AsChannelError(err error) (*ChannelError, bool) {
	var ce *ChannelError
	ok := errors.As(err, &ce)
	return ce, ok
}

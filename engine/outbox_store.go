package engine

import (
	"context"
	"time"
)

// OutboxItem is an outbound message claimed for sending.
type OutboxItem struct {
	Message
	Channel     Channel // whose Sender sends it
	EndpointID  EndpointID
	RecipientID string
	// PreviousStatus is the delivery status before the claim: queued, or
	// sending when an earlier claim's lease ran out (its sender may have
	// crashed after sending).
	PreviousStatus DeliveryStatus
	// SentParts counts the parts of a split text already sent.
	SentParts int
}

// DeliveryUpdate is the outcome of a send attempt.
type DeliveryUpdate struct {
	ID        MessageID
	Status    DeliveryStatus
	Attempts  int
	LastError string
	// NextAttemptAt is when a queued message is due.
	NextAttemptAt time.Time
	// ExternalID is the first part's event id, once sent.
	ExternalID string
	SentParts  int
}

// OutboxStore keeps the outbox: the delivery state of outbound messages,
// and the channel's ids of the messages sent, so that their echoes are
// recognised.
type OutboxStore interface {

	// ScheduleOutbound puts a stored outbound message in the outbox, due at
	// next.
	ScheduleOutbound(ctx context.Context, id MessageID, handle EndpointID, recipientID string, next time.Time) error
	// ClaimOutbox marks up to n due outbox messages (queued, or sending with
	// an expired lease, due at or before now) as sending until leaseUntil,
	// counts an attempt, and returns them. Concurrent claims never return
	// the same message.
	ClaimOutbox(ctx context.Context, now, leaseUntil time.Time, n int) ([]OutboxItem, error)
	// UpdateDelivery records the outcome of a send attempt.
	UpdateDelivery(ctx context.Context, u DeliveryUpdate) error
	// OutboxMessage returns an outbound message with its outbox state.
	OutboxMessage(ctx context.Context, id MessageID) (OutboxItem, error)
	// DelayOutbox moves the queued messages of a handle (or, with handle
	// empty, of a whole application) due before until to until, and
	// returns how many moved.
	DelayOutbox(ctx context.Context, app SourceID, handle EndpointID, until time.Time) (int, error)
	// OutboxDepth counts the outbox messages by delivery status (queued and
	// sending).
	OutboxDepth(ctx context.Context) (map[DeliveryStatus]int, error)
	// RecordSentEvents remembers the event ids of a sent message, so that
	// their echoes are recognised; ids already recorded are kept.
	RecordSentEvents(ctx context.Context, app SourceID, id MessageID, eventIDs []string) error
	// SentEventMessage returns the message whose send produced the event;
	// ErrNotFound when none did.
	SentEventMessage(ctx context.Context, app SourceID, eventID string) (MessageID, error)
}

// ReplyStore is what queueing a reply writes: the message, in its
// conversation, and its place in the outbox.
type ReplyStore interface {
	EndpointStore
	ConversationStore
	OutboxStore
}

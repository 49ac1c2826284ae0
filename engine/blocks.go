package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// BlockID identifies a customer's block.
type BlockID string

// CustomerBlock keeps a customer's DMs from agents: while it exists, the
// customer's DMs (on one channel, where they are known by one id) are
// stored and marked as blocked, but neither routed nor offered, and their
// conversation is held out of every queue. Deleting it (Unblock) lets the
// customer's next DM route as any other.
type CustomerBlock struct {
	ID       BlockID
	Customer ChannelIdentity
	// Name and ScreenName are the customer's, as their contact knew them
	// when they were blocked (empty when they had none).
	Name       string
	ScreenName string
	Reason     string
	// BlockedBy is the name of the API key that blocked the customer,
	// BlockedByKeyID its id.
	BlockedBy      string
	BlockedByKeyID APIKeyID
	BlockedAt      time.Time
}

// BlockInput names the customer to block and why.
type BlockInput struct {
	// Channel is the customer's channel; empty means the service's first
	// channel (Twitter's, in the service as wired).
	Channel    Channel
	ExternalID string // the customer's id on the channel (a Twitter user id)
	Reason     string
}

// BlockStore persists blocks. A customer has at most one (ErrConflict).
type BlockStore interface {
	CreateBlock(ctx context.Context, b CustomerBlock) error
	BlockByID(ctx context.Context, id BlockID) (CustomerBlock, error)
	// BlockOf returns a customer's block; ErrNotFound when they are not
	// blocked.
	BlockOf(ctx context.Context, id ChannelIdentity) (CustomerBlock, error)
	// ListBlocks lists blocks newest first.
	ListBlocks(ctx context.Context, p Page) (List[CustomerBlock], error)
	DeleteBlock(ctx context.Context, id BlockID) error
}

// maxBlockReason bounds a block's reason.
const maxBlockReason = 500

// mayBlock says whether actor may block and unblock customers: admins and
// agents (who meet the spam first, as they close conversations), not
// analysts, who only read conversations.
func mayBlock(actor Actor) error {
	if actor.Role != RoleAdmin && actor.Role != RoleAgent {
		return Errorf(ErrForbidden, "the %s role may not block or unblock customers", actor.Role)
	}
	return nil
}

// Block blocks a customer, recording the reason, who blocked them and
// when. A customer blocked already is ErrConflict. Conversations agents
// hold already are left to them; the customer's next DM is stored, marked
// and held out of the queues.
func (s *Service) Block(ctx context.Context, actor Actor, in BlockInput) (CustomerBlock, error) {
	if err := mayBlock(actor); err != nil {
		return CustomerBlock{}, err
	}
	if in.Channel == "" && len(s.channels) > 0 {
		in.Channel = s.channels[0]
	}
	if !slices.Contains(s.channels, in.Channel) {
		return CustomerBlock{}, FieldError("channel", "%q is not a channel of this service; its channels are %s", in.Channel, quotedList(s.channels))
	}
	id := strings.TrimSpace(in.ExternalID)
	switch {
	case id == "":
		return CustomerBlock{}, FieldError("external_id", "is required: the customer's id on the channel")
	case utf8.RuneCountInString(id) > 100:
		return CustomerBlock{}, FieldError("external_id", "is longer than 100 characters")
	}
	reason := strings.TrimSpace(in.Reason)
	switch {
	case reason == "":
		return CustomerBlock{}, FieldError("reason", "is required: say why the customer is blocked")
	case utf8.RuneCountInString(reason) > maxBlockReason:
		return CustomerBlock{}, FieldError("reason", "is longer than %d characters", maxBlockReason)
	}
	now := s.clock.Now()
	b := CustomerBlock{ID: BlockID(NewID(now)), Customer: ChannelIdentity{Channel: in.Channel, ExternalID: id}, Reason: reason,
		BlockedBy: actor.Name, BlockedByKeyID: actor.KeyID, BlockedAt: now}
	err := s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		if c, err := tx.ContactByIdentity(ctx, b.Customer); err == nil {
			b.Name, b.ScreenName = c.Profile.Name, c.Profile.ScreenName
		} else if !errors.Is(err, ErrNotFound) {
			return AuditEntry{}, err
		}
		if err := tx.CreateBlock(ctx, b); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "block", Resource: "customer", ResourceID: blockResourceID(b.Customer),
			Summary: fmt.Sprintf("blocked customer %s (block %s): %s", describeCustomer(b), b.ID, reason)}, nil
	})
	return b, err
}

// Unblock deletes a block: the customer's next DM is routed and offered as
// any other's, and with it the conversation held while they were blocked.
func (s *Service) Unblock(ctx context.Context, actor Actor, id BlockID) error {
	if err := mayBlock(actor); err != nil {
		return err
	}
	return s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		b, err := tx.BlockByID(ctx, id)
		if err != nil {
			return AuditEntry{}, err
		}
		if err := tx.DeleteBlock(ctx, id); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "unblock", Resource: "customer", ResourceID: blockResourceID(b.Customer),
			Summary: fmt.Sprintf("unblocked customer %s (block %s, blocked by %s)", describeCustomer(b), b.ID, b.BlockedBy)}, nil
	})
}

// BlockByID returns one block.
func (s *Service) BlockByID(ctx context.Context, id BlockID) (CustomerBlock, error) {
	return s.store.BlockByID(ctx, id)
}

// ListBlocks lists the blocked customers, newest block first.
func (s *Service) ListBlocks(ctx context.Context, p Page) (List[CustomerBlock], error) {
	return s.store.ListBlocks(ctx, p.Normalized())
}

// blockResourceID names a customer in the audit log: channel:id, so that
// one filter lists their blocks and unblocks.
func blockResourceID(c ChannelIdentity) string { return string(c.Channel) + ":" + c.ExternalID }

func describeCustomer(b CustomerBlock) string {
	if b.ScreenName != "" {
		return fmt.Sprintf("@%s (%s)", b.ScreenName, blockResourceID(b.Customer))
	}
	return blockResourceID(b.Customer)
}

// ingestBlocked stores a blocked customer's DM, marked, without routing or
// offering it (ingest.go calls it once conv and msg are built). A new
// conversation, or one waiting in a queue, is held: open in no queue and
// never routed, which no agent's listing, no offer and no requeue sweep
// looks at; the ingest routes it with the customer's first DM after they
// are unblocked. A conversation an agent holds (offered, active, waiting,
// wrap-up) stays theirs: the DM is added to it, but it is not requeued and
// the agent is not notified.
func (s *Service) ingestBlocked(ctx context.Context, tx ingestTx, ch Channel, conv *Conversation, msg Message, res *IngestResult) error {
	msg.Blocked = true
	if conv.Status == StatusOpen {
		conv.QueueID, conv.RoutedAt = "", nil
	}
	if res.NewConversation {
		if err := tx.CreateConversation(ctx, *conv); err != nil {
			return err
		}
	}
	if err := tx.AppendMessage(ctx, msg); err != nil {
		if errors.Is(err, ErrConflict) {
			res.Duplicate = true
			return errRaced
		}
		return err
	}
	noteIngested(tx, ch)
	if !res.NewConversation {
		if err := tx.UpdateConversation(ctx, *conv); err != nil {
			return err
		}
	}
	res.ConversationID, res.MessageID, res.Status = conv.ID, msg.ID, conv.Status
	return nil
}

// customerBlocked reports whether a customer is blocked.
func customerBlocked(ctx context.Context, tx BlockStore, id ChannelIdentity) (bool, error) {
	_, err := tx.BlockOf(ctx, id)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrNotFound):
		return false, nil
	}
	return false, err
}

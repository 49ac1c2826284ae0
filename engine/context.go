package engine

import (
	"context"
	"errors"

	"github.com/switchboardhq/switchboard/dsl"
)

// EngagementContextOf rebuilds the engagement context of a stored
// conversation as routing would see it now: its customer and contact, its
// latest customer message, its channel, its counters and the time in its
// work stream's time zone. Analysts test rules against it.
func (s *Service) EngagementContextOf(ctx context.Context, id ConversationID) (*dsl.Context, WorkStreamID, error) {
	c, err := s.store.Conversation(ctx, id)
	if err != nil {
		return nil, "", err
	}
	ws, err := s.store.WorkStream(ctx, c.WorkStreamID)
	if err != nil {
		return nil, "", err
	}
	handle, err := s.store.TwitterHandle(ctx, c.HandleID)
	if err != nil {
		return nil, "", err
	}
	var contact *Contact
	known := false
	if c.ContactID != "" {
		ct, err := s.store.Contact(ctx, c.ContactID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, "", err
		}
		if err == nil {
			contact, known = &ct, true
		}
	}
	msgs, err := s.store.Messages(ctx, id)
	if err != nil {
		return nil, "", err
	}
	var last Message
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Direction == Inbound {
			last = msgs[i]
			break
		}
	}
	ec, err := s.engagementContext(ctx, s.store, ws, handle, c, contact, known, last, nil, nil, s.clock.Now())
	if err != nil {
		return nil, "", err
	}
	return ec, ws.ID, nil
}

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
	ep, err := s.store.Endpoint(ctx, c.EndpointID)
	if err != nil {
		return nil, "", err
	}
	contact, err := contactOf(ctx, s.store, c)
	if err != nil {
		return nil, "", err
	}
	last, err := lastInbound(ctx, s.store, id)
	if err != nil {
		return nil, "", err
	}
	ec, err := s.engagementContext(ctx, s.store, ws, ep, c, contact, last, s.clock.Now())
	if err != nil {
		return nil, "", err
	}
	return ec, ws.ID, nil
}

// contactOf returns the contact c is linked to, or nil when it is linked to
// none (or the contact is gone).
func contactOf(ctx context.Context, contacts interface {
	Contact(ctx context.Context, id ContactID) (Contact, error)
}, c Conversation) (*Contact, error) {
	if c.ContactID == "" {
		return nil, nil
	}
	ct, err := contacts.Contact(ctx, c.ContactID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &ct, nil
}

package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Endpoints of channels that need no sign-on (a web-chat widget) are made
// here: each has a source of its own, the scope of its messages' ids, and a
// signing secret that the business's site uses to sign what it relays.

// EndpointInput is what a client sets on an endpoint; nil fields keep
// their current value. Apply validates the name and the work stream; the
// channel's adapter validates the rest (a handle's user id, screen name and
// tokens), naming the fields as its clients know them.
type EndpointInput struct {
	Name         *string
	WorkStreamID *WorkStreamID
	ExternalID   *string
	Address      *string
	Token        *Secret
	TokenSecret  *Secret
}

// withoutSecrets returns a copy fit for the API: the credentials are gone.
func (e Endpoint) withoutSecrets() Endpoint {
	e.Token, e.TokenSecret = "", ""
	return e
}

// Apply sets the name and work stream of in on e and validates them: the
// work stream must exist and serve e's channel.
func (in EndpointInput) Apply(ctx context.Context, tx ChannelTx, e *Endpoint) error {
	if in.Name != nil {
		name, err := checkName("name", *in.Name)
		if err != nil {
			return err
		}
		e.Name = name
	}
	if in.WorkStreamID != nil {
		ws, err := tx.WorkStream(ctx, *in.WorkStreamID)
		if errors.Is(err, ErrNotFound) {
			return FieldError("work_stream_id", "no work stream has the id %q", *in.WorkStreamID)
		} else if err != nil {
			return err
		}
		if ws.Channel != e.Channel {
			return FieldError("work_stream_id", "work stream %q serves the %s channel, not %s", ws.Name, ws.Channel, e.Channel)
		}
		e.WorkStreamID = ws.ID
	}
	switch {
	case e.Name == "":
		return FieldError("name", "is required")
	case e.WorkStreamID == "":
		return FieldError("work_stream_id", "is required")
	}
	return nil
}

// CreateEndpoint makes an endpoint of ch, with a source of its own and a
// new signing secret, active at once. The answer holds the secret: it is
// shown this once.
func (s *Service) CreateEndpoint(ctx context.Context, actor Actor, ch Channel, in EndpointInput) (Endpoint, error) {
	if !slices.Contains(s.channels, ch) {
		return Endpoint{}, Errorf(ErrInvalid, "the %s channel is not configured in this service", ch)
	}
	secret, err := NewToken()
	if err != nil {
		return Endpoint{}, err
	}
	now := s.clock.Now()
	e := Endpoint{ID: EndpointID(NewID(now)), Channel: ch, Token: Secret(secret), Status: EndpointActive, CreatedAt: now, UpdatedAt: now}
	err = s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		if err := in.Apply(ctx, tx, &e); err != nil {
			return AuditEntry{}, err
		}
		src := Source{ID: SourceID(NewID(now)), Channel: ch, Name: e.Name + " (" + string(e.ID) + ")", Settings: map[string]string{},
			Enabled: true, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateSource(ctx, src); err != nil {
			return AuditEntry{}, err
		}
		e.SourceID = src.ID
		if err := tx.CreateEndpoint(ctx, e); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "create", Resource: "endpoint", ResourceID: string(e.ID), Summary: fmt.Sprintf("created %s endpoint %q", ch, e.Name)}, nil
	})
	if err != nil {
		return Endpoint{}, err
	}
	return e, nil
}

// endpointOf reads an endpoint of channel ch; another channel's is not found.
func endpointOf(ctx context.Context, st EndpointStore, ch Channel, id EndpointID) (Endpoint, error) {
	e, err := st.Endpoint(ctx, id)
	if err == nil && e.Channel != ch {
		err = Errorf(ErrNotFound, "no %s endpoint has the id %q", ch, id)
	}
	return e, err
}

// ChannelEndpoint returns an endpoint of ch without its secret.
func (s *Service) ChannelEndpoint(ctx context.Context, ch Channel, id EndpointID) (Endpoint, error) {
	e, err := endpointOf(ctx, s.store, ch, id)
	return e.withoutSecrets(), err
}

// ChannelEndpointCredentials returns an endpoint of ch with its secret, for
// the channel's adapter (verifying what the business's site signed).
func (s *Service) ChannelEndpointCredentials(ctx context.Context, ch Channel, id EndpointID) (Endpoint, error) {
	return endpointOf(ctx, s.store, ch, id)
}

// ListChannelEndpoints lists the endpoints of ch in creation order, without
// their secrets.
func (s *Service) ListChannelEndpoints(ctx context.Context, ch Channel, p Page) (List[Endpoint], error) {
	l, err := s.store.ListChannelEndpoints(ctx, ch, p.Normalized())
	for i := range l.Items {
		l.Items[i] = l.Items[i].withoutSecrets()
	}
	return l, err
}

// DeliveredTo lists, oldest first, up to 100 replies sent to a customer of
// an endpoint after the message after: what a channel that delivers by
// letting the customer's client read (a web chat's stream) hands over.
func (s *Service) DeliveredTo(ctx context.Context, endpoint EndpointID, customerID string, after MessageID) ([]Message, error) {
	return s.store.DeliveredTo(ctx, endpoint, customerID, after, 100)
}

// UpdateEndpoint changes an endpoint of ch.
func (s *Service) UpdateEndpoint(ctx context.Context, actor Actor, ch Channel, id EndpointID, in EndpointInput) (Endpoint, error) {
	var e Endpoint
	err := s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		var err error
		if e, err = endpointOf(ctx, tx, ch, id); err != nil {
			return AuditEntry{}, err
		}
		if err := in.Apply(ctx, tx, &e); err != nil {
			return AuditEntry{}, err
		}
		e.UpdatedAt = s.clock.Now()
		if err := tx.UpdateEndpoint(ctx, e); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "update", Resource: "endpoint", ResourceID: string(e.ID), Summary: fmt.Sprintf("updated %s endpoint %q", ch, e.Name)}, nil
	})
	return e.withoutSecrets(), err
}

// RotateEndpointSecret gives an endpoint of ch a new signing secret; the
// old one stops working at once. The answer holds the new secret.
func (s *Service) RotateEndpointSecret(ctx context.Context, actor Actor, ch Channel, id EndpointID) (Endpoint, error) {
	secret, err := NewToken()
	if err != nil {
		return Endpoint{}, err
	}
	var e Endpoint
	err = s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		var err error
		if e, err = endpointOf(ctx, tx, ch, id); err != nil {
			return AuditEntry{}, err
		}
		e.Token, e.UpdatedAt = Secret(secret), s.clock.Now()
		if err := tx.UpdateEndpoint(ctx, e); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "rotate_secret", Resource: "endpoint", ResourceID: string(e.ID), Summary: fmt.Sprintf("gave %s endpoint %q a new secret", ch, e.Name)}, nil
	})
	return e, err
}

// DeleteEndpoint deletes an endpoint of ch and its source; one that a
// conversation refers to is ErrConflict.
func (s *Service) DeleteEndpoint(ctx context.Context, actor Actor, ch Channel, id EndpointID) error {
	return s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		e, err := endpointOf(ctx, tx, ch, id)
		if err != nil {
			return AuditEntry{}, err
		}
		if err := tx.DeleteEndpoint(ctx, id); err != nil {
			return AuditEntry{}, err
		}
		if err := tx.DeleteSource(ctx, e.SourceID); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "delete", Resource: "endpoint", ResourceID: string(id), Summary: fmt.Sprintf("deleted %s endpoint %q", ch, e.Name)}, nil
	})
}

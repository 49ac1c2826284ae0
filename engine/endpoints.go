package engine

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// SourceID identifies a source: where a channel's messages come from and
// the scope of their external ids (a Twitter application: its webhook and
// credentials; a web-chat site). It is also the last segment of a source's
// webhook URL.
type SourceID string

// EndpointID identifies an endpoint: where customers reach the business on
// a channel (a Twitter handle, a web-chat widget).
type EndpointID string

// Secret is a credential: a consumer secret, an access token or a token
// secret. Printing, logging or marshalling a Secret shows a mask; Reveal
// returns the value, for the one place that needs it (signing a request).
type Secret string

// secretMask is what a Secret shows instead of its value.
const secretMask = "[redacted]"

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s == "" }

// String masks the value (fmt's %v and %s).
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return secretMask
}

// GoString masks the value (fmt's %#v).
func (s Secret) GoString() string { return fmt.Sprintf("%q", s.String()) }

// LogValue masks the value in slog records.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText masks the value in JSON, YAML and other text encodings, so a
// Secret never travels by accident.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// EndpointStatus is where an endpoint stands with its channel.
type EndpointStatus string

// Endpoint states: pending (sign-on started, no credentials yet), active
// (messages flow), disconnected (the credentials stopped working, e.g.
// revoked; StatusReason says why).
const (
	EndpointPending      EndpointStatus = "pending"
	EndpointActive       EndpointStatus = "active"
	EndpointDisconnected EndpointStatus = "disconnected"
)

// Source is where a channel's messages come from, and the scope in which
// their external ids are unique: a Twitter application, a web-chat site.
// ClientKey and ClientSecret are its credentials, if the channel has any;
// Settings are the channel's own (its adapter reads them).
type Source struct {
	ID           SourceID
	Channel      Channel
	Name         string
	ClientKey    string // not secret (Twitter's consumer key travels in every OAuth header)
	ClientSecret Secret
	Settings     map[string]string
	Enabled      bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Endpoint is where customers reach the business on a channel, through a
// source: a Twitter handle, a web-chat widget. Its customers' messages go
// to its work stream. Token and TokenSecret are its credentials (a
// handle's access token, a widget's signing secret).
type Endpoint struct {
	ID           EndpointID
	SourceID     SourceID
	Channel      Channel
	Name         string
	WorkStreamID WorkStreamID
	ExternalID   string // the endpoint's own id on the channel (a handle's user id); may be empty
	Address      string // how customers name it (a handle's screen name, without the @)
	Token        Secret
	TokenSecret  Secret
	Status       EndpointStatus
	StatusReason string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// label names the endpoint for people: its address, else its name.
func (e Endpoint) label() string {
	if e.Address != "" {
		return fmt.Sprintf("%s (%s)", e.Name, e.Address)
	}
	return e.Name
}

// EndpointStore persists sources and endpoints. The store seals their
// secrets before they are written and opens them when read: records come
// back with their secrets in clear. Source names are unique per channel
// regardless of case; endpoint names are unique per source regardless of
// case, and so is a non-empty ExternalID (ErrConflict). Deleting a source
// that has endpoints, or an endpoint a conversation refers to, is
// ErrConflict.
type EndpointStore interface {
	CreateSource(ctx context.Context, s Source) error
	Source(ctx context.Context, id SourceID) (Source, error)
	// ListSources lists the sources of a channel in creation order.
	ListSources(ctx context.Context, ch Channel, p Page) (List[Source], error)
	UpdateSource(ctx context.Context, s Source) error
	DeleteSource(ctx context.Context, id SourceID) error

	CreateEndpoint(ctx context.Context, e Endpoint) error
	Endpoint(ctx context.Context, id EndpointID) (Endpoint, error)
	// ListEndpoints lists the endpoints of a source in creation order.
	ListEndpoints(ctx context.Context, source SourceID, p Page) (List[Endpoint], error)
	// ListChannelEndpoints lists the endpoints of a channel in creation order.
	ListChannelEndpoints(ctx context.Context, ch Channel, p Page) (List[Endpoint], error)
	UpdateEndpoint(ctx context.Context, e Endpoint) error
	DeleteEndpoint(ctx context.Context, id EndpointID) error
	// EndpointByExternalID finds the endpoint of a source whose own id on
	// the channel is externalID (Twitter's for_user_id); none is
	// ErrNotFound.
	EndpointByExternalID(ctx context.Context, source SourceID, externalID string) (Endpoint, error)
}

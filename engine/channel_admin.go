package engine

import (
	"context"
	"fmt"
	"time"
)

// A channel's adapter administers its own sources and endpoints (a Twitter
// application and its handles): it validates them in its own words, signs
// them on, and keeps their health. What it needs of the engine is here:
// one audited transaction over the records of channels, the clock, and
// the reports it hands the API.

// ChannelTx is what a channel's adapter reads and writes in one
// transaction: sources and endpoints, sign-ons in progress, health, and
// the work streams endpoints feed.
type ChannelTx interface {
	EndpointStore
	SignOnStore
	HealthStore
	WorkStream(ctx context.Context, id WorkStreamID) (WorkStream, error)
}

// WriteChannel runs fn in one transaction and appends the audit entry it
// returns, by actor; nothing is written when fn fails.
func (s *Service) WriteChannel(ctx context.Context, actor Actor, fn func(tx ChannelTx) (AuditEntry, error)) error {
	return s.write(ctx, actor, func(tx Tx) (AuditEntry, error) { return fn(tx) })
}

// InChannelTx runs fn in one transaction, unaudited: the bookkeeping a
// channel does by itself (health, a sign-on's progress).
func (s *Service) InChannelTx(ctx context.Context, fn func(tx ChannelTx) error) error {
	return s.store.InTx(ctx, func(tx Tx) error { return fn(tx) })
}

// ChannelRecords reads the records of channels outside a transaction,
// their secrets in clear: for adapters only, never for an API answer.
func (s *Service) ChannelRecords() ChannelTx { return s.store }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.clock.Now() }

// SourceHealth returns a source's channel health.
func (s *Service) SourceHealth(ctx context.Context, id SourceID) (SourceHealth, error) {
	h, err := s.store.SourceHealth(ctx, id)
	if err != nil {
		return SourceHealth{}, fmt.Errorf("source health: %w", err)
	}
	h.SourceID = id
	return h, nil
}

// CheckName validates a record's display name (field names it in the
// error); surrounding blanks are dropped.
func CheckName(field, name string) (string, error) { return checkName(field, name) }

// SourceInput is what a client sets on a source; nil fields (and settings
// not in Settings) keep their current value. The channel's adapter
// validates it, naming the fields as its clients know them.
type SourceInput struct {
	Name         *string
	ClientKey    *string
	ClientSecret *Secret
	Settings     map[string]string
	Enabled      *bool
}

// BackfillResult reports one endpoint's backfill: reading its recent
// messages back from the channel to store those its webhook missed.
type BackfillResult struct {
	EndpointID EndpointID
	Pages      int
	Listed     int
	// Ingested customer messages were missing and are now stored; Echoes
	// were recorded from another client; Known ones were stored already.
	Ingested int
	Echoes   int
	Known    int
	// Complete is false when the backfill stopped early (a rate limit, a
	// bound on how far back it reads); RetryAt says when a rate-limited one
	// may continue.
	Complete bool
	RetryAt  *time.Time
	Error    string
}

// SignOnCallback is what the channel's redirect back to the sign-on
// callback carries.
type SignOnCallback struct {
	RequestToken string
	Verifier     string
	// Denied is set when the admin cancelled on the channel's side.
	Denied bool
}

// SignOnOutcome is the result of a sign-on callback, for the page the
// admin sees.
type SignOnOutcome struct {
	Endpoint Endpoint // without credentials; zero when the token was unknown
	// Connected is set when the endpoint is now active.
	Connected bool
	// Problem says why not (or what failed after connecting), in words fit
	// for the admin: never a secret.
	Problem string
	// EnsureError is set when the endpoint is connected but its webhook or
	// subscription could not be set up yet.
	EnsureError string
}

// SourceVerification reports a source's checks run again: its webhook,
// each endpoint's subscription, and the backfills run because the webhook
// became valid again.
type SourceVerification struct {
	Source     SourceHealth
	Endpoints  []EndpointVerification
	Backfilled []BackfillResult
}

// EndpointVerification is one endpoint's state in a verification.
type EndpointVerification struct {
	Endpoint Endpoint // without credentials
	Health   EndpointHealth
}

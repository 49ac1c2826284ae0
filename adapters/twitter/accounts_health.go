package twitter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// API is what the engine needs from Twitter: "Sign on to
// Twitter", the webhook and subscription "ensure" steps, and listing recent
// DM events for backfill (replies go through the channel's Sender). The Twitter adapter implements it
// over its API client; tests may use a fake. Failures that Twitter answered
// (or that never got an answer) are *TwitterError values, so that the engine
// knows whether to retry, wait, disconnect the handle or give up; their
// messages never contain secrets.
type API interface {
	// RequestSignOn obtains a request token whose authorization redirects
	// to callbackURL, and the authorization page to send the admin to.
	RequestSignOn(ctx context.Context, app Application, callbackURL string) (SignOnRequest, error)
	// CompleteSignOn exchanges a request token and the callback's verifier
	// for the handle's access token, and reads who the handle is.
	CompleteSignOn(ctx context.Context, app Application, requestToken string, requestSecret engine.Secret, verifier string) (Account, error)
	// EnsureWebhook makes callbackURL a valid registered webhook of the
	// application (registering it, or re-validating it, as needed). owner
	// is the handle whose token manages webhooks where the dialect needs a
	// user token (premium). It never deletes another webhook.
	EnsureWebhook(ctx context.Context, app Application, owner Handle, callbackURL string) (RegisteredWebhook, error)
	// EnsureSubscription subscribes the handle to the webhook unless it is.
	EnsureSubscription(ctx context.Context, app Application, handle Handle, webhookID string) error
	// ListDMEvents reads one page of the handle's recent DM events, newest
	// first; cursor "" starts with the newest.
	ListDMEvents(ctx context.Context, app Application, handle Handle, cursor string) (EventPage, error)
}

// SignOnRequest is the start of a sign-on: a request token (its secret
// kept server-side) and the page where the admin authorizes it.
type SignOnRequest struct {
	Token            string
	Secret           engine.Secret
	AuthorizationURL string
}

// Account is a completed sign-on: who the handle is, and its tokens.
type Account struct {
	UserID            string
	ScreenName        string
	AccessToken       engine.Secret
	AccessTokenSecret engine.Secret
}

// RegisteredWebhook is an application's registered webhook.
type RegisteredWebhook struct {
	ID    string
	URL   string
	Valid bool
}

// EventPage is one page of DM events, newest first.
type EventPage struct {
	DMs        []engine.ChannelMessage
	NextCursor string // empty on the last page
}

// errNoTwitter is returned by operations that need Twitter when the service
// has no API.
var errNoTwitter = engine.Errorf(engine.ErrUnavailable, "Twitter is not configured in this service")

// Receive takes one DM of a handle, from the webhook or from backfill, on
// the engine's exactly-once path (engine.Service.ReceiveChannelMessage).
func (ac *Accounts) Receive(ctx context.Context, h Handle, dm engine.ChannelMessage) (engine.ReceiveResult, error) {
	return ac.eng.ReceiveChannelMessage(ctx, h.endpoint(), dm)
}

// DisconnectUser marks the handle of app connected as Twitter user
// userID disconnected, e.g. when the user revoked the application: its
// token no longer works and its subscription is gone. A user that is no
// handle of app is ignored.
func (ac *Accounts) DisconnectUser(ctx context.Context, app engine.SourceID, userID, reason string) error {
	h, err := twitterOf(ac.eng.ChannelRecords()).HandleByUserID(ctx, app, userID)
	if errors.Is(err, engine.ErrNotFound) {
		return nil
	} else if err != nil {
		return fmt.Errorf("disconnect Twitter user %s: %w", userID, err)
	}
	if err := ac.eng.DisconnectEndpoint(ctx, h.ID, reason); err != nil {
		return fmt.Errorf("disconnect Twitter user %s: %w", userID, err)
	}
	return nil
}

// channelActor is the actor of changes the Twitter channel makes by itself.
var channelActor = engine.Actor{Name: "twitter channel", Role: engine.RoleAdmin}

// SilentHandle is an active handle that usually receives DMs and has been
// silent for longer than the threshold.
type SilentHandle struct {
	Handle      Handle
	LastEventAt time.Time
	Usual       int // customer messages in the week before it fell silent
}

// CheckSilentHandles finds active handles that received at least busyMin
// customer messages in the week before their last event and none for
// longer than silentAfter, and logs a warning for each: their webhook or
// subscription may be broken. Tokens are not part of the answer.
func (ac *Accounts) CheckSilentHandles(ctx context.Context, silentAfter time.Duration, busyMin int) ([]SilentHandle, error) {
	now := ac.eng.Now()
	var out []SilentHandle
	err := ac.eachActiveHandle(ctx, func(app Application, h Handle) error {
		health, err := ac.eng.ChannelRecords().EndpointHealth(ctx, h.ID)
		if err != nil {
			return err
		}
		if health.LastEventAt == nil || now.Sub(*health.LastEventAt) <= silentAfter {
			return nil
		}
		n, err := ac.eng.ChannelRecords().CountInboundSince(ctx, h.ID, health.LastEventAt.Add(-7*24*time.Hour))
		if err != nil {
			return err
		}
		if n < busyMin {
			return nil
		}
		out = append(out, SilentHandle{Handle: h.withoutSecrets(), LastEventAt: *health.LastEventAt, Usual: n})
		ac.log.WarnContext(ctx, "a usually busy Twitter handle has received nothing for a while: check its webhook and subscription (POST /api/v1/twitter/applications/{id}/verify)",
			"handle_id", h.ID, "screen_name", h.ScreenName, "application_id", app.ID, "silent_for", now.Sub(*health.LastEventAt).Round(time.Second).String(),
			"messages_in_week_before", n)
		return nil
	})
	return out, err
}

// eachActiveHandle calls fn for every active handle of every enabled
// application, with credentials.
func (ac *Accounts) eachActiveHandle(ctx context.Context, fn func(app Application, h Handle) error) error {
	p := engine.Page{Limit: 100}
	for {
		apps, err := twitterOf(ac.eng.ChannelRecords()).ListApplications(ctx, p)
		if err != nil {
			return err
		}
		for _, a := range apps.Items {
			if !a.Enabled {
				continue
			}
			hp := engine.Page{Limit: 100}
			for {
				hs, err := twitterOf(ac.eng.ChannelRecords()).ListHandles(ctx, a.ID, hp)
				if err != nil {
					return err
				}
				for _, h := range hs.Items {
					if h.Status != engine.EndpointActive {
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
	Handle      Handle
	Health      engine.EndpointHealth
	Application engine.SourceHealth
}

// ChannelHealth reports every handle of every enabled application.
func (ac *Accounts) ChannelHealth(ctx context.Context) ([]HandleHealthReport, error) {
	var out []HandleHealthReport
	p := engine.Page{Limit: 100}
	for {
		apps, err := twitterOf(ac.eng.ChannelRecords()).ListApplications(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("channel health: %w", err)
		}
		for _, a := range apps.Items {
			if !a.Enabled {
				continue
			}
			ah, err := ac.eng.ChannelRecords().SourceHealth(ctx, a.ID)
			if err != nil {
				return nil, fmt.Errorf("channel health: %w", err)
			}
			ah.SourceID = a.ID
			hp := engine.Page{Limit: 100}
			for {
				hs, err := twitterOf(ac.eng.ChannelRecords()).ListHandles(ctx, a.ID, hp)
				if err != nil {
					return nil, fmt.Errorf("channel health: %w", err)
				}
				for _, h := range hs.Items {
					hh, err := ac.eng.EndpointHealth(ctx, h.ID)
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

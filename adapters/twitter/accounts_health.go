package twitter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// errNoTwitter is returned by operations that need Twitter when Accounts
// has no API.
var errNoTwitter = engine.Errorf(engine.ErrUnavailable, "Twitter is not configured in this service")

// Receive takes one DM of a handle, from the webhook or from backfill, on
// the engine's exactly-once path (engine.Service.ReceiveChannelMessage).
func (ac *Accounts) Receive(ctx context.Context, h Handle, dm engine.ChannelMessage) (engine.ReceiveResult, error) {
	return ac.eng.ReceiveChannelMessage(ctx, h.endpoint(), dm)
}

// ReceiveAll hands a handle's DMs, oldest first, to the engine together
// (engine.Service.ReceiveChannelMessages).
func (ac *Accounts) ReceiveAll(ctx context.Context, h Handle, dms []engine.ChannelMessage) ([]engine.ReceiveResult, error) {
	return ac.eng.ReceiveChannelMessages(ctx, h.endpoint(), dms)
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

// TwitterAppID returns application app's numeric id on Twitter, as
// learnt from the source_app_id of the echo of a DM Switchboard sent; ""
// until the first such echo.
func (ac *Accounts) TwitterAppID(ctx context.Context, app engine.SourceID) (string, error) {
	h, err := ac.eng.ChannelRecords().SourceHealth(ctx, app)
	if err != nil {
		return "", fmt.Errorf("twitter app id of application %s: %w", app, err)
	}
	return h.ClientID, nil
}

// SilenceRule says when a handle's silence is an alarm: it received at
// least BusyMin customer messages in the week before its last event, and
// nothing for longer than After. A quiet handle's silence is no news.
type SilenceRule struct {
	After   time.Duration
	BusyMin int
}

// The SilenceRule of Accounts whose options set none.
const (
	DefaultSilentAfter   = 6 * time.Hour
	DefaultSilentBusyMin = 5
)

// SilentHandle is an active handle that usually receives DMs and has been
// silent for longer than the threshold.
type SilentHandle struct {
	Handle      Handle
	LastEventAt time.Time
	Usual       int // customer messages in the week before it fell silent
}

// CheckSilentHandles finds the active handles whose silence is an alarm
// by the Accounts' SilenceRule, and logs a warning for each: their webhook
// or subscription may be broken. Tokens are not part of the answer.
func (ac *Accounts) CheckSilentHandles(ctx context.Context) ([]SilentHandle, error) {
	now := ac.eng.Now()
	var out []SilentHandle
	err := ac.eachActiveHandle(ctx, func(app Application, h Handle) error {
		silent, ok, err := ac.silent(ctx, h)
		if err != nil || !ok {
			return err
		}
		out = append(out, silent)
		ac.log.WarnContext(ctx, "a usually busy Twitter handle has received nothing for a while: check its webhook and subscription (POST /api/v1/twitter/applications/{id}/verify)",
			"handle_id", h.ID, "screen_name", h.ScreenName, "application_id", app.ID, "silent_for", now.Sub(silent.LastEventAt).Round(time.Second).String(),
			"messages_in_week_before", silent.Usual)
		return nil
	})
	return out, err
}

// Silent reports whether an active handle's silence is an alarm by the
// Accounts' SilenceRule, and since when it has been silent.
func (ac *Accounts) Silent(ctx context.Context, id engine.EndpointID) (since time.Time, silent bool, err error) {
	h, err := twitterOf(ac.eng.ChannelRecords()).Handle(ctx, id)
	if err != nil || h.Status != engine.EndpointActive {
		return time.Time{}, false, err
	}
	s, ok, err := ac.silent(ctx, h)
	return s.LastEventAt, ok, err
}

// silent applies the SilenceRule to one handle.
func (ac *Accounts) silent(ctx context.Context, h Handle) (SilentHandle, bool, error) {
	health, err := ac.eng.ChannelRecords().EndpointHealth(ctx, h.ID)
	if err != nil {
		return SilentHandle{}, false, err
	}
	if health.LastEventAt == nil || ac.eng.Now().Sub(*health.LastEventAt) <= ac.silence.After {
		return SilentHandle{}, false, nil
	}
	n, err := ac.eng.ChannelRecords().CountInboundSince(ctx, h.ID, health.LastEventAt.Add(-7*24*time.Hour))
	if err != nil || n < ac.silence.BusyMin {
		return SilentHandle{}, false, err
	}
	return SilentHandle{Handle: h.withoutSecrets(), LastEventAt: *health.LastEventAt, Usual: n}, true, nil
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

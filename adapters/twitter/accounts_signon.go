package twitter

import (
	"github.com/switchboardhq/switchboard/engine"

	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SignOnCallbackPath is the path under the public URL where Twitter sends
// the admin's browser back after "Sign on to Twitter".
const SignOnCallbackPath = "/oauth/twitter/callback"

// SignOnTTL is how long a request token waits for its callback.
const SignOnTTL = 15 * time.Minute

// SignOnCallbackURL is the OAuth callback URL of this service (to
// allow-list in the Twitter app).
func (ac *Accounts) SignOnCallbackURL() string {
	return strings.TrimSuffix(ac.publicURL, "/") + SignOnCallbackPath
}

// Configured reports whether the service can call Twitter.
func (ac *Accounts) Configured() bool { return ac.api != nil }

// StartSignOn begins "Sign on to Twitter" for a new handle of app:
// it obtains a request token from Twitter, then stores the handle pending
// (with name and work stream from in) and the request token, sealed, until
// the callback uses it or it expires. It returns the pending handle
// (without tokens) and the authorization URL to send the admin to.
func (ac *Accounts) StartSignOn(ctx context.Context, actor engine.Actor, appID engine.SourceID, in HandleInput) (Handle, string, error) {
	if ac.api == nil {
		return Handle{}, "", engine.FieldError("access_token",
			"is required: sign-on to Twitter is not configured in this service, so a handle needs user_id, screen_name, access_token and access_token_secret from the developer portal")
	}
	app, err := twitterOf(ac.eng.ChannelRecords()).Application(ctx, appID)
	if err != nil {
		return Handle{}, "", err
	}
	if !app.Enabled {
		return Handle{}, "", engine.Errorf(engine.ErrConflict, "Twitter application %q is disabled; enable it before signing on", app.Name)
	}
	now := ac.eng.Now()
	h := Handle{ID: engine.EndpointID(engine.NewID(now)), ApplicationID: appID, Status: engine.EndpointPending,
		StatusReason: "waiting for the sign-on to Twitter to finish", CreatedAt: now, UpdatedAt: now}
	// Validate before calling Twitter, so that a typo costs no request token.
	if err := ac.eng.InChannelTx(ctx, func(tx engine.ChannelTx) error { return in.apply(ctx, tx, &h) }); err != nil {
		return Handle{}, "", err
	}
	req, err := ac.api.RequestSignOn(ctx, app, ac.SignOnCallbackURL())
	if err != nil {
		return Handle{}, "", twitterUnavailable("start the sign-on to Twitter", err)
	}
	err = ac.eng.WriteChannel(ctx, actor, func(tx engine.ChannelTx) (engine.AuditEntry, error) {
		if err := in.apply(ctx, tx, &h); err != nil {
			return engine.AuditEntry{}, err
		}
		if err := twitterOf(tx).CreateHandle(ctx, h); err != nil {
			return engine.AuditEntry{}, err
		}
		so := engine.SignOn{RequestToken: req.Token, RequestSecret: req.Secret, SourceID: appID, EndpointID: h.ID, CreatedAt: now, ExpiresAt: now.Add(SignOnTTL)}
		if err := tx.CreateSignOn(ctx, so); err != nil {
			return engine.AuditEntry{}, err
		}
		return engine.AuditEntry{Action: "sign_on", Resource: HandleAuditName, ResourceID: string(h.ID),
			Summary: fmt.Sprintf("started signing on handle %q to Twitter application %q", h.Name, app.Name)}, nil
	})
	if err != nil {
		return Handle{}, "", err
	}
	return h.withoutSecrets(), req.AuthorizationURL, nil
}

// SignOnAgain starts a new "Sign on to Twitter" for an existing handle,
// e.g. one disconnected because its access was revoked: the handle keeps
// its status until the callback finishes, which replaces its tokens (and
// refuses another Twitter account than the handle's). It returns the handle
// (without tokens) and the authorization URL.
func (ac *Accounts) SignOnAgain(ctx context.Context, actor engine.Actor, id engine.EndpointID) (Handle, string, error) {
	if ac.api == nil {
		return Handle{}, "", errNoTwitter
	}
	h, err := twitterOf(ac.eng.ChannelRecords()).Handle(ctx, id)
	if err != nil {
		return Handle{}, "", err
	}
	app, err := twitterOf(ac.eng.ChannelRecords()).Application(ctx, h.ApplicationID)
	if err != nil {
		return Handle{}, "", err
	}
	if !app.Enabled {
		return Handle{}, "", engine.Errorf(engine.ErrConflict, "Twitter application %q is disabled; enable it before signing on", app.Name)
	}
	req, err := ac.api.RequestSignOn(ctx, app, ac.SignOnCallbackURL())
	if err != nil {
		return Handle{}, "", twitterUnavailable("start the sign-on to Twitter", err)
	}
	now := ac.eng.Now()
	err = ac.eng.WriteChannel(ctx, actor, func(tx engine.ChannelTx) (engine.AuditEntry, error) {
		so := engine.SignOn{RequestToken: req.Token, RequestSecret: req.Secret, SourceID: app.ID, EndpointID: h.ID, CreatedAt: now, ExpiresAt: now.Add(SignOnTTL)}
		if err := tx.CreateSignOn(ctx, so); err != nil {
			return engine.AuditEntry{}, err
		}
		return engine.AuditEntry{Action: "sign_on", Resource: HandleAuditName, ResourceID: string(h.ID),
			Summary: fmt.Sprintf("started signing on handle %q to Twitter again", h.Name)}, nil
	})
	if err != nil {
		return Handle{}, "", err
	}
	return h.withoutSecrets(), req.AuthorizationURL, nil
}

// twitterUnavailable turns a gateway failure into an error for API
// clients: the reason Twitter gave, never a secret.
func twitterUnavailable(op string, err error) error {
	if te, ok := engine.AsChannelError(err); ok {
		kind := engine.ErrUnavailable
		if te.Permanent() {
			kind = engine.ErrConflict
		}
		return &engine.Error{Kind: kind, Message: op + ": Twitter answered: " + te.Message, Cause: err}
	}
	return &engine.Error{Kind: engine.ErrUnavailable, Message: op + ": Twitter could not be reached", Cause: err}
}

// Sign-on problems shown to the admin.
const (
	SignOnDenied  = "The sign-on was cancelled on Twitter (denied). Start it again from Switchboard."
	SignOnUnknown = "This sign-on link is unknown, expired or was already used. Start the sign-on again from Switchboard."
	SignOnExpired = "This sign-on expired before it was finished. Start it again from Switchboard."
)

// FinishSignOn completes a sign-on from Twitter's callback: the
// request token is used once (a replay finds nothing), exchanged with the
// verifier for the handle's access token, and the handle is stored active
// with its Twitter user id, screen name and sealed tokens; then the
// application's webhook and the handle's subscription are ensured. Failures
// the admin must act on come back in the outcome, not as errors; errors are
// for failures of Switchboard itself.
func (ac *Accounts) FinishSignOn(ctx context.Context, cb engine.SignOnCallback) (engine.SignOnOutcome, error) {
	if ac.api == nil {
		return engine.SignOnOutcome{Problem: "Sign-on to Twitter is not configured in this service."}, nil
	}
	var so engine.SignOn
	err := ac.eng.InChannelTx(ctx, func(tx engine.ChannelTx) error {
		var err error
		so, err = tx.TakeSignOn(ctx, cb.RequestToken)
		return err
	})
	switch {
	case errors.Is(err, engine.ErrNotFound) || cb.RequestToken == "":
		return engine.SignOnOutcome{Problem: SignOnUnknown}, nil
	case err != nil:
		return engine.SignOnOutcome{}, fmt.Errorf("finish sign-on: %w", err)
	}
	now := ac.eng.Now()
	fail := func(problem, reason string) (engine.SignOnOutcome, error) {
		h, err := ac.pendingProblem(ctx, so.EndpointID, reason)
		return engine.SignOnOutcome{Endpoint: h.endpoint(), Problem: problem}, err
	}
	switch {
	case cb.Denied:
		return fail(SignOnDenied, "the sign-on was denied on Twitter; start it again")
	case !now.Before(so.ExpiresAt):
		return fail(SignOnExpired, "the sign-on expired before it was finished; start it again")
	}
	app, err := twitterOf(ac.eng.ChannelRecords()).Application(ctx, so.SourceID)
	if err != nil {
		return engine.SignOnOutcome{}, fmt.Errorf("finish sign-on: %w", err)
	}
	acct, err := ac.api.CompleteSignOn(ctx, app, so.RequestToken, so.RequestSecret, cb.Verifier)
	if err != nil {
		if te, ok := engine.AsChannelError(err); ok && te.Permanent() {
			return fail("Twitter refused the sign-on: the request token is expired, was already used or the verifier is wrong. Start the sign-on again from Switchboard.",
				"Twitter refused the sign-on (expired or replayed request token); start it again")
		}
		return fail("Twitter could not be reached to finish the sign-on. Start it again from Switchboard.",
			"Twitter could not be reached to finish the sign-on; start it again")
	}
	var h Handle
	err = ac.eng.WriteChannel(ctx, engine.ChannelActor(Channel), func(tx engine.ChannelTx) (engine.AuditEntry, error) {
		var err error
		if h, err = twitterOf(tx).Handle(ctx, so.EndpointID); err != nil {
			return engine.AuditEntry{}, err
		}
		if h.UserID != "" && h.UserID != acct.UserID {
			return engine.AuditEntry{}, engine.Errorf(engine.ErrConflict, "You signed on as @%s, but this handle is @%s. Sign on with @%s, or add @%s as a new handle",
				acct.ScreenName, h.ScreenName, h.ScreenName, acct.ScreenName)
		}
		h.UserID, h.ScreenName = acct.UserID, strings.TrimPrefix(acct.ScreenName, "@")
		h.AccessToken, h.AccessTokenSecret = acct.AccessToken, acct.AccessTokenSecret
		h.Status, h.StatusReason, h.UpdatedAt = engine.EndpointActive, "", ac.eng.Now()
		if err := checkUserFree(ctx, tx, h); err != nil {
			return engine.AuditEntry{}, err
		}
		if err := twitterOf(tx).UpdateHandle(ctx, h); err != nil {
			return engine.AuditEntry{}, err
		}
		return engine.AuditEntry{Action: "connect", Resource: HandleAuditName, ResourceID: string(h.ID),
			Summary: fmt.Sprintf("handle %q signed on to Twitter as @%s", h.Name, h.ScreenName)}, nil
	})
	if err != nil {
		var de *engine.Error
		if errors.As(err, &de) && errors.Is(de.Kind, engine.ErrConflict) {
			return fail(de.Message+".", "the sign-on used a Twitter account that does not fit this handle")
		}
		return engine.SignOnOutcome{}, fmt.Errorf("finish sign-on: %w", err)
	}
	out := engine.SignOnOutcome{Endpoint: h.withoutSecrets().endpoint(), Connected: true}
	if err := ac.Ensure(ctx, h.ID); err != nil {
		out.EnsureError = err.Error()
	}
	return out, nil
}

// pendingProblem records why a pending handle's sign-on did not finish.
func (ac *Accounts) pendingProblem(ctx context.Context, id engine.EndpointID, reason string) (Handle, error) {
	var h Handle
	err := ac.eng.InChannelTx(ctx, func(tx engine.ChannelTx) error {
		var err error
		if h, err = twitterOf(tx).Handle(ctx, id); err != nil {
			return err
		}
		if h.Status != engine.EndpointPending {
			return nil
		}
		h.StatusReason, h.UpdatedAt = reason, ac.eng.Now()
		return twitterOf(tx).UpdateHandle(ctx, h)
	})
	if errors.Is(err, engine.ErrNotFound) {
		return Handle{}, nil
	}
	return h.withoutSecrets(), err
}

// Ensure runs "ensure" for an active handle (§11.4): the
// application's callback URL is registered as its webhook unless it is
// (Twitter runs the CRC against the webhook handler during that call), an
// invalid webhook is re-validated, and the handle is subscribed unless it
// is. Idempotent; another system's webhook is never deleted. The outcome is
// recorded in the application's and handle's health. A handle whose token
// Twitter refuses is marked disconnected.
func (ac *Accounts) Ensure(ctx context.Context, id engine.EndpointID) error {
	if ac.api == nil {
		return errNoTwitter
	}
	h, err := twitterOf(ac.eng.ChannelRecords()).Handle(ctx, id)
	if err != nil {
		return err
	}
	if h.Status != engine.EndpointActive {
		return engine.Errorf(engine.ErrConflict, "handle %q is %s, not active", h.Name, h.Status)
	}
	app, err := twitterOf(ac.eng.ChannelRecords()).Application(ctx, h.ApplicationID)
	if err != nil {
		return err
	}
	hook, _, err := ac.ensureWebhook(ctx, app, h)
	if err != nil {
		return err
	}
	return ac.ensureSubscription(ctx, app, h, hook.ID)
}

// ensureWebhook ensures the application's webhook and records the
// outcome; becameValid reports a webhook that was not known valid before.
func (ac *Accounts) ensureWebhook(ctx context.Context, app Application, owner Handle) (hook RegisteredWebhook, becameValid bool, err error) {
	url := ac.CallbackURL(app)
	hook, gwErr := ac.api.EnsureWebhook(ctx, app, owner, url)
	now := ac.eng.Now()
	err = ac.eng.InChannelTx(ctx, func(tx engine.ChannelTx) error {
		st, err := tx.SourceHealth(ctx, app.ID)
		if err != nil {
			return err
		}
		before := st.Webhook
		st.SourceID, st.WebhookURL, st.CheckedAt = app.ID, url, &now
		switch {
		case gwErr != nil:
			st.Webhook, st.WebhookError = engine.WebhookError, safeMessage(gwErr)
		case hook.Valid:
			st.Webhook, st.WebhookError, st.WebhookID = engine.WebhookValid, "", hook.ID
			becameValid = before != engine.WebhookValid
		default:
			st.Webhook, st.WebhookError, st.WebhookID = engine.WebhookInvalid, "Twitter reports the webhook invalid (its CRC failed)", hook.ID
		}
		return tx.SaveSourceHealth(ctx, st)
	})
	if err != nil {
		return hook, false, fmt.Errorf("record webhook state: %w", err)
	}
	if gwErr != nil {
		return hook, false, twitterUnavailable("ensure the webhook", gwErr)
	}
	if !hook.Valid {
		return hook, false, engine.Errorf(engine.ErrUnavailable, "the webhook %s is registered but invalid: Twitter's CRC check against it failed", url)
	}
	return hook, becameValid, nil
}

// ensureSubscription subscribes the handle and records the outcome.
func (ac *Accounts) ensureSubscription(ctx context.Context, app Application, h Handle, webhookID string) error {
	gwErr := ac.api.EnsureSubscription(ctx, app, h, webhookID)
	now := ac.eng.Now()
	err := ac.eng.InChannelTx(ctx, func(tx engine.ChannelTx) error {
		health, err := tx.EndpointHealth(ctx, h.ID)
		if err != nil {
			return err
		}
		health.EndpointID, health.CheckedAt = h.ID, &now
		if gwErr != nil {
			health.Subscription, health.SubscriptionError = engine.SubscriptionError, safeMessage(gwErr)
		} else {
			health.Subscription, health.SubscriptionError = engine.SubscriptionSubscribed, ""
		}
		return tx.SaveEndpointHealth(ctx, health)
	})
	if err != nil {
		return fmt.Errorf("record subscription state: %w", err)
	}
	if gwErr != nil {
		if te, ok := engine.AsChannelError(gwErr); ok && te.CredentialsRejected {
			if err := ac.eng.DisconnectEndpoint(ctx, h.ID, "Twitter refuses the handle's token (revoked or expired); sign on again"); err != nil {
				return err
			}
		}
		return twitterUnavailable("subscribe the handle", gwErr)
	}
	return nil
}

// safeMessage is what an error may show: a ChannelError's message, or a
// generic text for anything else (whose cause is logged elsewhere).
func safeMessage(err error) string {
	if te, ok := engine.AsChannelError(err); ok {
		return te.Error()
	}
	return "Twitter could not be reached"
}

// Verify re-runs the checks of an application: the
// webhook is ensured (re-validated if Twitter marked it invalid), every
// active handle's subscription is ensured, and the outcome of each is
// reported. When the webhook was not valid before and is now, every active
// handle is backfilled, so that DMs sent meanwhile are not lost.
func (ac *Accounts) Verify(ctx context.Context, id engine.SourceID) (engine.SourceVerification, error) {
	if ac.api == nil {
		return engine.SourceVerification{}, errNoTwitter
	}
	app, err := twitterOf(ac.eng.ChannelRecords()).Application(ctx, id)
	if err != nil {
		return engine.SourceVerification{}, err
	}
	var handles []Handle
	p := engine.Page{Limit: 100}
	for {
		l, err := twitterOf(ac.eng.ChannelRecords()).ListHandles(ctx, id, p)
		if err != nil {
			return engine.SourceVerification{}, err
		}
		handles = append(handles, l.Items...)
		if l.Next == "" {
			break
		}
		p.After = l.Next
	}
	var owner Handle
	for _, h := range handles {
		if h.Status == engine.EndpointActive {
			owner = h
			break
		}
	}
	var out engine.SourceVerification
	hook, becameValid, hookErr := ac.ensureWebhook(ctx, app, owner)
	for _, h := range handles {
		if h.Status == engine.EndpointActive && hookErr == nil {
			// Failures are recorded in the handle's health, shown below.
			_ = ac.ensureSubscription(ctx, app, h, hook.ID)
		}
	}
	if out.Source, err = ac.eng.ChannelRecords().SourceHealth(ctx, id); err != nil {
		return engine.SourceVerification{}, err
	}
	out.Source.SourceID = id
	for _, h := range handles {
		if h, err = twitterOf(ac.eng.ChannelRecords()).Handle(ctx, h.ID); err != nil {
			return engine.SourceVerification{}, err
		}
		health, err := ac.eng.EndpointHealth(ctx, h.ID)
		if err != nil {
			return engine.SourceVerification{}, err
		}
		out.Endpoints = append(out.Endpoints, engine.EndpointVerification{Endpoint: h.withoutSecrets().endpoint(), Health: health})
		if becameValid && h.Status == engine.EndpointActive {
			r, err := ac.Backfill(ctx, h.ID)
			if err != nil {
				ac.log.WarnContext(ctx, "backfill after the webhook became valid failed", "handle_id", h.ID, "error", err)
			}
			out.Backfilled = append(out.Backfilled, r)
		}
	}
	return out, nil
}

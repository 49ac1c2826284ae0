package engine

import (
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

// TwitterSignOnCallbackURL is the OAuth callback URL of this service (to
// allow-list in the Twitter app).
func (s *Service) TwitterSignOnCallbackURL() string {
	return strings.TrimSuffix(s.publicURL, "/") + SignOnCallbackPath
}

// TwitterConfigured reports whether the service can call Twitter.
func (s *Service) TwitterConfigured() bool { return s.twitter != nil }

// StartTwitterSignOn begins "Sign on to Twitter" for a new handle of app:
// it obtains a request token from Twitter, then stores the handle pending
// (with name and work stream from in) and the request token, sealed, until
// the callback uses it or it expires. It returns the pending handle
// (without tokens) and the authorization URL to send the admin to.
func (s *Service) StartTwitterSignOn(ctx context.Context, actor Actor, appID SourceID, in TwitterHandleInput) (TwitterHandle, string, error) {
	if s.twitter == nil {
		return TwitterHandle{}, "", FieldError("access_token",
			"is required: sign-on to Twitter is not configured in this service, so a handle needs user_id, screen_name, access_token and access_token_secret from the developer portal")
	}
	app, err := twitterOf(s.store).TwitterApplication(ctx, appID)
	if err != nil {
		return TwitterHandle{}, "", err
	}
	if !app.Enabled {
		return TwitterHandle{}, "", Errorf(ErrConflict, "Twitter application %q is disabled; enable it before signing on", app.Name)
	}
	now := s.clock.Now()
	h := TwitterHandle{ID: EndpointID(NewID(now)), ApplicationID: appID, Status: EndpointPending,
		StatusReason: "waiting for the sign-on to Twitter to finish", CreatedAt: now, UpdatedAt: now}
	// Validate before calling Twitter, so that a typo costs no request token.
	if err := s.store.InTx(ctx, func(tx Tx) error { return in.apply(ctx, tx, &h) }); err != nil {
		return TwitterHandle{}, "", err
	}
	req, err := s.twitter.RequestSignOn(ctx, app, s.TwitterSignOnCallbackURL())
	if err != nil {
		return TwitterHandle{}, "", twitterUnavailable("start the sign-on to Twitter", err)
	}
	err = s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		if err := in.apply(ctx, tx, &h); err != nil {
			return AuditEntry{}, err
		}
		if err := twitterOf(tx).CreateTwitterHandle(ctx, h); err != nil {
			return AuditEntry{}, err
		}
		so := SignOn{RequestToken: req.Token, RequestSecret: req.Secret, SourceID: appID, EndpointID: h.ID, CreatedAt: now, ExpiresAt: now.Add(SignOnTTL)}
		if err := tx.CreateSignOn(ctx, so); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "sign_on", Resource: "twitter_handle", ResourceID: string(h.ID),
			Summary: fmt.Sprintf("started signing on handle %q to Twitter application %q", h.Name, app.Name)}, nil
	})
	if err != nil {
		return TwitterHandle{}, "", err
	}
	return h.withoutSecrets(), req.AuthorizationURL, nil
}

// SignOnAgain starts a new "Sign on to Twitter" for an existing handle,
// e.g. one disconnected because its access was revoked: the handle keeps
// its status until the callback finishes, which replaces its tokens (and
// refuses another Twitter account than the handle's). It returns the handle
// (without tokens) and the authorization URL.
func (s *Service) SignOnAgain(ctx context.Context, actor Actor, id EndpointID) (TwitterHandle, string, error) {
	if s.twitter == nil {
		return TwitterHandle{}, "", ErrNoTwitter
	}
	h, err := twitterOf(s.store).TwitterHandle(ctx, id)
	if err != nil {
		return TwitterHandle{}, "", err
	}
	app, err := twitterOf(s.store).TwitterApplication(ctx, h.ApplicationID)
	if err != nil {
		return TwitterHandle{}, "", err
	}
	if !app.Enabled {
		return TwitterHandle{}, "", Errorf(ErrConflict, "Twitter application %q is disabled; enable it before signing on", app.Name)
	}
	req, err := s.twitter.RequestSignOn(ctx, app, s.TwitterSignOnCallbackURL())
	if err != nil {
		return TwitterHandle{}, "", twitterUnavailable("start the sign-on to Twitter", err)
	}
	now := s.clock.Now()
	err = s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		so := SignOn{RequestToken: req.Token, RequestSecret: req.Secret, SourceID: app.ID, EndpointID: h.ID, CreatedAt: now, ExpiresAt: now.Add(SignOnTTL)}
		if err := tx.CreateSignOn(ctx, so); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "sign_on", Resource: "twitter_handle", ResourceID: string(h.ID),
			Summary: fmt.Sprintf("started signing on handle %q to Twitter again", h.Name)}, nil
	})
	if err != nil {
		return TwitterHandle{}, "", err
	}
	return h.withoutSecrets(), req.AuthorizationURL, nil
}

// twitterUnavailable turns a gateway failure into an error for API
// clients: the reason Twitter gave, never a secret.
func twitterUnavailable(op string, err error) error {
	if te, ok := AsChannelError(err); ok {
		kind := ErrUnavailable
		if te.Permanent() {
			kind = ErrConflict
		}
		return &Error{Kind: kind, Message: op + ": Twitter answered: " + te.Message, Cause: err}
	}
	return &Error{Kind: ErrUnavailable, Message: op + ": Twitter could not be reached", Cause: err}
}

// SignOnCallback is what Twitter's redirect to the callback carries.
type SignOnCallback struct {
	RequestToken string
	Verifier     string
	// Denied is set when the admin cancelled on Twitter (?denied=token).
	Denied bool
}

// SignOnOutcome is the result of a callback, for the page the admin sees.
type SignOnOutcome struct {
	Handle TwitterHandle // without tokens; zero when the token was unknown
	// Connected is set when the handle is now active.
	Connected bool
	// Problem says why not (or what failed after connecting), in words fit
	// for the admin: never a secret.
	Problem string
	// EnsureError is set when the handle is connected but the webhook or
	// subscription could not be set up yet.
	EnsureError string
}

// Sign-on problems shown to the admin.
const (
	SignOnDenied  = "The sign-on was cancelled on Twitter (denied). Start it again from Switchboard."
	SignOnUnknown = "This sign-on link is unknown, expired or was already used. Start the sign-on again from Switchboard."
	SignOnExpired = "This sign-on expired before it was finished. Start it again from Switchboard."
)

// FinishTwitterSignOn completes a sign-on from Twitter's callback: the
// request token is used once (a replay finds nothing), exchanged with the
// verifier for the handle's access token, and the handle is stored active
// with its Twitter user id, screen name and sealed tokens; then the
// application's webhook and the handle's subscription are ensured. Failures
// the admin must act on come back in the outcome, not as errors; errors are
// for failures of Switchboard itself.
func (s *Service) FinishTwitterSignOn(ctx context.Context, cb SignOnCallback) (SignOnOutcome, error) {
	if s.twitter == nil {
		return SignOnOutcome{Problem: "Sign-on to Twitter is not configured in this service."}, nil
	}
	var so SignOn
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		so, err = tx.TakeSignOn(ctx, cb.RequestToken)
		return err
	})
	switch {
	case errors.Is(err, ErrNotFound) || cb.RequestToken == "":
		return SignOnOutcome{Problem: SignOnUnknown}, nil
	case err != nil:
		return SignOnOutcome{}, fmt.Errorf("finish sign-on: %w", err)
	}
	now := s.clock.Now()
	fail := func(problem, reason string) (SignOnOutcome, error) {
		h, err := s.pendingProblem(ctx, so.EndpointID, reason)
		return SignOnOutcome{Handle: h, Problem: problem}, err
	}
	switch {
	case cb.Denied:
		return fail(SignOnDenied, "the sign-on was denied on Twitter; start it again")
	case !now.Before(so.ExpiresAt):
		return fail(SignOnExpired, "the sign-on expired before it was finished; start it again")
	}
	app, err := twitterOf(s.store).TwitterApplication(ctx, so.SourceID)
	if err != nil {
		return SignOnOutcome{}, fmt.Errorf("finish sign-on: %w", err)
	}
	acct, err := s.twitter.CompleteSignOn(ctx, app, so.RequestToken, so.RequestSecret, cb.Verifier)
	if err != nil {
		if te, ok := AsChannelError(err); ok && te.Permanent() {
			return fail("Twitter refused the sign-on: the request token is expired, was already used or the verifier is wrong. Start the sign-on again from Switchboard.",
				"Twitter refused the sign-on (expired or replayed request token); start it again")
		}
		return fail("Twitter could not be reached to finish the sign-on. Start it again from Switchboard.",
			"Twitter could not be reached to finish the sign-on; start it again")
	}
	var h TwitterHandle
	err = s.write(ctx, channelActor, func(tx Tx) (AuditEntry, error) {
		var err error
		if h, err = twitterOf(tx).TwitterHandle(ctx, so.EndpointID); err != nil {
			return AuditEntry{}, err
		}
		if h.UserID != "" && h.UserID != acct.UserID {
			return AuditEntry{}, Errorf(ErrConflict, "You signed on as @%s, but this handle is @%s. Sign on with @%s, or add @%s as a new handle",
				acct.ScreenName, h.ScreenName, h.ScreenName, acct.ScreenName)
		}
		h.UserID, h.ScreenName = acct.UserID, strings.TrimPrefix(acct.ScreenName, "@")
		h.AccessToken, h.AccessTokenSecret = acct.AccessToken, acct.AccessTokenSecret
		h.Status, h.StatusReason, h.UpdatedAt = EndpointActive, "", s.clock.Now()
		if err := checkUserFree(ctx, tx, h); err != nil {
			return AuditEntry{}, err
		}
		if err := twitterOf(tx).UpdateTwitterHandle(ctx, h); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "connect", Resource: "twitter_handle", ResourceID: string(h.ID),
			Summary: fmt.Sprintf("handle %q signed on to Twitter as @%s", h.Name, h.ScreenName)}, nil
	})
	if err != nil {
		var de *Error
		if errors.As(err, &de) && errors.Is(de.Kind, ErrConflict) {
			return fail(de.Message+".", "the sign-on used a Twitter account that does not fit this handle")
		}
		return SignOnOutcome{}, fmt.Errorf("finish sign-on: %w", err)
	}
	out := SignOnOutcome{Handle: h.withoutSecrets(), Connected: true}
	if err := s.EnsureTwitterHandle(ctx, h.ID); err != nil {
		out.EnsureError = err.Error()
	}
	return out, nil
}

// pendingProblem records why a pending handle's sign-on did not finish.
func (s *Service) pendingProblem(ctx context.Context, id EndpointID, reason string) (TwitterHandle, error) {
	var h TwitterHandle
	err := s.store.InTx(ctx, func(tx Tx) error {
		var err error
		if h, err = twitterOf(tx).TwitterHandle(ctx, id); err != nil {
			return err
		}
		if h.Status != EndpointPending {
			return nil
		}
		h.StatusReason, h.UpdatedAt = reason, s.clock.Now()
		return twitterOf(tx).UpdateTwitterHandle(ctx, h)
	})
	if errors.Is(err, ErrNotFound) {
		return TwitterHandle{}, nil
	}
	return h.withoutSecrets(), err
}

// EnsureTwitterHandle runs "ensure" for an active handle (§11.4): the
// application's callback URL is registered as its webhook unless it is
// (Twitter runs the CRC against the webhook handler during that call), an
// invalid webhook is re-validated, and the handle is subscribed unless it
// is. Idempotent; another system's webhook is never deleted. The outcome is
// recorded in the application's and handle's health. A handle whose token
// Twitter refuses is marked disconnected.
func (s *Service) EnsureTwitterHandle(ctx context.Context, id EndpointID) error {
	if s.twitter == nil {
		return ErrNoTwitter
	}
	h, err := twitterOf(s.store).TwitterHandle(ctx, id)
	if err != nil {
		return err
	}
	if h.Status != EndpointActive {
		return Errorf(ErrConflict, "handle %q is %s, not active", h.Name, h.Status)
	}
	app, err := twitterOf(s.store).TwitterApplication(ctx, h.ApplicationID)
	if err != nil {
		return err
	}
	hook, _, err := s.ensureWebhook(ctx, app, h)
	if err != nil {
		return err
	}
	return s.ensureSubscription(ctx, app, h, hook.ID)
}

// ensureWebhook ensures the application's webhook and records the
// outcome; becameValid reports a webhook that was not known valid before.
func (s *Service) ensureWebhook(ctx context.Context, app TwitterApplication, owner TwitterHandle) (hook TwitterWebhook, becameValid bool, err error) {
	url := s.TwitterCallbackURL(app)
	hook, gwErr := s.twitter.EnsureWebhook(ctx, app, owner, url)
	now := s.clock.Now()
	err = s.store.InTx(ctx, func(tx Tx) error {
		st, err := tx.SourceHealth(ctx, app.ID)
		if err != nil {
			return err
		}
		before := st.Webhook
		st.SourceID, st.WebhookURL, st.CheckedAt = app.ID, url, &now
		switch {
		case gwErr != nil:
			st.Webhook, st.WebhookError = WebhookError, safeMessage(gwErr)
		case hook.Valid:
			st.Webhook, st.WebhookError, st.WebhookID = WebhookValid, "", hook.ID
			becameValid = before != WebhookValid
		default:
			st.Webhook, st.WebhookError, st.WebhookID = WebhookInvalid, "Twitter reports the webhook invalid (its CRC failed)", hook.ID
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
		return hook, false, Errorf(ErrUnavailable, "the webhook %s is registered but invalid: Twitter's CRC check against it failed", url)
	}
	return hook, becameValid, nil
}

// ensureSubscription subscribes the handle and records the outcome.
func (s *Service) ensureSubscription(ctx context.Context, app TwitterApplication, h TwitterHandle, webhookID string) error {
	gwErr := s.twitter.EnsureSubscription(ctx, app, h, webhookID)
	now := s.clock.Now()
	err := s.store.InTx(ctx, func(tx Tx) error {
		health, err := tx.EndpointHealth(ctx, h.ID)
		if err != nil {
			return err
		}
		health.EndpointID, health.CheckedAt = h.ID, &now
		if gwErr != nil {
			health.Subscription, health.SubscriptionError = SubscriptionError, safeMessage(gwErr)
		} else {
			health.Subscription, health.SubscriptionError = SubscriptionSubscribed, ""
		}
		return tx.SaveEndpointHealth(ctx, health)
	})
	if err != nil {
		return fmt.Errorf("record subscription state: %w", err)
	}
	if gwErr != nil {
		if te, ok := AsChannelError(gwErr); ok && te.CredentialsRejected {
			if err := s.disconnect(ctx, h.ID, "Twitter refuses the handle's token (revoked or expired); sign on again"); err != nil {
				return err
			}
		}
		return twitterUnavailable("subscribe the handle", gwErr)
	}
	return nil
}

// safeMessage is what an error may show: a TwitterError's message, or a
// generic text for anything else (whose cause is logged elsewhere).
func safeMessage(err error) string {
	if te, ok := AsChannelError(err); ok {
		return te.Error()
	}
	return "Twitter could not be reached"
}

// ApplicationVerification is the report of VerifyTwitterApplication.
type ApplicationVerification struct {
	Application SourceHealth
	Handles     []HandleVerification
	// Backfilled is set when the webhook became valid again and the
	// handles' recent DMs were backfilled.
	Backfilled []BackfillResult
}

// HandleVerification is one handle's state in a verification.
type HandleVerification struct {
	Handle TwitterHandle // without tokens
	Health EndpointHealth
}

// VerifyTwitterApplication re-runs the checks of an application: the
// webhook is ensured (re-validated if Twitter marked it invalid), every
// active handle's subscription is ensured, and the outcome of each is
// reported. When the webhook was not valid before and is now, every active
// handle is backfilled, so that DMs sent meanwhile are not lost.
func (s *Service) VerifyTwitterApplication(ctx context.Context, id SourceID) (ApplicationVerification, error) {
	if s.twitter == nil {
		return ApplicationVerification{}, ErrNoTwitter
	}
	app, err := twitterOf(s.store).TwitterApplication(ctx, id)
	if err != nil {
		return ApplicationVerification{}, err
	}
	var handles []TwitterHandle
	p := Page{Limit: 100}
	for {
		l, err := twitterOf(s.store).ListTwitterHandles(ctx, id, p)
		if err != nil {
			return ApplicationVerification{}, err
		}
		handles = append(handles, l.Items...)
		if l.Next == "" {
			break
		}
		p.After = l.Next
	}
	var owner TwitterHandle
	for _, h := range handles {
		if h.Status == EndpointActive {
			owner = h
			break
		}
	}
	var out ApplicationVerification
	hook, becameValid, hookErr := s.ensureWebhook(ctx, app, owner)
	for _, h := range handles {
		if h.Status == EndpointActive && hookErr == nil {
			// Failures are recorded in the handle's health, shown below.
			_ = s.ensureSubscription(ctx, app, h, hook.ID)
		}
	}
	if out.Application, err = s.store.SourceHealth(ctx, id); err != nil {
		return ApplicationVerification{}, err
	}
	out.Application.SourceID = id
	for _, h := range handles {
		if h, err = twitterOf(s.store).TwitterHandle(ctx, h.ID); err != nil {
			return ApplicationVerification{}, err
		}
		health, err := s.EndpointHealth(ctx, h.ID)
		if err != nil {
			return ApplicationVerification{}, err
		}
		out.Handles = append(out.Handles, HandleVerification{Handle: h.withoutSecrets(), Health: health})
		if becameValid && h.Status == EndpointActive {
			r, err := s.BackfillTwitterHandle(ctx, h.ID)
			if err != nil {
				s.log.WarnContext(ctx, "backfill after the webhook became valid failed", "handle_id", h.ID, "error", err)
			}
			out.Backfilled = append(out.Backfilled, r)
		}
	}
	return out, nil
}

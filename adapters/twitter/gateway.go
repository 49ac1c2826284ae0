package twitter

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// API is what Accounts needs from Twitter: "Sign on to Twitter", the
// webhook and subscription "ensure" steps, and listing recent DM events for
// backfill (replies go through the Sender). Gateway implements it over the
// API client. Failures that Twitter answered (or that never got an answer)
// are *engine.ChannelError values, so that Accounts knows whether to retry,
// wait, disconnect the handle or give up; their messages never contain
// secrets.
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

// Gateway implements API over Client: one Client per
// application, built from the application's stored credentials and kept
// while they do not change.
type Gateway struct {
	baseURL    string
	httpClient *http.Client
	now        func() time.Time

	mu      sync.Mutex
	clients map[engine.SourceID]gatewayClient
}

type gatewayClient struct {
	fingerprint [32]byte
	client      *Client
}

var _ API = (*Gateway)(nil)

// GatewayOptions configure a Gateway.
type GatewayOptions struct {
	// BaseURL is Twitter's API root (SWITCHBOARD_TWITTER_API_URL);
	// DefaultBaseURL when empty.
	BaseURL string
	// HTTPClient makes the calls (default: 30 s timeout).
	HTTPClient *http.Client
	// Now is the clock for rate-limit resets the answer did not date.
	Now func() time.Time
}

// NewGateway returns a Gateway.
func NewGateway(opts GatewayOptions) *Gateway {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Gateway{baseURL: opts.BaseURL, httpClient: opts.HTTPClient, now: opts.Now, clients: map[engine.SourceID]gatewayClient{}}
}

// client returns the Client of an application.
func (g *Gateway) client(app Application) (*Client, error) {
	fp := sha256.Sum256([]byte(app.ConsumerKey + "\x00" + app.ConsumerSecret.Reveal() + "\x00" + string(app.Dialect) + "\x00" + app.EnvironmentName))
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.clients[app.ID]; ok && c.fingerprint == fp {
		return c.client, nil
	}
	d := DialectV2
	if app.Dialect == DialectPremium {
		d = DialectPremium
	}
	c, err := NewClient(Config{BaseURL: g.baseURL, ConsumerKey: app.ConsumerKey, ConsumerSecret: app.ConsumerSecret.Reveal(),
		Dialect: d, Environment: app.EnvironmentName, HTTPClient: g.httpClient, Now: g.now})
	if err != nil {
		return nil, fmt.Errorf("twitter client for application %s: %w", app.ID, err)
	}
	g.clients[app.ID] = gatewayClient{fingerprint: fp, client: c}
	return c, nil
}

func handleToken(h Handle) Token {
	return Token{Token: h.AccessToken.Reveal(), Secret: h.AccessTokenSecret.Reveal()}
}

// engineError classifies a client error for the engine. Messages of the
// client's errors carry no secrets.
func (g *Gateway) engineError(op string, err error) error {
	if err == nil {
		return nil
	}
	e := &engine.ChannelError{Op: op, Message: err.Error(), Err: err}
	if ae, ok := AsAPIError(err); ok {
		e.Message = ae.Error()
		e.RateLimited = ae.RateLimited()
		e.Retryable = !e.RateLimited && (ae.Retryable() || ae.Status == 0)
		e.NoAnswer = ae.Status == 0
		e.CredentialsRejected = ae.TokenInvalid()
		e.SourceWide = ae.AppWide
		if e.RateLimited {
			now := g.now()
			e.ResetAt = ae.ResetAt
			if !e.ResetAt.After(now) {
				e.ResetAt = now.Add(time.Minute)
			}
		}
	} else if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		e.Retryable, e.NoAnswer = true, true
	}
	return e
}

// RequestSignOn obtains a request token and the authorization URL (with
// force_login, so that the admin picks the business account).
func (g *Gateway) RequestSignOn(ctx context.Context, app Application, callbackURL string) (SignOnRequest, error) {
	c, err := g.client(app)
	if err != nil {
		return SignOnRequest{}, err
	}
	rt, err := c.RequestToken(ctx, callbackURL)
	if err != nil {
		return SignOnRequest{}, g.engineError("request token", err)
	}
	return SignOnRequest{Token: rt.Token, Secret: engine.Secret(rt.Secret),
		AuthorizationURL: c.AuthorizationURL(rt.Token, AuthorizeOptions{ForceLogin: true})}, nil
}

// CompleteSignOn exchanges the verifier for the access token and reads the
// user's id and screen name (from the exchange, else from /2/users/me).
func (g *Gateway) CompleteSignOn(ctx context.Context, app Application, requestToken string, requestSecret engine.Secret, verifier string) (Account, error) {
	c, err := g.client(app)
	if err != nil {
		return Account{}, err
	}
	grant, err := c.AccessToken(ctx, RequestToken{Token: requestToken, Secret: requestSecret.Reveal()}, verifier)
	if err != nil {
		return Account{}, g.engineError("access token", err)
	}
	if grant.UserID == "" || grant.ScreenName == "" {
		u, err := c.Me(ctx, grant.Token)
		if err != nil {
			return Account{}, g.engineError("read the signed-on user", err)
		}
		grant.UserID, grant.ScreenName = u.ID, u.ScreenName
	}
	return Account{UserID: grant.UserID, ScreenName: grant.ScreenName,
		AccessToken: engine.Secret(grant.Token.Token), AccessTokenSecret: engine.Secret(grant.Token.Secret)}, nil
}

// EnsureWebhook runs Client.EnsureWebhook; the premium dialect manages
// webhooks with owner's token.
func (g *Gateway) EnsureWebhook(ctx context.Context, app Application, owner Handle, callbackURL string) (RegisteredWebhook, error) {
	c, err := g.client(app)
	if err != nil {
		return RegisteredWebhook{}, err
	}
	var tok *Token
	if app.Dialect == DialectPremium && !owner.AccessToken.IsZero() {
		t := handleToken(owner)
		tok = &t
	}
	h, err := c.EnsureWebhook(ctx, tok, callbackURL)
	if err != nil {
		return RegisteredWebhook{}, g.engineError("ensure webhook", err)
	}
	return RegisteredWebhook{ID: h.ID, URL: h.URL, Valid: h.Valid}, nil
}

// EnsureSubscription runs Client.EnsureSubscription with the handle's token.
func (g *Gateway) EnsureSubscription(ctx context.Context, app Application, handle Handle, webhookID string) error {
	c, err := g.client(app)
	if err != nil {
		return err
	}
	return g.engineError("ensure subscription", c.EnsureSubscription(ctx, handleToken(handle), webhookID))
}

// SendDM sends the parts of text after the first skipParts, one DM each.
func (g *Gateway) SendDM(ctx context.Context, app Application, handle Handle, recipientID, text string, skipParts int) ([]string, error) {
	c, err := g.client(app)
	if err != nil {
		return nil, err
	}
	parts := SplitText(text, MaxTextLength)
	if skipParts > len(parts) {
		skipParts = len(parts)
	}
	var ids []string
	for _, part := range parts[skipParts:] {
		sent, err := c.SendDM(ctx, handleToken(handle), OutgoingDM{RecipientID: recipientID, Text: part})
		for _, s := range sent {
			ids = append(ids, s.ID)
		}
		if err != nil {
			return ids, g.engineError("send direct message", err)
		}
	}
	return ids, nil
}

// ListDMEvents reads one page of the handle's DM events.
func (g *Gateway) ListDMEvents(ctx context.Context, app Application, handle Handle, cursor string) (EventPage, error) {
	c, err := g.client(app)
	if err != nil {
		return EventPage{}, err
	}
	page, err := c.ListDMEvents(ctx, handleToken(handle), ListOptions{ForUserID: handle.UserID, Cursor: cursor})
	if err != nil {
		return EventPage{}, g.engineError("list DM events", err)
	}
	out := EventPage{NextCursor: page.NextCursor, DMs: make([]engine.ChannelMessage, 0, len(page.Messages))}
	for _, m := range page.Messages {
		out.DMs = append(out.DMs, channelMessage(m)) // as the webhook gives them: links, media variants, initiated_via
	}
	return out, nil
}

// toEngineDM is the part of channelMessage that maps fields one to one:
// ids, times, text and the customer.
func toEngineDM(m DirectMessage) engine.ChannelMessage {
	dm := engine.ChannelMessage{
		ExternalID: m.ID, ExternalThreadID: m.ConversationID, SentAt: m.CreatedAt.UTC(), SenderExternalID: m.SenderID, RecipientExternalID: m.RecipientID,
		Echo: m.IsEcho(), ClientID: m.SourceAppID, Text: m.DisplayText(), Hashtags: m.Hashtags,
		Customer: engine.CustomerProfile{ExternalID: m.CustomerID()},
	}
	if u := m.Customer(); u != nil {
		dm.Customer = engine.CustomerProfile{
			ExternalID: m.CustomerID(), Name: u.Name, ScreenName: u.ScreenName, FollowersCount: int(u.FollowersCount),
			FriendsCount: int(u.FriendsCount), Verified: u.Verified, Protected: u.Protected, Language: u.Lang, Location: u.Location,
			Description: u.Description, ProfileImageURL: u.ProfileImageURL, AccountCreatedAt: u.CreatedAt.UTC(),
		}
		if u.CreatedAt.IsZero() {
			dm.Customer.AccountCreatedAt = time.Time{}
		}
	}
	if m.QuickReply != nil {
		dm.QuickReply = m.QuickReply.Metadata
	}
	return dm
}

package twitter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter/internal/wire"
)

// ErrOwnerTokenRequired is returned by premium-dialect webhook calls made
// without the app owner's user token.
var ErrOwnerTokenRequired = errors.New("twitter: the premium dialect manages webhooks with the app owner's user token")

// Webhook is a registered webhook.
type Webhook struct {
	ID        string
	URL       string
	Valid     bool
	CreatedAt time.Time
}

func webhookFromWire(w wire.Webhook) Webhook {
	h := Webhook{ID: string(w.ID), URL: w.URL, Valid: w.Valid}
	h.CreatedAt, _ = parseTime(wire.FlexString(firstNonEmpty(w.CreatedAt, w.CreatedTimestamp)))
	return h
}

// webhookAuth is the authentication of webhook management: the owner's
// user token when given (required by the premium dialect), else the bearer.
func (c *Client) webhookAuth(owner *Token) (auth, error) {
	if owner != nil {
		return auth{user: owner}, nil
	}
	if c.cfg.Dialect == DialectPremium {
		return auth{}, ErrOwnerTokenRequired
	}
	return auth{bearer: true}, nil
}

func (c *Client) envPath() string {
	return "/1.1/account_activity/all/" + url.PathEscape(c.cfg.Environment)
}

// RegisterWebhook registers callbackURL as the application's webhook.
// Twitter sends the CRC GET to the URL while this call is in flight, so the
// webhook handler must already serve it. owner is the app owner's user
// token; it is required by the premium dialect and optional for v2 (which
// uses the bearer token without it). A failed CRC is an *APIError with
// Reason ReasonCRCValidationFailed (v2) or Code CodeCRCFailed (premium).
func (c *Client) RegisterWebhook(ctx context.Context, owner *Token, callbackURL string) (Webhook, error) {
	const op = "register webhook"
	a, err := c.webhookAuth(owner)
	if err != nil {
		return Webhook{}, err
	}
	if c.cfg.Dialect == DialectPremium {
		var out wire.Webhook
		if _, err := c.do(ctx, request{op: op, method: http.MethodPost, path: c.envPath() + "/webhooks.json",
			query: url.Values{"url": {callbackURL}}, auth: a, out: &out}); err != nil {
			return Webhook{}, err
		}
		return webhookFromWire(out), nil
	}
	var out struct {
		Data *wire.Webhook `json:"data"`
	}
	if _, err := c.do(ctx, request{op: op, method: http.MethodPost, path: "/2/webhooks",
		json: map[string]string{"url": callbackURL}, auth: a, out: &out}); err != nil {
		return Webhook{}, err
	}
	if out.Data == nil || out.Data.ID == "" {
		return Webhook{}, fmt.Errorf("twitter: %s: %w: no data.id", op, ErrMalformed)
	}
	return webhookFromWire(*out.Data), nil
}

// Webhooks lists the application's webhooks (for the premium dialect: those
// of its environment).
func (c *Client) Webhooks(ctx context.Context) ([]Webhook, error) {
	const op = "list webhooks"
	var list []wire.Webhook
	if c.cfg.Dialect == DialectPremium {
		if _, err := c.do(ctx, request{op: op, method: http.MethodGet, path: c.envPath() + "/webhooks.json",
			auth: auth{bearer: true}, out: &list}); err != nil {
			return nil, err
		}
	} else {
		var out struct {
			Data []wire.Webhook `json:"data"`
		}
		if _, err := c.do(ctx, request{op: op, method: http.MethodGet, path: "/2/webhooks",
			auth: auth{bearer: true}, out: &out}); err != nil {
			return nil, err
		}
		list = out.Data
	}
	hooks := make([]Webhook, 0, len(list))
	for _, w := range list {
		hooks = append(hooks, webhookFromWire(w))
	}
	return hooks, nil
}

// TriggerCRC asks Twitter to run the CRC against the webhook now, which
// re-validates an invalid webhook when it passes (owner as for
// RegisterWebhook).
func (c *Client) TriggerCRC(ctx context.Context, owner *Token, webhookID string) error {
	const op = "trigger CRC"
	a, err := c.webhookAuth(owner)
	if err != nil {
		return err
	}
	if c.cfg.Dialect == DialectPremium {
		_, err := c.do(ctx, request{op: op, method: http.MethodPut,
			path: c.envPath() + "/webhooks/" + url.PathEscape(webhookID) + ".json", auth: a})
		return err
	}
	var out struct {
		Data *struct {
			Valid bool `json:"valid"`
		} `json:"data"`
	}
	if _, err := c.do(ctx, request{op: op, method: http.MethodPut, path: "/2/webhooks/" + url.PathEscape(webhookID),
		auth: a, out: &out}); err != nil {
		return err
	}
	if out.Data != nil && !out.Data.Valid {
		return &APIError{Op: op, Status: http.StatusOK, Reason: ReasonCRCValidationFailed, Message: "webhook is still invalid"}
	}
	return nil
}

// DeleteWebhook deletes the webhook (owner as for RegisterWebhook).
func (c *Client) DeleteWebhook(ctx context.Context, owner *Token, webhookID string) error {
	const op = "delete webhook"
	a, err := c.webhookAuth(owner)
	if err != nil {
		return err
	}
	path := "/2/webhooks/" + url.PathEscape(webhookID)
	if c.cfg.Dialect == DialectPremium {
		path = c.envPath() + "/webhooks/" + url.PathEscape(webhookID) + ".json"
	}
	_, err = c.do(ctx, request{op: op, method: http.MethodDelete, path: path, auth: a})
	return err
}

// Subscribe subscribes the token's user (a handle) to the webhook, so that
// its DMs are delivered. It is idempotent: an existing subscription (409,
// code 355, DuplicateSubscriptionFailed) is success. The premium dialect
// ignores webhookID (one webhook per environment).
func (c *Client) Subscribe(ctx context.Context, tok Token, webhookID string) error {
	const op = "subscribe"
	r := request{op: op, method: http.MethodPost, auth: auth{user: &tok}}
	if c.cfg.Dialect == DialectPremium {
		r.path = c.envPath() + "/subscriptions.json"
	} else {
		r.path = "/2/account_activity/webhooks/" + url.PathEscape(webhookID) + "/subscriptions/all"
		r.json = struct{}{}
	}
	_, err := c.do(ctx, r)
	if e, ok := AsAPIError(err); ok && (e.Status == http.StatusConflict || e.Code == CodeSubscriptionExists || e.Reason == ReasonDuplicateSubscription) {
		return nil
	}
	return err
}

// Subscribed reports whether the token's user is subscribed to the webhook.
func (c *Client) Subscribed(ctx context.Context, tok Token, webhookID string) (bool, error) {
	const op = "check subscription"
	if c.cfg.Dialect == DialectPremium {
		_, err := c.do(ctx, request{op: op, method: http.MethodGet, path: c.envPath() + "/subscriptions.json", auth: auth{user: &tok}})
		if e, ok := AsAPIError(err); ok && (e.Status == http.StatusNotFound || e.Code == CodeNotFound) {
			return false, nil
		}
		return err == nil, err
	}
	var out struct {
		Data struct {
			Subscribed bool `json:"subscribed"`
		} `json:"data"`
	}
	_, err := c.do(ctx, request{op: op, method: http.MethodGet,
		path: "/2/account_activity/webhooks/" + url.PathEscape(webhookID) + "/subscriptions/all",
		auth: auth{user: &tok}, out: &out})
	if e, ok := AsAPIError(err); ok && (e.Status == http.StatusNotFound && e.Reason != ReasonWebhookIDInvalid || e.Reason == ReasonSubscriptionNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return out.Data.Subscribed, nil
}

// Unsubscribe removes userID's subscription (with the bearer token). A
// subscription that does not exist is success.
func (c *Client) Unsubscribe(ctx context.Context, webhookID, userID string) error {
	const op = "unsubscribe"
	path := "/2/account_activity/webhooks/" + url.PathEscape(webhookID) + "/subscriptions/" + url.PathEscape(userID) + "/all"
	if c.cfg.Dialect == DialectPremium {
		path = c.envPath() + "/subscriptions/" + url.PathEscape(userID) + ".json"
	}
	_, err := c.do(ctx, request{op: op, method: http.MethodDelete, path: path, auth: auth{bearer: true}})
	if e, ok := AsAPIError(err); ok && (e.Reason == ReasonSubscriptionNotFound || e.Status == http.StatusNotFound && e.Reason == "") {
		return nil
	}
	return err
}

// Subscriptions lists the user ids subscribed to the webhook (with the
// bearer token).
func (c *Client) Subscriptions(ctx context.Context, webhookID string) ([]string, error) {
	const op = "list subscriptions"
	type sub struct {
		UserID wire.FlexString `json:"user_id"`
	}
	var subs []sub
	if c.cfg.Dialect == DialectPremium {
		var out struct {
			Subscriptions []sub `json:"subscriptions"`
		}
		if _, err := c.do(ctx, request{op: op, method: http.MethodGet, path: c.envPath() + "/subscriptions/list.json",
			auth: auth{bearer: true}, out: &out}); err != nil {
			return nil, err
		}
		subs = out.Subscriptions
	} else {
		var out struct {
			Data struct {
				Subscriptions []sub `json:"subscriptions"`
			} `json:"data"`
		}
		if _, err := c.do(ctx, request{op: op, method: http.MethodGet,
			path: "/2/account_activity/webhooks/" + url.PathEscape(webhookID) + "/subscriptions/all/list",
			auth: auth{bearer: true}, out: &out}); err != nil {
			return nil, err
		}
		subs = out.Data.Subscriptions
	}
	ids := make([]string, 0, len(subs))
	for _, s := range subs {
		ids = append(ids, strings.TrimSpace(string(s.UserID)))
	}
	return ids, nil
}

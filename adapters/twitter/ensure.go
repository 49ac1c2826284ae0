package twitter

import (
	"context"
	"errors"
	"fmt"
)

// ErrEnvironmentTaken is returned by EnsureWebhook when the premium
// environment already has a webhook with another URL. The adapter never
// deletes another system's webhook silently: an admin must decide.
var ErrEnvironmentTaken = errors.New("twitter: the environment already has a webhook with another URL")

// EnsureWebhook makes callbackURL a valid registered webhook of the
// application (§11.4), idempotently: an existing registration is reused
// (and re-validated with TriggerCRC when Twitter marked it invalid), else it
// is registered (Twitter runs the CRC during the call, so the webhook
// handler must be serving). owner is as for RegisterWebhook.
func (c *Client) EnsureWebhook(ctx context.Context, owner *Token, callbackURL string) (Webhook, error) {
	hooks, err := c.Webhooks(ctx)
	if err != nil {
		return Webhook{}, fmt.Errorf("ensure webhook: %w", err)
	}
	for _, h := range hooks {
		if h.URL != callbackURL {
			continue
		}
		if !h.Valid {
			if err := c.TriggerCRC(ctx, owner, h.ID); err != nil {
				return h, fmt.Errorf("ensure webhook: re-validate %s: %w", h.ID, err)
			}
			h.Valid = true
		}
		return h, nil
	}
	if c.cfg.Dialect == DialectPremium && len(hooks) > 0 {
		return Webhook{}, fmt.Errorf("ensure webhook: %w: %s", ErrEnvironmentTaken, hooks[0].URL)
	}
	h, err := c.RegisterWebhook(ctx, owner, callbackURL)
	if err != nil {
		return Webhook{}, fmt.Errorf("ensure webhook: %w", err)
	}
	return h, nil
}

// EnsureSubscription subscribes the handle (its token) to the webhook
// unless it already is.
func (c *Client) EnsureSubscription(ctx context.Context, tok Token, webhookID string) error {
	ok, err := c.Subscribed(ctx, tok, webhookID)
	if err != nil {
		return fmt.Errorf("ensure subscription: %w", err)
	}
	if ok {
		return nil
	}
	if err := c.Subscribe(ctx, tok, webhookID); err != nil {
		return fmt.Errorf("ensure subscription: %w", err)
	}
	return nil
}

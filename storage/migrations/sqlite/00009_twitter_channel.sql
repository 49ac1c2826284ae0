-- "Sign on to Twitter" in progress (request tokens, their secrets sealed
-- like every other secret, single use, expiring) and the health of the
-- Twitter channel: each application's webhook, each handle's subscription
-- and newest event.

-- +goose Up
CREATE TABLE twitter_sign_ons (
    request_token  text PRIMARY KEY,
    application_id text NOT NULL REFERENCES twitter_applications (id) ON DELETE CASCADE,
    handle_id      text NOT NULL REFERENCES twitter_handles (id) ON DELETE CASCADE,
    request_secret text NOT NULL CHECK (request_secret LIKE 'v1:%'),
    created_at     datetime NOT NULL,
    expires_at     datetime NOT NULL
);
CREATE INDEX twitter_sign_ons_handle_idx ON twitter_sign_ons (handle_id);

CREATE TABLE twitter_application_health (
    application_id text PRIMARY KEY REFERENCES twitter_applications (id) ON DELETE CASCADE,
    webhook_id     text NOT NULL DEFAULT '',
    webhook_url    text NOT NULL DEFAULT '',
    webhook        text NOT NULL DEFAULT 'unknown' CHECK (webhook IN ('unknown', 'valid', 'invalid', 'error')),
    webhook_error  text NOT NULL DEFAULT '',
    twitter_app_id text NOT NULL DEFAULT '',
    checked_at     datetime,
    -- sends of the whole application wait until then (an app-wide rate limit)
    paused_until   datetime
);

CREATE TABLE twitter_handle_health (
    handle_id          text PRIMARY KEY REFERENCES twitter_handles (id) ON DELETE CASCADE,
    last_event_at      datetime,
    last_event_id      text NOT NULL DEFAULT '',
    subscription       text NOT NULL DEFAULT 'unknown' CHECK (subscription IN ('unknown', 'subscribed', 'not_subscribed', 'error')),
    subscription_error text NOT NULL DEFAULT '',
    checked_at         datetime,
    -- sends of the handle wait until then (its rate limit)
    paused_until       datetime
);

-- +goose Down
DROP TABLE twitter_handle_health;
DROP TABLE twitter_application_health;
DROP TABLE twitter_sign_ons;

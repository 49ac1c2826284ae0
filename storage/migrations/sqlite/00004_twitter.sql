-- Twitter applications (a business's developer Apps) and handles (the
-- business accounts connected through them). Secrets are stored sealed by
-- the storage package (AES-GCM, "v1:" prefix), never in clear; the CHECK
-- constraints refuse anything else.

-- +goose Up
CREATE TABLE twitter_applications (
    id               text PRIMARY KEY,
    name             text NOT NULL,
    consumer_key     text NOT NULL,
    consumer_secret  text NOT NULL CHECK (consumer_secret LIKE 'v1:%'),
    environment_name text NOT NULL DEFAULT '',
    dialect          text NOT NULL CHECK (dialect IN ('v2', 'premium')),
    enabled          boolean NOT NULL,
    created_at       datetime NOT NULL,
    updated_at       datetime NOT NULL
);
CREATE UNIQUE INDEX twitter_applications_name_key ON twitter_applications (lower(name));

CREATE TABLE twitter_handles (
    id                  text PRIMARY KEY,
    application_id      text NOT NULL REFERENCES twitter_applications (id),
    name                text NOT NULL,
    work_stream_id      text NOT NULL REFERENCES work_streams (id),
    user_id             text NOT NULL DEFAULT '',
    screen_name         text NOT NULL DEFAULT '',
    access_token        text NOT NULL DEFAULT '' CHECK (access_token = '' OR access_token LIKE 'v1:%'),
    access_token_secret text NOT NULL DEFAULT '' CHECK (access_token_secret = '' OR access_token_secret LIKE 'v1:%'),
    status              text NOT NULL CHECK (status IN ('pending', 'active', 'disconnected')),
    status_reason       text NOT NULL DEFAULT '',
    created_at          datetime NOT NULL,
    updated_at          datetime NOT NULL
);
-- Names are unique per application; a Twitter user is connected at most
-- once per application (the webhook routes by for_user_id through this index).
CREATE UNIQUE INDEX twitter_handles_name_key ON twitter_handles (application_id, lower(name));
CREATE UNIQUE INDEX twitter_handles_user_key ON twitter_handles (application_id, user_id) WHERE user_id <> '';
CREATE INDEX twitter_handles_application_id_idx ON twitter_handles (application_id, id);
CREATE INDEX twitter_handles_work_stream_id_idx ON twitter_handles (work_stream_id);

-- +goose Down
DROP TABLE twitter_handles;
DROP TABLE twitter_applications;

-- The first tables: queues, work streams and API keys.

-- +goose Up
CREATE TABLE queues (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX queues_name_key ON queues (lower(name));

CREATE TABLE work_streams (
    id                  text PRIMARY KEY,
    name                text NOT NULL,
    channel             text NOT NULL CHECK (channel IN ('twitter')),
    mode                text NOT NULL CHECK (mode IN ('push', 'pick')),
    default_queue_id    text NOT NULL REFERENCES queues (id),
    capacity            integer NOT NULL CHECK (capacity > 0),
    assignment_method   text NOT NULL CHECK (assignment_method IN ('round_robin', 'highest_capacity', 'most_idle')),
    offer_timeout_ms    bigint NOT NULL CHECK (offer_timeout_ms > 0),
    requeue_after_ms    bigint NOT NULL CHECK (requeue_after_ms > 0),
    stall_after_ms      bigint NOT NULL CHECK (stall_after_ms > 0),
    auto_close_after_ms bigint NOT NULL CHECK (auto_close_after_ms > 0),
    keep_same_agent     boolean NOT NULL,
    time_zone           text NOT NULL DEFAULT 'UTC',
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);
CREATE UNIQUE INDEX work_streams_name_key ON work_streams (lower(name));
CREATE INDEX work_streams_default_queue_id_idx ON work_streams (default_queue_id);

CREATE TABLE api_keys (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    role       text NOT NULL CHECK (role IN ('admin', 'analyst', 'agent')),
    agent_id   text,
    token_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);
-- A name is unique among the keys in use; a revoked key's name may be reused.
CREATE UNIQUE INDEX api_keys_active_name_key ON api_keys (name) WHERE revoked_at IS NULL;

-- +goose Down
DROP TABLE api_keys;
DROP TABLE work_streams;
DROP TABLE queues;

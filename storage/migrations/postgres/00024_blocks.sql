-- Blocked customers: a customer blocked on a channel (with a reason, who
-- blocked them and when) still has their DMs stored, each marked as from a
-- blocked customer, but not routed or offered. Unblocking deletes the
-- block; the audit log keeps the history. Stored messages are marked as
-- not blocked, so that everything goes on as before.

-- +goose Up
CREATE TABLE customer_blocks (
    id                text PRIMARY KEY,
    channel           text NOT NULL,
    external_id       text NOT NULL,
    name              text NOT NULL DEFAULT '',
    screen_name       text NOT NULL DEFAULT '',
    reason            text NOT NULL,
    blocked_by_key_id text NOT NULL DEFAULT '',
    blocked_by        text NOT NULL,
    blocked_at        timestamptz NOT NULL
);
CREATE UNIQUE INDEX customer_blocks_identity_key ON customer_blocks (channel, external_id);
ALTER TABLE messages ADD COLUMN blocked boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE messages DROP COLUMN blocked;
DROP TABLE customer_blocks;

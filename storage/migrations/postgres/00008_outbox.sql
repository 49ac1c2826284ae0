-- The Twitter channel's outbox: an agent's reply is an outbound message
-- whose delivery_status is queued; these columns say to whom it goes, when
-- it is due (for a message being sent: when its lease ends), and how many
-- parts of a split text are sent. sent_events remembers the Twitter event
-- id of every part Switchboard sent, so that their echoes are recognised.

-- +goose Up
ALTER TABLE messages ADD COLUMN handle_id text;
ALTER TABLE messages ADD COLUMN recipient_twitter_id text NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN next_attempt_at timestamptz;
ALTER TABLE messages ADD COLUMN sent_parts integer NOT NULL DEFAULT 0;
CREATE INDEX messages_outbox_due_idx ON messages (next_attempt_at, id) WHERE delivery_status IN ('queued', 'sending');

CREATE TABLE sent_events (
    application_id text NOT NULL,
    event_id       text NOT NULL,
    message_id     text NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    PRIMARY KEY (application_id, event_id)
);

-- +goose Down
DROP TABLE sent_events;
DROP INDEX messages_outbox_due_idx;
ALTER TABLE messages DROP COLUMN sent_parts;
ALTER TABLE messages DROP COLUMN next_attempt_at;
ALTER TABLE messages DROP COLUMN recipient_twitter_id;
ALTER TABLE messages DROP COLUMN handle_id;

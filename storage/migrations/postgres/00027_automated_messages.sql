-- Automated messages: a work stream's templates, one per kind (greeting,
-- out_of_hours; still_waiting and closing to come), with placeholders
-- filled when sent. A work stream without one of a kind sends none of it.
-- automated_message_sends remembers each one queued for a conversation, so
-- that the next of its kind waits the engine's interval (12 hours).
-- messages.automated marks the messages Switchboard sent by itself; every
-- stored message is an agent's or a customer's, so it is false. Nothing
-- existing changes.

-- +goose Up
CREATE TABLE automated_messages (
    work_stream_id text NOT NULL,
    kind           text NOT NULL,
    body           text NOT NULL,
    updated_by     text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (work_stream_id, kind)
);
CREATE TABLE automated_message_sends (
    message_id      text PRIMARY KEY,
    conversation_id text NOT NULL,
    kind            text NOT NULL,
    sent_at         timestamptz NOT NULL
);
CREATE INDEX automated_message_sends_conversation ON automated_message_sends (conversation_id, kind, sent_at);
ALTER TABLE messages ADD COLUMN automated boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE messages DROP COLUMN automated;
DROP TABLE automated_message_sends;
DROP TABLE automated_messages;

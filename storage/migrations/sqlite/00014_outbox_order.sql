-- The outbox sends a customer's replies one after another, in the order
-- they were written: a message is due only when no earlier one to the same
-- customer from the same handle is still queued or being sent. This index
-- finds those earlier messages.

-- +goose Up
CREATE INDEX messages_outbox_line_idx ON messages (handle_id, recipient_twitter_id, sent_at, id)
    WHERE delivery_status IN ('queued', 'sending');

-- +goose Down
DROP INDEX messages_outbox_line_idx;

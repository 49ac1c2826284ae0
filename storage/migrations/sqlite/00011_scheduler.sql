-- The scheduler: when an agent's notification stream was last seen, and the
-- indexes that serve its due-time queries. Each job asks, per work stream,
-- for the rows in one state whose due column is at or before a cutoff, in
-- that column's order: a range scan of a partial index, never a table scan.

-- +goose Up
ALTER TABLE agents ADD COLUMN stream_seen_at datetime;
CREATE INDEX agents_stream_seen_idx ON agents (stream_seen_at) WHERE stream_seen_at IS NOT NULL;

-- Offer timeout: offered longest ago first.
CREATE INDEX conversations_offer_due_idx ON conversations (work_stream_id, offered_at, id) WHERE status = 'offered';
-- Requeue: routed longest ago first.
CREATE INDEX conversations_requeue_due_idx ON conversations (work_stream_id, routed_at, id) WHERE status = 'open';
-- Stall: the customer's message unanswered longest first.
CREATE INDEX conversations_stall_due_idx ON conversations (work_stream_id, last_customer_message_at, id) WHERE status IN ('active', 'waiting');
-- Requeue of stalled conversations: stalled longest ago first.
CREATE INDEX conversations_stalled_due_idx ON conversations (work_stream_id, stalled_at, id) WHERE status IN ('active', 'waiting') AND stalled_at IS NOT NULL;
-- Auto-close: silent longest first.
CREATE INDEX conversations_inactive_due_idx ON conversations (work_stream_id, last_message_at, id) WHERE status <> 'closed';

-- +goose Down
DROP INDEX conversations_inactive_due_idx;
DROP INDEX conversations_stalled_due_idx;
DROP INDEX conversations_stall_due_idx;
DROP INDEX conversations_requeue_due_idx;
DROP INDEX conversations_offer_due_idx;
DROP INDEX agents_stream_seen_idx;
ALTER TABLE agents DROP COLUMN stream_seen_at;

-- Overflow: a queue may hold at most max_waiting waiting conversations
-- before routing sends the next to its overflow queue; a routing decision
-- records the full queue it left (overflow_from). Stored queues have no
-- limit, and stored decisions overflowed from nowhere.

-- +goose Up
ALTER TABLE queues ADD COLUMN max_waiting integer NOT NULL DEFAULT 0;
ALTER TABLE queues ADD COLUMN overflow_queue_id text REFERENCES queues (id);
ALTER TABLE routing_decisions ADD COLUMN overflow_from text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE routing_decisions DROP COLUMN overflow_from;
ALTER TABLE queues DROP COLUMN overflow_queue_id;
ALTER TABLE queues DROP COLUMN max_waiting;

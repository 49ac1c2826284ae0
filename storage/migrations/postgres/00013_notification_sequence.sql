-- Each agent's notifications are numbered by a sequence of their own, taken
-- under a lock on the agent's counter row that the writing transaction
-- holds until it commits: an agent's notifications commit in the order of
-- their numbers, so a stream resuming after the last number it saw misses
-- none. (A shared bigserial hands out numbers at insert, and a transaction
-- that commits after one with a higher number would be skipped.)

-- +goose Up
CREATE TABLE notification_counters (
    agent_id text PRIMARY KEY,
    last     bigint NOT NULL
);
ALTER TABLE notifications ADD COLUMN seq bigint;
UPDATE notifications SET seq = id;
ALTER TABLE notifications ALTER COLUMN seq SET NOT NULL;
INSERT INTO notification_counters (agent_id, last) SELECT agent_id, MAX(seq) FROM notifications GROUP BY agent_id;
CREATE UNIQUE INDEX notifications_agent_seq_idx ON notifications (agent_id, seq);
DROP INDEX notifications_agent_idx;

-- +goose Down
CREATE INDEX notifications_agent_idx ON notifications (agent_id, id);
DROP INDEX notifications_agent_seq_idx;
ALTER TABLE notifications DROP COLUMN seq;
DROP TABLE notification_counters;

-- Each agent's notifications are numbered by a sequence of their own (see
-- the PostgreSQL migration; on SQLite the single writer already commits
-- them in order, and the two stores keep the same schema).

-- +goose Up
CREATE TABLE notification_counters (
    agent_id text PRIMARY KEY,
    last     integer NOT NULL
);
ALTER TABLE notifications ADD COLUMN seq integer NOT NULL DEFAULT 0;
UPDATE notifications SET seq = id;
INSERT INTO notification_counters (agent_id, last) SELECT agent_id, MAX(seq) FROM notifications GROUP BY agent_id;
CREATE UNIQUE INDEX notifications_agent_seq_idx ON notifications (agent_id, seq);
DROP INDEX notifications_agent_idx;

-- +goose Down
CREATE INDEX notifications_agent_idx ON notifications (agent_id, id);
DROP INDEX notifications_agent_seq_idx;
ALTER TABLE notifications DROP COLUMN seq;
DROP TABLE notification_counters;

-- Offers to agents, the agents' notification events, and what assignment
-- needs to know: the capacity a conversation holds and when an agent was
-- last offered work or last active.

-- +goose Up
ALTER TABLE conversations ADD COLUMN capacity_units integer NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN last_offered_at datetime;
ALTER TABLE agents ADD COLUMN last_activity_at datetime;

CREATE TABLE offers (
    id              text PRIMARY KEY,
    conversation_id text NOT NULL REFERENCES conversations (id),
    agent_id        text NOT NULL,
    offered_at      datetime NOT NULL,
    outcome         text NOT NULL CHECK (outcome IN ('pending', 'accepted', 'rejected', 'timed_out', 'withdrawn')),
    decided_at      datetime
);
CREATE INDEX offers_conversation_idx ON offers (conversation_id, offered_at);
-- The offer-timeout sweep finds pending offers by age.
CREATE INDEX offers_pending_idx ON offers (offered_at) WHERE outcome = 'pending';

CREATE TABLE notifications (
    id         integer PRIMARY KEY AUTOINCREMENT,
    agent_id   text NOT NULL,
    kind       text NOT NULL,
    payload    text NOT NULL,
    created_at datetime NOT NULL
);
CREATE INDEX notifications_agent_idx ON notifications (agent_id, id);

-- +goose Down
DROP TABLE notifications;
DROP TABLE offers;
ALTER TABLE agents DROP COLUMN last_activity_at;
ALTER TABLE agents DROP COLUMN last_offered_at;
ALTER TABLE conversations DROP COLUMN capacity_units;

-- Agents and their queue memberships.

-- +goose Up
CREATE TABLE agents (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    capacity    integer NOT NULL CHECK (capacity > 0),
    presence    text NOT NULL CHECK (presence IN ('available', 'busy', 'away', 'offline')),
    presence_at timestamptz NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- A queue with members cannot be deleted; deleting an agent drops its memberships.
CREATE TABLE agent_queues (
    agent_id text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    queue_id text NOT NULL REFERENCES queues (id),
    PRIMARY KEY (agent_id, queue_id)
);
CREATE INDEX agent_queues_queue_id_idx ON agent_queues (queue_id, agent_id);

CREATE INDEX api_keys_agent_id_idx ON api_keys (agent_id) WHERE agent_id IS NOT NULL;

-- +goose Down
DROP INDEX api_keys_agent_id_idx;
DROP TABLE agent_queues;
DROP TABLE agents;

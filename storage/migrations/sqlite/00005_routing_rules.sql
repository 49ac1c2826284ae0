-- Routing rules and their immutable rule-set versions.

-- +goose Up
-- A rule keeps its work stream and its queue in use: neither can be deleted
-- while a rule refers to it.
CREATE TABLE routing_rules (
    id             text PRIMARY KEY,
    work_stream_id text NOT NULL REFERENCES work_streams (id),
    name           text NOT NULL,
    condition      text NOT NULL,
    conditions     text,
    queue_id       text NOT NULL REFERENCES queues (id),
    enabled        boolean NOT NULL,
    position       integer NOT NULL CHECK (position > 0),
    created_at     datetime NOT NULL,
    updated_at     datetime NOT NULL
);
CREATE INDEX routing_rules_work_stream_idx ON routing_rules (work_stream_id, position);
CREATE INDEX routing_rules_queue_id_idx ON routing_rules (queue_id);

-- A version is a JSON snapshot of a work stream's rules. Versions go with
-- their work stream, which can only be deleted once it has no rules.
CREATE TABLE rule_set_versions (
    id             text PRIMARY KEY,
    work_stream_id text NOT NULL REFERENCES work_streams (id) ON DELETE CASCADE,
    number         integer NOT NULL CHECK (number > 0),
    author         text NOT NULL,
    at             datetime NOT NULL,
    summary        text NOT NULL,
    rule_count     integer NOT NULL,
    rules          text NOT NULL
);
CREATE UNIQUE INDEX rule_set_versions_number_key ON rule_set_versions (work_stream_id, number);

-- +goose Down
DROP TABLE rule_set_versions;
DROP TABLE routing_rules;

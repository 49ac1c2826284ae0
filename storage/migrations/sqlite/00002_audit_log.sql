-- The audit log: who changed what, and when.

-- +goose Up
CREATE TABLE audit_log (
    id           text PRIMARY KEY,
    at           datetime NOT NULL,
    actor_key_id text NOT NULL,
    actor_name   text NOT NULL,
    action       text NOT NULL,
    resource     text NOT NULL,
    resource_id  text NOT NULL,
    summary      text NOT NULL
);
CREATE INDEX audit_log_resource_idx ON audit_log (resource, resource_id, id);

-- +goose Down
DROP TABLE audit_log;

-- Canned responses: replies agents insert by a shortcut ("/refund"),
-- shared (kept by analysts and admins, agent_id '') or personal (one
-- agent's, agent_id theirs). A shortcut is unique within its scope: among
-- the shared ones, or among one agent's; it is stored in lower case, so
-- that the index makes it unique ignoring case. Nothing existing changes.

-- +goose Up
CREATE TABLE canned_responses (
    id         text PRIMARY KEY,
    scope      text NOT NULL,
    agent_id   text NOT NULL DEFAULT '',
    title      text NOT NULL,
    shortcut   text NOT NULL,
    body       text NOT NULL,
    created_by text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX canned_responses_shortcut_key ON canned_responses (scope, agent_id, shortcut);

-- +goose Down
DROP TABLE canned_responses;

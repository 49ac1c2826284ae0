-- PostgreSQL moves the per-message due times out of the conversation
-- row's indexes into a narrow table, so that a DM's update of its
-- conversation can be a HOT update. SQLite updates a row in place and
-- rewrites only the index entries whose columns changed, so it keeps its
-- indexes as they are: this version has nothing to do here.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;

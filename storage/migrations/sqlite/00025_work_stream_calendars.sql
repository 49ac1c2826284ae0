-- A work stream may keep a calendar: its conversations in queues without
-- hours of their own are offered only while it is open. Stored work streams
-- keep none, so they offer at every hour as before.

-- +goose Up
-- No REFERENCES, as for queues (00022): SQLite cannot drop a column a
-- foreign key names; the engine checks the calendar exists, and storage
-- refuses to delete one in use.
ALTER TABLE work_streams ADD COLUMN calendar_id text;

-- +goose Down
ALTER TABLE work_streams DROP COLUMN calendar_id;

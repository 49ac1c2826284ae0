-- A work stream may keep a calendar: its conversations in queues without
-- hours of their own are offered only while it is open. Stored work streams
-- keep none, so they offer at every hour as before.

-- +goose Up
ALTER TABLE work_streams ADD COLUMN calendar_id text REFERENCES calendars (id);

-- +goose Down
ALTER TABLE work_streams DROP COLUMN calendar_id;

-- Calendars: a business's operating hours (weekly openings in a time zone,
-- and holidays), kept as JSON lists. A queue may keep a calendar: its
-- conversations are offered only while the calendar is open. Stored queues
-- keep none, so they offer at every hour as before.

-- +goose Up
CREATE TABLE calendars (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    time_zone  text NOT NULL,
    hours      text NOT NULL DEFAULT '[]',
    holidays   text NOT NULL DEFAULT '[]',
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX calendars_name_key ON calendars (lower(name));
ALTER TABLE queues ADD COLUMN calendar_id text REFERENCES calendars (id);

-- +goose Down
ALTER TABLE queues DROP COLUMN calendar_id;
DROP TABLE calendars;

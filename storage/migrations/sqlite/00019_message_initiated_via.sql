-- A message keeps what prompt of the business led the customer to write (on
-- Twitter: initiated_via, a tweet's message button or a welcome message), as
-- a JSON list of {kind, id}. Every stored message gets an empty list.

-- +goose Up
ALTER TABLE messages ADD COLUMN initiated_via text NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE messages DROP COLUMN initiated_via;

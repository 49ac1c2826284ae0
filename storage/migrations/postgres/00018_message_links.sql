-- A message keeps the links of its text as its channel reported them (on
-- Twitter the t.co link, where it leads and how to show it), as a JSON list.
-- Every stored message gets an empty list: what routing saw of its links is
-- in its features already.

-- +goose Up
ALTER TABLE messages ADD COLUMN links text NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE messages DROP COLUMN links;

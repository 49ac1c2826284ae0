-- Contacts whose name matches a customer whom a work stream with
-- contact_matching "ask" leaves for the agent to link.

-- +goose Up
ALTER TABLE conversations ADD COLUMN contact_candidates text NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE conversations DROP COLUMN contact_candidates;

-- How a work stream identifies customers: by name (off, exact, ask) and
-- whether it creates a contact when none matches.

-- +goose Up
ALTER TABLE work_streams ADD COLUMN contact_matching text NOT NULL DEFAULT 'exact' CHECK (contact_matching IN ('off', 'exact', 'ask'));
ALTER TABLE work_streams ADD COLUMN create_contacts boolean NOT NULL DEFAULT true;

-- +goose Down
ALTER TABLE work_streams DROP COLUMN create_contacts;
ALTER TABLE work_streams DROP COLUMN contact_matching;

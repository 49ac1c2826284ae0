-- The engine names a customer, a message and a thread by their id on the
-- channel, whatever the channel: the Twitter-named columns become neutral
-- ones, and a contact's link to a customer, like a conversation's customer,
-- says which channel the id is from. Renaming keeps every row and every
-- index; every existing customer is Twitter's.

-- +goose Up
ALTER TABLE contacts RENAME COLUMN twitter_user_id TO external_id;
ALTER TABLE contacts ADD COLUMN channel text NOT NULL DEFAULT '';
UPDATE contacts SET channel = 'twitter' WHERE external_id IS NOT NULL;
DROP INDEX contacts_twitter_user_id_key;
CREATE UNIQUE INDEX contacts_identity_key ON contacts (channel, external_id) WHERE external_id IS NOT NULL;

ALTER TABLE conversations RENAME COLUMN customer_twitter_id TO customer_external_id;
ALTER TABLE conversations ADD COLUMN customer_channel text NOT NULL DEFAULT '';
UPDATE conversations SET customer_channel = 'twitter';
ALTER TABLE conversations RENAME COLUMN twitter_conversation_id TO external_thread_id;

ALTER TABLE messages RENAME COLUMN twitter_event_id TO external_id;
ALTER TABLE messages RENAME COLUMN sender_twitter_id TO sender_external_id;
ALTER TABLE messages RENAME COLUMN recipient_twitter_id TO recipient_external_id;

-- +goose Down
ALTER TABLE messages RENAME COLUMN recipient_external_id TO recipient_twitter_id;
ALTER TABLE messages RENAME COLUMN sender_external_id TO sender_twitter_id;
ALTER TABLE messages RENAME COLUMN external_id TO twitter_event_id;

ALTER TABLE conversations RENAME COLUMN external_thread_id TO twitter_conversation_id;
ALTER TABLE conversations DROP COLUMN customer_channel;
ALTER TABLE conversations RENAME COLUMN customer_external_id TO customer_twitter_id;

-- Links to other channels' customers have no place in the older schema.
UPDATE contacts SET external_id = NULL WHERE channel <> 'twitter';
DROP INDEX contacts_identity_key;
ALTER TABLE contacts DROP COLUMN channel;
ALTER TABLE contacts RENAME COLUMN external_id TO twitter_user_id;
CREATE UNIQUE INDEX contacts_twitter_user_id_key ON contacts (twitter_user_id) WHERE twitter_user_id IS NOT NULL;

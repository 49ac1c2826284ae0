-- The SQL statements Switchboard issues on PostgreSQL for one webhook
-- delivery of one DM (captured with log_statement = all): the application
-- and handle lookups and the ingest transaction (a new customer's path or a
-- continuing conversation's). The handle's health, which records its newest
-- event in a transaction of its own, is written at most once a second per
-- handle, so not per delivery, and is left out. It is the
-- pgbench baseline of "switchboard loadgen": the database work alone, with
-- no HTTP, JSON, gorm, rules or engine.
--
-- "switchboard loadgen --database-url postgres://… --pgbench" runs it for
-- you on the schema it has just loaded. By hand, on a scratch schema:
--
--   switchboard loadgen --database-url 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable&search_path=bench' --count 10
--   psql -h 127.0.0.1 -U postgres test -c "SELECT h.source_id, h.id, h.external_id, h.work_stream_id, w.default_queue_id
--     FROM bench.endpoints h JOIN bench.work_streams w ON w.id = h.work_stream_id ORDER BY h.id DESC LIMIT 1"
--   PGOPTIONS='-c search_path=bench' pgbench -n -M prepared -f ingest.pgbench.sql -c 4 -j 4 -T 10 \
--     -D app=… -D handle=… -D handle_user=… -D ws=… -D queue=… -D customers=50 -D run=1 -D n=0 \
--     'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
--
-- Each client writes its own customers (:customers of them, picked at
-- random), so that clients never race to start the same conversation. Row
-- ids have the shape of the service's (26 characters of a ULID), so that
-- the API lists the rows the script leaves behind.

\set n :n + 1
\set c :client_id * 1000000 + random(1, :customers)

-- The webhook resolves the application and the handle.
SELECT id, channel, name, client_key, client_secret, settings, enabled, created_at, updated_at
  FROM sources WHERE id = :app::text;
SELECT id, source_id, channel, name, work_stream_id, external_id, address, token, token_secret,
  status, status_reason, created_at, updated_at FROM endpoints WHERE source_id = :app::text AND external_id = :handle_user::text;

BEGIN;
SELECT id, conversation_id, application_id, direction, external_id, sender_external_id, author_agent_id,
  text, media, quick_reply, sent_at, received_at, delivery_status, attempts, last_error
  FROM messages WHERE application_id = :app::text AND external_id = 'pgb' || :run::text || '-' || :client_id::text || '-' || :n::text;
SELECT id, source_id, channel, name, work_stream_id, external_id, address, token, token_secret,
  status, status_reason, created_at, updated_at FROM endpoints WHERE id = :handle::text;
SELECT id, name, channel, mode, default_queue_id, capacity, assignment_method, offer_timeout_ms, requeue_after_ms,
  stall_after_ms, auto_close_after_ms, keep_same_agent, time_zone, contact_matching, create_contacts, created_at, updated_at
  FROM work_streams WHERE id = :ws::text;
SELECT coalesce(max(id), '0' || lpad(to_hex(:run::bigint), 12, '0') || lpad(to_hex(:c::bigint), 13, '0')) AS contact, count(*) AS known FROM (
  SELECT id, channel, external_id, name, screen_name, followers_count, friends_count, verified, protected, language,
    location, description, profile_image_url, account_created_at, tags, created_at, updated_at
    FROM contacts WHERE channel = 'twitter' AND external_id = 'pgb' || :run::text || '-' || :c::text) found \gset
\if :known = 0
SELECT id, channel, external_id, name, screen_name, followers_count, friends_count, verified, protected, language,
  location, description, profile_image_url, account_created_at, tags, created_at, updated_at FROM contacts
  WHERE external_id IS NULL AND lower(screen_name) = 'load_' || :c::text ORDER BY id LIMIT 10;
SELECT id, channel, external_id, name, screen_name, followers_count, friends_count, verified, protected, language,
  location, description, profile_image_url, account_created_at, tags, created_at, updated_at FROM contacts
  WHERE external_id IS NULL AND lower(name) = 'load customer ' || :c::text ORDER BY id LIMIT 10;
INSERT INTO contacts (id, channel, external_id, name, screen_name, followers_count, friends_count, verified,
  protected, language, location, description, profile_image_url, account_created_at, tags, created_at, updated_at)
  VALUES (:contact::text, 'twitter', 'pgb' || :run::text || '-' || :c::text, 'Load Customer ' || :c::text, 'load_' || :c::text, 37, 0, false, false, 'en', '', '',
  'https://pbs.twimg.com/profile_images/1/avatar_normal.jpg', '2010-01-01', '[]', now(), now());
\endif
SELECT coalesce(max(id), '0' || lpad(to_hex(:run::bigint), 12, '0') || lpad(to_hex(:c::bigint), 13, '0')) AS conv, count(*) AS found FROM (
  SELECT id, application_id, handle_id, work_stream_id, contact_id, contact_candidates, customer_channel, customer_external_id,
    customer_screen_name, customer, external_thread_id, status, queue_id, agent_id, offered_agent_id, offered_at, capacity_units,
    requeue_count, is_returning, previous_conversations, message_count, routed_at, last_message_at, last_customer_message_at,
    last_agent_message_at, stalled_at, closed_at, close_reason, created_at, updated_at
    FROM conversations WHERE handle_id = :handle::text AND customer_external_id = 'pgb' || :run::text || '-' || :c::text AND status <> 'closed' FOR UPDATE) cv \gset
\if :found = 0
SELECT count(*) FROM conversations WHERE handle_id = :handle::text AND customer_external_id = 'pgb' || :run::text || '-' || :c::text AND status = 'closed';
SELECT MAX(number) FROM rule_set_versions WHERE work_stream_id = :ws::text;
SELECT id, channel, name, client_key, client_secret, settings, enabled, created_at, updated_at
  FROM sources WHERE id = :app::text;
INSERT INTO conversations (id, application_id, handle_id, work_stream_id, contact_id, contact_candidates, customer_channel,
  customer_external_id, customer_screen_name, customer, external_thread_id, status, queue_id, agent_id, offered_agent_id,
  offered_at, capacity_units, requeue_count, is_returning, previous_conversations, message_count, routed_at, last_message_at,
  last_customer_message_at, last_agent_message_at, stalled_at, closed_at, close_reason, created_at, updated_at)
  VALUES (:conv::text, :app::text, :handle::text, :ws::text, :contact::text, '[]', 'twitter', 'pgb' || :run::text || '-' || :c::text, 'load_' || :c::text,
  json_build_object('Channel', 'twitter', 'ExternalID', :c::text, 'Name', 'Load Customer', 'ScreenName', 'load', 'FollowersCount', 37, 'FriendsCount', 0,
    'Verified', false, 'Protected', false, 'Language', 'en', 'Location', '', 'Description', '',
    'ProfileImageURL', 'https://pbs.twimg.com/profile_images/1/avatar_normal.jpg', 'AccountCreatedAt', '2010-01-01T00:00:00Z')::text,
  '', 'open', :queue::text, NULL, NULL, NULL, 0, 0, false, 0, 1, now(), now(), now(), NULL, NULL, NULL, '', now(), now());
INSERT INTO routing_decisions (id, conversation_id, at, rule_id, rule_name, rule_set_version, queue_id, reason, error)
  VALUES ('0' || lpad(to_hex(:run::bigint), 12, '0') || lpad(to_hex(:client_id::bigint * 100000000 + :n::bigint), 13, '0'), :conv::text, now(), NULL, '', 2, :queue::text, 'default', '');
INSERT INTO messages (id, conversation_id, application_id, direction, external_id, sender_external_id,
  author_agent_id, text, media, quick_reply, sent_at, received_at, delivery_status, attempts, last_error)
  VALUES ('0' || lpad(to_hex(:run::bigint), 12, '0') || lpad(to_hex(:client_id::bigint * 100000000 + :n::bigint), 13, '0'), :conv::text, :app::text, 'inbound', 'pgb' || :run::text || '-' || :client_id::text || '-' || :n::text,
  'pgb' || :run::text || '-' || :c::text, NULL, 'Where is my order?', '[]', '', now(), now(), '', 0, '');
SELECT a.* FROM agents a WHERE a.presence = 'available' AND a.id IN (SELECT agent_id FROM agent_queues WHERE queue_id = :queue::text) ORDER BY a.id FOR UPDATE;
\else
INSERT INTO messages (id, conversation_id, application_id, direction, external_id, sender_external_id,
  author_agent_id, text, media, quick_reply, sent_at, received_at, delivery_status, attempts, last_error)
  VALUES ('0' || lpad(to_hex(:run::bigint), 12, '0') || lpad(to_hex(:client_id::bigint * 100000000 + :n::bigint), 13, '0'), :conv::text, :app::text, 'inbound', 'pgb' || :run::text || '-' || :client_id::text || '-' || :n::text,
  'pgb' || :run::text || '-' || :c::text, NULL, 'Where is my order?', '[]', '', now(), now(), '', 0, '');
UPDATE conversations SET application_id = :app::text, handle_id = :handle::text, work_stream_id = :ws::text, contact_id = :contact::text, contact_candidates = '[]',
  customer_channel = 'twitter', customer_external_id = 'pgb' || :run::text || '-' || :c::text, customer_screen_name = 'load_' || :c::text, customer = customer, external_thread_id = '', status = 'open', queue_id = :queue::text,
  agent_id = NULL, offered_agent_id = NULL, offered_at = NULL, capacity_units = 0, requeue_count = 0, is_returning = false,
  previous_conversations = 0, message_count = message_count + 1, routed_at = routed_at, last_message_at = now(), last_customer_message_at = now(),
  last_agent_message_at = NULL, stalled_at = NULL, closed_at = NULL, close_reason = '', updated_at = now() WHERE id = :conv::text;
\endif
COMMIT;


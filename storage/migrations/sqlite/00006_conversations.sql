-- Contacts, conversations, their messages and routing history.

-- +goose Up
CREATE TABLE contacts (
    id                 text PRIMARY KEY,
    twitter_user_id    text,
    name               text NOT NULL DEFAULT '',
    screen_name        text NOT NULL DEFAULT '',
    followers_count    integer NOT NULL DEFAULT 0,
    friends_count      integer NOT NULL DEFAULT 0,
    verified           boolean NOT NULL DEFAULT false,
    protected          boolean NOT NULL DEFAULT false,
    language           text NOT NULL DEFAULT '',
    location           text NOT NULL DEFAULT '',
    description        text NOT NULL DEFAULT '',
    profile_image_url  text NOT NULL DEFAULT '',
    account_created_at datetime,
    tags               text NOT NULL DEFAULT '[]',
    created_at         datetime NOT NULL,
    updated_at         datetime NOT NULL
);
CREATE UNIQUE INDEX contacts_twitter_user_id_key ON contacts (twitter_user_id) WHERE twitter_user_id IS NOT NULL;
CREATE INDEX contacts_screen_name_idx ON contacts (lower(screen_name));
CREATE INDEX contacts_name_idx ON contacts (lower(name));

-- queue_id, agent_id and offered_agent_id carry no foreign key: a closed
-- conversation keeps naming the queue and agent it had after they are gone.
-- Deleting a queue or an agent checks for conversations still in progress.
CREATE TABLE conversations (
    id                       text PRIMARY KEY,
    application_id           text NOT NULL REFERENCES twitter_applications (id),
    handle_id                text NOT NULL REFERENCES twitter_handles (id),
    work_stream_id           text NOT NULL REFERENCES work_streams (id),
    contact_id               text REFERENCES contacts (id),
    customer_twitter_id      text NOT NULL,
    customer_screen_name     text NOT NULL DEFAULT '',
    customer                 text NOT NULL DEFAULT '{}',
    twitter_conversation_id  text NOT NULL DEFAULT '',
    status                   text NOT NULL CHECK (status IN ('open', 'offered', 'active', 'waiting', 'wrap_up', 'closed')),
    queue_id                 text,
    agent_id                 text,
    offered_agent_id         text,
    offered_at               datetime,
    requeue_count            integer NOT NULL DEFAULT 0,
    is_returning             boolean NOT NULL DEFAULT false,
    previous_conversations   integer NOT NULL DEFAULT 0,
    message_count            integer NOT NULL DEFAULT 0,
    routed_at                datetime,
    last_message_at          datetime,
    last_customer_message_at datetime,
    last_agent_message_at    datetime,
    stalled_at               datetime,
    closed_at                datetime,
    close_reason             text NOT NULL DEFAULT '',
    created_at               datetime NOT NULL,
    updated_at               datetime NOT NULL
);
-- At most one conversation in progress per customer and handle.
CREATE UNIQUE INDEX conversations_in_progress_key ON conversations (handle_id, customer_twitter_id) WHERE status <> 'closed';
CREATE INDEX conversations_customer_idx ON conversations (handle_id, customer_twitter_id, id);
CREATE INDEX conversations_status_queue_idx ON conversations (status, queue_id, id);
CREATE INDEX conversations_agent_idx ON conversations (agent_id, status) WHERE agent_id IS NOT NULL;
CREATE INDEX conversations_offered_agent_idx ON conversations (offered_agent_id) WHERE offered_agent_id IS NOT NULL;
CREATE INDEX conversations_work_stream_idx ON conversations (work_stream_id, id);
CREATE INDEX conversations_screen_name_idx ON conversations (lower(customer_screen_name), id);

CREATE TABLE messages (
    id                text PRIMARY KEY,
    conversation_id   text NOT NULL REFERENCES conversations (id),
    application_id    text NOT NULL,
    direction         text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    twitter_event_id  text,
    sender_twitter_id text NOT NULL DEFAULT '',
    author_agent_id   text,
    text              text NOT NULL DEFAULT '',
    media             text NOT NULL DEFAULT '[]',
    quick_reply       text NOT NULL DEFAULT '',
    sent_at           datetime NOT NULL,
    received_at       datetime NOT NULL,
    delivery_status   text NOT NULL DEFAULT '',
    attempts          integer NOT NULL DEFAULT 0,
    last_error        text NOT NULL DEFAULT ''
);
-- A Twitter event is stored once per application: redeliveries are duplicates.
CREATE UNIQUE INDEX messages_event_key ON messages (application_id, twitter_event_id) WHERE twitter_event_id IS NOT NULL;
CREATE INDEX messages_conversation_idx ON messages (conversation_id, sent_at, id);

CREATE TABLE routing_decisions (
    id               text PRIMARY KEY,
    conversation_id  text NOT NULL REFERENCES conversations (id),
    at               datetime NOT NULL,
    rule_id          text,
    rule_name        text NOT NULL DEFAULT '',
    rule_set_version integer NOT NULL DEFAULT 0,
    queue_id         text NOT NULL,
    reason           text NOT NULL,
    error            text NOT NULL DEFAULT ''
);
CREATE INDEX routing_decisions_conversation_idx ON routing_decisions (conversation_id, id);

-- +goose Down
DROP TABLE routing_decisions;
DROP TABLE messages;
DROP TABLE conversations;
DROP TABLE contacts;

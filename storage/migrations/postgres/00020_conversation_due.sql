-- The due times that change with every message (the last message's, and
-- the last customer message's) move out of the conversation row's indexes
-- into a narrow table of the conversations in progress, which the stall and
-- auto-close sweeps scan instead. A DM's update of its conversation then
-- changes no indexed column and can be a HOT update: a new row version on
-- the same page and no new entry in any of the table's indexes, where
-- before it wrote one into each of them. (PostgreSQL makes an update HOT
-- only when no indexed column changes, whatever a partial index's
-- predicate, so partial indexes alone would not do it.) Triggers keep the
-- narrow table in step with the conversations in the same transaction;
-- the conversations keep their columns, which every read uses.

-- +goose Up
CREATE TABLE conversation_due (
    conversation_id          text PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    work_stream_id           text NOT NULL,
    status                   text NOT NULL,
    last_message_at          timestamptz,
    last_customer_message_at timestamptz
);
INSERT INTO conversation_due (conversation_id, work_stream_id, status, last_message_at, last_customer_message_at)
    SELECT id, work_stream_id, status, last_message_at, last_customer_message_at FROM conversations WHERE status <> 'closed';
-- Stall: the customer's message unanswered longest first.
CREATE INDEX conversation_due_stall_idx ON conversation_due (work_stream_id, last_customer_message_at, conversation_id) WHERE status IN ('active', 'waiting');
-- Auto-close: silent longest first.
CREATE INDEX conversation_due_inactive_idx ON conversation_due (work_stream_id, last_message_at, conversation_id);
DROP INDEX conversations_stall_due_idx;
DROP INDEX conversations_inactive_due_idx;

-- +goose StatementBegin
CREATE FUNCTION conversation_due_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'closed' THEN
        DELETE FROM conversation_due WHERE conversation_id = NEW.id;
        RETURN NULL;
    END IF;
    INSERT INTO conversation_due (conversation_id, work_stream_id, status, last_message_at, last_customer_message_at)
        VALUES (NEW.id, NEW.work_stream_id, NEW.status, NEW.last_message_at, NEW.last_customer_message_at)
        ON CONFLICT (conversation_id) DO UPDATE SET work_stream_id = EXCLUDED.work_stream_id, status = EXCLUDED.status,
            last_message_at = EXCLUDED.last_message_at, last_customer_message_at = EXCLUDED.last_customer_message_at;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER conversation_due_insert AFTER INSERT ON conversations
    FOR EACH ROW EXECUTE FUNCTION conversation_due_sync();
CREATE TRIGGER conversation_due_update AFTER UPDATE ON conversations
    FOR EACH ROW WHEN (OLD.work_stream_id IS DISTINCT FROM NEW.work_stream_id OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.last_message_at IS DISTINCT FROM NEW.last_message_at OR OLD.last_customer_message_at IS DISTINCT FROM NEW.last_customer_message_at)
    EXECUTE FUNCTION conversation_due_sync();
-- Room on each page for the new versions of its rows, so that updates stay
-- on their page (HOT). It applies to pages written from now on.
ALTER TABLE conversations SET (fillfactor = 80);

-- +goose Down
ALTER TABLE conversations RESET (fillfactor);
DROP TRIGGER conversation_due_update ON conversations;
DROP TRIGGER conversation_due_insert ON conversations;
DROP FUNCTION conversation_due_sync();
CREATE INDEX conversations_stall_due_idx ON conversations (work_stream_id, last_customer_message_at, id) WHERE status IN ('active', 'waiting');
CREATE INDEX conversations_inactive_due_idx ON conversations (work_stream_id, last_message_at, id) WHERE status <> 'closed';
DROP TABLE conversation_due;

package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// The scheduler's claims, after riverqueue/river: one statement per batch,
// a CTE that selects the due rows in due-time order with LIMIT n FOR UPDATE
// SKIP LOCKED, and an UPDATE … FROM that CTE that marks them and RETURNs
// them. SQLite runs the same statement without FOR UPDATE SKIP LOCKED: its
// transactions begin IMMEDIATE and hold the single writer's lock, so no one
// else holds the rows. The conditions name the states as literals so that
// both planners match them to the partial indexes of migration 00011.

// dueQuery is a job's due set: the rows it reads (from, with the
// conversation's id as id), the condition (its first parameter the work
// stream, its second the cutoff, if any) and the due-time order.
type dueQuery struct {
	from    string
	id      string
	where   string
	order   string
	cutoffs bool // the condition takes the cutoff
}

func (r *repo) dueQueryOf(c engine.DueClaim) (dueQuery, error) {
	return dueQueryOf(c, r.dialect)
}

func dueQueryOf(c engine.DueClaim, dialect Dialect) (dueQuery, error) {
	const unanswered = ` AND (last_agent_message_at IS NULL OR last_agent_message_at < last_customer_message_at)`
	on := func(where, order string, cutoffs bool) (dueQuery, error) {
		return dueQuery{from: "conversations", id: "id", where: where, order: order, cutoffs: cutoffs}, nil
	}
	switch c.Job {
	case engine.DueOfferTimeout:
		return on(`status = 'offered' AND work_stream_id = ? AND offered_at <= ?`, `offered_at, id`, true)
	case engine.DueRequeue:
		return on(`status = 'open' AND work_stream_id = ? AND routed_at <= ?`, `routed_at, id`, true)
	case engine.DueStall:
		if dialect == Postgres {
			// The narrow table of due times (migration 00020) holds the
			// index; the conversation the rest of the condition.
			return dueQuery{from: `conversation_due d JOIN conversations c ON c.id = d.conversation_id`, id: "c.id",
				where: `d.status IN ('active', 'waiting') AND d.work_stream_id = ? AND d.last_customer_message_at <= ?` +
					` AND (c.last_agent_message_at IS NULL OR c.last_agent_message_at < c.last_customer_message_at)` +
					` AND (c.stalled_at IS NULL OR c.stalled_at < c.last_customer_message_at)`,
				order: `d.last_customer_message_at, d.conversation_id`, cutoffs: true}, nil
		}
		return on(`status IN ('active', 'waiting') AND work_stream_id = ? AND last_customer_message_at <= ?`+unanswered+
			` AND (stalled_at IS NULL OR stalled_at < last_customer_message_at)`, `last_customer_message_at, id`, true)
	case engine.DueStallRequeue:
		return on(`status IN ('active', 'waiting') AND stalled_at IS NOT NULL AND work_stream_id = ? AND stalled_at <= ?`+unanswered+
			` AND stalled_at >= last_customer_message_at`, `stalled_at, id`, true)
	case engine.DueAutoClose:
		if dialect == Postgres {
			return dueQuery{from: `conversation_due d JOIN conversations c ON c.id = d.conversation_id`, id: "c.id",
				where: `d.work_stream_id = ? AND d.last_message_at <= ? AND c.status <> 'closed'`,
				order: `d.last_message_at, d.conversation_id`, cutoffs: true}, nil
		}
		return on(`status <> 'closed' AND work_stream_id = ? AND last_message_at <= ?`, `last_message_at, id`, true)
	case engine.DueAgentGone:
		held := `'active', 'waiting'`
		if c.KeepWaiting {
			held = `'active'`
		}
		const offline = `(SELECT id FROM agents WHERE presence = 'offline')`
		return on(`work_stream_id = ? AND (status = 'offered' AND offered_agent_id IN `+offline+
			` OR status IN (`+held+`) AND agent_id IN `+offline+`)`, `id`, false)
	}
	return dueQuery{}, fmt.Errorf("claim due conversations: unknown job %q", c.Job)
}

// selection is the SELECT of the due ids, without its locking clause.
func (q dueQuery) selection() string {
	return `SELECT ` + q.id + ` AS id FROM ` + q.from + ` WHERE ` + q.where + ` ORDER BY ` + q.order + ` LIMIT ?`
}

// claimStatement wraps a selection of ids from table in the claim: lock,
// mark with set, return the rows.
func (r *repo) claimStatement(table, selection, set string) string {
	returning := table + ".*"
	if r.dialect != Postgres {
		returning = "*" // SQLite's RETURNING sees only the updated table
	}
	return `WITH due AS MATERIALIZED (` + selection + r.forUpdate(true) + `) UPDATE ` + table + ` SET ` + set +
		` FROM due WHERE ` + table + `.id = due.id RETURNING ` + returning
}

// ClaimDue claims a batch of a job's due conversations, in due-time order.
func (r *repo) ClaimDue(ctx context.Context, c engine.DueClaim) ([]engine.Conversation, error) {
	q, err := r.dueQueryOf(c)
	if err != nil {
		return nil, err
	}
	args := []any{string(c.WorkStreamID)}
	if q.cutoffs {
		args = append(args, c.Before.UTC())
	}
	if len(c.IDs) > 0 {
		q.where += ` AND ` + q.id + ` IN ?`
		ids := make([]string, 0, len(c.IDs))
		for _, id := range c.IDs {
			ids = append(ids, string(id))
		}
		args = append(args, ids)
	}
	selection := q.selection()
	args = append(args, c.Limit, c.Now.UTC())
	var rows []conversationRow
	if err := r.db(ctx).Raw(r.claimStatement("conversations", selection, "updated_at = ?"), args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("claim %s conversations: %w", c.Job, err)
	}
	out := make([]engine.Conversation, 0, len(rows))
	for _, row := range rows {
		out = append(out, toEngineConversation(row))
	}
	// RETURNING promises no order: restore the due-time order.
	key := dueKey(c.Job)
	slices.SortFunc(out, func(a, b engine.Conversation) int {
		if c := key(a).Compare(key(b)); c != 0 {
			return c
		}
		return strings.Compare(string(a.ID), string(b.ID))
	})
	return out, nil
}

// dueKey returns the due time of a conversation for a job.
func dueKey(job engine.DueJob) func(engine.Conversation) time.Time {
	at := func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	}
	switch job {
	case engine.DueOfferTimeout:
		return func(c engine.Conversation) time.Time { return at(c.OfferedAt) }
	case engine.DueRequeue:
		return func(c engine.Conversation) time.Time { return at(c.RoutedAt) }
	case engine.DueStall:
		return func(c engine.Conversation) time.Time { return at(c.LastCustomerMessageAt) }
	case engine.DueStallRequeue:
		return func(c engine.Conversation) time.Time { return at(c.StalledAt) }
	case engine.DueAutoClose:
		return func(c engine.Conversation) time.Time { return at(c.LastMessageAt) }
	}
	return func(engine.Conversation) time.Time { return time.Time{} }
}

// ClaimGoneStreams sets offline the agents whose notification stream was
// last seen before a time, and returns them.
func (r *repo) ClaimGoneStreams(ctx context.Context, before, now time.Time, limit int) ([]engine.Agent, error) {
	selection := `SELECT id FROM agents WHERE stream_seen_at IS NOT NULL AND stream_seen_at < ? AND presence <> 'offline' ORDER BY stream_seen_at, id LIMIT ?`
	q := r.claimStatement("agents", selection, "presence = 'offline', presence_at = ?, updated_at = ?, stream_seen_at = NULL")
	var rows []agentRow
	if err := r.db(ctx).Raw(q, before.UTC(), limit, now.UTC(), now.UTC()).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("claim agents whose stream is gone: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(rows))
	for _, row := range rows {
		ids = append(ids, row.ID)
	}
	queues, err := r.agentQueues(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]engine.Agent, 0, len(rows))
	for _, row := range rows {
		out = append(out, toEngineAgent(row, queues[row.ID]))
	}
	slices.SortFunc(out, func(a, b engine.Agent) int { return strings.Compare(string(a.ID), string(b.ID)) })
	return out, nil
}

// SeeStream records that an agent's notification stream is connected.
func (r *repo) SeeStream(ctx context.Context, agent engine.AgentID, at time.Time) error {
	if err := r.db(ctx).Exec(`UPDATE agents SET stream_seen_at = ? WHERE id = ?`, at.UTC(), string(agent)).Error; err != nil {
		return fmt.Errorf("record the notification stream of agent %s: %w", agent, err)
	}
	return nil
}

// LastInboundMessages returns the latest inbound message of each of the
// conversations, in one query.
func (r *repo) LastInboundMessages(ctx context.Context, ids []engine.ConversationID) (map[engine.ConversationID]engine.Message, error) {
	out := make(map[engine.ConversationID]engine.Message, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	keys := make([]string, 0, len(ids))
	for _, id := range ids {
		keys = append(keys, string(id))
	}
	var rows []messageRow
	err := r.db(ctx).Raw(`SELECT m.* FROM messages m WHERE m.conversation_id IN ? AND m.direction = 'inbound'
		AND NOT EXISTS (SELECT 1 FROM messages n WHERE n.conversation_id = m.conversation_id AND n.direction = 'inbound'
			AND (n.sent_at > m.sent_at OR n.sent_at = m.sent_at AND n.id > m.id))`, keys).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("latest customer messages: %w", err)
	}
	for _, row := range rows {
		out[engine.ConversationID(row.ConversationID)] = toEngineMessage(row)
	}
	return out, nil
}

// AppendRoutingDecisions records routing decisions in one statement.
func (r *repo) AppendRoutingDecisions(ctx context.Context, ds []engine.RoutingDecision) error {
	if len(ds) == 0 {
		return nil
	}
	const columns = 11
	args := make([]any, 0, len(ds)*columns)
	for _, d := range ds {
		args = append(args, d.ID, string(d.ConversationID), d.At.UTC(), nullable(d.RuleID), d.RuleName, d.RuleSetVersion, string(d.QueueID),
			d.Priority, string(d.Reason), d.Error, string(d.OverflowFrom))
	}
	q := `INSERT INTO routing_decisions (id, conversation_id, at, rule_id, rule_name, rule_set_version, queue_id, priority, reason, error, overflow_from) VALUES ` +
		rowsOf(len(ds), columns)
	if err := r.rawExec(ctx, q, args...); err != nil {
		return fmt.Errorf("record %d routing decisions: %w", len(ds), err)
	}
	return nil
}

// SaveConversations saves changed conversations: on PostgreSQL in one
// INSERT … ON CONFLICT (id) DO UPDATE of every column (the rows exist and
// the caller holds their locks, so every row takes the update path); on
// SQLite, whose upsert would also trip over the in-progress unique index,
// one UPDATE each.
func (r *repo) SaveConversations(ctx context.Context, cs []engine.Conversation) error {
	if len(cs) == 0 {
		return nil
	}
	if r.dialect != Postgres {
		for _, c := range cs {
			if err := r.UpdateConversation(ctx, c); err != nil {
				return err
			}
		}
		return nil
	}
	args := make([]any, 0, len(cs)*conversationColumnCount)
	for _, c := range cs {
		args = append(args, toConversationRow(c).values()...)
	}
	q := `INSERT INTO conversations (` + conversationColumns + `) VALUES ` + rowsOf(len(cs), conversationColumnCount) +
		` ON CONFLICT (id) DO UPDATE SET ` + conversationUpsertSet
	err := r.rawExec(ctx, q, args...)
	if err != nil {
		return translate(err, "save conversations", "a customer already has a conversation in progress with this handle")
	}
	return nil
}

// ExplainDue returns the plan the database chooses for a job's due
// selection (EXPLAIN on PostgreSQL, EXPLAIN QUERY PLAN on SQLite), one line
// per step, so tests and benchmarks can show that an index serves it.
func (db *DB) ExplainDue(ctx context.Context, c engine.DueClaim) (string, error) {
	q, err := db.dueQueryOf(c)
	if err != nil {
		return "", err
	}
	selection := q.selection()
	args := []any{string(c.WorkStreamID)}
	if q.cutoffs {
		args = append(args, c.Before.UTC())
	}
	args = append(args, max(c.Limit, 1))
	plan, err := db.explain(ctx, selection, args...)
	if err != nil {
		return "", fmt.Errorf("explain %s: %w", c.Job, err)
	}
	return plan, nil
}

// rowsOf writes n rows of m placeholders for a multi-row VALUES list.
func rowsOf(n, m int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", m), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// conversationUpsertSet sets every column of conversationColumns but the
// id and the creation time from the proposed row.
const conversationUpsertSet = `application_id = EXCLUDED.application_id, handle_id = EXCLUDED.handle_id,
	work_stream_id = EXCLUDED.work_stream_id, contact_id = EXCLUDED.contact_id,
	contact_candidates = EXCLUDED.contact_candidates, customer_channel = EXCLUDED.customer_channel,
	customer_external_id = EXCLUDED.customer_external_id,
	customer_screen_name = EXCLUDED.customer_screen_name, customer = EXCLUDED.customer,
	external_thread_id = EXCLUDED.external_thread_id, status = EXCLUDED.status,
	queue_id = EXCLUDED.queue_id, agent_id = EXCLUDED.agent_id, offered_agent_id = EXCLUDED.offered_agent_id, priority = EXCLUDED.priority,
	offered_at = EXCLUDED.offered_at, capacity_units = EXCLUDED.capacity_units,
	requeue_count = EXCLUDED.requeue_count, is_returning = EXCLUDED.is_returning,
	previous_conversations = EXCLUDED.previous_conversations, message_count = EXCLUDED.message_count,
	routed_at = EXCLUDED.routed_at, last_message_at = EXCLUDED.last_message_at,
	last_customer_message_at = EXCLUDED.last_customer_message_at,
	last_agent_message_at = EXCLUDED.last_agent_message_at, stalled_at = EXCLUDED.stalled_at,
	closed_at = EXCLUDED.closed_at, close_reason = EXCLUDED.close_reason, updated_at = EXCLUDED.updated_at`

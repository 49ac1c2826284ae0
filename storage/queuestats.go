package storage

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// liveStatuses are the states of a conversation that is not closed.
var liveStatuses = []string{string(engine.StatusOpen), string(engine.StatusOffered), string(engine.StatusActive), string(engine.StatusWaiting), string(engine.StatusWrapUp)}

const (
	// queueTalliesQuery counts the conversations that are not closed by
	// queue and status, with each group's earliest routing time.
	queueTalliesQuery = `SELECT queue_id, status, COUNT(*) AS n, MIN(COALESCE(routed_at, created_at)) AS oldest FROM conversations
WHERE status IN ? AND queue_id IS NOT NULL GROUP BY queue_id, status`
	// queueMembersQuery lists every membership with the agent's load: the
	// conversations offered to or held by it, in any queue, and the
	// capacity they take.
	queueMembersQuery = `SELECT aq.queue_id, a.id AS agent_id, a.name, a.presence, a.capacity,
	COALESCE(l.conversations, 0) AS conversations, COALESCE(l.used, 0) AS used
FROM agent_queues aq JOIN agents a ON a.id = aq.agent_id
LEFT JOIN (SELECT COALESCE(agent_id, offered_agent_id) AS agent, COUNT(*) AS conversations, SUM(capacity_units) AS used
	FROM conversations WHERE status IN ? GROUP BY COALESCE(agent_id, offered_agent_id)) l ON l.agent = a.id`
)

// QueueLoads counts every queue's conversations by status and lists its
// members with their load, in three statements: the queues, then two
// GROUP BY queries that read only conversations that are not closed,
// through conversations_status_queue_idx (status, queue_id, id), so closed
// conversations, most of the table, are never read (ExplainQueueLoads
// shows the plans). The statements are separate reads, not one snapshot.
func (r *repo) QueueLoads(ctx context.Context) ([]engine.QueueLoad, error) {
	var queues []queueRow
	if err := r.db(ctx).Select("id", "name").Find(&queues).Error; err != nil {
		return nil, fmt.Errorf("queue loads: queues: %w", err)
	}
	var tallies []struct {
		QueueID string
		Status  string
		N       int
		Oldest  aggregateTime
	}
	err := r.db(ctx).Raw(queueTalliesQuery, liveStatuses).Scan(&tallies).Error
	if err != nil {
		return nil, fmt.Errorf("queue loads: count conversations: %w", err)
	}
	// A conversation offered to or held by an agent takes its capacity in
	// whichever queue it is, as in loads (assignment.go).
	var members []struct {
		QueueID       string
		AgentID       string
		Name          string
		Presence      string
		Capacity      int
		Conversations int
		Used          int
	}
	err = r.db(ctx).Raw(queueMembersQuery, heldStatuses).Scan(&members).Error
	if err != nil {
		return nil, fmt.Errorf("queue loads: members: %w", err)
	}

	out := make([]engine.QueueLoad, 0, len(queues))
	index := make(map[string]int, len(queues))
	for _, q := range queues {
		index[q.ID] = len(out)
		out = append(out, engine.QueueLoad{QueueID: engine.QueueID(q.ID), Name: q.Name, Members: []engine.MemberLoad{}})
	}
	for _, t := range tallies {
		i, ok := index[t.QueueID]
		if !ok {
			continue // a queue created after the queues were read
		}
		l := &out[i]
		l.Conversations.Add(engine.Status(t.Status), t.N)
		if t.Status != string(engine.StatusOpen) && t.Status != string(engine.StatusOffered) {
			continue
		}
		if oldest := t.Oldest.Time; l.OldestUnassignedAt == nil || oldest.Before(*l.OldestUnassignedAt) {
			l.OldestUnassignedAt = &oldest
		}
	}
	for _, m := range members {
		i, ok := index[m.QueueID]
		if !ok {
			continue
		}
		out[i].Members = append(out[i].Members, engine.MemberLoad{AgentID: engine.AgentID(m.AgentID), Name: m.Name, Presence: engine.Presence(m.Presence),
			Capacity: m.Capacity, Conversations: m.Conversations, Used: m.Used})
	}
	return out, nil
}

// aggregateTime is a time an aggregate (MIN, MAX) returns: a time.Time
// from PostgreSQL, but the stored text from SQLite, which keeps times as
// text and gives an aggregate's result no declared type to convert by.
type aggregateTime struct{ time.Time }

// Scan reads either form; NULL is the zero time.
func (t *aggregateTime) Scan(src any) error {
	var err error
	switch v := src.(type) {
	case nil:
		t.Time = time.Time{}
	case time.Time:
		t.Time = v.UTC()
	case string:
		t.Time, err = parseStoredTime(v)
	case []byte:
		t.Time, err = parseStoredTime(string(v))
	default:
		err = fmt.Errorf("a time cannot be read from %T", src)
	}
	return err
}

// Value writes the time as a time: the type is only read, but gorm takes
// only a Valuer for a field type it does not know.
func (t aggregateTime) Value() (driver.Value, error) { return t.Time, nil }

// storedTimeLayouts are the forms SQLite's driver writes times in.
var storedTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"}

func parseStoredTime(s string) (time.Time, error) {
	for _, layout := range storedTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a stored time", s)
}

// ExplainQueueLoads returns the plans the database chooses for the two
// grouped queries of QueueLoads (EXPLAIN on PostgreSQL, EXPLAIN QUERY PLAN
// on SQLite), so tests can show which indexes serve them.
func (db *DB) ExplainQueueLoads(ctx context.Context) (tallies, members string, err error) {
	if tallies, err = db.explain(ctx, queueTalliesQuery, liveStatuses); err != nil {
		return "", "", err
	}
	if members, err = db.explain(ctx, queueMembersQuery, heldStatuses); err != nil {
		return "", "", err
	}
	return tallies, members, nil
}

// explain returns a query's plan, one line per step.
func (db *DB) explain(ctx context.Context, query string, args ...any) (string, error) {
	prefix := "EXPLAIN "
	if db.location.Dialect != Postgres {
		prefix = "EXPLAIN QUERY PLAN "
	}
	rows, err := db.g.WithContext(ctx).Raw(prefix+query, args...).Rows()
	if err != nil {
		return "", fmt.Errorf("explain: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", fmt.Errorf("explain: %w", err)
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", fmt.Errorf("explain: %w", err)
		}
		switch v := vals[len(vals)-1].(type) { // the plan text is the last column
		case []byte:
			lines = append(lines, string(v))
		default:
			lines = append(lines, fmt.Sprint(v))
		}
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("explain: %w", err)
	}
	return strings.Join(lines, "\n"), nil
}

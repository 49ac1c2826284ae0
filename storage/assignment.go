package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

type offerRow struct {
	ID             string `gorm:"primaryKey"`
	ConversationID string
	AgentID        string
	OfferedAt      time.Time
	Outcome        string
	DecidedAt      *time.Time
}

func (offerRow) TableName() string { return "offers" }

// loadRow is an agent row with the times assignment orders by. (Flat:
// gorm's raw scans do not fill embedded structs.)
type loadRow struct {
	ID             string
	Name           string
	Capacity       int
	Presence       string
	PresenceAt     time.Time
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
	LastOfferedAt  *time.Time
	LastActivityAt *time.Time
}

func (r loadRow) agent() agentRow {
	return agentRow{ID: r.ID, Name: r.Name, Capacity: r.Capacity, Presence: r.Presence, PresenceAt: r.PresenceAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// heldStatuses are the states in which a conversation holds its agent's
// capacity.
var heldStatuses = []string{string(engine.StatusOffered), string(engine.StatusActive), string(engine.StatusWaiting), string(engine.StatusWrapUp)}

// CandidateAgents returns the available members of a queue, locked, with
// their load. Agents are locked in id order, so that two transactions
// offering work to the same agents never deadlock.
func (r *repo) CandidateAgents(ctx context.Context, queue engine.QueueID) ([]engine.AgentLoad, error) {
	var rows []loadRow
	q := `SELECT a.* FROM agents a WHERE a.presence = ? AND a.id IN (SELECT agent_id FROM agent_queues WHERE queue_id = ?) ORDER BY a.id` + r.forUpdate(false)
	if err := r.db(ctx).Raw(q, string(engine.PresenceAvailable), string(queue)).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("candidate agents: %w", err)
	}
	return r.loads(ctx, rows)
}

// AgentLoad returns one agent, locked, with its load.
func (r *repo) AgentLoad(ctx context.Context, id engine.AgentID) (engine.AgentLoad, error) {
	var rows []loadRow
	if err := r.db(ctx).Raw(`SELECT * FROM agents WHERE id = ?`+r.forUpdate(false), string(id)).Scan(&rows).Error; err != nil {
		return engine.AgentLoad{}, fmt.Errorf("agent load: %w", err)
	}
	if len(rows) == 0 {
		return engine.AgentLoad{}, engine.Errorf(engine.ErrNotFound, "no agent has the id %q", id)
	}
	loads, err := r.loads(ctx, rows)
	if err != nil {
		return engine.AgentLoad{}, err
	}
	return loads[0], nil
}

// loads adds queues and the capacity held by conversations to agent rows.
func (r *repo) loads(ctx context.Context, rows []loadRow) ([]engine.AgentLoad, error) {
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
	var held []struct {
		Agent string
		Used  int
	}
	err = r.db(ctx).Raw(`SELECT COALESCE(agent_id, offered_agent_id) AS agent, SUM(capacity_units) AS used FROM conversations
		WHERE status IN ? AND (agent_id IN ? OR offered_agent_id IN ?) GROUP BY COALESCE(agent_id, offered_agent_id)`,
		heldStatuses, ids, ids).Scan(&held).Error
	if err != nil {
		return nil, fmt.Errorf("agents' load: %w", err)
	}
	used := make(map[string]int, len(held))
	for _, h := range held {
		used[h.Agent] = h.Used
	}
	out := make([]engine.AgentLoad, 0, len(rows))
	for _, row := range rows {
		out = append(out, engine.AgentLoad{Agent: toEngineAgent(row.agent(), queues[row.ID]), Used: used[row.ID],
			LastOfferedAt: utcPtr(row.LastOfferedAt), LastActivityAt: utcPtr(row.LastActivityAt)})
	}
	return out, nil
}

// TouchAgent records when an agent was last offered work and last active.
func (r *repo) TouchAgent(ctx context.Context, id engine.AgentID, offeredAt, activeAt *time.Time) error {
	set := map[string]any{}
	if offeredAt != nil {
		set["last_offered_at"] = offeredAt.UTC()
	}
	if activeAt != nil {
		set["last_activity_at"] = activeAt.UTC()
	}
	if len(set) == 0 {
		return nil
	}
	if err := r.db(ctx).Model(&agentRow{}).Where("id = ?", string(id)).Updates(set).Error; err != nil {
		return fmt.Errorf("touch agent: %w", err)
	}
	return nil
}

// CreateOffer stores an offer.
func (r *repo) CreateOffer(ctx context.Context, o engine.Offer) error {
	row := offerRow{ID: o.ID, ConversationID: string(o.ConversationID), AgentID: string(o.AgentID), OfferedAt: o.OfferedAt.UTC(), Outcome: string(o.Outcome), DecidedAt: utcPtr(o.DecidedAt)}
	if err := r.db(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("create offer: %w", err)
	}
	return nil
}

// PendingOffer returns the conversation's pending offer.
func (r *repo) PendingOffer(ctx context.Context, conv engine.ConversationID) (engine.Offer, error) {
	row, err := take[offerRow](r.db(ctx).Where("conversation_id = ? AND outcome = ?", string(conv), string(engine.OfferPending)).Order("offered_at DESC"), "pending offer", "conversation %s has no pending offer", conv)
	if err != nil {
		return engine.Offer{}, err
	}
	return engine.Offer{ID: row.ID, ConversationID: engine.ConversationID(row.ConversationID), AgentID: engine.AgentID(row.AgentID),
		OfferedAt: row.OfferedAt.UTC(), Outcome: engine.OfferOutcome(row.Outcome), DecidedAt: utcPtr(row.DecidedAt)}, nil
}

// DecideOffer ends a pending offer.
func (r *repo) DecideOffer(ctx context.Context, id string, outcome engine.OfferOutcome, at time.Time) error {
	res := r.db(ctx).Model(&offerRow{}).Where("id = ? AND outcome = ?", id, string(engine.OfferPending)).
		Updates(map[string]any{"outcome": string(outcome), "decided_at": at.UTC()})
	if res.Error != nil {
		return fmt.Errorf("decide offer: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrConflict, "offer %s is no longer pending", id)
	}
	return nil
}

// DeclinedSince lists the agents who rejected or let lapse an offer of the
// conversation at or after since.
func (r *repo) DeclinedSince(ctx context.Context, conv engine.ConversationID, since time.Time) ([]engine.AgentID, error) {
	var ids []string
	err := r.db(ctx).Model(&offerRow{}).Where("conversation_id = ? AND outcome IN ? AND offered_at >= ?", string(conv),
		[]string{string(engine.OfferRejected), string(engine.OfferTimedOut)}, since.UTC()).Distinct().Pluck("agent_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("declined agents: %w", err)
	}
	out := make([]engine.AgentID, 0, len(ids))
	for _, id := range ids {
		out = append(out, engine.AgentID(id))
	}
	return out, nil
}

// LockConversation returns a conversation, locked until the transaction ends.
func (r *repo) LockConversation(ctx context.Context, id engine.ConversationID) (engine.Conversation, error) {
	var rows []conversationRow
	if err := r.db(ctx).Raw(`SELECT * FROM conversations WHERE id = ?`+r.forUpdate(false), string(id)).Scan(&rows).Error; err != nil {
		return engine.Conversation{}, fmt.Errorf("lock conversation: %w", err)
	}
	if len(rows) == 0 {
		return engine.Conversation{}, engine.Errorf(engine.ErrNotFound, "no conversation has the id %q", id)
	}
	return toEngineConversation(rows[0]), nil
}

// WaitingConversations returns open conversations of the queues in the
// order they are offered — the highest priority first (a queue ordered by
// age counts every conversation as the default priority), then routed
// longest ago — locked, skipping rows other transactions hold.
func (r *repo) WaitingConversations(ctx context.Context, queues []engine.QueueID, limit int) ([]engine.Conversation, error) {
	ids := make([]string, 0, len(queues))
	for _, q := range queues {
		ids = append(ids, string(q))
	}
	var rows []conversationRow
	q := `SELECT * FROM conversations WHERE status = ? AND queue_id IN ?
		ORDER BY CASE WHEN queue_id IN (SELECT id FROM queues WHERE ordering = ?) THEN ? ELSE priority END DESC, routed_at, id
		LIMIT ?` + r.forUpdate(true)
	err := r.db(ctx).Raw(q, string(engine.StatusOpen), ids, string(engine.OrderByAge), engine.DefaultPriority, limit).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("waiting conversations: %w", err)
	}
	out := make([]engine.Conversation, 0, len(rows))
	for _, row := range rows {
		out = append(out, toEngineConversation(row))
	}
	return out, nil
}

type notificationRow struct {
	ID        int64 `gorm:"primaryKey;autoIncrement"`
	AgentID   string
	Seq       int64
	Kind      string
	Payload   string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
}

func (notificationRow) TableName() string { return "notifications" }

// AppendNotification stores a notification under the next number of its
// agent's sequence and returns that number. Taking the number locks the
// agent's counter row until the transaction ends, so an agent's
// notifications commit in the order of their numbers.
func (r *repo) AppendNotification(ctx context.Context, n engine.Notification) (int64, error) {
	var seq int64
	var err error
	const next = `INSERT INTO notification_counters (agent_id, last) VALUES (?, 1)
ON CONFLICT (agent_id) DO UPDATE SET last = notification_counters.last + 1 RETURNING last`
	if r.notifyChannel != "" {
		// PostgreSQL delivers the NOTIFY at commit, to every replica's
		// Listen: their streams of this agent read it at once.
		err = r.rawRow(ctx, `WITH n AS (`+next+`), s AS (SELECT pg_notify(?, ?)) SELECT n.last FROM n, s`,
			string(n.AgentID), r.notifyChannel, string(n.AgentID)).Scan(&seq)
	} else {
		err = r.rawRow(ctx, next, string(n.AgentID)).Scan(&seq)
	}
	if err != nil {
		return 0, fmt.Errorf("number notification: %w", err)
	}
	row := notificationRow{AgentID: string(n.AgentID), Seq: seq, Kind: n.Kind, Payload: string(n.Payload), CreatedAt: n.CreatedAt.UTC()}
	if err := r.db(ctx).Create(&row).Error; err != nil {
		return 0, fmt.Errorf("store notification: %w", err)
	}
	return seq, nil
}

// NotificationsAfter lists an agent's notifications after an id.
func (r *repo) NotificationsAfter(ctx context.Context, agent engine.AgentID, after int64, limit int) ([]engine.Notification, error) {
	var rows []notificationRow
	if err := r.db(ctx).Where("agent_id = ? AND seq > ?", string(agent), after).Order("seq").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	out := make([]engine.Notification, 0, len(rows))
	for _, row := range rows {
		out = append(out, engine.Notification{ID: row.Seq, AgentID: engine.AgentID(row.AgentID), Kind: row.Kind, Payload: []byte(row.Payload), CreatedAt: row.CreatedAt.UTC()})
	}
	return out, nil
}

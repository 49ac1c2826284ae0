package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/switchboardhq/switchboard/engine"
)

type agentRow struct {
	ID         string `gorm:"primaryKey"`
	Name       string
	Capacity   int
	Presence   string
	PresenceAt time.Time
	CreatedAt  time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt  time.Time `gorm:"autoUpdateTime:false"`
}

func (agentRow) TableName() string { return "agents" }

type agentQueueRow struct {
	AgentID string `gorm:"primaryKey"`
	QueueID string `gorm:"primaryKey"`
}

func (agentQueueRow) TableName() string { return "agent_queues" }

func toAgentRow(a engine.Agent) agentRow {
	return agentRow{ID: string(a.ID), Name: a.Name, Capacity: a.Capacity, Presence: string(a.Presence),
		PresenceAt: a.PresenceAt.UTC(), CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC()}
}

func toEngineAgent(r agentRow, queues []engine.QueueID) engine.Agent {
	if queues == nil {
		queues = []engine.QueueID{}
	}
	return engine.Agent{ID: engine.AgentID(r.ID), Name: r.Name, Capacity: r.Capacity, QueueIDs: queues, Presence: engine.Presence(r.Presence),
		PresenceAt: r.PresenceAt.UTC(), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// CreateAgent stores a new agent and its queue memberships.
func (r *repo) CreateAgent(ctx context.Context, a engine.Agent) error {
	row := toAgentRow(a)
	if err := r.db(ctx).Create(&row).Error; err != nil {
		return translate(err, "create agent", "an agent with id %q already exists", a.ID)
	}
	return r.setAgentQueues(ctx, a.ID, a.QueueIDs)
}

func (r *repo) setAgentQueues(ctx context.Context, id engine.AgentID, queues []engine.QueueID) error {
	if err := r.db(ctx).Where("agent_id = ?", string(id)).Delete(&agentQueueRow{}).Error; err != nil {
		return fmt.Errorf("set agent queues: %w", err)
	}
	if len(queues) == 0 {
		return nil
	}
	rows := make([]agentQueueRow, 0, len(queues))
	for _, q := range queues {
		rows = append(rows, agentQueueRow{AgentID: string(id), QueueID: string(q)})
	}
	if err := r.db(ctx).Create(&rows).Error; err != nil {
		return translate(err, "set agent queues", "duplicate queue membership")
	}
	return nil
}

// agentQueues loads the memberships of the given agents, in queue id order.
func (r *repo) agentQueues(ctx context.Context, ids []string) (map[string][]engine.QueueID, error) {
	var rows []agentQueueRow
	if err := r.db(ctx).Where("agent_id IN ?", ids).Order("agent_id, queue_id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load agent queues: %w", err)
	}
	m := make(map[string][]engine.QueueID, len(ids))
	for _, row := range rows {
		m[row.AgentID] = append(m[row.AgentID], engine.QueueID(row.QueueID))
	}
	return m, nil
}

// Agent returns one agent with its queues.
func (r *repo) Agent(ctx context.Context, id engine.AgentID) (engine.Agent, error) {
	row, err := take[agentRow](r.db(ctx).Where("id = ?", string(id)), "get agent", "no agent has the id %q", id)
	if err != nil {
		return engine.Agent{}, err
	}
	queues, err := r.agentQueues(ctx, []string{row.ID})
	if err != nil {
		return engine.Agent{}, err
	}
	return toEngineAgent(row, queues[row.ID]), nil
}

// ListAgents lists agents in creation order.
func (r *repo) ListAgents(ctx context.Context, p engine.Page) (engine.List[engine.Agent], error) {
	var rows []agentRow
	if err := paged(r.db(ctx).Model(&agentRow{}), p, false).Find(&rows).Error; err != nil {
		return engine.List[engine.Agent]{}, fmt.Errorf("list agents: %w", err)
	}
	ids := make([]string, 0, len(rows))
	for _, row := range rows {
		ids = append(ids, row.ID)
	}
	queues, err := r.agentQueues(ctx, ids)
	if err != nil {
		return engine.List[engine.Agent]{}, err
	}
	return pageOf(rows, p, func(row agentRow) engine.Agent { return toEngineAgent(row, queues[row.ID]) }, func(r agentRow) string { return r.ID }), nil
}

// UpdateAgent saves name, capacity, presence and queues.
func (r *repo) UpdateAgent(ctx context.Context, a engine.Agent) error {
	row := toAgentRow(a)
	res := r.db(ctx).Model(&agentRow{}).Where("id = ?", row.ID).Select("name", "capacity", "presence", "presence_at", "updated_at").Updates(&row)
	if res.Error != nil {
		return fmt.Errorf("update agent: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrNotFound, "no agent has the id %q", a.ID)
	}
	return r.setAgentQueues(ctx, a.ID, a.QueueIDs)
}

// DeleteAgent deletes an agent and revokes its keys; an agent that
// conversations refer to is ErrConflict.
func (r *repo) DeleteAgent(ctx context.Context, id engine.AgentID, at time.Time) error {
	n, err := r.inProgress(ctx, "(agent_id = ? OR offered_agent_id = ?)", string(id), string(id))
	if err != nil {
		return err
	}
	if n > 0 {
		return engine.Errorf(engine.ErrConflict, "agent %s holds %d conversations in progress; transfer or close them first", id, n)
	}
	res := r.db(ctx).Where("id = ?", string(id)).Delete(&agentRow{})
	if res.Error != nil {
		if errors.Is(res.Error, gorm.ErrForeignKeyViolated) {
			return engine.Errorf(engine.ErrConflict, "agent %s holds conversations; transfer or close them first", id)
		}
		return fmt.Errorf("delete agent: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrNotFound, "no agent has the id %q", id)
	}
	err = r.db(ctx).Model(&apiKeyRow{}).Where("agent_id = ? AND revoked_at IS NULL", string(id)).Update("revoked_at", at.UTC()).Error
	if err != nil {
		return fmt.Errorf("revoke the agent's keys: %w", err)
	}
	return nil
}

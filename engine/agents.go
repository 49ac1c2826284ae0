package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Presence is whether an agent can take work now.
type Presence string

// The presences an agent sets. Only available agents are offered work.
const (
	PresenceAvailable Presence = "available"
	PresenceBusy      Presence = "busy"
	PresenceAway      Presence = "away"
	PresenceOffline   Presence = "offline"
)

// Valid reports whether p is a known presence.
func (p Presence) Valid() bool {
	switch p {
	case PresenceAvailable, PresenceBusy, PresenceAway, PresenceOffline:
		return true
	}
	return false
}

// Agent is a person who works conversations.
type Agent struct {
	ID         AgentID
	Name       string
	Capacity   int // total capacity; each conversation takes its work stream's capacity
	QueueIDs   []QueueID
	Presence   Presence
	PresenceAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// MemberOf reports whether the agent is a member of queue q.
func (a Agent) MemberOf(q QueueID) bool { return slices.Contains(a.QueueIDs, q) }

// AgentStore persists agents, their queue memberships and presence.
// Deleting an agent that holds conversations is ErrConflict.
type AgentStore interface {
	CreateAgent(ctx context.Context, a Agent) error
	Agent(ctx context.Context, id AgentID) (Agent, error)
	ListAgents(ctx context.Context, p Page) (List[Agent], error)
	// UpdateAgent saves name, capacity, queues and presence.
	UpdateAgent(ctx context.Context, a Agent) error
	// DeleteAgent deletes the agent and revokes its API keys.
	DeleteAgent(ctx context.Context, id AgentID, at time.Time) error
}

// AgentInput is what a client sets on an agent; nil fields keep their value.
type AgentInput struct {
	Name     *string
	Capacity *int
	QueueIDs *[]QueueID
}

func (in AgentInput) apply(ctx context.Context, tx QueueStore, a *Agent) error {
	if in.Name != nil {
		name, err := checkName("name", *in.Name)
		if err != nil {
			return err
		}
		a.Name = name
	}
	if in.Capacity != nil {
		if *in.Capacity < 1 || *in.Capacity > 1000 {
			return FieldError("capacity", "must be between 1 and 1000")
		}
		a.Capacity = *in.Capacity
	}
	if in.QueueIDs != nil {
		ids := make([]QueueID, 0, len(*in.QueueIDs))
		for i, id := range *in.QueueIDs {
			field := fmt.Sprintf("queue_ids[%d]", i)
			if !ValidID(string(id)) {
				return FieldError(field, "%q is not a valid id", id)
			}
			if _, err := tx.Queue(ctx, id); err != nil {
				if errors.Is(err, ErrNotFound) {
					return FieldError(field, "no queue has the id %q", id)
				}
				return err
			}
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		a.QueueIDs = ids
	}
	if a.Name == "" {
		return FieldError("name", "is required")
	}
	return nil
}

// CreateAgent creates an agent, offline, with capacity 1 unless in says
// otherwise, and an API key of the agent role bound to it. The key's token
// is returned this once and never stored in clear.
func (s *Service) CreateAgent(ctx context.Context, actor Actor, in AgentInput) (Agent, string, error) {
	now := s.clock.Now()
	a := Agent{ID: AgentID(NewID(now)), Capacity: 1, QueueIDs: []QueueID{}, Presence: PresenceOffline, PresenceAt: now, CreatedAt: now, UpdatedAt: now}
	token, err := NewToken()
	if err != nil {
		return Agent{}, "", err
	}
	err = s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		if err := in.apply(ctx, tx, &a); err != nil {
			return AuditEntry{}, err
		}
		if err := tx.CreateAgent(ctx, a); err != nil {
			return AuditEntry{}, err
		}
		key := APIKey{ID: APIKeyID(NewID(now)), Name: agentKeyName(a), Role: RoleAgent, AgentID: a.ID, TokenHash: HashToken(token), CreatedAt: now}
		if err := tx.CreateAPIKey(ctx, key); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "create", Resource: "agent", ResourceID: string(a.ID), Summary: fmt.Sprintf("created agent %q with capacity %d", a.Name, a.Capacity)}, nil
	})
	if err != nil {
		return Agent{}, "", err
	}
	return a, token, nil
}

func agentKeyName(a Agent) string { return "agent " + string(a.ID) }

// Agent returns one agent.
func (s *Service) Agent(ctx context.Context, id AgentID) (Agent, error) {
	return s.store.Agent(ctx, id)
}

// ListAgents lists agents in creation order.
func (s *Service) ListAgents(ctx context.Context, p Page) (List[Agent], error) {
	return s.store.ListAgents(ctx, p.Normalized())
}

// UpdateAgent changes name, capacity or queues.
func (s *Service) UpdateAgent(ctx context.Context, actor Actor, id AgentID, in AgentInput) (Agent, error) {
	var a Agent
	err := s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		var err error
		if a, err = tx.Agent(ctx, id); err != nil {
			return AuditEntry{}, err
		}
		if err := in.apply(ctx, tx, &a); err != nil {
			return AuditEntry{}, err
		}
		a.UpdatedAt = s.clock.Now()
		if err := tx.UpdateAgent(ctx, a); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "update", Resource: "agent", ResourceID: string(id), Summary: fmt.Sprintf("updated agent %q: capacity %d, %d queues", a.Name, a.Capacity, len(a.QueueIDs))}, nil
	})
	return a, err
}

// SetPresence sets an agent's presence. An agent may set only its own.
func (s *Service) SetPresence(ctx context.Context, actor Actor, id AgentID, p Presence) (Agent, error) {
	if !p.Valid() {
		return Agent{}, FieldError("presence", "%q is not available, busy, away or offline", p)
	}
	if actor.Role == RoleAgent && actor.AgentID != id {
		return Agent{}, Errorf(ErrForbidden, "an agent may set only its own presence")
	}
	var a Agent
	err := s.change(ctx, func(tx Tx, fx *effects) error {
		return s.audited(ctx, tx, actor, func() (AuditEntry, error) {
			var err error
			if a, err = tx.Agent(ctx, id); err != nil {
				return AuditEntry{}, err
			}
			old := a.Presence
			now := s.clock.Now()
			a.Presence, a.PresenceAt, a.UpdatedAt = p, now, now
			if err := tx.UpdateAgent(ctx, a); err != nil {
				return AuditEntry{}, err
			}
			if p == PresenceAvailable && old != PresenceAvailable {
				// Work that waited for someone with room may go to this agent now.
				if err := s.assignWaiting(ctx, tx, fx, a.QueueIDs, now); err != nil {
					return AuditEntry{}, err
				}
			}
			return AuditEntry{Action: "presence", Resource: "agent", ResourceID: string(id), Summary: fmt.Sprintf("agent %q went from %s to %s", a.Name, old, p)}, nil
		})
	})
	return a, err
}

// DeleteAgent deletes an agent that holds no conversations, and revokes its keys.
func (s *Service) DeleteAgent(ctx context.Context, actor Actor, id AgentID) error {
	return s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		a, err := tx.Agent(ctx, id)
		if err != nil {
			return AuditEntry{}, err
		}
		if err := tx.DeleteAgent(ctx, id, s.clock.Now()); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "delete", Resource: "agent", ResourceID: string(id), Summary: fmt.Sprintf("deleted agent %q", a.Name)}, nil
	})
}

package engine

import (
	"context"
	"time"
)

// AuditEntry records one write: who (the API key's name), what (resource,
// id, action) and when, with a short summary of the change.
type AuditEntry struct {
	ID         string
	At         time.Time
	ActorKeyID APIKeyID
	ActorName  string
	Action     string // create, update, delete, restore, …
	Resource   string // queue, work_stream, rule, agent, api_key, …
	ResourceID string
	Summary    string
}

// AuditFilter narrows an audit listing; empty fields match everything.
type AuditFilter struct {
	Resource   string
	ResourceID string
	ActorName  string
}

// AuditStore keeps the audit log.
type AuditStore interface {
	AppendAudit(ctx context.Context, e AuditEntry) error
	// ListAudit lists entries newest first.
	ListAudit(ctx context.Context, f AuditFilter, p Page) (List[AuditEntry], error)
}

// ListAudit lists the audit log, newest first.
func (s *Service) ListAudit(ctx context.Context, f AuditFilter, p Page) (List[AuditEntry], error) {
	return s.store.ListAudit(ctx, f, p.Normalized())
}

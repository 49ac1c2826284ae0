package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

type auditRow struct {
	ID         string `gorm:"primaryKey"`
	At         time.Time
	ActorKeyID string
	ActorName  string
	Action     string
	Resource   string
	ResourceID string
	Summary    string
}

func (auditRow) TableName() string { return "audit_log" }

func toEngineAudit(r auditRow) engine.AuditEntry {
	return engine.AuditEntry{ID: r.ID, At: r.At.UTC(), ActorKeyID: engine.APIKeyID(r.ActorKeyID), ActorName: r.ActorName,
		Action: r.Action, Resource: r.Resource, ResourceID: r.ResourceID, Summary: r.Summary}
}

// AppendAudit records one write.
func (r *repo) AppendAudit(ctx context.Context, e engine.AuditEntry) error {
	row := auditRow{ID: e.ID, At: e.At.UTC(), ActorKeyID: string(e.ActorKeyID), ActorName: e.ActorName,
		Action: e.Action, Resource: e.Resource, ResourceID: e.ResourceID, Summary: e.Summary}
	if err := r.db(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	return nil
}

// ListAudit lists entries newest first.
func (r *repo) ListAudit(ctx context.Context, f engine.AuditFilter, p engine.Page) (engine.List[engine.AuditEntry], error) {
	q := r.db(ctx).Model(&auditRow{})
	if f.Resource != "" {
		q = q.Where("resource = ?", f.Resource)
	}
	if f.ResourceID != "" {
		q = q.Where("resource_id = ?", f.ResourceID)
	}
	if f.ActorName != "" {
		q = q.Where("actor_name = ?", f.ActorName)
	}
	var rows []auditRow
	if err := paged(q, p, true).Find(&rows).Error; err != nil {
		return engine.List[engine.AuditEntry]{}, fmt.Errorf("list audit log: %w", err)
	}
	return pageOf(rows, p, toEngineAudit, func(r auditRow) string { return r.ID }), nil
}

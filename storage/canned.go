package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

type cannedRow struct {
	ID        string `gorm:"primaryKey"`
	Scope     string
	AgentID   string
	Title     string
	Shortcut  string
	Body      string
	CreatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (cannedRow) TableName() string { return "canned_responses" }

func toCannedRow(c engine.CannedResponse) cannedRow {
	return cannedRow{ID: string(c.ID), Scope: string(c.Scope), AgentID: string(c.AgentID), Title: c.Title, Shortcut: c.Shortcut, Body: c.Body,
		CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func toEngineCanned(r cannedRow) engine.CannedResponse {
	return engine.CannedResponse{ID: engine.CannedResponseID(r.ID), Scope: engine.CannedScope(r.Scope), AgentID: engine.AgentID(r.AgentID), Title: r.Title,
		Shortcut: r.Shortcut, Body: r.Body, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// shortcutTaken is the conflict message of a shortcut used in its scope.
func shortcutTaken(c engine.CannedResponse) (string, []any) {
	if c.Scope == engine.ScopePersonal {
		return "you have a personal canned response with the shortcut %s already", []any{c.Shortcut}
	}
	return "a shared canned response has the shortcut %s already", []any{c.Shortcut}
}

// CreateCannedResponse stores a canned response; a shortcut taken in its
// scope is ErrConflict.
func (r *repo) CreateCannedResponse(ctx context.Context, c engine.CannedResponse) error {
	row := toCannedRow(c)
	if err := r.db(ctx).Create(&row).Error; err != nil {
		format, args := shortcutTaken(c)
		return translate(err, "create canned response", format, args...)
	}
	return nil
}

// CannedResponse returns one canned response.
func (r *repo) CannedResponse(ctx context.Context, id engine.CannedResponseID) (engine.CannedResponse, error) {
	row, err := take[cannedRow](r.db(ctx).Where("id = ?", string(id)), "get canned response", "no canned response has the id %q", id)
	if err != nil {
		return engine.CannedResponse{}, err
	}
	return toEngineCanned(row), nil
}

// UpdateCannedResponse saves a canned response's title, shortcut and body.
func (r *repo) UpdateCannedResponse(ctx context.Context, c engine.CannedResponse) error {
	res := r.db(ctx).Model(&cannedRow{}).Where("id = ?", string(c.ID)).
		Updates(map[string]any{"title": c.Title, "shortcut": c.Shortcut, "body": c.Body, "updated_at": c.UpdatedAt.UTC()})
	if res.Error != nil {
		format, args := shortcutTaken(c)
		return translate(res.Error, "update canned response", format, args...)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrNotFound, "no canned response has the id %q", c.ID)
	}
	return nil
}

// DeleteCannedResponse deletes a canned response.
func (r *repo) DeleteCannedResponse(ctx context.Context, id engine.CannedResponseID) error {
	res := r.db(ctx).Where("id = ?", string(id)).Delete(&cannedRow{})
	if res.Error != nil {
		return fmt.Errorf("delete canned response: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrNotFound, "no canned response has the id %q", id)
	}
	return nil
}

// likeEscaper escapes LIKE's wildcards (with \, named by ESCAPE).
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ListCannedResponses lists the shared responses and f.Owner's personal
// ones, oldest first. A query matches a shortcut's start, or the title or
// body anywhere; shortcuts are stored in lower case, and the query comes
// lower-cased from the engine.
func (r *repo) ListCannedResponses(ctx context.Context, f engine.CannedFilter, p engine.Page) (engine.List[engine.CannedResponse], error) {
	q := r.db(ctx).Model(&cannedRow{})
	if f.Owner != "" {
		q = q.Where("(scope = ? OR (scope = ? AND agent_id = ?))", string(engine.ScopeShared), string(engine.ScopePersonal), string(f.Owner))
	} else {
		q = q.Where("scope = ?", string(engine.ScopeShared))
	}
	if f.Scope != "" {
		q = q.Where("scope = ?", string(f.Scope))
	}
	if f.Query != "" {
		word := likeEscaper.Replace(strings.TrimPrefix(f.Query, "/"))
		q = q.Where(`(shortcut LIKE ? ESCAPE '\' OR lower(title) LIKE ? ESCAPE '\' OR lower(body) LIKE ? ESCAPE '\')`,
			"/"+word+"%", "%"+likeEscaper.Replace(f.Query)+"%", "%"+likeEscaper.Replace(f.Query)+"%")
	}
	var rows []cannedRow
	if err := paged(q, p, false).Find(&rows).Error; err != nil {
		return engine.List[engine.CannedResponse]{}, fmt.Errorf("list canned responses: %w", err)
	}
	return pageOf(rows, p, toEngineCanned, func(r cannedRow) string { return r.ID }), nil
}

package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/switchboardhq/switchboard/engine"
)

type ruleRow struct {
	ID           string `gorm:"primaryKey"`
	WorkStreamID string
	Name         string
	Condition    string
	Conditions   *string // JSON of the structured form, NULL for text
	QueueID      string
	Priority     *int // NULL: the rule leaves a conversation's priority as it is
	Enabled      bool
	Position     int
	CreatedAt    time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt    time.Time `gorm:"autoUpdateTime:false"`
}

func (ruleRow) TableName() string { return "routing_rules" }

type ruleSetVersionRow struct {
	ID           string `gorm:"primaryKey"`
	WorkStreamID string
	Number       int
	Author       string
	At           time.Time
	Summary      string
	RuleCount    int
	Rules        string // JSON: []ruleSnapshot
}

func (ruleSetVersionRow) TableName() string { return "rule_set_versions" }

// ruleSnapshot is a rule as a rule-set version stores it. Its JSON form is
// stored, so its field names must not change.
type ruleSnapshot struct {
	ID         string             `json:"id"`
	Name       string             `json:"name"`
	Condition  string             `json:"condition"`
	Conditions *engine.Conditions `json:"conditions,omitempty"`
	QueueID    string             `json:"queue_id"`
	Priority   *int               `json:"priority,omitempty"`
	Enabled    bool               `json:"enabled"`
	Position   int                `json:"position"`
	CreatedAt  time.Time          `json:"created_at"`
	UpdatedAt  time.Time          `json:"updated_at"`
}

func toRuleRow(r engine.Rule) (ruleRow, error) {
	row := ruleRow{
		ID: string(r.ID), WorkStreamID: string(r.WorkStreamID), Name: r.Name, Condition: r.Condition, QueueID: string(r.QueueID),
		Priority: r.Priority, Enabled: r.Enabled, Position: r.Position, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.Conditions != nil {
		b, err := json.Marshal(r.Conditions)
		if err != nil {
			return ruleRow{}, fmt.Errorf("rule %s: encode conditions: %w", r.ID, err)
		}
		s := string(b)
		row.Conditions = &s
	}
	return row, nil
}

func toEngineRule(row ruleRow) (engine.Rule, error) {
	r := engine.Rule{
		ID: engine.RuleID(row.ID), WorkStreamID: engine.WorkStreamID(row.WorkStreamID), Name: row.Name, Condition: row.Condition,
		QueueID: engine.QueueID(row.QueueID), Priority: row.Priority, Enabled: row.Enabled, Position: row.Position,
		CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC(),
	}
	if row.Conditions != nil {
		var g engine.Conditions
		if err := json.Unmarshal([]byte(*row.Conditions), &g); err != nil {
			return engine.Rule{}, fmt.Errorf("rule %s: decode conditions: %w", row.ID, err)
		}
		r.Conditions = &g
	}
	return r, nil
}

// LockRuleSet locks the work stream's row (on PostgreSQL; SQLite's
// transactions already hold the single writer's lock) and returns the number
// of its latest rule-set version.
func (r *repo) LockRuleSet(ctx context.Context, ws engine.WorkStreamID) (int, error) {
	q := r.db(ctx).Model(&workStreamRow{}).Select("id").Where("id = ?", string(ws))
	if r.g.Dialector.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var ids []string
	if err := q.Find(&ids).Error; err != nil {
		return 0, fmt.Errorf("lock rules of work stream %s: %w", ws, err)
	}
	if len(ids) == 0 {
		return 0, engine.Errorf(engine.ErrNotFound, "no work stream has the id %q", ws)
	}
	return r.LatestRuleSetVersion(ctx, ws)
}

// LatestRuleSetVersion returns the number of the work stream's latest
// rule-set version, 0 when it has none.
func (r *repo) LatestRuleSetVersion(ctx context.Context, ws engine.WorkStreamID) (int, error) {
	var n *int
	err := r.rawRow(ctx, `SELECT MAX(number) FROM rule_set_versions WHERE work_stream_id = ?`, string(ws)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("latest rule set version of work stream %s: %w", ws, err)
	}
	if n == nil {
		return 0, nil
	}
	return *n, nil
}

// Rules returns the work stream's rules in position order.
func (r *repo) Rules(ctx context.Context, ws engine.WorkStreamID) ([]engine.Rule, error) {
	var rows []ruleRow
	if err := r.db(ctx).Where("work_stream_id = ?", string(ws)).Order("position ASC, id ASC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list rules of work stream %s: %w", ws, err)
	}
	out := make([]engine.Rule, 0, len(rows))
	for _, row := range rows {
		rule, err := toEngineRule(row)
		if err != nil {
			return nil, err
		}
		out = append(out, rule)
	}
	return out, nil
}

// Rule returns one rule of a work stream.
func (r *repo) Rule(ctx context.Context, ws engine.WorkStreamID, id engine.RuleID) (engine.Rule, error) {
	row, err := take[ruleRow](r.db(ctx).Where("id = ? AND work_stream_id = ?", string(id), string(ws)), "get rule", "work stream %s has no rule with the id %q", ws, id)
	if err != nil {
		return engine.Rule{}, err
	}
	return toEngineRule(row)
}

// SaveRules makes rules the complete list of the work stream's rules,
// writing only the rows that change.
func (r *repo) SaveRules(ctx context.Context, ws engine.WorkStreamID, rules []engine.Rule) error {
	var existing []ruleRow
	if err := r.db(ctx).Where("work_stream_id = ?", string(ws)).Find(&existing).Error; err != nil {
		return fmt.Errorf("save rules of work stream %s: %w", ws, err)
	}
	old := make(map[string]ruleRow, len(existing))
	for _, row := range existing {
		old[row.ID] = row
	}
	for _, rule := range rules {
		row, err := toRuleRow(rule)
		if err != nil {
			return err
		}
		prev, found := old[row.ID]
		delete(old, row.ID)
		if found && sameRule(prev, row) {
			continue
		}
		if err := r.putRule(ctx, row, found); err != nil {
			return err
		}
	}
	for id := range old {
		if err := r.db(ctx).Where("id = ?", id).Delete(&ruleRow{}).Error; err != nil {
			return fmt.Errorf("delete rule %s: %w", id, err)
		}
	}
	return nil
}

// putRule inserts a rule, or updates it when it exists.
func (r *repo) putRule(ctx context.Context, row ruleRow, exists bool) error {
	if !exists {
		if err := r.db(ctx).Create(&row).Error; err != nil {
			return translate(err, "create rule", "a rule with the id %q already exists", row.ID)
		}
		return nil
	}
	err := r.db(ctx).Model(&ruleRow{}).Where("id = ?", row.ID).Select("*").Omit("id", "work_stream_id", "created_at").Updates(&row).Error
	if err != nil {
		return translate(err, "update rule", "rule %q clashes with another", row.Name)
	}
	return nil
}

// sameRule reports whether two rows hold the same rule.
func sameRule(a, b ruleRow) bool {
	sameConditions := (a.Conditions == nil) == (b.Conditions == nil) && (a.Conditions == nil || *a.Conditions == *b.Conditions)
	samePriority := (a.Priority == nil) == (b.Priority == nil) && (a.Priority == nil || *a.Priority == *b.Priority)
	return a.Name == b.Name && a.Condition == b.Condition && sameConditions && a.QueueID == b.QueueID && samePriority &&
		a.Enabled == b.Enabled && a.Position == b.Position && a.UpdatedAt.Equal(b.UpdatedAt)
}

// CreateRuleSetVersion stores a new rule-set version with its snapshot.
func (r *repo) CreateRuleSetVersion(ctx context.Context, v engine.RuleSetVersion) error {
	snap := make([]ruleSnapshot, len(v.Rules))
	for i, rule := range v.Rules {
		snap[i] = ruleSnapshot{ID: string(rule.ID), Name: rule.Name, Condition: rule.Condition, Conditions: rule.Conditions,
			QueueID: string(rule.QueueID), Priority: rule.Priority, Enabled: rule.Enabled, Position: rule.Position, CreatedAt: rule.CreatedAt.UTC(), UpdatedAt: rule.UpdatedAt.UTC()}
	}
	b, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("encode rule set version %d: %w", v.Number, err)
	}
	row := ruleSetVersionRow{ID: v.ID, WorkStreamID: string(v.WorkStreamID), Number: v.Number, Author: v.Author, At: v.At.UTC(),
		Summary: v.Summary, RuleCount: len(v.Rules), Rules: string(b)}
	if err := r.db(ctx).Create(&row).Error; err != nil {
		return translate(err, "create rule set version", "the rules of work stream %s changed at the same time; try again", v.WorkStreamID)
	}
	return nil
}

// RuleSetVersion returns version n of the work stream's rules.
func (r *repo) RuleSetVersion(ctx context.Context, ws engine.WorkStreamID, n int) (engine.RuleSetVersion, error) {
	var row ruleSetVersionRow
	err := r.db(ctx).Where("work_stream_id = ? AND number = ?", string(ws), n).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return engine.RuleSetVersion{}, engine.Errorf(engine.ErrNotFound, "work stream %s has no rule set version %d", ws, n)
	}
	if err != nil {
		return engine.RuleSetVersion{}, fmt.Errorf("get rule set version %d: %w", n, err)
	}
	v := toEngineVersion(row)
	var snap []ruleSnapshot
	if err := json.Unmarshal([]byte(row.Rules), &snap); err != nil {
		return engine.RuleSetVersion{}, fmt.Errorf("decode rule set version %d of work stream %s: %w", n, ws, err)
	}
	v.Rules = make([]engine.Rule, len(snap))
	for i, s := range snap {
		v.Rules[i] = engine.Rule{ID: engine.RuleID(s.ID), WorkStreamID: ws, Name: s.Name, Condition: s.Condition, Conditions: s.Conditions,
			QueueID: engine.QueueID(s.QueueID), Priority: s.Priority, Enabled: s.Enabled, Position: s.Position, CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
	}
	return v, nil
}

// ListRuleSetVersions lists the work stream's versions newest first,
// without their snapshots.
func (r *repo) ListRuleSetVersions(ctx context.Context, ws engine.WorkStreamID, p engine.Page) (engine.List[engine.RuleSetVersion], error) {
	var rows []ruleSetVersionRow
	q := r.db(ctx).Model(&ruleSetVersionRow{}).
		Select("id", "work_stream_id", "number", "author", "at", "summary", "rule_count").Where("work_stream_id = ?", string(ws))
	if err := paged(q, p, true).Find(&rows).Error; err != nil {
		return engine.List[engine.RuleSetVersion]{}, fmt.Errorf("list rule set versions: %w", err)
	}
	return pageOf(rows, p, toEngineVersion, func(r ruleSetVersionRow) string { return r.ID }), nil
}

func toEngineVersion(row ruleSetVersionRow) engine.RuleSetVersion {
	return engine.RuleSetVersion{ID: row.ID, WorkStreamID: engine.WorkStreamID(row.WorkStreamID), Number: row.Number, Author: row.Author,
		At: row.At.UTC(), Summary: row.Summary, RuleCount: row.RuleCount}
}

package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

type apiKeyRow struct {
	ID        string `gorm:"primaryKey"`
	Name      string
	Role      string
	AgentID   *string
	TokenHash string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	RevokedAt *time.Time
}

func (apiKeyRow) TableName() string { return "api_keys" }

func toAPIKeyRow(k engine.APIKey) apiKeyRow {
	row := apiKeyRow{ID: string(k.ID), Name: k.Name, Role: string(k.Role), TokenHash: k.TokenHash, CreatedAt: k.CreatedAt.UTC(), RevokedAt: k.RevokedAt}
	if k.AgentID != "" {
		id := string(k.AgentID)
		row.AgentID = &id
	}
	return row
}

func toEngineAPIKey(r apiKeyRow) engine.APIKey {
	k := engine.APIKey{ID: engine.APIKeyID(r.ID), Name: r.Name, Role: engine.Role(r.Role), TokenHash: r.TokenHash, CreatedAt: r.CreatedAt.UTC(), RevokedAt: r.RevokedAt}
	if r.AgentID != nil {
		k.AgentID = engine.AgentID(*r.AgentID)
	}
	return k
}

// CreateAPIKey stores a new key; a name already in use is ErrConflict.
func (r *repo) CreateAPIKey(ctx context.Context, key engine.APIKey) error {
	row := toAPIKeyRow(key)
	if err := r.g.WithContext(ctx).Create(&row).Error; err != nil {
		return translate(err, "create API key", "an API key named %q already exists", key.Name)
	}
	return nil
}

// APIKeyByTokenHash returns the unrevoked key with that token hash.
func (r *repo) APIKeyByTokenHash(ctx context.Context, tokenHash string) (engine.APIKey, error) {
	return r.findAPIKey(ctx, "token_hash = ?", tokenHash)
}

// APIKeyByName returns the unrevoked key with that name.
func (r *repo) APIKeyByName(ctx context.Context, name string) (engine.APIKey, error) {
	return r.findAPIKey(ctx, "name = ?", name)
}

func (r *repo) findAPIKey(ctx context.Context, cond string, arg any) (engine.APIKey, error) {
	row, err := take[apiKeyRow](r.g.WithContext(ctx).Where(cond, arg).Where("revoked_at IS NULL"), "find API key", "API key not found")
	if err != nil {
		return engine.APIKey{}, err
	}
	return toEngineAPIKey(row), nil
}

// SetAPIKeyTokenHash replaces the token hash of a key.
func (r *repo) SetAPIKeyTokenHash(ctx context.Context, id engine.APIKeyID, tokenHash string) error {
	res := r.g.WithContext(ctx).Model(&apiKeyRow{}).Where("id = ?", string(id)).Update("token_hash", tokenHash)
	if res.Error != nil {
		return fmt.Errorf("update API key token: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrNotFound, "API key %s not found", id)
	}
	return nil
}

// CountActiveKeys counts unrevoked keys of a role.
func (r *repo) CountActiveKeys(ctx context.Context, role engine.Role) (int, error) {
	var n int64
	if err := r.g.WithContext(ctx).Model(&apiKeyRow{}).Where("role = ? AND revoked_at IS NULL", string(role)).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count API keys: %w", err)
	}
	return int(n), nil
}

// APIKey returns a key by id, revoked or not.
func (r *repo) APIKey(ctx context.Context, id engine.APIKeyID) (engine.APIKey, error) {
	row, err := take[apiKeyRow](r.db(ctx).Where("id = ?", string(id)), "get API key", "no API key has the id %q", id)
	if err != nil {
		return engine.APIKey{}, err
	}
	return toEngineAPIKey(row), nil
}

// ListAPIKeys lists keys in creation order, revoked ones included.
func (r *repo) ListAPIKeys(ctx context.Context, p engine.Page) (engine.List[engine.APIKey], error) {
	var rows []apiKeyRow
	if err := paged(r.db(ctx).Model(&apiKeyRow{}), p, false).Find(&rows).Error; err != nil {
		return engine.List[engine.APIKey]{}, fmt.Errorf("list API keys: %w", err)
	}
	return pageOf(rows, p, toEngineAPIKey, func(r apiKeyRow) string { return r.ID }), nil
}

// RevokeAPIKey marks a key revoked.
func (r *repo) RevokeAPIKey(ctx context.Context, id engine.APIKeyID, at time.Time) error {
	res := r.db(ctx).Model(&apiKeyRow{}).Where("id = ? AND revoked_at IS NULL", string(id)).Update("revoked_at", at.UTC())
	if res.Error != nil {
		return fmt.Errorf("revoke API key: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrNotFound, "no active API key has the id %q", id)
	}
	return nil
}

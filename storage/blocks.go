package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

type blockRow struct {
	ID             string `gorm:"primaryKey"`
	Channel        string
	ExternalID     string
	Name           string
	ScreenName     string
	Reason         string
	BlockedByKeyID string
	BlockedBy      string
	BlockedAt      time.Time
}

func (blockRow) TableName() string { return "customer_blocks" }

func toBlockRow(b engine.CustomerBlock) blockRow {
	return blockRow{ID: string(b.ID), Channel: string(b.Customer.Channel), ExternalID: b.Customer.ExternalID, Name: b.Name, ScreenName: b.ScreenName,
		Reason: b.Reason, BlockedByKeyID: string(b.BlockedByKeyID), BlockedBy: b.BlockedBy, BlockedAt: b.BlockedAt.UTC()}
}

func toEngineBlock(r blockRow) engine.CustomerBlock {
	return engine.CustomerBlock{ID: engine.BlockID(r.ID), Customer: engine.ChannelIdentity{Channel: engine.Channel(r.Channel), ExternalID: r.ExternalID},
		Name: r.Name, ScreenName: r.ScreenName, Reason: r.Reason, BlockedByKeyID: engine.APIKeyID(r.BlockedByKeyID), BlockedBy: r.BlockedBy, BlockedAt: r.BlockedAt.UTC()}
}

// CreateBlock stores a customer's block; a customer blocked already is
// ErrConflict.
func (r *repo) CreateBlock(ctx context.Context, b engine.CustomerBlock) error {
	row := toBlockRow(b)
	if err := r.db(ctx).Create(&row).Error; err != nil {
		return translate(err, "block customer", "customer %s of %s is blocked already", b.Customer.ExternalID, b.Customer.Channel)
	}
	return nil
}

// BlockByID returns one block.
func (r *repo) BlockByID(ctx context.Context, id engine.BlockID) (engine.CustomerBlock, error) {
	row, err := take[blockRow](r.db(ctx).Where("id = ?", string(id)), "get block", "no block has the id %q", id)
	if err != nil {
		return engine.CustomerBlock{}, err
	}
	return toEngineBlock(row), nil
}

// BlockOf returns the block of a channel's customer. The ingest asks it of
// every DM: one indexed read without gorm.
func (r *repo) BlockOf(ctx context.Context, id engine.ChannelIdentity) (engine.CustomerBlock, error) {
	var row blockRow
	err := r.rawRow(ctx, `SELECT id, channel, external_id, name, screen_name, reason, blocked_by_key_id, blocked_by, blocked_at
		FROM customer_blocks WHERE channel = ? AND external_id = ?`, string(id.Channel), id.ExternalID).Scan(&row.ID, &row.Channel,
		&row.ExternalID, &row.Name, &row.ScreenName, &row.Reason, &row.BlockedByKeyID, &row.BlockedBy, &row.BlockedAt)
	if err != nil {
		return engine.CustomerBlock{}, rawNotFound(err, "block of customer", "customer %s of %s is not blocked", id.ExternalID, id.Channel)
	}
	return toEngineBlock(row), nil
}

// ListBlocks lists blocks newest first.
func (r *repo) ListBlocks(ctx context.Context, p engine.Page) (engine.List[engine.CustomerBlock], error) {
	var rows []blockRow
	if err := paged(r.db(ctx).Model(&blockRow{}), p, true).Find(&rows).Error; err != nil {
		return engine.List[engine.CustomerBlock]{}, fmt.Errorf("list blocks: %w", err)
	}
	return pageOf(rows, p, toEngineBlock, func(r blockRow) string { return r.ID }), nil
}

// DeleteBlock deletes a block.
func (r *repo) DeleteBlock(ctx context.Context, id engine.BlockID) error {
	res := r.db(ctx).Where("id = ?", string(id)).Delete(&blockRow{})
	if res.Error != nil {
		return fmt.Errorf("delete block: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrNotFound, "no block has the id %q", id)
	}
	return nil
}

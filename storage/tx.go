package storage

import (
	"context"

	"gorm.io/gorm"

	"github.com/switchboardhq/switchboard/engine"
)

var _ engine.Store = (*DB)(nil)

// InTx runs fn in one transaction: committed when fn returns nil, rolled back
// otherwise. On SQLite the transaction begins IMMEDIATE (see sqliteDSN), so
// it holds the single writer's lock from its first statement.
func (db *DB) InTx(ctx context.Context, fn func(tx engine.Tx) error) error {
	return db.g.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&repo{g: tx, box: db.box})
	})
}

// db returns the handle bound to ctx.
func (r *repo) db(ctx context.Context) *gorm.DB { return r.g.WithContext(ctx) }

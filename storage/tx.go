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
	if db.location.Dialect == SQLite {
		db.writer.Lock()
		defer db.writer.Unlock()
	}
	return db.g.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&repo{g: tx, box: db.box, dialect: db.location.Dialect})
	})
}

// db returns the handle bound to ctx.
func (r *repo) db(ctx context.Context) *gorm.DB { return r.g.WithContext(ctx) }

// forUpdate is the row-locking suffix of a SELECT: FOR UPDATE on PostgreSQL
// (with SKIP LOCKED when skip is set), nothing on SQLite, whose IMMEDIATE
// transactions already hold the single writer's lock.
func (r *repo) forUpdate(skip bool) string {
	if r.dialect != Postgres {
		return ""
	}
	if skip {
		return " FOR UPDATE SKIP LOCKED"
	}
	return " FOR UPDATE"
}

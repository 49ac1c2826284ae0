package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

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
	wroteLookups := false
	err := db.g.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(&repo{g: tx, box: db.box, dialect: db.location.Dialect, bound: db.bound, stmts: db.stmts, notifyChannel: db.notifyChannel,
			lookups: db.lookups, inTx: true, wroteLookups: &wroteLookups})
	})
	if wroteLookups {
		db.lookups.empty() // what was read while it ran is gone too
	}
	return err
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

// rawRow runs a one-row query with database/sql on r's connection (the
// pool, or the transaction r belongs to), without gorm: the ingest's hot
// reads use it, as gorm's query building costs more than the database's
// work. Placeholders are written ? and bound for the dialect.
func (r *repo) rawRow(ctx context.Context, query string, args ...any) *sql.Row {
	return r.raw(ctx, query).QueryRowContext(ctx, args...)
}

// bind turns ? placeholders into PostgreSQL's $1, $2, … The raw queries
// are constants or built for a bounded number of rows, so each is
// rewritten once and remembered.
func (r *repo) bind(query string) string {
	if r.dialect != Postgres {
		return query
	}
	if q, ok := r.bound.Load(query); ok {
		return q.(string)
	}
	q := bindPostgres(query)
	r.bound.Store(query, q)
	return q
}

func bindPostgres(query string) string {
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// rawNotFound maps sql.ErrNoRows to engine.ErrNotFound, and wraps other
// errors with op.
func rawNotFound(err error, op string, notFound string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return engine.Errorf(engine.ErrNotFound, notFound, args...)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// rawExec runs a statement with database/sql on r's connection, without
// gorm's placeholder parsing (a large multi-row statement has thousands),
// and translates the error as gorm would (unique and foreign key
// violations become gorm's sentinel errors).
func (r *repo) rawExec(ctx context.Context, query string, args ...any) error {
	_, err := r.rawExecCount(ctx, query, args...)
	return err
}

// rawExecCount is rawExec that also tells how many rows the statement
// changed.
func (r *repo) rawExecCount(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := r.raw(ctx, query).ExecContext(ctx, args...)
	if err != nil {
		if t, ok := r.g.Dialector.(gorm.ErrorTranslator); ok {
			return 0, t.Translate(err)
		}
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("rows affected: %w", err)
	}
	return n, nil
}

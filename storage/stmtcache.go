package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// stmtCache keeps SQLite's raw statements prepared, once per connection.
// The pure-Go driver compiles a statement it is not given prepared at
// every execution, and compiling was a third of the ingest's CPU.
// PostgreSQL needs no cache of its own: pgx keeps the statements it has
// prepared on each connection.
type stmtCache struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// maxCachedStmts bounds the cache: the raw queries are constants or built
// for a bounded number of rows, so this many is more than they are; past
// it a query runs unprepared.
const maxCachedStmts = 512

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: map[string]*sql.Stmt{}}
}

// get returns query prepared on the pool (nil when the cache is full).
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	if len(c.stmts) >= maxCachedStmts {
		return nil, nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	c.stmts[query] = st
	return st, nil
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.stmts {
		errs = append(errs, st.Close())
		delete(c.stmts, q)
	}
	return errors.Join(errs...)
}

// rawRunner is what runs a raw statement: the pool, a transaction, or a
// statement prepared on either.
type rawRunner interface {
	ExecContext(ctx context.Context, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, args ...any) *sql.Row
}

// unprepared runs a query as it is, on the pool or a transaction.
type unprepared struct {
	pool interface {
		ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
		QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
		QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	}
	query string
}

func (u unprepared) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	return u.pool.ExecContext(ctx, u.query, args...)
}

func (u unprepared) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	return u.pool.QueryContext(ctx, u.query, args...)
}

func (u unprepared) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	return u.pool.QueryRowContext(ctx, u.query, args...)
}

// raw returns what runs query (with ? placeholders) on r's connection: the
// pool, or the transaction r belongs to; prepared where the cache keeps it.
func (r *repo) raw(ctx context.Context, query string) rawRunner {
	q := r.bind(query)
	pool := r.g.Statement.ConnPool
	if r.stmts != nil {
		if st, err := r.stmts.get(ctx, q); err == nil && st != nil {
			switch p := pool.(type) {
			case *sql.Tx:
				return p.StmtContext(ctx, st)
			case *sql.DB:
				return st
			}
		}
		// A statement that does not prepare runs unprepared, to report
		// its error where it is used.
	}
	return unprepared{pool: pool, query: q}
}

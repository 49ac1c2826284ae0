package storage

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"hash/crc64"
	"io/fs"
	"path"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// Migration is one versioned schema change and whether it is applied.
type Migration struct {
	Version   int64
	Name      string
	Applied   bool
	AppliedAt time.Time
}

// MigrationResult reports one migration that ran.
type MigrationResult struct {
	Version   int64
	Name      string
	Direction string
	Duration  time.Duration
}

func (db *DB) migrator(ctx context.Context) (*goose.Provider, error) {
	sub, err := fs.Sub(migrationFiles, "migrations/"+string(db.location.Dialect))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	dialect := goose.DialectSQLite3
	goMigs, _ := goMigrations(db.location.Dialect)
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(goMigs...)}
	if db.location.Dialect == Postgres {
		dialect = goose.DialectPostgres
		// Replicas that start together take turns: an advisory lock per
		// schema serialises their migrations.
		var schema sql.NullString
		if err := db.sql.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
			return nil, fmt.Errorf("migrations: read current schema: %w", err)
		}
		if !schema.Valid {
			var path string
			_ = db.sql.QueryRowContext(ctx, "SHOW search_path").Scan(&path)
			return nil, fmt.Errorf("migrations: no schema of the search_path (%s) exists: create it (CREATE SCHEMA …) or name another in the database URL", path)
		}
		lockID := int64(crc64.Checksum([]byte("switchboard:"+schema.String), crc64.MakeTable(crc64.ECMA)) >> 1)
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID), lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, fmt.Errorf("migrations: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.sql, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// MigrateUp applies every pending migration.
func (db *DB) MigrateUp(ctx context.Context) ([]MigrationResult, error) {
	p, err := db.migrator(ctx)
	if err != nil {
		return nil, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return toResults(db.location.Dialect, res), fmt.Errorf("migrate up: %w", err)
	}
	return toResults(db.location.Dialect, res), nil
}

// MigrateDown rolls back applied migrations down to version to (exclusive):
// to = -1 rolls back only the latest one, 0 rolls back all.
func (db *DB) MigrateDown(ctx context.Context, to int64) ([]MigrationResult, error) {
	p, err := db.migrator(ctx)
	if err != nil {
		return nil, err
	}
	if to < 0 {
		r, err := p.Down(ctx)
		if err != nil {
			return toResults(db.location.Dialect, []*goose.MigrationResult{r}), fmt.Errorf("migrate down: %w", err)
		}
		return toResults(db.location.Dialect, []*goose.MigrationResult{r}), nil
	}
	res, err := p.DownTo(ctx, to)
	if err != nil {
		return toResults(db.location.Dialect, res), fmt.Errorf("migrate down to %d: %w", to, err)
	}
	return toResults(db.location.Dialect, res), nil
}

// MigrationStatus lists every known migration and whether it is applied.
func (db *DB) MigrationStatus(ctx context.Context) ([]Migration, error) {
	p, err := db.migrator(ctx)
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]Migration, 0, len(st))
	for _, s := range st {
		out = append(out, Migration{
			Version:   s.Source.Version,
			Name:      migrationName(db.location.Dialect, s.Source),
			Applied:   s.State == goose.StateApplied,
			AppliedAt: s.AppliedAt,
		})
	}
	return out, nil
}

// migrationName is the file name of a SQL migration, or the name a Go
// migration is given.
func migrationName(dialect Dialect, src *goose.Source) string {
	if src.Type == goose.TypeGo {
		if _, names := goMigrations(dialect); names[src.Version] != "" {
			return names[src.Version]
		}
	}
	return path.Base(src.Path)
}

func toResults(dialect Dialect, rs []*goose.MigrationResult) []MigrationResult {
	out := make([]MigrationResult, 0, len(rs))
	for _, r := range rs {
		if r == nil || r.Source == nil {
			continue
		}
		out = append(out, MigrationResult{Version: r.Source.Version, Name: migrationName(dialect, r.Source), Direction: r.Direction, Duration: r.Duration})
	}
	return out
}

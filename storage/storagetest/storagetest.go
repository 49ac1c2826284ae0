// Package storagetest opens fresh, migrated databases for tests: an SQLite
// file in a temporary directory, and a PostgreSQL schema of its own in the
// database named by SWITCHBOARD_TEST_DATABASE_URL, dropped when the test ends.
// ForEach runs one test body against both, so every storage behaviour is
// proven on the embedded default and on production's database alike.
//
// Without SWITCHBOARD_TEST_DATABASE_URL the PostgreSQL half is skipped on a
// developer's machine, and fails when CI=true: under CI the PostgreSQL tests
// are required.
package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
)

// EnvDatabaseURL names the variable that points tests at a PostgreSQL server.
const EnvDatabaseURL = "SWITCHBOARD_TEST_DATABASE_URL"

// SecretKey returns a fresh random 32-byte key for a test database.
func SecretKey(t testing.TB) []byte {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatalf("secret key: %v", err)
	}
	return key
}

// SQLiteURL returns the path of a new SQLite file in the test's temp dir.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "switchboard.db")
}

// SQLite opens a fresh, migrated SQLite database.
func SQLite(t testing.TB) *storage.DB {
	t.Helper()
	return open(t, SQLiteURL(t))
}

// Postgres opens a fresh, migrated PostgreSQL schema.
func Postgres(t testing.TB) *storage.DB {
	t.Helper()
	return open(t, PostgresURL(t))
}

// PostgresURL creates an empty schema for the test and returns a URL whose
// connections use it. The schema is dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: under CI the PostgreSQL tests must run (see DESIGN.md, PostgreSQL for tests)", EnvDatabaseURL)
		}
		t.Skipf("%s is not set; skipping the PostgreSQL half of this test", EnvDatabaseURL)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvDatabaseURL, err)
	}
	if err := admin.PingContext(ctx); err != nil {
		_ = admin.Close()
		t.Fatalf("PostgreSQL at %s is unreachable: %v", redact(base), err)
	}
	schema := "t_" + strings.ToLower(engine.NewID(time.Now()))
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA "`+schema+`"`); err != nil {
		_ = admin.Close()
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA "`+schema+`" CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvDatabaseURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}

func open(t testing.TB, rawURL string) *storage.DB {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, storage.Options{URL: rawURL, SecretKey: SecretKey(t)})
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return db
}

// ForEach runs fn as two subtests, "sqlite" and "postgres", each with its own
// fresh database.
func ForEach(t *testing.T, fn func(t *testing.T, db *storage.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

package storage

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestSQLiteDriverKeepsStoredForms holds the SQLite driver to the forms
// that earlier releases, on the glebarez driver, wrote and read: a time is
// written as "2006-01-02 15:04:05.999999999-07:00" and read back in UTC
// from any of the stored forms, a boolean is an integer, and an aggregate's
// date-shaped text stays text.
func TestSQLiteDriverKeepsStoredForms(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, Options{URL: filepath.Join(t.TempDir(), "sb.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE t (id integer PRIMARY KEY, at datetime, ok boolean, note text)`); err != nil {
		t.Fatal(err)
	}

	at := time.Date(2026, 12, 7, 15, 44, 18, 424606000, time.UTC)
	if _, err := db.sql.ExecContext(ctx, `INSERT INTO t (id, at, ok, note) VALUES (1, ?, ?, ?)`, at, true, "2026-12-07"); err != nil {
		t.Fatal(err)
	}
	var stored, kind string
	var ok int64
	if err := db.sql.QueryRowContext(ctx, `SELECT CAST(at AS text), typeof(at), ok FROM t WHERE id = 1`).Scan(&stored, &kind, &ok); err != nil {
		t.Fatal(err)
	}
	if stored != "2026-12-07 15:44:18.424606+00:00" || kind != "text" || ok != 1 {
		t.Errorf("stored %q (%s), ok %d; want 2026-12-07 15:44:18.424606+00:00 (text), ok 1", stored, kind, ok)
	}

	for _, old := range []string{
		"2026-12-07 15:44:18.424606+00:00",
		"2026-12-07 17:44:18.424606+02:00",
		"2026-12-07 15:44:18.424606",
		"2026-12-07T15:44:18.424606Z",
	} {
		if _, err := db.sql.ExecContext(ctx, `UPDATE t SET at = CAST(? AS text) WHERE id = 1`, old); err != nil {
			t.Fatal(err)
		}
		var got time.Time
		if err := db.sql.QueryRowContext(ctx, `SELECT at FROM t WHERE id = 1`).Scan(&got); err != nil {
			t.Fatalf("read %q: %v", old, err)
		}
		if !got.Equal(at) || got.Location() != time.UTC {
			t.Errorf("read %q as %v, want %v in UTC", old, got, at)
		}
	}

	var note any
	if err := db.sql.QueryRowContext(ctx, `SELECT MAX(note) FROM t`).Scan(&note); err != nil {
		t.Fatal(err)
	}
	if s, isText := note.(string); !isText || s != "2026-12-07" {
		t.Errorf("MAX(note) = %#v, want the text 2026-12-07", note)
	}
}

package loadgen

import (
	"database/sql"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// TestVacuumCleansTheSchema: after rows of the schema's tables were
// rewritten, Vacuum leaves none of their dead versions behind and has
// analysed the tables.
func TestVacuumCleansTheSchema(t *testing.T) {
	url := storagetest.PostgresURL(t)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := t.Context()
	for _, q := range []string{
		`CREATE TABLE conversations (id int PRIMARY KEY, n int NOT NULL)`,
		`ALTER TABLE conversations SET (autovacuum_enabled = false)`,
		`INSERT INTO conversations SELECT g, 0 FROM generate_series(1, 200) g`,
		`UPDATE conversations SET n = n + 1`,
		`UPDATE conversations SET n = n + 1`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := Vacuum(ctx, url); err != nil {
		t.Fatal(err)
	}
	// The statistics reach other sessions within a second or so.
	var dead, vacuums, analyses int64
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := db.ExecContext(ctx, `SELECT pg_stat_clear_snapshot()`); err != nil {
			t.Fatal(err)
		}
		err := db.QueryRowContext(ctx, `SELECT n_dead_tup, vacuum_count, analyze_count FROM pg_stat_user_tables
			WHERE relid = 'conversations'::regclass`).Scan(&dead, &vacuums, &analyses)
		if err != nil {
			t.Fatal(err)
		}
		if vacuums > 0 || time.Now().After(deadline) {
			break
		}
	}
	if dead != 0 || vacuums != 1 || analyses != 1 {
		t.Errorf("after Vacuum: %d dead rows, %d vacuums, %d analyses; want 0, 1, 1", dead, vacuums, analyses)
	}
}

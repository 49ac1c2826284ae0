package engine_test

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// BenchmarkRequeueSweep measures one requeue sweep over 100,000
// conversations of which 1,000 are due, on PostgreSQL, beside two
// baselines from the same run and table:
//
//   - full_scan: finding the same due rows with index scans disabled (a
//     sequential scan of the table), against find_due, the due selection
//     as the claim runs it (an index range scan);
//   - bare_sql: the claim statements alone, in the same batches of 100,
//     marking the due rows routed now and requeued once, with no rules, no
//     routing record and no offer.
//
// sweep is Service.RequeueWaiting: claim, re-evaluate the rule set,
// record the decision, offer (nobody is available), save. Before each
// iteration the same 1,000 rows are made due again (not timed). It runs
// only with -bench and SWITCHBOARD_TEST_DATABASE_URL:
//
//	SWITCHBOARD_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' \
//	  go test ./engine -run '^$' -bench RequeueSweep -benchtime 5x
//
// The figures and their ratios are in the comment at the top of scheduler.go.
func BenchmarkRequeueSweep(b *testing.B) {
	if os.Getenv(storagetest.EnvDatabaseURL) == "" {
		b.Skipf("%s is not set", storagetest.EnvDatabaseURL)
	}
	const total, due, recent, batch = 100_000, 1_000, 9_000, 100
	ctx := context.Background()
	w := newPGWorld(b, engine.WorkStreamInput{RequeueAfter: ptr(5 * time.Minute)})
	esc := w.queueNamed("Escalation")
	w.rule("Escalate", "Conversation.RequeueCount >= 2", esc.ID)
	w.rule("VIP", `Customer.FollowersCount > 10000 && Message.Text contains "refund"`, esc.ID)
	start := time.Now()
	w.seed(b, total, due, recent)
	b.Logf("seeded %d conversations in %v", total, time.Since(start))
	now := w.clock.Now()
	cutoff := now.Add(-5 * time.Minute)
	const dueIDs = `id <= 'seed00001000'`
	reset := func(b *testing.B) {
		b.Helper()
		if _, err := w.sql.ExecContext(ctx, `UPDATE conversations SET routed_at = $1, requeue_count = 0, status = 'open' WHERE `+dueIDs, now.Add(-time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
	selection := `SELECT id FROM conversations WHERE status = 'open' AND work_stream_id = $1 AND routed_at <= $2 ORDER BY routed_at, id LIMIT $3`
	// scan is the same query under another text, so that no statement
	// prepared with the index's plan is reused when index scans are off.
	scan := `/* full scan */ ` + selection
	explain := func(b *testing.B, tx *sql.Tx, query string) string {
		b.Helper()
		rows, err := tx.QueryContext(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+query, string(w.ws.ID), cutoff, due)
		if err != nil {
			b.Fatal(err)
		}
		defer rows.Close()
		var lines []string
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				b.Fatal(err)
			}
			lines = append(lines, l)
		}
		return strings.Join(lines, "\n")
	}
	count := func(b *testing.B, tx *sql.Tx, query string) int {
		b.Helper()
		rows, err := tx.QueryContext(ctx, query, string(w.ws.ID), cutoff, due)
		if err != nil {
			b.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			n++
		}
		return n
	}

	b.Run("find_due", func(b *testing.B) {
		reset(b)
		tx, err := w.sql.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer func() { _ = tx.Rollback() }()
		b.Logf("EXPLAIN ANALYZE:\n%s", explain(b, tx, selection))
		for b.Loop() {
			if n := count(b, tx, selection); n != due {
				b.Fatalf("found %d due rows; want %d", n, due)
			}
		}
	})
	b.Run("full_scan", func(b *testing.B) {
		reset(b)
		tx, err := w.sql.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer func() { _ = tx.Rollback() }()
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_indexscan = off; SET LOCAL enable_indexonlyscan = off; SET LOCAL enable_bitmapscan = off`); err != nil {
			b.Fatal(err)
		}
		plan := explain(b, tx, scan)
		b.Logf("EXPLAIN ANALYZE:\n%s", plan)
		if !strings.Contains(plan, "Seq Scan") {
			b.Fatalf("the baseline is not a table scan:\n%s", plan)
		}
		for b.Loop() {
			if n := count(b, tx, scan); n != due {
				b.Fatalf("found %d due rows; want %d", n, due)
			}
		}
	})
	b.Run("bare_sql", func(b *testing.B) {
		claim := `WITH due AS MATERIALIZED (SELECT id FROM conversations WHERE status = 'open' AND work_stream_id = $1 AND routed_at <= $2
			ORDER BY routed_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
			UPDATE conversations SET routed_at = $4, requeue_count = conversations.requeue_count + 1, updated_at = $4
			FROM due WHERE conversations.id = due.id RETURNING conversations.*`
		for b.Loop() {
			b.StopTimer()
			reset(b)
			b.StartTimer()
			claimed := 0
			for {
				rows, err := w.sql.QueryContext(ctx, claim, string(w.ws.ID), cutoff, batch, now)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for rows.Next() {
					n++
				}
				if err := rows.Close(); err != nil {
					b.Fatal(err)
				}
				claimed += n
				if n < batch {
					break
				}
			}
			if claimed != due {
				b.Fatalf("claimed %d; want %d", claimed, due)
			}
		}
	})
	b.Run("sweep", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			reset(b)
			b.StartTimer()
			stats, err := w.svc.RequeueWaiting(ctx, now, batch)
			if err != nil {
				b.Fatal(err)
			}
			if stats.Changed != due {
				b.Fatalf("requeued %d; want %d", stats.Changed, due)
			}
		}
	})
}

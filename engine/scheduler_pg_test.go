package engine_test

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, to seed rows in bulk

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// pgWorld is a world on a PostgreSQL schema of its own, with a second
// storage.DB (its own connection pool, as another replica would have) and
// a plain SQL handle for seeding.
type pgWorld struct {
	*world
	other *storage.DB
	sql   *sql.DB
}

func newPGWorld(t testing.TB, wsIn engine.WorkStreamInput) *pgWorld {
	t.Helper()
	url := storagetest.PostgresURL(t)
	ctx := context.Background()
	key := storagetest.SecretKey(t)
	open := func() *storage.DB {
		db, err := storage.Open(ctx, storage.Options{URL: url, SecretKey: key})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	db := open()
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	raw, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = raw.Close() })
	wt, ok := t.(*testing.T)
	if !ok {
		wt = &testing.T{} // a benchmark: world's helpers report through it only on setup failure
	}
	w := newWorld(wt, db, wsIn)
	if wt.Failed() {
		t.Fatal("setting up the world failed")
	}
	return &pgWorld{world: w, other: open(), sql: raw}
}

// seed inserts total conversations in one statement: the first due are
// open and were routed an hour before now (due for any requeue_after up to
// an hour), the next recent are open and routed just now, the rest closed.
func (w *pgWorld) seed(t testing.TB, total, due, recent int) {
	t.Helper()
	now := w.clock.Now()
	_, err := w.sql.ExecContext(context.Background(), `
INSERT INTO conversations (id, application_id, handle_id, work_stream_id, customer_external_id, customer_screen_name, customer,
    status, queue_id, message_count, routed_at, last_message_at, last_customer_message_at, closed_at, created_at, updated_at)
SELECT 'seed' || lpad(g::text, 8, '0'), $1, $2, $3, 'tw-seed-' || g, 'seed' || g, '{"Name":"Seed"}',
    CASE WHEN g <= $5::int + $6::int THEN 'open' ELSE 'closed' END, $4, 1,
    CASE WHEN g <= $5::int THEN $7::timestamptz - interval '1 hour' ELSE $7::timestamptz END,
    $7::timestamptz - interval '1 hour', $7::timestamptz - interval '1 hour',
    CASE WHEN g > $5::int + $6::int THEN $7::timestamptz ELSE NULL END,
    $7::timestamptz - interval '1 hour', $7::timestamptz - interval '1 hour'
FROM generate_series(1, $8::int) AS g`,
		string(w.endpoint.SourceID), string(w.endpoint.ID), string(w.ws.ID), string(w.queue.ID), due, recent, now, total)
	if err != nil {
		t.Fatalf("seed %d conversations: %v", total, err)
	}
	if _, err := w.sql.ExecContext(context.Background(), `ANALYZE conversations, conversation_due`); err != nil {
		t.Fatal(err)
	}
}

func TestTwoSchedulersRequeueOnce(t *testing.T) {
	const due = 1000
	w := newPGWorld(t, engine.WorkStreamInput{RequeueAfter: ptr(5 * time.Minute)})
	ctx := context.Background()
	w.seed(t, 5*due, due, due)

	// Each due query is a range scan of its index, not a scan of the table;
	// stall and auto-close scan the narrow table of due times (00020).
	for job, index := range map[engine.DueJob]string{
		engine.DueOfferTimeout: "conversations_offer_due_idx", engine.DueRequeue: "conversations_requeue_due_idx",
		engine.DueStall: "conversation_due_stall_idx", engine.DueStallRequeue: "conversations_stalled_due_idx",
		engine.DueAutoClose: "conversation_due_inactive_idx",
	} {
		plan, err := w.db.ExplainDue(ctx, engine.DueClaim{Job: job, WorkStreamID: w.ws.ID, Before: w.clock.Now().Add(-5 * time.Minute), Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("EXPLAIN of the %s claim's selection:\n%s", job, plan)
		if !strings.Contains(plan, index) || strings.Contains(plan, "Seq Scan") {
			t.Errorf("the %s due query does not use %s:\n%s", job, index, plan)
		}
	}

	// Two replicas: two Services, each on its own connection pool.
	second := engine.NewService(w.other, engine.ServiceOptions{Clock: w.clock})
	now := w.clock.Now()
	var wg sync.WaitGroup
	stats := make([]engine.SweepStats, 2)
	errs := make([]error, 2)
	for i, svc := range []*engine.Service{w.svc, second} {
		wg.Go(func() { stats[i], errs[i] = svc.RequeueWaiting(ctx, now, 50) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("scheduler 1: %+v, scheduler 2: %+v", stats[0], stats[1])
	if got := stats[0].Changed + stats[1].Changed; got != due {
		t.Errorf("the two schedulers requeued %d conversations together; want %d", got, due)
	}
	var conversations, decisions, maxPer int
	err := w.sql.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(n), 0), coalesce(max(n), 0) FROM
		(SELECT conversation_id, count(*) AS n FROM routing_decisions WHERE reason = 'requeue' GROUP BY conversation_id) AS per`).
		Scan(&conversations, &decisions, &maxPer)
	if err != nil {
		t.Fatal(err)
	}
	if conversations != due || decisions != due || maxPer != 1 {
		t.Errorf("requeue decisions: %d conversations, %d decisions, at most %d per conversation; want %d, %d, 1", conversations, decisions, maxPer, due, due)
	}
	var requeued int
	if err := w.sql.QueryRowContext(ctx, `SELECT count(*) FROM conversations WHERE requeue_count = 1 AND routed_at = $1`, now).Scan(&requeued); err != nil {
		t.Fatal(err)
	}
	if requeued != due {
		t.Errorf("%d conversations carry one requeue routed now; want %d", requeued, due)
	}
	// Nothing is due any more.
	if s, err := second.RequeueWaiting(ctx, now, 50); err != nil || s.Examined != 0 {
		t.Errorf("a third run: %+v, %v; want nothing due", s, err)
	}
}

func TestBadConversationHoldsUpNoOther(t *testing.T) {
	w := newPGWorld(t, engine.WorkStreamInput{RequeueAfter: ptr(5 * time.Minute)})
	ctx := context.Background()
	w.seed(t, 5, 5, 0)
	// A conversation whose handle is gone cannot be routed again.
	for _, q := range []string{
		`ALTER TABLE conversations DROP CONSTRAINT conversations_handle_id_fkey`,
		`UPDATE conversations SET handle_id = 'gone' WHERE id = 'seed00000002'`,
	} {
		if _, err := w.sql.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	stats, err := w.svc.RequeueWaiting(ctx, w.clock.Now(), 10)
	if err == nil || !strings.Contains(err.Error(), "1 conversations failed") {
		t.Errorf("error = %v; want one failed conversation reported", err)
	}
	if stats.Examined != 5 || stats.Changed != 4 {
		t.Errorf("stats = %+v; want 5 examined, the 4 good ones requeued", stats)
	}
	var requeued int
	if err := w.sql.QueryRowContext(ctx, `SELECT count(*) FROM conversations WHERE requeue_count = 1`).Scan(&requeued); err != nil {
		t.Fatal(err)
	}
	if requeued != 4 {
		t.Errorf("%d conversations requeued; want 4", requeued)
	}
	// The bad one stays due and fails alone the next time.
	if stats, err := w.svc.RequeueWaiting(ctx, w.clock.Now(), 10); err == nil || stats.Examined != 1 || stats.Changed != 0 {
		t.Errorf("second run: %+v, %v; want the bad conversation alone, failing", stats, err)
	}
}

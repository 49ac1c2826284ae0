package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// TestADMUpdatesItsConversationInPlace: on PostgreSQL a customer's DM
// changes its conversation's row without changing an indexed column (the
// due times the sweeps index live in conversation_due), so such an update
// is a HOT update: no new entry in any of the conversation's indexes.
func TestADMUpdatesItsConversationInPlace(t *testing.T) {
	w := newPGWorld(t, engine.WorkStreamInput{})
	w.ingest(w.dm("ev0", "alice", "hello"))
	const more = 20
	for i := 1; i <= more; i++ {
		w.clock.Advance(time.Second)
		w.ingest(w.dm(fmt.Sprintf("ev%d", i), "alice", "still there?"))
	}
	ctx := context.Background()
	// The service's sessions report their statistics when they end.
	if err := w.db.Close(); err != nil {
		t.Fatal(err)
	}
	var updates, hot int64
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := w.sql.ExecContext(ctx, `SELECT pg_stat_clear_snapshot()`); err != nil {
			t.Fatal(err)
		}
		if err := w.sql.QueryRowContext(ctx, `SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = 'conversations'::regclass`).Scan(&updates, &hot); err != nil {
			t.Fatal(err)
		}
		if updates >= more || time.Now().After(deadline) {
			break
		}
	}
	// An update is HOT only if its page has room for the new version;
	// pruning the page's dead versions makes room unless a transaction
	// elsewhere in the database (another test's) may still see them, so a
	// few may not be.
	if updates < more || hot*4 < updates*3 {
		t.Errorf("%d DMs made %d updates of their conversation, %d of them HOT; want at least %d, three quarters of them HOT or more", more, updates, hot, more)
	}
	var due int
	if err := w.sql.QueryRowContext(ctx, `SELECT count(*) FROM conversation_due d JOIN conversations c ON c.id = d.conversation_id
		WHERE d.last_message_at = c.last_message_at AND d.last_customer_message_at = c.last_customer_message_at AND d.status = c.status`).Scan(&due); err != nil {
		t.Fatal(err)
	}
	if due != 1 {
		t.Errorf("%d due rows agree with their conversation; want alice's one", due)
	}
}

package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// TestNotificationsCommitInTheirOrder: a stream that reads an agent's
// committed notifications after the last number it saw never skips one,
// even when a later transaction would commit first. On PostgreSQL the
// second writer waits for the first one's commit; a reader in between
// sees neither.
func TestNotificationsCommitInTheirOrder(t *testing.T) {
	ctx := context.Background()
	url := storagetest.PostgresURL(t)
	db, err := storage.Open(ctx, storage.Options{URL: url, SecretKey: storagetest.SecretKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	watch, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = watch.Close() })

	const agent = engine.AgentID("01JAGENT00000000000000000A")
	appendIn := func(kind string, hold <-chan struct{}, appended chan<- struct{}) error {
		return db.InTx(ctx, func(tx engine.Tx) error {
			if _, err := tx.AppendNotification(ctx, engine.Notification{AgentID: agent, Kind: kind, Payload: []byte(`{}`), CreatedAt: time.Now()}); err != nil {
				return err
			}
			if appended != nil {
				close(appended)
			}
			if hold != nil {
				<-hold
			}
			return nil
		})
	}
	var seen []string
	var last int64
	read := func() {
		t.Helper()
		ns, err := db.NotificationsAfter(ctx, agent, last, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range ns {
			seen, last = append(seen, n.Kind), n.ID
		}
	}

	release, appended := make(chan struct{}), make(chan struct{})
	firstDone, secondDone := make(chan error, 1), make(chan error, 1)
	go func() { firstDone <- appendIn("first", release, appended) }()
	<-appended
	go func() { secondDone <- appendIn("second", nil, nil) }()
	// Wait until the second writer has committed or waits for a lock.
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if len(secondDone) > 0 {
			break
		}
		var waiting int
		if err := watch.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
WHERE wait_event_type = 'Lock' AND query LIKE '%notification_counters%'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
	}
	read() // while the first transaction is open
	close(release)
	if err := errors.Join(<-firstDone, <-secondDone); err != nil {
		t.Fatal(err)
	}
	read()
	if len(seen) != 2 || seen[0] != "first" || seen[1] != "second" || last != 2 {
		t.Errorf("the stream saw %v up to number %d; want first and second, numbered 1 and 2", seen, last)
	}
}

package storage_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// stepClock is a clock a test moves.
type stepClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *stepClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestLookupsShowChanges: the sources and endpoints that webhooks read
// outside transactions are kept for a moment. A change made through the
// same process shows at once, also when made in a transaction; one made
// through another replica shows once lookupTTL has passed; a transaction
// always reads the database. On SQLite and PostgreSQL.
func TestLookupsShowChanges(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", storagetest.SQLiteURL}, {"postgres", storagetest.PostgresURL}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			url, key := tc.url(t), storagetest.SecretKey(t)
			clock := &stepClock{now: time.Now()}
			open := func() *storage.DB {
				db, err := storage.Open(ctx, storage.Options{URL: url, SecretKey: key, Now: clock.Now})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = db.Close() })
				return db
			}
			here := open()
			if _, err := here.MigrateUp(ctx); err != nil {
				t.Fatal(err)
			}
			other := open() // another replica

			now := time.Now().UTC().Truncate(time.Millisecond)
			q := engine.Queue{ID: engine.QueueID(engine.NewID(now)), Name: "Default", CreatedAt: now, UpdatedAt: now}
			w := engine.DefaultWorkStream("twitter")
			w.ID, w.Name, w.DefaultQueueID, w.CreatedAt, w.UpdatedAt = engine.WorkStreamID(engine.NewID(now)), "Care", q.ID, now, now
			src := engine.Source{ID: engine.SourceID(engine.NewID(now)), Channel: "twitter", Name: "Acme", ClientKey: "ck", ClientSecret: "first",
				Settings: map[string]string{"dialect": "v2"}, Enabled: true, CreatedAt: now, UpdatedAt: now}
			ep := engine.Endpoint{ID: engine.EndpointID(engine.NewID(now)), SourceID: src.ID, Channel: "twitter", Name: "Acme Care", WorkStreamID: w.ID,
				ExternalID: "6253282", Token: "t", TokenSecret: "ts", Status: engine.EndpointActive, CreatedAt: now, UpdatedAt: now}
			for _, err := range []error{here.CreateQueue(ctx, q), here.CreateWorkStream(ctx, w), here.CreateSource(ctx, src), here.CreateEndpoint(ctx, ep)} {
				if err != nil {
					t.Fatal(err)
				}
			}
			type seen struct {
				secret engine.Secret
				status engine.EndpointStatus
			}
			read := func(db *storage.DB) seen {
				t.Helper()
				s, err := db.Source(ctx, src.ID)
				if err != nil {
					t.Fatal(err)
				}
				e, err := db.EndpointByExternalID(ctx, src.ID, ep.ExternalID)
				if err != nil {
					t.Fatal(err)
				}
				return seen{s.ClientSecret, e.Status}
			}
			first := seen{"first", engine.EndpointActive}
			if got := read(here); got != first {
				t.Fatalf("here: %+v, want %+v", got, first)
			}
			if got := read(other); got != first {
				t.Fatalf("on the other replica: %+v, want %+v", got, first)
			}

			// A secret rotated and the handle disconnected, through here.
			src.ClientSecret, ep.Status = "second", engine.EndpointDisconnected
			if err := here.UpdateSource(ctx, src); err != nil {
				t.Fatal(err)
			}
			if err := here.UpdateEndpoint(ctx, ep); err != nil {
				t.Fatal(err)
			}
			second := seen{"second", engine.EndpointDisconnected}
			if got := read(here); got != second {
				t.Errorf("here, at once: %+v, want %+v", got, second)
			}
			if got := read(other); got != first {
				t.Errorf("on the other replica before a second has passed: %+v; want what it read, %+v", got, first)
			}
			if err := other.InTx(ctx, func(tx engine.Tx) error {
				s, err := tx.Source(ctx, src.ID)
				if err == nil && s.ClientSecret != "second" {
					t.Errorf("a transaction on the other replica read the secret %q, want the stored one", s.ClientSecret)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(storage.LookupTTL)
			if got := read(other); got != second {
				t.Errorf("on the other replica after a second: %+v, want %+v", got, second)
			}

			// In a transaction, through the other replica.
			src.ClientSecret = "third"
			if err := other.InTx(ctx, func(tx engine.Tx) error { return tx.UpdateSource(ctx, src) }); err != nil {
				t.Fatal(err)
			}
			if got := read(other); got.secret != "third" {
				t.Errorf("after its transaction committed, the other replica read %q, want third", got.secret)
			}
		})
	}
}

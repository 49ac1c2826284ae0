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

// replicas is a PostgreSQL schema opened twice, as by two replicas, each
// with a clock that a test moves, holding one source and one endpoint.
type replicas struct {
	url    string
	a, b   *storage.DB
	clockB *stepClock
	src    engine.Source
	ep     engine.Endpoint
}

func newReplicas(t *testing.T) *replicas {
	t.Helper()
	ctx := context.Background()
	url, key := storagetest.PostgresURL(t), storagetest.SecretKey(t)
	open := func(clock *stepClock) *storage.DB {
		db, err := storage.Open(ctx, storage.Options{URL: url, SecretKey: key, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	rs := &replicas{url: url, clockB: &stepClock{now: time.Now()}}
	rs.a = open(&stepClock{now: time.Now()})
	if _, err := rs.a.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	rs.b = open(rs.clockB)

	now := time.Now().UTC().Truncate(time.Millisecond)
	q := engine.Queue{ID: engine.QueueID(engine.NewID(now)), Name: "Default", CreatedAt: now, UpdatedAt: now}
	w := engine.DefaultWorkStream("twitter")
	w.ID, w.Name, w.DefaultQueueID, w.CreatedAt, w.UpdatedAt = engine.WorkStreamID(engine.NewID(now)), "Care", q.ID, now, now
	rs.src = engine.Source{ID: engine.SourceID(engine.NewID(now)), Channel: "twitter", Name: "Acme", ClientKey: "ck", ClientSecret: "first",
		Settings: map[string]string{"dialect": "v2"}, Enabled: true, CreatedAt: now, UpdatedAt: now}
	rs.ep = engine.Endpoint{ID: engine.EndpointID(engine.NewID(now)), SourceID: rs.src.ID, Channel: "twitter", Name: "Acme Care", WorkStreamID: w.ID,
		ExternalID: "6253282", Token: "t", TokenSecret: "ts", Status: engine.EndpointActive, CreatedAt: now, UpdatedAt: now}
	for _, err := range []error{rs.a.CreateQueue(ctx, q), rs.a.CreateWorkStream(ctx, w), rs.a.CreateSource(ctx, rs.src), rs.a.CreateEndpoint(ctx, rs.ep)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return rs
}

// listenB runs b's Listen until the returned function stops it, and
// waits until it listens. Agent notifications it hears go to woken.
func (rs *replicas) listenB(t *testing.T, woken chan<- engine.AgentID) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- rs.b.Listen(ctx, func() { close(ready) }, func(id engine.AgentID) {
			if woken != nil {
				woken <- id
			}
		})
	}()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("listen: %v", err)
	case <-time.After(10 * time.Second):
		cancel()
		t.Fatal("listen was not ready after 10 s")
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		<-done
	}
	t.Cleanup(stop)
	return stop
}

// secret and status read the source's secret and the endpoint's status
// through db's cache.
func (rs *replicas) secret(t *testing.T, db *storage.DB) engine.Secret {
	t.Helper()
	s, err := db.Source(context.Background(), rs.src.ID)
	if err != nil {
		t.Fatal(err)
	}
	return s.ClientSecret
}

func (rs *replicas) status(t *testing.T, db *storage.DB) engine.EndpointStatus {
	t.Helper()
	e, err := db.EndpointByExternalID(context.Background(), rs.src.ID, rs.ep.ExternalID)
	if err != nil {
		t.Fatal(err)
	}
	return e.Status
}

func (rs *replicas) sourceName(t *testing.T, db *storage.DB) string {
	t.Helper()
	s, err := db.Source(context.Background(), rs.src.ID)
	if err != nil {
		t.Fatal(err)
	}
	return s.Name
}

// renameBehindTheCache renames the source with plain SQL, which tells no
// replica: what a replica then reads shows whether it kept its entry.
func (rs *replicas) renameBehindTheCache(t *testing.T, name string) {
	t.Helper()
	db, err := sql.Open("pgx", rs.url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "UPDATE sources SET name = $1 WHERE id = $2", name, string(rs.src.ID)); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond for up to 5 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 5 s: %s", what)
		}
	}
}

// TestListeningReplicaHearsChanges: a replica that listens forgets its
// kept source and endpoint when another replica changes them, on the
// pool or in a transaction, without its clock moving.
func TestListeningReplicaHearsChanges(t *testing.T) {
	ctx := context.Background()
	rs := newReplicas(t)
	rs.listenB(t, nil)
	if got := rs.status(t, rs.b); got != engine.EndpointActive {
		t.Fatalf("status %q, want active", got)
	}
	if got := rs.secret(t, rs.b); got != "first" {
		t.Fatalf("secret %q, want first", got)
	}

	rs.ep.Status = engine.EndpointDisconnected
	if err := rs.a.UpdateEndpoint(ctx, rs.ep); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the listening replica still reads the handle as connected", func() bool {
		return rs.status(t, rs.b) == engine.EndpointDisconnected
	})

	rs.src.ClientSecret = "second"
	if err := rs.a.InTx(ctx, func(tx engine.Tx) error { return tx.UpdateSource(ctx, rs.src) }); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the listening replica still reads the old secret", func() bool {
		return rs.secret(t, rs.b) == "second"
	})
}

// TestRolledBackLookupWriteTellsNobody: a transaction that writes a
// source and rolls back sends no notification, so a listening replica
// keeps its entry. An agent's notification committed after it marks when
// one would have arrived: PostgreSQL delivers in commit order.
func TestRolledBackLookupWriteTellsNobody(t *testing.T) {
	ctx := context.Background()
	rs := newReplicas(t)
	woken := make(chan engine.AgentID, 1)
	rs.listenB(t, woken)
	if got := rs.sourceName(t, rs.b); got != "Acme" {
		t.Fatalf("name %q, want Acme", got)
	}
	rs.renameBehindTheCache(t, "Renamed")

	errRollBack := errors.New("roll back")
	rs.src.ClientSecret = "second"
	if err := rs.a.InTx(ctx, func(tx engine.Tx) error {
		if err := tx.UpdateSource(ctx, rs.src); err != nil {
			return err
		}
		return errRollBack
	}); !errors.Is(err, errRollBack) {
		t.Fatalf("InTx: %v, want the roll-back", err)
	}
	const marker = engine.AgentID("01JAGENT00000000000000000M")
	if err := rs.a.InTx(ctx, func(tx engine.Tx) error {
		_, err := tx.AppendNotification(ctx, engine.Notification{AgentID: marker, Kind: "marker", Payload: []byte(`{}`), CreatedAt: time.Now()})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-woken:
		if id != marker {
			t.Fatalf("woken for %s, want %s", id, marker)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the marker notification did not arrive in 5 s")
	}
	if got := rs.sourceName(t, rs.b); got != "Acme" {
		t.Errorf("after a rolled-back write the listening replica read %q; want its kept Acme", got)
	}
	if got := rs.secret(t, rs.b); got != "first" {
		t.Errorf("secret %q after a rolled-back write, want first", got)
	}

	// A committed write is heard, and shows what was renamed behind it.
	rs.src.Name = "Committed"
	if err := rs.a.UpdateSource(ctx, rs.src); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the listening replica did not hear a committed write", func() bool {
		return rs.secret(t, rs.b) == "second" && rs.sourceName(t, rs.b) == "Committed"
	})
}

// TestLookupTTLFollowsListening: entries last ListeningLookupTTL while
// the replica listens, and LookupTTL before it listens and once it has
// stopped, also those read while it listened; listening again empties
// the cache, as what was written meanwhile was heard by no one.
func TestLookupTTLFollowsListening(t *testing.T) {
	rs := newReplicas(t)
	read := func(want, when string) {
		t.Helper()
		if got := rs.sourceName(t, rs.b); got != want {
			t.Errorf("%s: read %q, want %q", when, got, want)
		}
	}

	read("Acme", "not listening")
	rs.renameBehindTheCache(t, "One")
	read("Acme", "not listening, at once")
	rs.clockB.Advance(storage.LookupTTL)
	read("One", "not listening, after LookupTTL")

	stop := rs.listenB(t, nil)
	read("One", "listening")
	rs.renameBehindTheCache(t, "Two")
	rs.clockB.Advance(storage.LookupTTL)
	read("One", "listening, after LookupTTL")
	rs.clockB.Advance(storage.ListeningLookupTTL - storage.LookupTTL)
	read("Two", "listening, after ListeningLookupTTL")

	rs.renameBehindTheCache(t, "Three")
	stop()
	read("Two", "stopped, at once") // read at this clock's time, while listening
	rs.clockB.Advance(storage.LookupTTL)
	read("Three", "stopped, after LookupTTL")

	rs.renameBehindTheCache(t, "Four")
	rs.listenB(t, nil)
	read("Four", "listening again, at once")
}

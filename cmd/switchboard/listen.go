package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
)

// startNotificationListener wakes this replica's agent streams when any
// replica commits notifications (PostgreSQL's LISTEN/NOTIFY), and lets
// storage hear the writes of applications and handles so that it may
// keep them longer (storage.ListeningLookupTTL), listening again after a
// lost connection, and returns the function that stops it. On SQLite, a
// single process, it starts nothing.
func startNotificationListener(db *storage.DB, svc *engine.Service, log *slog.Logger) (stop func()) {
	if db.Dialect() != storage.Postgres {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		log := log.With("component", "listen")
		backoff := time.Second
		for {
			err := db.Listen(ctx, func() {
				backoff = time.Second
				// What was committed while nobody listened: let every
				// stream read again.
				svc.WakeAllAgents()
			}, svc.WakeAgent)
			if ctx.Err() != nil {
				return
			}
			log.Warn("listening for other replicas' notifications failed; streams poll and applications and handles are kept a second until it is back", "error", err, "retry_in", backoff)
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 30*time.Second)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

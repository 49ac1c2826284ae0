package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"

	"github.com/switchboardhq/switchboard/engine"
)

// channels names the schema's two notification channels: notify carries
// agents' notifications, lookups the writes of sources and endpoints
// (lookups.go). Replicas share them, and other schemas of the same
// database (other deployments, tests) do not.
func channels(ctx context.Context, db *sql.DB) (notify, lookups string, err error) {
	var schema sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return "", "", fmt.Errorf("read the current schema: %w", err)
	}
	return schemaChannel("switchboard_notifications", schema), schemaChannel("switchboard_lookups", schema), nil
}

// schemaChannel is base, suffixed with the schema unless that is public.
func schemaChannel(base string, schema sql.NullString) string {
	name := base
	if schema.Valid && schema.String != "public" {
		name += "_" + regexp.MustCompile(`[^a-z0-9_]`).ReplaceAllString(schema.String, "_")
	}
	if len(name) > 63 { // PostgreSQL's identifier limit
		name = name[:63]
	}
	return name
}

// Listen calls wake with the agent id of every notification committed by
// any replica on the database (this one included), until ctx is done or
// the connection fails; then it returns the error, and the caller listens
// again. ready is called once listening, so that the caller can catch up
// on what was committed while it was not.
//
// On the same connection it hears the writes of sources and endpoints
// and empties db's cache of them at each, so that while it listens the
// cache may keep them longer (lookups.go).
func (db *DB) Listen(ctx context.Context, ready func(), wake func(engine.AgentID)) error {
	if db.location.Dialect != Postgres {
		// One process, whose streams are woken in-process.
		return errors.New("listen: SQLite has no other replicas to hear from")
	}
	conn, err := pgx.Connect(ctx, db.location.DSN)
	if err != nil {
		return fmt.Errorf("listen: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, ch := range []string{db.notifyChannel, db.lookups.channel} {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
			return fmt.Errorf("listen on %s: %w", ch, err)
		}
	}
	db.lookups.startListening()
	defer db.lookups.stopListening()
	ready()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		if n.Channel == db.lookups.channel {
			db.lookups.empty()
			continue
		}
		wake(engine.AgentID(n.Payload))
	}
}

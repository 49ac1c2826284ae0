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

// notifyChannel names the channel of the schema's agents' notifications:
// replicas share it, and other schemas of the same database (other
// deployments, tests) do not.
func notifyChannel(ctx context.Context, db *sql.DB) (string, error) {
	var schema sql.NullString
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return "", fmt.Errorf("read the current schema: %w", err)
	}
	name := "switchboard_notifications"
	if schema.Valid && schema.String != "public" {
		name += "_" + regexp.MustCompile(`[^a-z0-9_]`).ReplaceAllString(schema.String, "_")
	}
	if len(name) > 63 { // PostgreSQL's identifier limit
		name = name[:63]
	}
	return name, nil
}

// Listen calls wake with the agent id of every notification committed by
// any replica on the database (this one included), until ctx is done or
// the connection fails; then it returns the error, and the caller listens
// again. ready is called once listening, so that the caller can catch up
// on what was committed while it was not.
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
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{db.notifyChannel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ready()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		wake(engine.AgentID(n.Payload))
	}
}

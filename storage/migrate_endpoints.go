package storage

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
)

// Migration 17 makes Twitter's applications and handles the first rows of
// two channel-neutral tables: sources (where a channel's messages come from:
// a Twitter application, a web-chat site) and endpoints (where customers
// reach the business: a Twitter handle, a web-chat widget). Every row, id
// and sealed secret is kept (a secret's sealing context names the column it
// was sealed for, which does not change); Twitter's environment name and
// dialect move into the source's settings. Conversations, sign-ons and
// health rows keep referring to the same rows under the new names.

// endpointsUp is the SQL both dialects share once sources exists: handles
// become endpoints, their columns named for any channel.
const endpointsUp = `
ALTER TABLE twitter_handles RENAME TO endpoints;
ALTER TABLE endpoints RENAME COLUMN application_id TO source_id;
ALTER TABLE endpoints RENAME COLUMN user_id TO external_id;
ALTER TABLE endpoints RENAME COLUMN screen_name TO address;
ALTER TABLE endpoints RENAME COLUMN access_token TO token;
ALTER TABLE endpoints RENAME COLUMN access_token_secret TO token_secret;
ALTER TABLE endpoints ADD COLUMN channel text NOT NULL DEFAULT '';
UPDATE endpoints SET channel = 'twitter';
`

// endpointsDown undoes endpointsUp.
const endpointsDown = `
ALTER TABLE endpoints DROP COLUMN channel;
ALTER TABLE endpoints RENAME COLUMN token_secret TO access_token_secret;
ALTER TABLE endpoints RENAME COLUMN token TO access_token;
ALTER TABLE endpoints RENAME COLUMN address TO screen_name;
ALTER TABLE endpoints RENAME COLUMN external_id TO user_id;
ALTER TABLE endpoints RENAME COLUMN source_id TO application_id;
ALTER TABLE endpoints RENAME TO twitter_handles;
`

// postgresSourcesUp turns twitter_applications into sources in place.
const postgresSourcesUp = `
ALTER TABLE twitter_applications RENAME TO sources;
ALTER TABLE sources ADD COLUMN channel text NOT NULL DEFAULT 'twitter';
ALTER TABLE sources ALTER COLUMN channel DROP DEFAULT;
ALTER TABLE sources RENAME COLUMN consumer_key TO client_key;
ALTER TABLE sources RENAME COLUMN consumer_secret TO client_secret;
ALTER TABLE sources DROP CONSTRAINT twitter_applications_consumer_secret_check;
ALTER TABLE sources ALTER COLUMN client_key SET DEFAULT '';
ALTER TABLE sources ALTER COLUMN client_secret SET DEFAULT '';
ALTER TABLE sources ADD CONSTRAINT sources_client_secret_check CHECK (client_secret = '' OR client_secret LIKE 'v1:%');
ALTER TABLE sources ADD COLUMN settings text NOT NULL DEFAULT '{}';
UPDATE sources SET settings = json_build_object('environment_name', environment_name, 'dialect', dialect)::text;
ALTER TABLE sources DROP COLUMN environment_name;
ALTER TABLE sources DROP COLUMN dialect;
DROP INDEX twitter_applications_name_key;
CREATE UNIQUE INDEX sources_name_key ON sources (channel, lower(name));
`

// postgresSourcesDown undoes postgresSourcesUp.
const postgresSourcesDown = `
DROP INDEX sources_name_key;
ALTER TABLE sources ADD COLUMN environment_name text NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN dialect text NOT NULL DEFAULT 'v2' CHECK (dialect IN ('v2', 'premium'));
UPDATE sources SET environment_name = coalesce(settings::json->>'environment_name', ''),
    dialect = coalesce(nullif(settings::json->>'dialect', ''), 'v2');
ALTER TABLE sources ALTER COLUMN dialect DROP DEFAULT;
ALTER TABLE sources DROP COLUMN settings;
ALTER TABLE sources DROP CONSTRAINT sources_client_secret_check;
ALTER TABLE sources ALTER COLUMN client_key DROP DEFAULT;
ALTER TABLE sources ALTER COLUMN client_secret DROP DEFAULT;
ALTER TABLE sources ADD CONSTRAINT twitter_applications_consumer_secret_check CHECK (client_secret LIKE 'v1:%');
ALTER TABLE sources RENAME COLUMN client_secret TO consumer_secret;
ALTER TABLE sources RENAME COLUMN client_key TO consumer_key;
ALTER TABLE sources DROP COLUMN channel;
ALTER TABLE sources RENAME TO twitter_applications;
CREATE UNIQUE INDEX twitter_applications_name_key ON twitter_applications (lower(name));
`

// sqliteSourcesUp rebuilds twitter_applications as sources: SQLite changes
// a CHECK constraint only by copying the table. The copy takes the old
// name first, so that the tables referring to it keep doing so, and is
// then renamed, which SQLite follows in their foreign keys.
const sqliteSourcesUp = `
CREATE TABLE new_sources (
    id            text PRIMARY KEY,
    channel       text NOT NULL,
    name          text NOT NULL,
    client_key    text NOT NULL DEFAULT '',
    client_secret text NOT NULL DEFAULT '' CHECK (client_secret = '' OR client_secret LIKE 'v1:%'),
    settings      text NOT NULL DEFAULT '{}',
    enabled       boolean NOT NULL,
    created_at    datetime NOT NULL,
    updated_at    datetime NOT NULL
);
INSERT INTO new_sources (id, channel, name, client_key, client_secret, settings, enabled, created_at, updated_at)
    SELECT id, 'twitter', name, consumer_key, consumer_secret,
        json_object('environment_name', environment_name, 'dialect', dialect), enabled, created_at, updated_at
    FROM twitter_applications;
DROP TABLE twitter_applications;
ALTER TABLE new_sources RENAME TO twitter_applications;
ALTER TABLE twitter_applications RENAME TO sources;
CREATE UNIQUE INDEX sources_name_key ON sources (channel, lower(name));
`

// sqliteSourcesDown rebuilds the older twitter_applications from sources.
const sqliteSourcesDown = `
CREATE TABLE old_twitter_applications (
    id               text PRIMARY KEY,
    name             text NOT NULL,
    consumer_key     text NOT NULL,
    consumer_secret  text NOT NULL CHECK (consumer_secret LIKE 'v1:%'),
    environment_name text NOT NULL DEFAULT '',
    dialect          text NOT NULL CHECK (dialect IN ('v2', 'premium')),
    enabled          boolean NOT NULL,
    created_at       datetime NOT NULL,
    updated_at       datetime NOT NULL
);
INSERT INTO old_twitter_applications (id, name, consumer_key, consumer_secret, environment_name, dialect, enabled, created_at, updated_at)
    SELECT id, name, client_key, client_secret, coalesce(json_extract(settings, '$.environment_name'), ''),
        coalesce(nullif(json_extract(settings, '$.dialect'), ''), 'v2'), enabled, created_at, updated_at
    FROM sources;
DROP TABLE sources;
ALTER TABLE old_twitter_applications RENAME TO sources;
ALTER TABLE sources RENAME TO twitter_applications;
CREATE UNIQUE INDEX twitter_applications_name_key ON twitter_applications (lower(name));
`

// A work stream may serve any channel the service is wired with: the
// CHECK that named Twitter alone goes.
const (
	postgresAnyChannel  = `ALTER TABLE work_streams DROP CONSTRAINT work_streams_channel_check;`
	postgresOnlyTwitter = `ALTER TABLE work_streams ADD CONSTRAINT work_streams_channel_check CHECK (channel IN ('twitter'));`
	sqliteTwitterCheck  = ` CHECK (channel IN ('twitter'))`
)

// migrateSourcesUp runs migration 17 up on PostgreSQL, in goose's
// transaction.
func migrateSourcesUp(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, postgresSourcesUp+endpointsUp+postgresAnyChannel); err != nil {
		return fmt.Errorf("sources and endpoints: %w", err)
	}
	return nil
}

// migrateSourcesDown runs migration 17 down on PostgreSQL.
func migrateSourcesDown(ctx context.Context, tx *sql.Tx) error {
	if err := onlyTwitterSources(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, postgresOnlyTwitter+endpointsDown+postgresSourcesDown); err != nil {
		return fmt.Errorf("back to Twitter applications and handles: %w", err)
	}
	return nil
}

// sqliteWithoutForeignKeys runs fn in a transaction of one connection whose
// foreign keys are off, as SQLite's table rebuilds need, checks that every
// reference still holds before committing, and turns them on again.
func sqliteWithoutForeignKeys(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	defer func() {
		if _, onErr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); onErr != nil && err == nil {
			err = onErr
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	broken := rows.Next()
	rows.Close()
	if broken {
		return fmt.Errorf("the rebuilt tables leave a foreign key dangling")
	}
	return tx.Commit()
}

// sqliteSourcesMigration is migration 17 on SQLite.
func sqliteSourcesMigration(up bool) func(ctx context.Context, db *sql.DB) error {
	return func(ctx context.Context, db *sql.DB) error {
		return sqliteWithoutForeignKeys(ctx, db, func(tx *sql.Tx) error {
			if up {
				if _, err := tx.ExecContext(ctx, sqliteSourcesUp+endpointsUp); err != nil {
					return fmt.Errorf("sources and endpoints: %w", err)
				}
				return sqliteRebuild(ctx, tx, "work_streams", func(ddl string) string { return strings.Replace(ddl, sqliteTwitterCheck, "", 1) })
			}
			if err := onlyTwitterSources(ctx, tx); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, endpointsDown+sqliteSourcesDown); err != nil {
				return fmt.Errorf("back to Twitter applications and handles: %w", err)
			}
			return sqliteRebuild(ctx, tx, "work_streams", func(ddl string) string {
				// Put the CHECK back after work_streams' channel column.
				channel := regexp.MustCompile(`(\bchannel\s+text\s+NOT\s+NULL)`)
				return channel.ReplaceAllString(ddl, "${1}"+sqliteTwitterCheck)
			})
		})
	}
}

// onlyTwitterSources refuses to go back to the schema before channels while
// another channel's sources or work streams exist: it has nowhere to keep
// them.
func onlyTwitterSources(ctx context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM sources WHERE channel <> 'twitter') +
		(SELECT count(*) FROM work_streams WHERE channel <> 'twitter')`).Scan(&n); err != nil {
		return fmt.Errorf("count sources: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%d sources or work streams are not Twitter's (web chat): the schema before migration 17 cannot keep them; delete them first", n)
	}
	return nil
}

// sqliteRebuild copies a table into one whose DDL edit changed, as SQLite
// changes a constraint only so, and recreates its indexes. It runs with
// foreign keys off (sqliteWithoutForeignKeys): the tables that refer to it
// refer to the copy, which takes its name.
func sqliteRebuild(ctx context.Context, tx *sql.Tx, table string, edit func(ddl string) string) error {
	var ddl string
	if err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&ddl); err != nil {
		return fmt.Errorf("rebuild %s: read its definition: %w", table, err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL`, table)
	if err != nil {
		return fmt.Errorf("rebuild %s: read its indexes: %w", table, err)
	}
	var indexes []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return fmt.Errorf("rebuild %s: read its indexes: %w", table, err)
		}
		indexes = append(indexes, s)
	}
	rows.Close()
	edited := edit(ddl)
	if edited == ddl {
		return fmt.Errorf("rebuild %s: the edit changed nothing in %s", table, ddl)
	}
	// A table SQLite renamed keeps its name quoted in its definition.
	head := regexp.MustCompile(`^CREATE TABLE\s+"?` + regexp.QuoteMeta(table) + `"?\s*\(`)
	loc := head.FindStringIndex(edited)
	if loc == nil {
		return fmt.Errorf("rebuild %s: unexpected definition %q", table, edited)
	}
	steps := []string{
		"CREATE TABLE new_" + table + " (" + edited[loc[1]:],
		"INSERT INTO new_" + table + " SELECT * FROM " + table,
		"DROP TABLE " + table,
		"ALTER TABLE new_" + table + " RENAME TO " + table,
	}
	for _, step := range append(steps, indexes...) {
		if _, err := tx.ExecContext(ctx, step); err != nil {
			return fmt.Errorf("rebuild %s: %s: %w", table, step, err)
		}
	}
	return nil
}

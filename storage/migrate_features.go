package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pressly/goose/v3"

	"github.com/switchboardhq/switchboard/engine"
)

// goMigrations are the schema changes that need Go as well as SQL, by
// version, with the names the migration status shows for them. Their
// versions continue the SQL files' sequence.
func goMigrations(dialect Dialect) (migrations []*goose.Migration, names map[int64]string) {
	features := goose.NewGoMigration(15,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return addMessageFeatures(ctx, tx, dialect) }},
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `ALTER TABLE messages DROP COLUMN features`)
			return err
		}})
	endpoints := goose.NewGoMigration(17, &goose.GoFunc{RunTx: migrateSourcesUp}, &goose.GoFunc{RunTx: migrateSourcesDown})
	if dialect == SQLite {
		endpoints = goose.NewGoMigration(17, &goose.GoFunc{RunDB: sqliteSourcesMigration(true)}, &goose.GoFunc{RunDB: sqliteSourcesMigration(false)})
	}
	return []*goose.Migration{features, endpoints},
		map[int64]string{15: "00015_message_features.go", 17: "00017_sources_and_endpoints.go"}
}

// backfillPage is how many messages the features backfill reads at a time.
const backfillPage = 500

// addMessageFeatures adds the features column to messages and fills it for
// every stored customer message: hashtags and links as its text shows them,
// its media kinds, and whether its customer's contact existed before the
// conversation began (the best that can be known afterwards of whether the
// customer was known when they wrote).
func addMessageFeatures(ctx context.Context, tx *sql.Tx, dialect Dialect) error {
	if _, err := tx.ExecContext(ctx, `ALTER TABLE messages ADD COLUMN features text NOT NULL DEFAULT '{}'`); err != nil {
		return fmt.Errorf("add messages.features: %w", err)
	}
	type stored struct {
		id, text, media      string
		contactAt, createdAt sql.NullTime
	}
	query := bind(dialect, `SELECT m.id, m.text, m.media, ct.created_at, c.created_at
		FROM messages m JOIN conversations c ON c.id = m.conversation_id LEFT JOIN contacts ct ON ct.id = c.contact_id
		WHERE m.direction = 'inbound' AND m.id > ? ORDER BY m.id LIMIT ?`)
	update := bind(dialect, `UPDATE messages SET features = ? WHERE id = ?`)
	for after := ""; ; {
		rows, err := tx.QueryContext(ctx, query, after, backfillPage)
		if err != nil {
			return fmt.Errorf("read messages after %q: %w", after, err)
		}
		var page []stored
		for rows.Next() {
			var s stored
			if err := rows.Scan(&s.id, &s.text, &s.media, &s.contactAt, &s.createdAt); err != nil {
				rows.Close()
				return fmt.Errorf("read messages after %q: %w", after, err)
			}
			page = append(page, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read messages after %q: %w", after, err)
		}
		for _, s := range page {
			var media []engine.Media
			if err := json.Unmarshal([]byte(s.media), &media); err != nil {
				return fmt.Errorf("message %s: its media is not JSON: %w", s.id, err)
			}
			f := engine.TextFeatures(s.text, media)
			f.KnownContact = s.contactAt.Valid && s.createdAt.Valid && s.contactAt.Time.Before(s.createdAt.Time)
			if _, err := tx.ExecContext(ctx, update, jsonText(f, "{}"), s.id); err != nil {
				return fmt.Errorf("store the features of message %s: %w", s.id, err)
			}
		}
		if len(page) < backfillPage {
			return nil
		}
		after = page[len(page)-1].id
	}
}

// bind rewrites a query's ? placeholders as the dialect's driver wants them.
func bind(dialect Dialect, query string) string {
	if dialect != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

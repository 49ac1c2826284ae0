// Package storage keeps Switchboard's state with gorm, on SQLite (the
// embedded default: a local file, pure Go, nothing to install) or on
// PostgreSQL (production, and the store several replicas share).
//
// The schema is versioned SQL migrations embedded in the binary, one set per
// dialect (migrations/sqlite, migrations/postgres), run with goose; gorm's
// AutoMigrate is never used. gorm models are unexported: the rest of the
// program sees the engine's types, through repositories that implement the
// engine's store interfaces. Secrets (consumer secrets, access tokens) are
// sealed with AES-GCM before they reach a table.
package storage

package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/libtnb/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// Dialect is the kind of database behind a DB.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Location is a parsed database URL.
type Location struct {
	Dialect Dialect
	// DSN is what the driver is opened with.
	DSN string
	// Path is the SQLite database file (empty for PostgreSQL).
	Path string
	// Redacted is the URL with any password hidden, fit for logs and errors.
	Redacted string
}

// ParseURL reads a database URL: postgres:// or postgresql:// select
// PostgreSQL; sqlite:PATH, sqlite://PATH, file:PATH or a bare path select an
// SQLite file.
func ParseURL(raw string) (Location, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return Location{}, errors.New("empty database URL")
	}
	if strings.HasPrefix(raw, "postgres://") || strings.HasPrefix(raw, "postgresql://") {
		u, err := url.Parse(raw)
		if err != nil {
			return Location{}, fmt.Errorf("not a valid PostgreSQL URL (postgres://user:password@host:5432/database)")
		}
		if u.Host == "" {
			return Location{}, fmt.Errorf("PostgreSQL URL %s has no host", u.Redacted())
		}
		return Location{Dialect: Postgres, DSN: raw, Redacted: u.Redacted()}, nil
	}
	path := raw
	for _, prefix := range []string{"sqlite://", "sqlite:", "file:"} {
		if strings.HasPrefix(raw, prefix) {
			path = strings.TrimPrefix(raw, prefix)
			break
		}
	}
	if i := strings.Index(path, "://"); i >= 0 {
		return Location{}, fmt.Errorf("unsupported database %q: use postgres://… or an SQLite file path", raw[:i+3])
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" || path == ":memory:" {
		return Location{}, errors.New("SQLite needs a file path (the database must survive a restart)")
	}
	return Location{Dialect: SQLite, DSN: sqliteDSN(path), Path: path, Redacted: path}, nil
}

// sqliteDSN opens the file in WAL mode (readers do not block the writer),
// waits for a busy writer instead of failing, enforces foreign keys, and
// begins every transaction IMMEDIATE so that two writers never deadlock on
// a read-to-write upgrade.
//
// The time parameters keep what earlier releases (on the glebarez driver)
// wrote and read: times are written as "2006-01-02 15:04:05.999999999-07:00"
// (_time_format=sqlite; modernc's own default is time.Time.String), read
// back in UTC (_timezone=UTC; glebarez parsed in UTC), and only columns
// declared DATE, DATETIME or TIMESTAMP become time.Time: an aggregate or an
// expression stays the stored text (_texttotime=0; libtnb/sqlite would
// otherwise turn any date-shaped text without a declared type, a customer's
// text included, into a time) and an integer stays an integer
// (_inttotime=0).
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate" +
		"&_time_format=sqlite&_timezone=UTC&_texttotime=0&_inttotime=0"
}

// Options configure Open.
type Options struct {
	// URL is the database URL (see ParseURL).
	URL string
	// SecretKey is the 32-byte AES key that seals stored secrets. It may be
	// nil for work that touches no secret, such as migrations.
	SecretKey []byte
	// Logger receives slow-query and error logs; nil discards them.
	Logger *slog.Logger
	// Now tells the time by which the sources and endpoints read outside
	// a transaction are kept (LookupTTL, ListeningLookupTTL); nil means the
	// system clock.
	Now func() time.Time
}

// DB is an open Switchboard database. Its repository methods (those of
// engine.Tx) run outside a transaction; InTx runs them inside one.
type DB struct {
	repo
	sql      *sql.DB
	location Location
	// writer serialises this process's transactions on SQLite, whose
	// database has one writer at a time: waiting here, in line, instead of
	// in SQLite's busy handler, which is not fair and lets a transaction
	// starve under load. (PostgreSQL needs no such lock.)
	writer sync.Mutex
}

// repo implements engine.Tx over a gorm handle that is either the pool or
// one transaction.
type repo struct {
	g       *gorm.DB
	box     *secretBox
	dialect Dialect
	bound   *sync.Map  // raw query → the query with the dialect's placeholders (bind)
	stmts   *stmtCache // the raw queries kept prepared (SQLite only; nil on PostgreSQL)
	// lookups keeps the sources and endpoints read outside a transaction
	// for a moment (lookups.go); inTx marks a transaction's repo, which
	// reads past it and, having written either, empties it again when the
	// transaction ends (wroteLookups).
	lookups      *lookupCache
	inTx         bool
	wroteLookups *bool
	// notifyChannel is the PostgreSQL channel that announces agents'
	// notifications to every replica (Listen); empty on SQLite.
	notifyChannel string
}

// connectTimeout bounds how long Open waits for an unreachable server.
const connectTimeout = 10 * time.Second

// Open connects to the database and checks that it answers. It does not
// migrate: call MigrateUp.
func Open(ctx context.Context, opts Options) (*DB, error) {
	loc, err := ParseURL(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	var box *secretBox
	if opts.SecretKey != nil {
		if box, err = newSecretBox(opts.SecretKey); err != nil {
			return nil, err
		}
	}
	var dialector gorm.Dialector
	switch loc.Dialect {
	case SQLite:
		if dir := filepath.Dir(loc.Path); dir != "." {
			if _, err := os.Stat(dir); err != nil {
				return nil, fmt.Errorf("open SQLite database %s: directory %s does not exist", loc.Path, dir)
			}
		}
		dialector = sqlite.Open(loc.DSN)
	case Postgres:
		dialector = postgres.New(postgres.Config{DSN: loc.DSN})
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	gdb, err := gorm.Open(dialector, &gorm.Config{
		Logger:               gormLogger{log: log.With("component", "storage"), slow: 500 * time.Millisecond},
		DisableAutomaticPing: true,
		// Every write that must be atomic runs in an explicit transaction (InTx).
		SkipDefaultTransaction: true,
		TranslateError:         true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("open %s database %s: %w", loc.Dialect, loc.Redacted, err)
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s database %s: %w", loc.Dialect, loc.Redacted, err)
	}
	switch loc.Dialect {
	case Postgres:
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(20)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	case SQLite:
		// Keep connections instead of database/sql's two idle ones: a new
		// SQLite connection runs the DSN's PRAGMAs and parses the whole
		// schema, and loses the statements stmtCache prepared on the old
		// one; under concurrent webhooks that churn was a tenth of the CPU.
		sqlDB.SetMaxIdleConns(16)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	pingCtx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database %s: %s", loc.Dialect, loc.Redacted, redactErr(err, opts.URL))
	}
	db := &DB{repo: repo{g: gdb, box: box, dialect: loc.Dialect, bound: &sync.Map{}, lookups: newLookupCache(opts.Now)}, sql: sqlDB, location: loc}
	if loc.Dialect == SQLite {
		db.stmts = newStmtCache(sqlDB)
	}
	if loc.Dialect == Postgres {
		if db.notifyChannel, db.lookups.channel, err = channels(ctx, sqlDB); err != nil {
			_ = sqlDB.Close()
			return nil, err
		}
	}
	return db, nil
}

// redactErr renders a driver error on one line, as the network error at its
// root where there is one, and without the password of the URL should a
// driver ever echo its connection string.
func redactErr(err error, rawURL string) string {
	msg := err.Error()
	var netErr *net.OpError
	if errors.As(err, &netErr) {
		msg = netErr.Error()
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if u, perr := url.Parse(rawURL); perr == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
}

// Dialect reports which database this is.
func (db *DB) Dialect() Dialect { return db.location.Dialect }

// Location reports where the database is (password redacted).
func (db *DB) Location() Location { return db.location }

// Pool is the connection pool under db, for its statistics (Prometheus's
// DBStatsCollector reads them); queries go through db's own methods.
func (db *DB) Pool() *sql.DB { return db.sql }

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Close closes the connection pool.
func (db *DB) Close() error {
	if db.stmts != nil {
		if err := db.stmts.close(); err != nil {
			return fmt.Errorf("close database: %w", err)
		}
	}
	if err := db.sql.Close(); err != nil {
		return fmt.Errorf("close database: %w", err)
	}
	return nil
}

// Package engine is Switchboard's domain core: the types of the customer-service
// workflow (queues, work streams, API keys, and — as the workflow grows —
// conversations, agents and their assignment), the rules that govern them, and
// the interfaces the core needs from the outside world.
//
// The engine owns those interfaces (a store, a clock, and later a message
// sender and a notifier); the storage package implements the store on SQLite
// and PostgreSQL, and channel adapters implement the sender. The engine itself
// imports no HTTP framework, no ORM and no Twitter type, so that every rule
// of the workflow can be tested against any store and reused by any transport.
//
// Errors that callers act on carry a Kind (see [ErrNotFound], [ErrConflict],
// [ErrInvalid] …); the api package maps kinds to HTTP statuses in one place.
package engine

// # Ingest performance
//
// BenchmarkIngest (engine/ingest_bench_test.go) ingests DMs, new and
// continuing customers mixed, beside a raw baseline in the same run: the
// same SQL statements issued directly with database/sql (no gorm, no rules,
// no engine). On the 2-core development machine, quiet (load average 2),
//
//	SWITCHBOARD_TEST_DATABASE_URL=postgres://... go test ./engine -run '^$' -bench BenchmarkIngest -benchtime 3000x
//
// gave, in msgs/s, engine / raw:
//
//	          1 caller           4 callers          16 callers
//	SQLite    1341/2090 (64%)    1360/1616 (84%)    1425/1532 (93%)
//	Postgres   524/536 (98%)     1279/1307 (98%)    1296/1406 (92%)
//
// (earlier runs of SQLite at 4 callers, before storage's own gorm logger
// stopped formatting every statement, gave a median of 76%). The target,
// 70% of the baseline at 4 callers, is met on both. What closed the gap: a
// logger that formats a statement only when it logs one; a new
// conversation is routed before it is inserted (one
// write, not two); the ingest's inserts, the conversation update and its
// hot reads (dedupe, work stream, contact, conversation in progress, closed
// count, rule-set version) are plain statements on the transaction's
// connection instead of gorm's query building; the rule set is found
// without reading the work stream again. gorm's PrepareStmt is off: it made
// PostgreSQL slower (it re-prepares inside every transaction; pgx caches
// statements already) and does not help SQLite, whose pure-Go driver parses
// a statement at every execution, prepared or not (a quarter of the CPU, in
// the raw baseline too).

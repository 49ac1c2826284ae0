package loadgen

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to look up the seeded rows
)

// IngestScript is the pgbench script of the SQL statements one ingest
// issues on PostgreSQL (ingest.pgbench.sql).
//
//go:embed ingest.pgbench.sql
var IngestScript []byte

// PgbenchOptions say where and how hard pgbench runs.
type PgbenchOptions struct {
	// DatabaseURL is a postgres:// URL whose search_path (a query
	// parameter, as the service takes it) names a migrated schema with an
	// application, a handle, its work stream and a queue.
	DatabaseURL string
	Clients     int
	Duration    time.Duration
	// Customers is the number of distinct customers, shared out among the
	// clients; each client writes only its own, so that no two clients
	// race to start the same conversation.
	Customers int
	// Batch is how many deliveries one pgbench transaction holds: 1 (or
	// 0) runs IngestScript as it is, more runs BatchedScript, the form
	// group commit can reach.
	Batch int
	// Path is the pgbench binary; empty finds it on PATH.
	Path string
}

// PgbenchResult is what pgbench reported.
type PgbenchResult struct {
	Clients      int
	Batch        int // deliveries per transaction
	Transactions int
	TPS          float64
	AvgLatency   time.Duration
	Output       string
}

// DeliveriesPerSecond is the rate of deliveries pgbench wrote.
func (r PgbenchResult) DeliveriesPerSecond() float64 { return r.TPS * float64(max(r.Batch, 1)) }

// Report prints the result.
func (r PgbenchResult) Report(w io.Writer) {
	if r.Batch > 1 {
		fmt.Fprintf(w, "pgbench, ingest's SQL statements (loadgen/ingest.pgbench.sql), %d deliveries per transaction, at %d clients\n", r.Batch, r.Clients)
		fmt.Fprintf(w, "  transactions: %d, %.1f/s (%.1f deliveries/s), average latency %s\n", r.Transactions, r.TPS, r.DeliveriesPerSecond(), ms(r.AvgLatency))
		return
	}
	fmt.Fprintf(w, "pgbench, ingest's SQL statements (loadgen/ingest.pgbench.sql) at %d clients\n", r.Clients)
	fmt.Fprintf(w, "  transactions: %d, %.1f/s, average latency %s\n", r.Transactions, r.TPS, ms(r.AvgLatency))
}

// BatchedScript is IngestScript with n deliveries in one transaction:
// each delivery's lookups and ingest statements, n times over, between
// one BEGIN and one COMMIT.
func BatchedScript(n int) ([]byte, error) {
	s := string(IngestScript)
	start := strings.Index(s, "\\set n ")
	begin := strings.Index(s, "\nBEGIN;\n")
	commit := strings.LastIndex(s, "\nCOMMIT;\n")
	if start < 0 || begin < start || commit < begin {
		return nil, errors.New("pgbench: ingest.pgbench.sql has no \\set, BEGIN and COMMIT in that order")
	}
	delivery := s[start:begin] + s[begin+len("\nBEGIN;\n"):commit]
	var b strings.Builder
	b.WriteString(s[:start])
	b.WriteString("BEGIN;\n")
	for i := range n {
		fmt.Fprintf(&b, "\n-- delivery %d of %d\n", i+1, n)
		b.WriteString(delivery)
		b.WriteString("\n")
	}
	b.WriteString("COMMIT;\n")
	return []byte(b.String()), nil
}

// Pgbench runs IngestScript with pgbench against the schema of
// o.DatabaseURL, passing the seeded rows' ids as variables.
func Pgbench(ctx context.Context, o PgbenchOptions) (PgbenchResult, error) {
	if o.Clients < 1 || o.Duration < time.Second || o.Customers < 1 {
		return PgbenchResult{}, errors.New("pgbench: need at least one client, one customer and one second")
	}
	path := o.Path
	if path == "" {
		p, err := exec.LookPath("pgbench")
		if err != nil {
			return PgbenchResult{}, fmt.Errorf("pgbench: %w", err)
		}
		path = p
	}
	conn, schema, err := libpqURL(o.DatabaseURL)
	if err != nil {
		return PgbenchResult{}, err
	}
	vars, err := seededIDs(ctx, o.DatabaseURL)
	if err != nil {
		return PgbenchResult{}, err
	}
	dir, err := os.MkdirTemp("", "switchboard-pgbench-")
	if err != nil {
		return PgbenchResult{}, fmt.Errorf("pgbench: %w", err)
	}
	defer os.RemoveAll(dir)
	body := IngestScript
	if o.Batch > 1 {
		if body, err = BatchedScript(o.Batch); err != nil {
			return PgbenchResult{}, err
		}
	}
	script := filepath.Join(dir, "ingest.pgbench.sql")
	if err := os.WriteFile(script, body, 0o600); err != nil {
		return PgbenchResult{}, fmt.Errorf("pgbench: %w", err)
	}
	args := []string{"-n", "-M", "prepared", "-f", script, "-c", strconv.Itoa(o.Clients), "-j", strconv.Itoa(o.Clients),
		"-T", strconv.Itoa(int(o.Duration.Round(time.Second).Seconds())),
		"-D", "customers=" + strconv.Itoa(max(o.Customers/o.Clients, 1)),
		"-D", "run=" + strconv.FormatInt(time.Now().UnixMilli(), 10), "-D", "n=0"}
	for _, k := range []string{"app", "handle", "handle_user", "ws", "queue"} {
		args = append(args, "-D", k+"="+vars[k])
	}
	args = append(args, conn)
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), "PGOPTIONS=-c search_path="+schema)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return PgbenchResult{}, fmt.Errorf("pgbench: %w: %s", err, out)
	}
	r, err := parsePgbench(o.Clients, string(out))
	r.Batch = max(o.Batch, 1)
	return r, err
}

// libpqURL turns the service's URL into one libpq takes: without the
// search_path parameter, which it returns apart.
func libpqURL(raw string) (conn, schema string, err error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", "", errors.New("pgbench: the database URL must be postgres://")
	}
	q := u.Query()
	schema = q.Get("search_path")
	if schema == "" {
		schema = "public"
	}
	q.Del("search_path")
	u.RawQuery = q.Encode()
	return u.String(), schema, nil
}

// seededIDs finds the application, handle, work stream and queue the
// script writes with: the newest handle's.
func seededIDs(ctx context.Context, databaseURL string) (map[string]string, error) {
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return nil, fmt.Errorf("pgbench: open the database: %w", err)
	}
	defer db.Close()
	vars := map[string]string{}
	err = db.QueryRowContext(ctx, `SELECT h.source_id, h.id, h.external_id, h.work_stream_id, w.default_queue_id
		FROM endpoints h JOIN work_streams w ON w.id = h.work_stream_id ORDER BY h.id DESC LIMIT 1`).
		Scan(ptr(vars, "app"), ptr(vars, "handle"), ptr(vars, "handle_user"), ptr(vars, "ws"), ptr(vars, "queue"))
	if err != nil {
		return nil, fmt.Errorf("pgbench: find a handle with its work stream (set one up with switchboard loadgen first): %w", err)
	}
	return vars, nil
}

func ptr(m map[string]string, k string) any {
	return scanInto(func(v string) { m[k] = v })
}

// scanInto is a sql.Scanner that hands the scanned text to set.
type scanInto func(string)

func (f scanInto) Scan(v any) error {
	switch x := v.(type) {
	case string:
		f(x)
	case []byte:
		f(string(x))
	default:
		return fmt.Errorf("pgbench: unexpected %T", v)
	}
	return nil
}

func parsePgbench(clients int, out string) (PgbenchResult, error) {
	r := PgbenchResult{Clients: clients, Output: out}
	find := func(re string) []string { return regexp.MustCompile(re).FindStringSubmatch(out) }
	tx, tps, lat := find(`number of transactions actually processed: (\d+)`), find(`tps = ([0-9.]+)`), find(`latency average = ([0-9.]+) ms`)
	if tx == nil || tps == nil || lat == nil {
		return r, fmt.Errorf("pgbench: unexpected output: %s", strings.TrimSpace(out))
	}
	r.Transactions, _ = strconv.Atoi(tx[1])
	r.TPS, _ = strconv.ParseFloat(tps[1], 64)
	l, _ := strconv.ParseFloat(lat[1], 64)
	r.AvgLatency = time.Duration(l * float64(time.Millisecond))
	return r, nil
}

// Vacuum vacuums and analyses every table of the URL's schema, as pgbench
// does before its own runs: rows that earlier runs updated (every DM
// rewrites its conversation) would otherwise slow the next run down
// wherever autovacuum is off or behind, and runs would not compare.
func Vacuum(ctx context.Context, databaseURL string) error {
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return fmt.Errorf("vacuum: open the database: %w", err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema()`)
	if err != nil {
		return fmt.Errorf("vacuum: list the tables: %w", err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return fmt.Errorf("vacuum: list the tables: %w", err)
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("vacuum: list the tables: %w", err)
	}
	for _, t := range tables {
		if _, err := db.ExecContext(ctx, "VACUUM (ANALYZE) "+t); err != nil {
			return fmt.Errorf("vacuum %s: %w", t, err)
		}
	}
	return nil
}

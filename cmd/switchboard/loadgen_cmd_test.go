package main

import (
	"database/sql"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/cmd/switchboard/loadgen"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// TestLoadgenInProcess runs "switchboard loadgen" against the service it
// starts, on SQLite and on PostgreSQL (there with the pgbench baseline),
// with the signature-only baseline first: every delivery is acknowledged,
// and the check through the API finds each stored once and routed.
func TestLoadgenInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the service")
	}
	tests := []struct {
		name  string
		url   func(testing.TB) string
		extra []string
		// Each round's customers are new, and write in turn to 2 handles.
		perRound, acked, conversations string
	}{
		{"sqlite", storagetest.SQLiteURL, []string{"--count", "30", "--rounds", "2"}, "30", "60", "20"},
		{"postgres", storagetest.PostgresURL, []string{"--count", "60", "--pgbench"}, "60", "60", "10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			args := append([]string{"loadgen", "--database-url", tt.url(t), "--customers", "10",
				"--concurrency", "4", "--handles", "2", "--target", "both"}, tt.extra...)
			if err := run(t.Context(), args, nil, &stdout, &stderr); err != nil {
				t.Fatalf("loadgen: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
			}
			out := stdout.String()
			wants := []string{
				`Baseline: a webhook that only verifies signatures\n  deliveries:   ` + tt.perRound + ` sent \(0 redelivered\), ` + tt.perRound + ` acknowledged, 0 failed`,
				`Switchboard: http://127\.0\.0\.1:\d+/webhooks/twitter/\w+\n  deliveries:   ` + tt.perRound + ` sent \(0 redelivered\), ` + tt.perRound + ` acknowledged, 0 failed`,
				`latency:      p50 [0-9.]+ms · p90 [0-9.]+ms · p99 [0-9.]+ms · max [0-9.]+ms`,
				`vs baseline:  \d+% of its throughput`,
				`Database check through the API: passed\n  ` + tt.acked + ` acknowledged DMs; ` + tt.acked + ` stored in ` + tt.conversations + ` conversations`,
			}
			if tt.name == "sqlite" {
				wants = append(wants, `Round 2 of 2\n`, `Medians of 2 rounds: \d+% of the baseline's throughput`)
			}
			if tt.name == "postgres" {
				wants = append(wants, `pgbench, ingest's SQL statements \S+ at 4 clients\n  transactions: [1-9]\d*, `, `Switchboard:  \d+% of pgbench's rate`,
					`pgbench, ingest's SQL statements \S+, 10 deliveries per transaction, at 4 clients\n  transactions: [1-9]\d*, [0-9.]+/s \([0-9.]+ deliveries/s\)`,
					`Switchboard:  \d+% of batched pgbench's rate`)
			}
			for _, want := range wants {
				if !regexp.MustCompile(want).MatchString(out) {
					t.Errorf("the output lacks %s:\n%s", want, out)
				}
			}
			// The progress bar is for a terminal; here stderr is a buffer,
			// as a log file would be.
			if strings.Contains(stderr.String(), "delivering") {
				t.Errorf("a progress bar was drawn into a non-terminal stderr: %q", stderr.String())
			}
			if !strings.Contains(out, "; its log: ") || !strings.Contains(out, "(removed at the end; --keep keeps it)") {
				t.Errorf("the output does not say where the service's log is and that it goes:\n%s", out)
			}
		})
	}
}

func TestLoadgenRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--target", "nowhere"},
		{"--handles", "0"},
		{"--webhook-url", "http://127.0.0.1:1/x"},
		{"--webhook-url", "http://127.0.0.1:1/x", "--consumer-secret", "s", "--handle-id", "1"},
		{"--pgbench"},
		{"--count", "0", "--duration", "0"},
	} {
		var stdout, stderr syncBuffer
		err := run(t.Context(), append([]string{"loadgen"}, args...), nil, &stdout, &stderr)
		if err == nil || !strings.HasPrefix(err.Error(), "loadgen: ") {
			t.Errorf("loadgen %v: %v, want a loadgen error", args, err)
		}
	}
}

// TestLoadgenAgainstARunningService drives a service that runs apart from
// the command, as staging would be, through its webhook URL, consumer
// secret and handle id, twice: each run's check counts only its own
// customers. Then a stored DM is deleted behind the API's back, and the
// check names it as missing.
func TestLoadgenAgainstARunningService(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the service")
	}
	dbURL := storagetest.SQLiteURL(t)
	svc, err := startLoadService(t.Context(), nil, dbURL, "", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := svc.stop(); err != nil {
			t.Error(err)
		}
	}()
	args := []string{"loadgen", "--webhook-url", svc.target.URL, "--handle-id", svc.target.Handles[0],
		"--api-url", svc.checker.APIURL, "--work-stream-id", svc.checker.WorkStreamID,
		"--count", "40", "--customers", "5", "--concurrency", "4", "--redeliver", "1"}
	env := []string{"SWITCHBOARD_LOADGEN_CONSUMER_SECRET=" + svc.target.ConsumerSecret, "SWITCHBOARD_LOADGEN_ADMIN_TOKEN=" + svc.checker.Token}
	for range 2 {
		var stdout, stderr syncBuffer
		if err := run(t.Context(), args, env, &stdout, &stderr); err != nil {
			t.Fatalf("loadgen: %v\nstdout:\n%s", err, stdout.String())
		}
		for _, want := range []string{"40 sent (0 redelivered), 40 acknowledged, 0 failed",
			"Database check through the API: passed\n  40 acknowledged DMs; 40 stored in 5 conversations"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("the output lacks %q:\n%s", want, stdout.String())
			}
		}
		if strings.Contains(stdout.String()+stderr.String(), svc.target.ConsumerSecret) || strings.Contains(stdout.String()+stderr.String(), svc.checker.Token) {
			t.Error("the output shows the consumer secret or the admin token")
		}
	}

	res, err := loadgen.Run(t.Context(), svc.target, loadgen.Options{Concurrency: 2, Customers: 3, Count: 9})
	if err != nil || res.Acknowledged != 9 {
		t.Fatalf("run: %v, %d acknowledged", err, res.Acknowledged)
	}
	loc, err := storage.ParseURL(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", loc.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	gone := res.Events[4].ID
	if r, err := db.ExecContext(t.Context(), `DELETE FROM messages WHERE external_id = ?`, gone); err != nil {
		t.Fatal(err)
	} else if n, _ := r.RowsAffected(); n != 1 {
		t.Fatalf("deleted %d messages of event %s, want 1", n, gone)
	}
	check, err := svc.checker.Check(t.Context(), res.Events)
	if err != nil {
		t.Fatal(err)
	}
	if check.OK() || !slices.Equal(check.Missing, []string{gone}) || check.Stored != 8 || len(check.Duplicates)+len(check.Extra)+len(check.Unrouted) != 0 {
		t.Errorf("after deleting event %s the check found %+v", gone, check)
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain lets tests run the real program as a child process: the test
// binary re-executed with SWITCHBOARD_RUN_MAIN=1 behaves as switchboard.
func TestMain(m *testing.M) {
	if os.Getenv("SWITCHBOARD_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// syncBuffer collects a process's log output while tests read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitForAddr waits for the "listening" log line and returns its address.
func waitForAddr(t testing.TB, logs fmt.Stringer) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(logs.String()))
		for sc.Scan() {
			var line struct {
				Msg  string `json:"msg"`
				Addr string `json:"addr"`
			}
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				return line.Addr
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the service never said it was listening; output:\n%s", logs)
	return ""
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// generatedToken finds the admin token printed at first start.
func generatedToken(output string) string {
	for _, f := range strings.Fields(output) {
		if strings.HasPrefix(f, "sb_") {
			return f
		}
	}
	return ""
}

type service struct {
	logs *syncBuffer
	addr string
	stop func() error
}

// startService runs `switchboard serve` in-process with the given env.
func startService(t testing.TB, env []string) *service {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, env, io.Discard, logs) }()
	addr := waitForAddr(t, logs)
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			return fmt.Errorf("serve did not return within 5 seconds of the signal")
		}
	}
	t.Cleanup(func() { _ = stop() })
	return &service{logs: logs, addr: addr, stop: stop}
}

func TestServeKeepsDataAcrossRestarts(t *testing.T) {
	forEachServeDB(t, func(t *testing.T, dbEnv []string) {
		env := append(dbEnv, "SWITCHBOARD_LISTEN=127.0.0.1:0", "SWITCHBOARD_LOG_FORMAT=json")
		first := startService(t, env)
		token := generatedToken(first.logs.String())
		if token == "" {
			t.Fatalf("first start printed no admin token:\n%s", first.logs)
		}
		for _, path := range []string{"/healthz", "/readyz"} {
			if code, body := get(t, "http://"+first.addr+path, ""); code != 200 {
				t.Errorf("GET %s = %d %s, want 200", path, code, body)
			}
		}
		if _, metrics := get(t, "http://"+first.addr+"/metrics", ""); !strings.Contains(metrics, "go_goroutines") || !strings.Contains(metrics, `switchboard_http_requests_total{method="GET",route="/readyz",status="200"}`) {
			t.Errorf("/metrics lacks Go runtime or HTTP request metrics:\n%s", metrics)
		}
		if code, _ := get(t, "http://"+first.addr+"/api/v1/me", token); code != 200 {
			t.Fatalf("the generated token is refused: %d", code)
		}
		if err := first.stop(); err != nil {
			t.Fatalf("stop: %v", err)
		}
		if strings.Count(first.logs.String(), token) != 1 {
			t.Errorf("the admin token appears more than once in the output")
		}

		second := startService(t, env)
		if again := generatedToken(second.logs.String()); again != "" {
			t.Errorf("second start generated another admin token")
		}
		if code, body := get(t, "http://"+second.addr+"/api/v1/me", token); code != 200 {
			t.Errorf("token from before the restart: %d %s, want 200", code, body)
		}
		if err := second.stop(); err != nil {
			t.Fatalf("stop: %v", err)
		}
	})
}

func TestServeCreatesTheDatabaseInTheWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	svc := startService(t, []string{"SWITCHBOARD_LISTEN=127.0.0.1:0", "SWITCHBOARD_LOG_FORMAT=json"})
	if code, _ := get(t, "http://"+svc.addr+"/readyz", ""); code != 200 {
		t.Errorf("/readyz = %d, want 200", code)
	}
	if err := svc.stop(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"switchboard.db", "switchboard.db.key"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s not created in the working directory: %v", name, err)
		}
	}
	info, err := os.Stat(filepath.Join(dir, "switchboard.db.key"))
	if err == nil && info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", info.Mode().Perm())
	}
}

func TestConfiguredAdminToken(t *testing.T) {
	const token = "configured-admin-token-0123456789"
	svc := startService(t, []string{
		"SWITCHBOARD_LISTEN=127.0.0.1:0", "SWITCHBOARD_LOG_FORMAT=json",
		"SWITCHBOARD_DATABASE_URL=" + filepath.Join(t.TempDir(), "sb.db"),
		"SWITCHBOARD_ADMIN_TOKEN=" + token,
	})
	if code, body := get(t, "http://"+svc.addr+"/api/v1/me", token); code != 200 || !strings.Contains(body, `"role":"admin"`) {
		t.Errorf("configured token: %d %s, want 200 as admin", code, body)
	}
	if generatedToken(svc.logs.String()) != "" {
		t.Error("a token was generated although SWITCHBOARD_ADMIN_TOKEN is set")
	}
	if strings.Contains(svc.logs.String(), token) {
		t.Error("the configured admin token appears in the logs")
	}
}

// TestInFlightRequestsFinishOnShutdown cancels the context (as SIGTERM does)
// while a slow request is being served.
func TestInFlightRequestsFinishOnShutdown(t *testing.T) {
	started := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(500 * time.Millisecond)
		_, _ = io.WriteString(w, "done")
	})
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	logs := &syncBuffer{}
	go func() { served <- serveHTTP(ctx, newTestLogger(logs), &http.Server{Handler: mux}, ln, 4*time.Second) }()

	type result struct {
		code int
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- result{code: resp.StatusCode, body: string(b)}
	}()
	<-started
	cancel()
	r := <-got
	if r.err != nil || r.code != 200 || r.body != "done" {
		t.Errorf("in-flight request = %d %q %v, want 200 done", r.code, r.body, r.err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("serveHTTP = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serveHTTP did not return within 5 seconds")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/slow"); err == nil {
		t.Error("the server still accepts connections after shutdown")
	}
}

// child starts the real program as a process.
func child(t *testing.T, env []string, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append([]string{"SWITCHBOARD_RUN_MAIN=1", "PATH=" + os.Getenv("PATH")}, env...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	return cmd, out
}

func TestSIGTERMExitsZeroWithinFiveSeconds(t *testing.T) {
	cmd, out := child(t, []string{"SWITCHBOARD_LISTEN=127.0.0.1:0", "SWITCHBOARD_LOG_FORMAT=json",
		"SWITCHBOARD_DATABASE_URL=" + filepath.Join(t.TempDir(), "sb.db")}, "serve")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := waitForAddr(t, out)
	if code, _ := get(t, "http://"+addr+"/healthz", ""); code != 200 {
		t.Fatalf("/healthz = %d", code)
	}
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v, want status 0; output:\n%s", err, out)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v to exit", d)
		}
	case <-time.After(6 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("still running 6 seconds after SIGTERM; output:\n%s", out)
	}
}

func TestBadConfigurationExitsWithOneClearLine(t *testing.T) {
	const secretValue = "zz" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"
	tests := []struct {
		name    string
		env     []string
		want    string
		secrets []string
	}{
		{name: "unparsable listen address", env: []string{"SWITCHBOARD_LISTEN=localhost"}, want: `SWITCHBOARD_LISTEN: "localhost" is not host:port`},
		{name: "port out of range", env: []string{"SWITCHBOARD_LISTEN=127.0.0.1:99999"}, want: "SWITCHBOARD_LISTEN: "},
		{name: "malformed secret key", env: []string{"SWITCHBOARD_SECRET_KEY=" + secretValue}, want: "SWITCHBOARD_SECRET_KEY: must be 64 hex characters", secrets: []string{secretValue}},
		{name: "short secret key", env: []string{"SWITCHBOARD_SECRET_KEY=abc123"}, want: "SWITCHBOARD_SECRET_KEY: must be 64 hex characters (32 bytes), got 6", secrets: []string{"abc123"}},
		{name: "postgres without a secret key", env: []string{"SWITCHBOARD_DATABASE_URL=postgres://app:pa55word@127.0.0.1:1/db"}, want: "SWITCHBOARD_SECRET_KEY: required with PostgreSQL", secrets: []string{"pa55word"}},
		{name: "unreachable PostgreSQL", env: []string{"SWITCHBOARD_DATABASE_URL=postgres://app:pa55word@127.0.0.1:1/db", "SWITCHBOARD_SECRET_KEY=" + strings.Repeat("cd", 32)},
			want: "connect to postgres database postgres://app:xxxxx@127.0.0.1:1/db", secrets: []string{"pa55word", strings.Repeat("cd", 32)}},
		{name: "unsupported database", env: []string{"SWITCHBOARD_DATABASE_URL=mysql://localhost/db"}, want: "SWITCHBOARD_DATABASE_URL: unsupported database"},
		{name: "bad log level", env: []string{"SWITCHBOARD_LOG_LEVEL=loud"}, want: `SWITCHBOARD_LOG_LEVEL: "loud" is not debug, info, warn or error`},
		{name: "bad log format", env: []string{"SWITCHBOARD_LOG_FORMAT=xml"}, want: "SWITCHBOARD_LOG_FORMAT"},
		{name: "bad duration", env: []string{"SWITCHBOARD_SHUTDOWN_TIMEOUT=soon"}, want: "SWITCHBOARD_SHUTDOWN_TIMEOUT: not a duration"},
		{name: "outbox lease not positive", env: []string{"SWITCHBOARD_OUTBOX_LEASE=0s"}, want: "SWITCHBOARD_OUTBOX_LEASE: must be positive"},
		{name: "bad number", env: []string{"SWITCHBOARD_MAX_BODY_BYTES=lots"}, want: "SWITCHBOARD_MAX_BODY_BYTES: not a whole number"},
		{name: "bad public URL", env: []string{"SWITCHBOARD_PUBLIC_URL=ftp://x"}, want: "SWITCHBOARD_PUBLIC_URL"},
		{name: "short admin token", env: []string{"SWITCHBOARD_ADMIN_TOKEN=hunter2"}, want: "SWITCHBOARD_ADMIN_TOKEN: too short", secrets: []string{"hunter2"}},
		{name: "bad trusted proxy", env: []string{"SWITCHBOARD_TRUSTED_PROXIES=10.0.0.0/8, proxy.example"}, want: `SWITCHBOARD_TRUSTED_PROXIES: "proxy.example" is not an IP address or CIDR range`},
		{name: "group commit batch of none", env: []string{"SWITCHBOARD_GROUP_COMMIT_MAX_BATCH=0"}, want: "SWITCHBOARD_GROUP_COMMIT_MAX_BATCH: 0 is not between 1 and 1000"},
		{name: "group commit wait too long", env: []string{"SWITCHBOARD_GROUP_COMMIT_MAX_WAIT=1s"}, want: "SWITCHBOARD_GROUP_COMMIT_MAX_WAIT: 1s is not between 0 and 50ms"},
		{name: "group commit groups", env: []string{"SWITCHBOARD_GROUP_COMMIT_GROUPS=65"}, want: "SWITCHBOARD_GROUP_COMMIT_GROUPS: 65 is not between 0 (the database's default) and 64"},
		{name: "bad profiler address", env: []string{"SWITCHBOARD_PPROF_LISTEN=6060"}, want: `SWITCHBOARD_PPROF_LISTEN: "6060" is not host:port`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := append([]string{"SWITCHBOARD_LOG_LEVEL=error", "SWITCHBOARD_DATABASE_URL=" + filepath.Join(t.TempDir(), "sb.db")}, tt.env...)
			cmd, out := child(t, env, "serve")
			err := cmd.Run()
			if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() == 0 {
				t.Fatalf("exit = %v, want a non-zero status; output:\n%s", err, out)
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(lines) != 1 {
				t.Errorf("output has %d lines, want one:\n%s", len(lines), out)
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("output %q lacks %q", out, tt.want)
			}
			for _, s := range tt.secrets {
				if strings.Contains(out.String(), s) {
					t.Errorf("output shows the secret %q: %s", s, out)
				}
			}
		})
	}
}

func TestMigrateCommands(t *testing.T) {
	forEachServeDB(t, func(t *testing.T, dbEnv []string) {
		env := append(dbEnv, "SWITCHBOARD_LOG_LEVEL=error")
		migrate := func(args ...string) string {
			t.Helper()
			var out bytes.Buffer
			if err := run(context.Background(), append([]string{"migrate"}, args...), env, &out, &out); err != nil {
				t.Fatalf("migrate %v: %v\n%s", args, err, out.String())
			}
			return out.String()
		}
		if out := migrate("status"); migrationState(out, "00001_foundation.sql") != "pending" {
			t.Errorf("status on an empty database:\n%s", out)
		}
		if out := migrate("up"); !strings.Contains(out, "up   00001 00001_foundation.sql") {
			t.Errorf("up:\n%s", out)
		}
		if out := migrate("status"); migrationState(out, "00001_foundation.sql") != "applied" {
			t.Errorf("status after up:\n%s", out)
		}
		if out := migrate("down"); !strings.HasPrefix(out, "down ") || strings.Count(out, "\n") != 1 {
			t.Errorf("down rolls back one migration; it printed:\n%s", out)
		}
		if out := migrate("status"); migrationState(out, "00001_foundation.sql") != "applied" || !strings.Contains(out, "pending") {
			t.Errorf("status after one down:\n%s", out)
		}
		if out := migrate("down", "--to", "0"); !strings.Contains(out, "down 00001 00001_foundation.sql") {
			t.Errorf("down --to 0:\n%s", out)
		}
		if out := migrate("status"); strings.Contains(out, "applied") {
			t.Errorf("status after down --to 0 still shows applied migrations:\n%s", out)
		}
		migrate("up")
		if out := migrate("up"); !strings.Contains(out, "nothing to do") {
			t.Errorf("second up:\n%s", out)
		}
	})
}

// migrationState reads the STATE column of a migration in `migrate status`.
func migrationState(out, name string) string {
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[1] == name {
			return f[2]
		}
	}
	return ""
}

func TestEveryCommandHasHelp(t *testing.T) {
	root := newRootCmd(nil, io.Discard, io.Discard)
	var walk func(path []string)
	walk = func(path []string) {
		var out bytes.Buffer
		if err := run(context.Background(), append(append([]string{}, path...), "--help"), nil, &out, &out); err != nil {
			t.Errorf("%v --help: %v", path, err)
		}
		if !strings.Contains(out.String(), "Usage:") {
			t.Errorf("%v --help prints no usage:\n%s", path, out.String())
		}
		cmd, _, err := root.Find(path)
		if err != nil {
			t.Fatalf("find %v: %v", path, err)
		}
		if cmd.Short == "" {
			t.Errorf("%v has no short description", path)
		}
		for _, sub := range cmd.Commands() {
			if sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			walk(append(append([]string{}, path...), sub.Name()))
		}
	}
	walk(nil)
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "switchboard ") {
		t.Errorf("version printed %q", out.String())
	}
}

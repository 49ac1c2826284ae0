package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestOperatorsView: /metrics tells which build runs and how the database
// pool fares; the profiler answers on its own address only when set, and
// never on the API's.
func TestOperatorsView(t *testing.T) {
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	pprofAddr := ln.Addr().String()
	_ = ln.Close()
	svc := startService(t, []string{"SWITCHBOARD_LISTEN=127.0.0.1:0", "SWITCHBOARD_LOG_FORMAT=json", "SWITCHBOARD_DATABASE_URL=" + t.TempDir() + "/sb.db",
		"SWITCHBOARD_PPROF_LISTEN=" + pprofAddr})
	get := func(url string) (int, string) {
		t.Helper()
		res, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	_, metrics := get("http://" + svc.addr + "/metrics")
	for _, want := range []string{`switchboard_build_info{go_version="go`, `go_sql_open_connections{db_name="sqlite"}`, "go_sql_wait_count_total"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if code, body := get("http://" + pprofAddr + "/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("the profiler answers %d: %.200s", code, body)
	}
	if code, _ := get("http://" + svc.addr + "/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("the API's address serves the profiler: %d", code)
	}
}

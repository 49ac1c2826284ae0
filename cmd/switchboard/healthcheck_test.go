package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestHealthcheck runs "switchboard healthcheck" against answers a probe
// meets: only a 200 is healthy, and without --url it asks /readyz at the
// port of SWITCHBOARD_LISTEN.
func TestHealthcheck(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("/down", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/readyz", http.StatusFound) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + closed.Addr().String() + "/readyz"
	_ = closed.Close()

	for _, tc := range []struct {
		name    string
		args    []string
		env     []string
		wantErr string // "" for healthy
	}{
		{name: "200 is healthy", args: []string{"--url", srv.URL + "/readyz"}},
		{name: "503 is not", args: []string{"--url", srv.URL + "/down"}, wantErr: "503 Service Unavailable"},
		{name: "a redirect is not followed", args: []string{"--url", srv.URL + "/moved"}, wantErr: "302 Found"},
		{name: "a refused connection", args: []string{"--url", refused}, wantErr: "connection refused"},
		{name: "a timeout", args: []string{"--url", srv.URL + "/slow", "--timeout", "100ms"}, wantErr: "deadline exceeded"},
		{name: "default URL from SWITCHBOARD_LISTEN", env: []string{"SWITCHBOARD_LISTEN=0.0.0.0:" + port}},
		{name: "bad SWITCHBOARD_LISTEN", env: []string{"SWITCHBOARD_LISTEN=nonsense"}, wantErr: "SWITCHBOARD_LISTEN"},
		{name: "bad timeout", args: []string{"--url", srv.URL + "/readyz", "--timeout", "0s"}, wantErr: "--timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), append([]string{"healthcheck"}, tc.args...), tc.env, &stdout, &stderr)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("healthcheck failed: %v", err)
				}
				if !strings.Contains(stdout.String(), "answered 200") {
					t.Errorf("stdout = %q, want it to say the URL answered 200", stdout.String())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestHealthcheckExitStatus runs the real binary (TestMain's re-exec): the
// exit status is what a container runtime reads.
func TestHealthcheckExitStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	for path, want := range map[string]int{"/readyz": 0, "/other": 1} {
		cmd, out := child(t, nil, "healthcheck", "--url", srv.URL+path)
		err := cmd.Run()
		var exit *exec.ExitError
		switch code := cmd.ProcessState.ExitCode(); {
		case err != nil && !errors.As(err, &exit):
			t.Fatalf("healthcheck --url %s: %v", path, err)
		case code != want:
			t.Errorf("healthcheck --url %s: exit status %d, want %d; output:\n%s", path, code, want, out)
		}
	}
}

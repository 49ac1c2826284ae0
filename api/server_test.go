package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

type testServer struct {
	*Server
	logs       *bytes.Buffer
	adminToken string
}

func newTestServer(t *testing.T, ready func(context.Context) error) *testServer {
	t.Helper()
	db := storagetest.SQLite(t)
	token, err := engine.EnsureAdminKey(context.Background(), db, engine.SystemClock{}, "")
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	s, err := New(Options{Logger: slog.New(slog.NewJSONHandler(logs, nil)), Keys: db, Ready: ready, MaxBodyBytes: 64, Version: "test",
		Service: engine.NewService(db, engine.ServiceOptions{})})
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{Server: s, logs: logs, adminToken: token}
}

func (ts *testServer) do(method, path, token string, body io.Reader) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	ts.ServeHTTP(rec, req)
	return rec
}

func decodeError(t *testing.T, rec *httptest.ResponseRecorder) errorPayload {
	t.Helper()
	var body errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body %q is not JSON: %v", rec.Body.String(), err)
	}
	if body.Error.Code == "" || body.Error.Message == "" || body.Error.Details == nil {
		t.Fatalf("error body %q lacks code, message or details", rec.Body.String())
	}
	return body.Error
}

func TestProbesAndErrors(t *testing.T) {
	down := func(context.Context) error { return errors.New("dial tcp: connection refused") }
	tests := []struct {
		name       string
		ready      func(context.Context) error
		method     string
		path       string
		token      string
		body       string
		wantStatus int
		wantCode   string
		wantBody   string
	}{
		{name: "healthz needs no token", method: "GET", path: "/healthz", wantStatus: 200, wantBody: `"status":"ok"`},
		{name: "readyz when the database answers", method: "GET", path: "/readyz", wantStatus: 200, wantBody: `"status":"ready"`},
		{name: "readyz when the database is down", ready: down, method: "GET", path: "/readyz", wantStatus: 503, wantCode: "unavailable"},
		{name: "unknown route", method: "GET", path: "/nope", wantStatus: 404, wantCode: "not_found"},
		{name: "wrong method", method: "DELETE", path: "/healthz", wantStatus: 405, wantCode: "method_not_allowed"},
		{name: "api without token", method: "GET", path: "/api/v1/me", wantStatus: 401, wantCode: "unauthenticated"},
		{name: "api with unknown token", method: "GET", path: "/api/v1/me", token: "sb_not-a-key", wantStatus: 401, wantCode: "unauthenticated"},
		{name: "api with admin token", method: "GET", path: "/api/v1/me", token: "ADMIN", wantStatus: 200, wantBody: `"role":"admin"`},
		{name: "declared body over the limit", method: "POST", path: "/api/v1/me", token: "ADMIN", body: strings.Repeat("x", 65), wantStatus: 413, wantCode: "too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, tt.ready)
			token := tt.token
			if token == "ADMIN" {
				token = ts.adminToken
			}
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			rec := ts.do(tt.method, tt.path, token, body)
			if rec.Code != tt.wantStatus {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, rec.Code, rec.Body, tt.wantStatus)
			}
			if tt.wantCode != "" {
				if got := decodeError(t, rec); got.Code != tt.wantCode {
					t.Errorf("error code = %q, want %q", got.Code, tt.wantCode)
				}
			}
			if tt.wantBody != "" && !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("body %s lacks %s", rec.Body, tt.wantBody)
			}
			if rec.Header().Get("X-Request-ID") == "" {
				t.Error("no X-Request-ID on the answer")
			}
		})
	}
}

func TestPanicIsA500WithoutItsText(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.router.GET("/boom", func(*gin.Context) { panic("secret-ish panic text") })
	rec := ts.do("GET", "/boom", "", nil)
	if rec.Code != 500 {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	e := decodeError(t, rec)
	if e.Code != "internal" || e.RequestID == "" {
		t.Errorf("error = %+v, want code internal with a request id", e)
	}
	if strings.Contains(rec.Body.String(), "secret-ish") {
		t.Errorf("answer leaks the panic text: %s", rec.Body)
	}
	if !strings.Contains(ts.logs.String(), "secret-ish panic text") || !strings.Contains(ts.logs.String(), e.RequestID) {
		t.Errorf("log lacks the panic and its request id: %s", ts.logs)
	}
}

func TestBodyOfUnknownLengthOverTheLimit(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.router.POST("/echo", func(c *gin.Context) {
		if _, err := io.ReadAll(c.Request.Body); err != nil {
			ts.writeError(c, err)
			return
		}
		c.Status(204)
	})
	req := httptest.NewRequest("POST", "/echo", io.MultiReader(strings.NewReader(strings.Repeat("x", 100))))
	req.ContentLength = -1
	rec := httptest.NewRecorder()
	ts.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d, want 413", rec.Code)
	}
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.do("GET", "/healthz", "", nil)
	ts.do("GET", "/no/such/path", "", nil)
	rec := ts.do("GET", "/metrics", "", nil)
	for _, want := range []string{
		`switchboard_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		`switchboard_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`switchboard_http_request_duration_seconds_bucket{method="GET",route="/healthz"`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestAccessLogHasNoSecrets(t *testing.T) {
	ts := newTestServer(t, nil)
	ts.do("GET", "/api/v1/me?oauth_verifier=v3rifier", ts.adminToken, nil)
	logs := ts.logs.String()
	if !strings.Contains(logs, `"path":"/api/v1/me"`) {
		t.Fatalf("no access log line for the request: %s", logs)
	}
	for _, secret := range []string{ts.adminToken, "v3rifier"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}

func TestMountsAreServedAndDocumented(t *testing.T) {
	db := storagetest.SQLite(t)
	hook := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hook:"+r.URL.Path)
	})
	s, err := New(Options{Keys: db, Service: engine.NewService(db, engine.ServiceOptions{}),
		Mounts: []Mount{{Method: "POST", Path: "/webhooks/twitter/:application_id", Summary: "webhook", Handler: hook, ContentType: "text/plain"}}})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("POST", "/webhooks/twitter/abc", strings.NewReader("{}")))
	if rec.Code != 200 || rec.Body.String() != "hook:/webhooks/twitter/abc" {
		t.Errorf("mounted handler answered %d %q", rec.Code, rec.Body)
	}
	if !strings.Contains(string(s.openAPI), `"/webhooks/twitter/{application_id}"`) {
		t.Error("the mounted route is not in the OpenAPI document")
	}
}

// TestClientAddress: the access log records the peer's address, and a
// client's X-Forwarded-For only when the peer is a trusted proxy.
func TestClientAddress(t *testing.T) {
	for _, tt := range []struct {
		name    string
		proxies []string
		want    string
	}{
		{"no proxy trusted (the default)", nil, "192.0.2.1"},
		{"the peer is a trusted proxy", []string{"192.0.2.0/24"}, "203.0.113.9"},
		{"another proxy is trusted", []string{"10.0.0.1"}, "192.0.2.1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := storagetest.SQLite(t)
			logs := &bytes.Buffer{}
			s, err := New(Options{Logger: slog.New(slog.NewJSONHandler(logs, nil)), Keys: db, Ready: db.Ping, Version: "test",
				Service: engine.NewService(db, engine.ServiceOptions{}), TrustedProxies: tt.proxies})
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("GET", "/healthz", nil)
			req.RemoteAddr = "192.0.2.1:40000"
			req.Header.Set("X-Forwarded-For", "203.0.113.9")
			s.ServeHTTP(httptest.NewRecorder(), req)
			var line struct {
				Remote string `json:"remote"`
			}
			if err := json.Unmarshal(bytes.TrimSpace(logs.Bytes()), &line); err != nil || line.Remote != tt.want {
				t.Errorf("the access log says remote %q (%v) in %s; want %q", line.Remote, err, logs, tt.want)
			}
		})
	}
	if _, err := New(Options{TrustedProxies: []string{"not-an-address"}}); err == nil || !strings.Contains(err.Error(), "trusted proxies") {
		t.Errorf("a bad proxy address gives %v; want an error naming the trusted proxies", err)
	}
}

package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// harness is an API server on a real database, whose every answer is
// checked against the OpenAPI document the server publishes.
type harness struct {
	t      *testing.T
	srv    *Server
	db     *storage.DB
	svc    *engine.Service
	acc    *twitter.Accounts
	admin  string // an admin token
	logs   *bytes.Buffer
	router routers.Router
}

func newHarness(t *testing.T, db *storage.DB) *harness {
	t.Helper()
	ctx := context.Background()
	admin, err := engine.EnsureAdminKey(ctx, db, engine.SystemClock{}, "")
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc := engine.NewService(db, engine.ServiceOptions{Logger: log, Channels: []engine.Channel{twitter.Channel, "webchat"},
		EndpointAuditNames: map[engine.Channel]string{twitter.Channel: twitter.HandleAuditName}})
	// Twitter is not reachable here: handles are added with tokens.
	acc := twitter.NewAccounts(svc, twitter.AccountsOptions{PublicURL: "https://switchboard.example", Logger: log})
	srv, err := New(Options{Logger: log, Keys: db, Service: svc, Twitter: twitter.NewAdmin(acc), Ready: db.Ping, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(srv.openAPI)
	if err != nil {
		t.Fatalf("load the served OpenAPI document: %v", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatalf("the served OpenAPI document is invalid: %v", err)
	}
	return &harness{t: t, srv: srv, db: db, svc: svc, acc: acc, admin: admin, logs: logs, router: router}
}

// forEachDB runs fn with a harness on SQLite and on PostgreSQL.
func forEachDB(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Helper()
	storagetest.ForEach(t, func(t *testing.T, db *storage.DB) { fn(t, newHarness(t, db)) })
}

// response is an answer of the API.
type response struct {
	Code int
	Body []byte
}

// decode unmarshals the body into v.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("answer %s is not the expected JSON: %v", r.Body, err)
	}
}

// errorCode returns the error code of an error answer.
func (r response) errorCode(t *testing.T) string {
	t.Helper()
	var e errorBody
	r.decode(t, &e)
	return e.Error.Code
}

// errorField returns the field named by the first detail of an error answer.
func (r response) errorField(t *testing.T) string {
	t.Helper()
	var e struct {
		Error struct {
			Details []struct {
				Field string `json:"field"`
			} `json:"details"`
		} `json:"error"`
	}
	r.decode(t, &e)
	if len(e.Error.Details) == 0 {
		return ""
	}
	return e.Error.Details[0].Field
}

// call sends a request (body: nil, a string of raw JSON, or a value to
// marshal) and checks the answer against the OpenAPI document.
func (h *harness) call(method, path, token string, body any) response {
	h.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			h.t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, req)
	res := response{Code: rec.Code, Body: rec.Body.Bytes()}
	h.validate(req, rec)
	return res
}

// validate checks an answer against the operation the document gives for
// its request: the body of a success must match its schema, and an error
// must have the error shape.
func (h *harness) validate(req *http.Request, rec *httptest.ResponseRecorder) {
	h.t.Helper()
	route, params, err := h.router.FindRoute(req)
	if err != nil {
		if rec.Code == http.StatusNotFound || rec.Code == http.StatusMethodNotAllowed {
			return // no such route, and the API said so
		}
		h.t.Errorf("%s %s answered %d but the OpenAPI document has no such operation: %v", req.Method, req.URL.Path, rec.Code, err)
		return
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if rec.Code < 300 && rec.Code != http.StatusNoContent {
		if _, ok := route.Operation.Responses.Map()[strconv.Itoa(rec.Code)]; !ok {
			h.t.Errorf("%s %s answered %d, which the OpenAPI document does not list", req.Method, req.URL.Path, rec.Code)
		}
	}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		return
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		h.t.Errorf("%s %s answer does not match the OpenAPI document: %v\n%s", req.Method, req.URL.Path, err, rec.Body.String())
	}
}

// key creates an API key with a role (and agent, for agent keys) and
// returns its token.
func (h *harness) key(role engine.Role, agentID engine.AgentID) string {
	h.t.Helper()
	token, err := engine.NewToken()
	if err != nil {
		h.t.Fatal(err)
	}
	now := engine.SystemClock{}.Now()
	k := engine.APIKey{ID: engine.APIKeyID(engine.NewID(now)), Name: string(role) + "-" + engine.NewID(now)[20:], Role: role, AgentID: agentID, TokenHash: engine.HashToken(token), CreatedAt: now}
	if err := h.db.CreateAPIKey(context.Background(), k); err != nil {
		h.t.Fatal(err)
	}
	return token
}

// create POSTs body to path as admin, requires 201 and returns the id.
func (h *harness) create(path string, body any) string {
	h.t.Helper()
	res := h.call("POST", path, h.admin, body)
	if res.Code != http.StatusCreated {
		h.t.Fatalf("POST %s = %d %s, want 201", path, res.Code, res.Body)
	}
	var out struct {
		ID string `json:"id"`
	}
	res.decode(h.t, &out)
	return out.ID
}

package api

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// TestOpenAPIMatchesRoutes walks gin's route table and the served document:
// every route must be documented and every documented operation must exist.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	h := newHarness(t, storagetest.SQLite(t))
	res := h.call("GET", "/openapi.json", "", nil)
	if res.Code != 200 {
		t.Fatalf("/openapi.json = %d", res.Code)
	}
	var doc struct {
		OpenAPI    string                                   `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage    `json:"paths"`
		Components struct{ SecuritySchemes map[string]any } `json:"components"`
	}
	res.decode(t, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	if _, ok := doc.Components.SecuritySchemes["bearerAuth"]; !ok {
		t.Error("no bearerAuth security scheme")
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := map[string]bool{}
	for _, r := range h.srv.Routes() {
		p, _ := openAPIPath(r.Path)
		key := r.Method + " " + p
		served[key] = true
		if !documented[key] {
			t.Errorf("route %s is not in the OpenAPI document", key)
		}
	}
	for key := range documented {
		if !served[key] {
			t.Errorf("the OpenAPI document lists %s, which is not a route", key)
		}
	}
	if len(served) < 10 {
		t.Errorf("only %d routes; the route table looks empty", len(served))
	}
}

// redoclyPath is Redocly CLI as .ci/run installs it from npm (.ci/openapi),
// seen from this package's directory.
var redoclyPath = filepath.Join("..", ".ci", "openapi", "node_modules", ".bin", "redocly")

// TestOpenAPILint lints the served document with Redocly CLI's recommended
// rules (.ci/openapi/redocly.yaml): any error or warning fails. Under CI a
// missing linter fails the test; elsewhere it is skipped, saying why.
func TestOpenAPILint(t *testing.T) {
	if _, err := os.Stat(redoclyPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the OpenAPI lint needs Redocly CLI (npm ci --prefix .ci/openapi): %v", err)
		}
		t.Skipf("Redocly CLI is not installed (npm ci --prefix .ci/openapi): %v", err)
	}
	h := newHarness(t, storagetest.SQLite(t))
	res := h.call("GET", "/openapi.json", "", nil)
	if res.Code != 200 {
		t.Fatalf("/openapi.json = %d", res.Code)
	}
	file := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(file, res.Body, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(redoclyPath, "lint", "--config", filepath.Join("..", ".ci", "openapi", "redocly.yaml"),
		"--max-problems", "1000", "--format", "json", file)
	// No telemetry: the lint must not depend on Redocly's servers.
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	var report struct {
		Totals   struct{ Errors, Warnings int }
		Problems []struct {
			RuleID   string `json:"ruleId"`
			Severity string
			Message  string
			Location []struct{ Pointer string }
		}
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("redocly lint did not answer its JSON report (%v, %v):\n%s\n%s", runErr, err, out, stderr.String())
	}
	for _, p := range report.Problems {
		where := ""
		if len(p.Location) > 0 {
			where = p.Location[0].Pointer
		}
		t.Errorf("redocly %s %s at %s: %s", p.Severity, p.RuleID, where, p.Message)
	}
	if runErr != nil && len(report.Problems) == 0 {
		t.Errorf("redocly lint failed: %v\n%s", runErr, stderr.String())
	}
	t.Logf("redocly lint: %d errors, %d warnings", report.Totals.Errors, report.Totals.Warnings)
}

// TestOpenAPIEnumsNameFields: every key of the enums and requiredInRequests
// tables names a field (or query parameter) of the full server, so renaming
// a field cannot silently drop what they say of it.
func TestOpenAPIEnumsNameFields(t *testing.T) {
	h := newHarness(t, storagetest.SQLite(t))
	_, unused, err := generateOpenAPI(h.srv.routes, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range unused {
		t.Errorf("%s names no field of a request or an answer", key)
	}
}

// TestOpenAPIContract checks what makes generated clients strongly typed:
// required answer fields, formats, enums that refuse other values, the
// security scheme and each operation's 4xx answers.
func TestOpenAPIContract(t *testing.T) {
	h := newHarness(t, storagetest.SQLite(t))
	doc, err := openapi3.NewLoader().LoadFromData(h.srv.openAPI)
	if err != nil {
		t.Fatal(err)
	}
	conv := doc.Components.Schemas["conversationResponse"].Value
	if !slices.Contains(conv.Required, "status") || !slices.Contains(conv.Required, "closed_at") {
		t.Errorf("conversationResponse requires %v, want status and closed_at among them", conv.Required)
	}
	if f := conv.Properties["created_at"].Value.Format; f != "date-time" {
		t.Errorf("created_at has format %q, want date-time", f)
	}
	if err := conv.Properties["status"].Value.VisitJSON(string(engine.StatusClosed)); err != nil {
		t.Errorf("status closed is refused: %v", err)
	}
	if err := conv.Properties["status"].Value.VisitJSON("bogus"); err == nil {
		t.Error("status bogus is accepted; the enum is missing")
	}
	if s := doc.Components.SecuritySchemes["bearerAuth"]; s == nil || s.Value.Type != "http" || s.Value.Scheme != "bearer" {
		t.Errorf("bearerAuth = %+v, want http bearer", s)
	}
	if len(doc.Security) != 1 || len(doc.Servers) == 0 {
		t.Errorf("security %v, servers %v: want bearerAuth for all and a server", doc.Security, doc.Servers)
	}
	statuses := func(method, path string) []string {
		op := doc.Paths.Find(path).GetOperation(method)
		var out []string
		for code := range op.Responses.Map() {
			out = append(out, code)
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		method, path string
		want         []string
	}{
		{"GET", "/healthz", []string{"200", "413", "default"}},
		{"GET", "/api/v1/queues", []string{"200", "400", "401", "403", "413", "default"}},
		{"DELETE", "/api/v1/queues/{id}", []string{"204", "400", "401", "403", "404", "409", "413", "default"}},
		{"PATCH", "/api/v1/workstreams/{id}/rules/{rule_id}", []string{"200", "400", "401", "403", "404", "409", "413", "422", "default"}},
		{"POST", "/api/v1/rules/conditions", []string{"200", "400", "401", "403", "409", "413", "422", "default"}},
	} {
		if got := statuses(tc.method, tc.path); !slices.Equal(got, tc.want) {
			t.Errorf("%s %s answers %v, want %v", tc.method, tc.path, got, tc.want)
		}
	}
	reply := doc.Paths.Find("/api/v1/conversations/{id}/messages").Post.RequestBody.Value
	if !reply.Required || !slices.Equal(reply.Content.Get("application/json").Schema.Value.Required, []string{"text"}) {
		t.Errorf("a reply's body: required %v, fields required %v; want both, text", reply.Required, reply.Content.Get("application/json").Schema.Value.Required)
	}
	if close := doc.Paths.Find("/api/v1/conversations/{id}/close").Post.RequestBody.Value; close.Required {
		t.Error("closing takes no body, but the document requires one")
	}
	list := doc.Paths.Find("/api/v1/conversations").Get
	if p := list.Parameters.GetByInAndName("query", "status"); p == nil || len(p.Schema.Value.Enum) != 6 {
		t.Errorf("the conversations' status parameter = %+v, want the six statuses", p)
	}
	if p := list.Parameters.GetByInAndName("query", "limit"); p == nil || !p.Schema.Value.Type.Is("integer") || *p.Schema.Value.Max != engine.MaxPageLimit {
		t.Errorf("the limit parameter = %+v, want an integer up to %d", p, engine.MaxPageLimit)
	}
	if op := doc.Paths.Find("/healthz").Get; op.Security == nil || len(*op.Security) != 0 {
		t.Errorf("/healthz security = %v, want [] (public)", op.Security)
	}
	if op := doc.Paths.Find("/api/v1/queues").Get; op.Security != nil {
		t.Errorf("/api/v1/queues security = %v, want the document's", op.Security)
	}
}

package api

import (
	"encoding/json"
	"strings"
	"testing"

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
	if _, ok := doc.Components.SecuritySchemes["bearer"]; !ok {
		t.Error("no bearer security scheme")
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

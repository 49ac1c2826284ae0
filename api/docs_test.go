package api

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// TestDocsPage: /docs needs no token and is a page that loads the embedded
// Redoc bundle, served from this binary, and points it at /openapi.json.
func TestDocsPage(t *testing.T) {
	h := newHarness(t, storagetest.SQLite(t))
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.srv.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d: %s", path, rec.Code, rec.Body.String())
		}
		return rec
	}
	page := get("/docs")
	if ct := page.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("/docs is %q, want text/html", ct)
	}
	body := page.Body.String()
	for _, want := range []string{`<script src="/docs/redoc.standalone.js">`, `spec-url="/openapi.json"`} {
		if !strings.Contains(body, want) {
			t.Errorf("/docs lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, "https://") || strings.Contains(body, "//cdn") {
		t.Errorf("/docs loads something from elsewhere:\n%s", body)
	}
	if csp := page.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("/docs policy = %q, want scripts from this origin only", csp)
	}
	js := get("/docs/redoc.standalone.js")
	if ct := js.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("the bundle is %q, want text/javascript", ct)
	}
	if !bytes.Equal(js.Body.Bytes(), redocJS) || !bytes.Contains(redocJS[:200], []byte("license")) || len(redocJS) < 500_000 {
		t.Errorf("the bundle served (%d bytes) is not the embedded Redoc with its license header", js.Body.Len())
	}
	get("/openapi.json")
}

// TestDocsBundleIsThePinnedRedoc: the vendored bundle is the one npm
// installs at the version .ci/openapi/package-lock.json pins (where it is
// installed: .ci/run does), so the pin and the file cannot drift apart.
func TestDocsBundleIsThePinnedRedoc(t *testing.T) {
	installed, err := os.ReadFile(filepath.Join("..", ".ci", "openapi", "node_modules", "redoc", "bundles", "redoc.standalone.js"))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redoc is not installed (npm ci --prefix .ci/openapi): %v", err)
		}
		t.Skipf("Redoc is not installed (npm ci --prefix .ci/openapi): %v", err)
	}
	if !bytes.Equal(installed, redocJS) {
		t.Error("api/docs/redoc.standalone.js differs from the pinned redoc package's bundle: copy it again from .ci/openapi/node_modules/redoc/bundles")
	}
}

package console

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// serve finds the mount of method and path and serves a request to it.
func serve(t *testing.T, path string) *http.Response {
	t.Helper()
	mounts, err := Mounts()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mounts {
		if m.Method == "GET" && (m.Path == path || strings.HasSuffix(m.Path, "*file") && strings.HasPrefix(path, strings.TrimSuffix(m.Path, "*file"))) {
			rec := httptest.NewRecorder()
			m.Handler.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			return rec.Result()
		}
	}
	t.Fatalf("no mount serves %s", path)
	return nil
}

func TestTheConsoleIsServed(t *testing.T) {
	for _, tc := range []struct {
		path, status, contentType, body string
	}{
		{"/", "200 OK", "text/html; charset=utf-8", `<script type="module" src="/console/app.js">`},
		{"/console/app.js", "200 OK", "text/javascript; charset=utf-8", "signInPage"},
		{"/console/style.css", "200 OK", "text/css; charset=utf-8", ".inbox"},
		{"/console/missing.js", "404 Not Found", "text/plain; charset=utf-8", "not found"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res := serve(t, tc.path)
			body, _ := io.ReadAll(res.Body)
			if res.Status != tc.status || res.Header.Get("Content-Type") != tc.contentType || !strings.Contains(string(body), tc.body) {
				t.Errorf("GET %s = %s %q, body %.80q; want %s %q with %q", tc.path, res.Status, res.Header.Get("Content-Type"), body, tc.status, tc.contentType, tc.body)
			}
		})
	}
}

// TestEveryImportedModuleExists: a module that imports a missing file
// stops the whole console in the browser.
func TestEveryImportedModuleExists(t *testing.T) {
	entries, err := static.ReadDir("static")
	if err != nil {
		t.Fatal(err)
	}
	imports := regexp.MustCompile(`from '\./([^']+)'`)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".js") {
			continue
		}
		src, err := static.ReadFile("static/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range imports.FindAllStringSubmatch(string(src), -1) {
			if res := serve(t, AssetPrefix+m[1]); res.StatusCode != http.StatusOK {
				t.Errorf("%s imports ./%s, which answers %s", e.Name(), m[1], res.Status)
			}
		}
	}
}

// TestThePageKeepsTheKeyOutOfURLs: the key is sent only in the
// Authorization header, never as a query parameter.
func TestThePageKeepsTheKeyOutOfURLs(t *testing.T) {
	entries, _ := static.ReadDir("static")
	for _, e := range entries {
		src, _ := static.ReadFile("static/" + e.Name())
		if regexp.MustCompile(`[?&](token|access_token|api_key)=`).Match(src) {
			t.Errorf("%s puts a key in a URL", e.Name())
		}
	}
}

// Package console serves Switchboard's browser console: an agent inbox, an
// analyst rule workbench and admin pages, as plain JavaScript modules and
// CSS embedded in the binary. The console holds no server-side logic of its
// own: the page signs in with an API key and calls only the public /api/v1
// API, so whatever the console does, an API client can do too.
package console

import (
	"embed"
	"fmt"
	"io/fs"
	"net/http"

	"github.com/switchboardhq/switchboard/api"
)

// AssetPrefix is the path under which the console's scripts and styles are
// served.
const AssetPrefix = "/console/"

//go:embed static
var static embed.FS

// Mounts are the console's endpoints for api.Options.Mounts: the page at /
// and its assets under AssetPrefix.
func Mounts() ([]api.Mount, error) {
	assets, err := fs.Sub(static, "static")
	if err != nil {
		return nil, fmt.Errorf("console assets: %w", err)
	}
	index, err := fs.ReadFile(assets, "index.html")
	if err != nil {
		return nil, fmt.Errorf("console page: %w", err)
	}
	files := http.StripPrefix(AssetPrefix, noCache(http.FileServerFS(assets)))
	return []api.Mount{
		{Method: "GET", Path: "/", Summary: "The browser console (sign in with an API key)", Tag: "console", Handler: page(index), ContentType: "text/html"},
		{Method: "GET", Path: AssetPrefix + "*file", Summary: "The console's scripts and styles", Tag: "console", Handler: files, ContentType: "text/plain"},
	}, nil
}

// page serves the console's single HTML page.
func page(body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; connect-src 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		_, _ = w.Write(body)
	})
}

// noCache makes browsers revalidate the assets, so that a new binary's
// console is what they run.
func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		h.ServeHTTP(w, r)
	})
}

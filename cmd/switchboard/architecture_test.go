package main

import (
	"go/parser"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/switchboardhq/switchboard"

// mayImport lists, for each top-level folder, the folders its code may
// import (DESIGN.md's arrows; a folder may always import itself). cmd wires
// everything; the core (engine → rules → dsl) looks only inward.
var mayImport = map[string][]string{
	"cmd":      {"api", "adapters", "storage", "engine", "rules", "dsl"},
	"api":      {"engine", "rules", "dsl"},
	"adapters": {"engine"},
	"storage":  {"engine"}, // a rule's conditions are stored as the engine's type
	"engine":   {"rules", "dsl"},
	"rules":    {"dsl"},
	"dsl":      {},
}

// coreForbidden are the imports that would tie the domain core to a
// transport, a driver or an SDK.
var coreForbidden = []string{"github.com/gin-gonic/", "gorm.io/", "github.com/dghubble/oauth1", "github.com/robfig/cron", "net/http"}

// checkImport reports why the package in folder dir (relative to the module
// root) may not import path, or "" when it may.
func checkImport(dir, path string) string {
	area, _, _ := strings.Cut(dir, "/")
	if area == "engine" || area == "rules" || area == "dsl" {
		for _, f := range coreForbidden {
			if path == strings.TrimSuffix(f, "/") || strings.HasPrefix(path, f) || strings.HasPrefix(path, f+"/") {
				return dir + " is part of the core and may not import " + path
			}
		}
	}
	rel, ok := strings.CutPrefix(path, module+"/")
	if !ok {
		return ""
	}
	target, _, _ := strings.Cut(rel, "/")
	if target == area {
		return ""
	}
	allowed, known := mayImport[area]
	if !known {
		return dir + " is not a folder of DESIGN.md's layout"
	}
	for _, a := range allowed {
		if a == target {
			return ""
		}
	}
	return dir + " may not import " + path + " (imports point " + area + " → " + strings.Join(allowed, ", ") + ")"
}

func TestCheckImport(t *testing.T) {
	tests := []struct {
		dir, path string
		allowed   bool
	}{
		{"engine", "github.com/gin-gonic/gin", false},
		{"engine", "gorm.io/gorm", false},
		{"engine", "net/http", false},
		{"engine", "net/http/httptest", false},
		{"rules", "github.com/robfig/cron/v3", false},
		{"dsl", "github.com/dghubble/oauth1", false},
		{"dsl", "gorm.io/driver/postgres", false},
		{"engine", module + "/storage", false},
		{"engine", module + "/api", false},
		{"engine", module + "/adapters/twitter", false},
		{"rules", module + "/engine", false},
		{"dsl", module + "/rules", false},
		{"api", module + "/storage", false},
		{"api", module + "/adapters/twitter", false},
		{"storage", module + "/api", false},
		{"storage", module + "/dsl", false},
		{"storage", module + "/rules", false},
		{"adapters/twitter", module + "/storage", false},
		{"adapters/twitter", module + "/api", false},
		{"cmd/switchboard", module + "/storage", true},
		{"cmd/switchboard", module + "/adapters/twitter", true},
		{"api", module + "/engine", true},
		{"api", "github.com/gin-gonic/gin", true},
		{"storage", "gorm.io/gorm", true},
		{"storage/storagetest", module + "/storage", true},
		{"engine", module + "/rules", true},
		{"engine", "net", true},
		{"engine", "time", true},
		{"rules", module + "/dsl", true},
		{"adapters/twitter", module + "/engine", true},
		{"adapters/twitter", "net/http", true},
	}
	for _, tt := range tests {
		why := checkImport(tt.dir, tt.path)
		if (why == "") != tt.allowed {
			t.Errorf("checkImport(%q, %q) = %q, want allowed=%v", tt.dir, tt.path, why, tt.allowed)
		}
	}
}

// TestImportDirections scans every non-test Go file of the module, and
// checks that every package has a doc comment. Test
// files may wire real dependencies (a test of api runs on a real database),
// as main does.
func TestImportDirections(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	documented := map[string]bool{} // package folder → has a package doc comment
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		dir := filepath.ToSlash(filepath.Dir(rel))
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		files++
		if _, seen := documented[dir]; !seen {
			documented[dir] = false
		}
		if f.Doc != nil && strings.HasPrefix(f.Doc.Text(), "Package "+f.Name.Name+" ") || f.Name.Name == "main" && f.Doc != nil {
			documented[dir] = true
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if why := checkImport(dir, p); why != "" {
				t.Errorf("%s: %s", rel, why)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 10 {
		t.Fatalf("scanned only %d files; is the module root %s?", files, root)
	}
	for dir, ok := range documented {
		if !ok {
			t.Errorf("package in %s has no package doc comment (\"// Package name ...\")", dir)
		}
	}
}

// TestEngineNamesNoChannel reads the engine's code, tests included, token by
// token: no identifier or string names Twitter (comments may, as an example
// of a channel). The engine knows channels by the names their adapters give.
func TestEngineNamesNoChannel(t *testing.T) {
	paths, err := filepath.Glob("../../engine/*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		var s scanner.Scanner
		s.Init(fset.AddFile(path, -1, len(src)), src, nil, 0) // comments are skipped
		for {
			pos, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			if (tok == token.IDENT || tok == token.STRING) && strings.Contains(strings.ToLower(lit), "twitter") {
				t.Errorf("%s: %s names Twitter: the engine knows channels, not Twitter (move it to adapters/twitter, or name the concept neutrally)", fset.Position(pos), lit)
			}
		}
	}
	if len(paths) < 20 {
		t.Fatalf("read only %d files of the engine; is it at ../../engine?", len(paths))
	}
}

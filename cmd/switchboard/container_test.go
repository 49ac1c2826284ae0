package main

// The container files (.ci/container) are checked twice: statically on every
// run, since most machines running the tests have no Docker engine, and for
// real, image built and compose stack up, where one answers.

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/switchboardhq/switchboard/storage"
)

// containerDir is .ci/container from this package's folder.
func containerDir() string { return filepath.Join("..", "..", ".ci", "container") }

// composeFile is the part of compose.yaml the checks read.
type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image string `yaml:"image"`
	Build *struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Command     []string          `yaml:"command"`
	Restart     string            `yaml:"restart"`
	Environment map[string]string `yaml:"environment"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test    []string `yaml:"test"`
		Disable bool     `yaml:"disable"`
	} `yaml:"healthcheck"`
	Ports   []string `yaml:"ports"`
	Volumes []string `yaml:"volumes"`
}

// configVariables are the variables the configuration reads: the env tags
// of config's fields.
func configVariables() map[string]bool {
	vars := map[string]bool{}
	t := reflect.TypeFor[config]()
	for i := range t.NumField() {
		if name := t.Field(i).Tag.Get("env"); name != "" {
			vars[name] = true
		}
	}
	return vars
}

// interpolationPattern matches compose's ${NAME}, ${NAME:-default} and
// ${NAME:?error} forms.
func interpolationPattern() *regexp.Regexp {
	return regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-?])([^}]*))?\}`)
}

// interpolate substitutes values for compose's variables as compose would:
// a set value, else the default; a required variable unset is an error.
func interpolate(t *testing.T, s string, values map[string]string) string {
	t.Helper()
	interpolation := interpolationPattern()
	return interpolation.ReplaceAllStringFunc(s, func(m string) string {
		g := interpolation.FindStringSubmatch(m)
		if v, ok := values[g[1]]; ok && v != "" {
			return v
		}
		if g[2] == "?" {
			t.Errorf("compose.yaml requires %s, which the check did not set", g[1])
		}
		return g[3]
	})
}

// TestContainerFiles checks the Dockerfile and compose.yaml without Docker:
// the services and their order of start, health checks, the variables
// against the configuration's, and a non-root final image.
func TestContainerFiles(t *testing.T) {
	dir := containerDir()
	raw, err := os.ReadFile(filepath.Join(dir, "compose.yaml"))
	if err != nil {
		t.Fatalf("read compose.yaml: %v", err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(raw, &cf); err != nil {
		t.Fatalf("parse compose.yaml: %v", err)
	}
	replicas := []string{"switchboard-1", "switchboard-2"}
	for _, name := range append([]string{"postgres", "migrate", "proxy"}, replicas...) {
		if _, ok := cf.Services[name]; !ok {
			t.Fatalf("compose.yaml has no service %q (services: %v)", name, slices.Sorted(maps.Keys(cf.Services)))
		}
	}

	t.Run("start order", func(t *testing.T) {
		if got := cf.Services["migrate"].Command; !slices.Equal(got, []string{"migrate", "up"}) {
			t.Errorf("migrate's command = %q, want [migrate up]", got)
		}
		if r := cf.Services["migrate"].Restart; r != "no" {
			t.Errorf("migrate's restart = %q, want \"no\": it runs once", r)
		}
		if c := cf.Services["migrate"].DependsOn["postgres"].Condition; c != "service_healthy" {
			t.Errorf("migrate depends on postgres with condition %q, want service_healthy", c)
		}
		for _, r := range replicas {
			s := cf.Services[r]
			if !slices.Equal(s.Command, []string{"serve"}) {
				t.Errorf("%s's command = %q, want [serve]", r, s.Command)
			}
			if c := s.DependsOn["migrate"].Condition; c != "service_completed_successfully" {
				t.Errorf("%s depends on migrate with condition %q, want service_completed_successfully", r, c)
			}
			if c := s.DependsOn["postgres"].Condition; c != "service_healthy" {
				t.Errorf("%s depends on postgres with condition %q, want service_healthy", r, c)
			}
			if c := cf.Services["proxy"].DependsOn[r].Condition; c != "service_healthy" {
				t.Errorf("proxy depends on %s with condition %q, want service_healthy", r, c)
			}
		}
	})

	t.Run("health checks", func(t *testing.T) {
		for name, s := range cf.Services {
			if name == "migrate" {
				continue // one-shot
			}
			if s.Healthcheck == nil || s.Healthcheck.Disable || len(s.Healthcheck.Test) < 2 {
				t.Errorf("long-running service %s has no health check", name)
			}
		}
		if hc := cf.Services["postgres"].Healthcheck; hc == nil || !slices.Contains(hc.Test, "pg_isready") {
			t.Errorf("postgres's health check is not pg_isready: %+v", hc)
		}
		root := newRootCmd(nil, nil, nil)
		for _, r := range replicas {
			hc := cf.Services[r].Healthcheck
			if hc == nil || !slices.Equal(hc.Test, []string{"CMD", "/usr/local/bin/switchboard", "healthcheck"}) {
				t.Errorf("%s's health check is not the binary's healthcheck subcommand: %+v", r, hc)
			}
		}
		if c, _, err := root.Find([]string{"healthcheck"}); err != nil || c.Name() != "healthcheck" {
			t.Errorf("the binary has no healthcheck subcommand for the health checks: %v", err)
		}
	})

	t.Run("variables are the configuration's", func(t *testing.T) {
		known := configVariables()
		for name, s := range cf.Services {
			if s.Image != cf.Services["migrate"].Image {
				continue // PostgreSQL's and nginx's own variables
			}
			for v := range s.Environment {
				if !known[v] {
					t.Errorf("%s sets %s, which the configuration does not read", name, v)
				}
			}
		}
		for _, m := range interpolationPattern().FindAllStringSubmatch(string(raw), -1) {
			if strings.HasPrefix(m[1], "SWITCHBOARD_") && !known[m[1]] {
				t.Errorf("compose.yaml reads %s, which is no configuration variable", m[1])
			}
		}
	})

	t.Run("replicas' configuration is valid", func(t *testing.T) {
		values := map[string]string{"SWITCHBOARD_SECRET_KEY": strings.Repeat("ab", 32)}
		pg := cf.Services["postgres"].Environment
		for _, name := range append([]string{"migrate"}, replicas...) {
			envs := map[string]string{}
			for k, v := range cf.Services[name].Environment {
				envs[k] = interpolate(t, v, values)
			}
			cfg, err := loadConfig(envs)
			if err != nil {
				t.Fatalf("%s's environment: %v", name, err)
			}
			if err := cfg.validate(); err != nil {
				t.Fatalf("%s's environment does not validate: %v", name, err)
			}
			if cfg.database.Dialect != storage.Postgres {
				t.Errorf("%s's database is %s, want PostgreSQL", name, cfg.database.Dialect)
			}
			u, err := url.Parse(cfg.DatabaseURL)
			if err != nil {
				t.Fatal(err)
			}
			pw, _ := u.User.Password()
			if u.Host != "postgres:5432" || u.User.Username() != pg["POSTGRES_USER"] || pw != interpolate(t, pg["POSTGRES_PASSWORD"], values) ||
				strings.TrimPrefix(u.Path, "/") != pg["POSTGRES_DB"] {
				t.Errorf("%s's database URL %s does not match the postgres service's user, password and database", name, cfg.database.Redacted)
			}
			if name == "migrate" {
				continue
			}
			if _, _, err := resolveSecretKey(&cfg); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			if _, port, _ := net.SplitHostPort(cfg.Listen); port != "8080" {
				t.Errorf("%s listens on %q; the proxy's upstream and the health check expect port 8080", name, cfg.Listen)
			}
		}
	})

	t.Run("proxy", func(t *testing.T) {
		p := cf.Services["proxy"]
		if len(p.Ports) != 1 || !strings.HasSuffix(p.Ports[0], ":8080") {
			t.Errorf("proxy publishes %q, want one port mapped to its 8080", p.Ports)
		}
		conf, err := os.ReadFile(filepath.Join(dir, "nginx.conf"))
		if err != nil {
			t.Fatalf("read nginx.conf: %v", err)
		}
		if !slices.ContainsFunc(p.Volumes, func(v string) bool { return strings.HasPrefix(v, "./nginx.conf:") }) {
			t.Errorf("proxy does not mount ./nginx.conf: %q", p.Volumes)
		}
		for _, want := range []string{"listen 8080;", "server switchboard-1:8080", "server switchboard-2:8080", "proxy_pass http://switchboard;", "proxy_buffering off;"} {
			if !strings.Contains(string(conf), want) {
				t.Errorf("nginx.conf lacks %q", want)
			}
		}
	})

	t.Run("build", func(t *testing.T) {
		for name, s := range cf.Services {
			if s.Build == nil {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, s.Build.Context, "go.mod")); err != nil {
				t.Errorf("%s's build context %s is not the repository's root: %v", name, s.Build.Context, err)
			}
			if _, err := os.Stat(filepath.Join(dir, s.Build.Context, s.Build.Dockerfile)); err != nil {
				t.Errorf("%s's Dockerfile: %v", name, err)
			}
		}
	})

	t.Run("Dockerfile", func(t *testing.T) { checkDockerfile(t, dir) })
}

// checkDockerfile reads the Dockerfile's stages: a cgo-free, trimmed build on
// golang:1.26 and a final distroless stage that runs as a non-root user.
func checkDockerfile(t *testing.T, dir string) {
	raw, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	if err != nil {
		t.Fatalf("read Dockerfile: %v", err)
	}
	// Instructions, with continuation lines joined, per stage.
	var stages [][]string
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if s, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(line)
		ins := cur.String()
		cur.Reset()
		if strings.HasPrefix(strings.ToUpper(ins), "FROM ") {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			t.Fatalf("Dockerfile: %q before the first FROM", ins)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], ins)
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stage(s), want a build stage and a final one", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]
	if !strings.HasPrefix(build[0], "FROM golang:1.26 ") {
		t.Errorf("build stage is %q, want FROM golang:1.26", build[0])
	}
	if !slices.ContainsFunc(build, func(s string) bool {
		return strings.HasPrefix(s, "RUN ") && strings.Contains(s, "CGO_ENABLED=0") && strings.Contains(s, "-trimpath") && strings.Contains(s, "./cmd/switchboard")
	}) {
		t.Error("no build step runs go build of ./cmd/switchboard with CGO_ENABLED=0 and -trimpath")
	}
	if !strings.HasPrefix(final[0], "FROM gcr.io/distroless/static") || !strings.HasSuffix(final[0], ":nonroot") {
		t.Errorf("final stage is %q, want a static distroless :nonroot image", final[0])
	}
	var user string
	for _, ins := range final {
		if u, ok := strings.CutPrefix(ins, "USER "); ok {
			user = strings.TrimSpace(u)
		}
	}
	if name, _, _ := strings.Cut(user, ":"); name == "" || name == "root" || name == "0" {
		t.Errorf("final stage's USER is %q, want a non-root user", user)
	}
	for _, want := range []string{`ENTRYPOINT ["/usr/local/bin/switchboard"]`, `CMD ["serve"]`, `CMD ["/usr/local/bin/switchboard", "healthcheck"]`} {
		if !slices.ContainsFunc(final, func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("final stage lacks %s", want)
		}
	}

	ignore, err := os.ReadFile(filepath.Join(dir, "Dockerfile.dockerignore"))
	if err != nil {
		t.Fatalf("read Dockerfile.dockerignore: %v", err)
	}
	lines := strings.Split(string(ignore), "\n")
	for _, want := range []string{".git", ".ci/artifacts", "node_modules"} {
		if !slices.Contains(lines, want) {
			t.Errorf("Dockerfile.dockerignore does not exclude %s", want)
		}
	}
}

// TestContainerCompose builds the image and runs compose.yaml where a Docker
// engine answers: PostgreSQL, the migrations, two replicas and the proxy,
// then the console and the API through the proxy's published port. The
// demo's traffic needs its in-process fake Twitter server, which the
// containers cannot reach, so the API is driven directly instead.
func TestContainerCompose(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: building the image and starting the compose stack takes minutes")
	}
	probe := func(args ...string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, firstLine(out))
		}
		return nil
	}
	if err := probe("info", "--format", "{{.ServerVersion}}"); err != nil {
		t.Skipf("skipped: Docker's engine is unavailable (%v), so the image was not built and compose.yaml was not run; only TestContainerFiles' static checks ran", err)
	}
	if err := probe("compose", "version"); err != nil {
		t.Skipf("skipped: the docker compose plugin is unavailable (%v), so the image was not built and compose.yaml was not run; only TestContainerFiles' static checks ran", err)
	}

	file, err := filepath.Abs(filepath.Join(containerDir(), "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	base := "http://127.0.0.1:" + port
	admin := "container-" + randomHex(t, 16)
	project := "switchboard-test-" + randomHex(t, 4)
	env := append(os.Environ(),
		"SWITCHBOARD_SECRET_KEY="+randomHex(t, 32),
		"SWITCHBOARD_ADMIN_TOKEN="+admin,
		"SWITCHBOARD_PUBLIC_URL="+base,
		"PROXY_PORT="+port,
	)
	compose := func(timeout time.Duration, args ...string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "docker", append([]string{"compose", "-f", file, "-p", project}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			return out, fmt.Errorf("docker compose %s: %w", strings.Join(args, " "), err)
		}
		return out, nil
	}
	t.Cleanup(func() {
		if t.Failed() {
			if out, err := compose(time.Minute, "logs", "--no-color"); err == nil {
				t.Logf("the stack's logs:\n%s", out)
			}
		}
		if out, err := compose(3*time.Minute, "down", "--volumes", "--remove-orphans"); err != nil {
			t.Errorf("tear down: %v\n%s", err, out)
		}
	})
	if out, err := compose(20*time.Minute, "up", "--detach", "--build"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}

	api := &demoClient{base: base, http: &http.Client{Timeout: 10 * time.Second}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := waitHTTP200(ctx, api.http, base+"/readyz", 3*time.Minute); err != nil {
		t.Fatalf("the proxy's /readyz: %v", err)
	}

	for _, path := range []string{"/", "/healthz", "/openapi.json"} {
		if err := api.visit(ctx, base+path); err != nil {
			t.Errorf("through the proxy: %v", err)
		}
	}
	if err := api.do(ctx, "GET", "/me", "", nil, nil); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("GET /api/v1/me without a token: %v, want 401", err)
	}
	var me struct {
		Role string `json:"role"`
	}
	if err := api.do(ctx, "GET", "/me", admin, nil, &me); err != nil || me.Role != "admin" {
		t.Fatalf("GET /api/v1/me with the admin token: role %q, %v", me.Role, err)
	}
	type queueID struct {
		ID string `json:"id"`
	}
	var queue queueID
	if err := api.do(ctx, "POST", "/queues", admin, map[string]any{"name": "Container check"}, &queue); err != nil {
		t.Fatalf("create a queue: %v", err)
	}
	// The proxy spreads these over both replicas: each must see the queue
	// the other may have written, as both share PostgreSQL.
	for i := range 6 {
		var list struct {
			Items []queueID `json:"items"`
		}
		if err := api.do(ctx, "GET", "/queues", admin, nil, &list); err != nil {
			t.Fatalf("list queues (%d): %v", i, err)
		}
		if !slices.Contains(list.Items, queue) {
			t.Fatalf("list queues (%d) lacks the queue just created", i)
		}
	}
	for _, r := range []string{"switchboard-1", "switchboard-2"} {
		if out, err := compose(time.Minute, "exec", "-T", r, "/usr/local/bin/switchboard", "healthcheck"); err != nil {
			t.Errorf("%s's healthcheck inside its container: %v\n%s", r, err, out)
		}
	}
	ictx, icancel := context.WithTimeout(context.Background(), time.Minute)
	defer icancel()
	user, err := exec.CommandContext(ictx, "docker", "image", "inspect", "--format", "{{.Config.User}}", "switchboard:local").Output()
	if err != nil {
		t.Errorf("inspect the image: %v", err)
	} else if u, _, _ := strings.Cut(strings.TrimSpace(string(user)), ":"); u == "" || u == "root" || u == "0" {
		t.Errorf("the image runs as %q, want a non-root user", user)
	}
}

// waitHTTP200 polls url until it answers 200, ctx is done or wait passes.
func waitHTTP200(ctx context.Context, client *http.Client, url string, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("GET %s: %w", url, err)
		}
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET %s: %s", url, res.Status)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("not 200 within %s: %w", wait, last)
		case <-time.After(time.Second):
		}
	}
}

// freePort is a TCP port free on this machine a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return port
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return line
}

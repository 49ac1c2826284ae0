package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/switchboardhq/switchboard/engine"
)

// DefaultMaxBodyBytes is the request body limit when Options leaves it zero.
const DefaultMaxBodyBytes = 1 << 20

// Options are the dependencies of the HTTP server; main wires them.
type Options struct {
	Logger *slog.Logger
	// Keys authenticates bearer tokens.
	Keys engine.KeyStore
	// Ready reports whether the service can serve (the database answers).
	Ready func(ctx context.Context) error
	// Registry receives the HTTP metrics and is served at /metrics.
	Registry *prometheus.Registry
	// MaxBodyBytes limits request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Version is reported by /healthz and the OpenAPI document.
	Version string
	// Service is the engine the handlers call.
	Service *engine.Service
	// Twitter administers the Twitter channel (adapters/twitter's Admin);
	// nil serves no /twitter routes.
	Twitter TwitterAdmin
	// Heartbeat is the idle interval of notification streams; 0 means 15s.
	Heartbeat time.Duration
	// StreamPoll is how often a notification stream reads its agent's
	// notifications without being woken, as a safety net for those it was
	// not woken for; 0 means 1s.
	StreamPoll time.Duration
	// TrustedProxies are the addresses or CIDR ranges of reverse proxies
	// whose X-Forwarded-For names the client; none by default, so that a
	// client cannot choose the address the logs record.
	TrustedProxies []string
	// Mounts are endpoints served by other packages (the Twitter webhook,
	// the sign-on callback page), wired in by main. They need no token; they
	// check their callers themselves.
	Mounts []Mount
}

// Mount is a plain net/http endpoint served under the router, with the
// middleware every request passes, and listed in the OpenAPI document.
type Mount struct {
	Method  string
	Path    string // gin syntax, e.g. /webhooks/twitter/:application_id
	Summary string
	Tag     string
	Handler http.Handler
	// ContentType of the success answer (default application/json).
	ContentType string
	// MaxBodyBytes, when set, is the endpoint's own limit on request
	// bodies in place of Options.MaxBodyBytes: a webhook takes what its
	// sender sends, which the server-wide limit must not cut short.
	MaxBodyBytes int64
}

// Server is Switchboard's HTTP handler.
type Server struct {
	router  *gin.Engine
	log     *slog.Logger
	keys    engine.KeyStore
	svc     *engine.Service
	twitter TwitterAdmin
	ready   func(ctx context.Context) error
	version string
	routes  []route // every registered endpoint, for the OpenAPI document
	openAPI []byte
	// heartbeat is the idle interval of notification streams; draining
	// closes when the server shuts down, ending them.
	heartbeat  time.Duration
	streamPoll time.Duration
	draining   chan struct{}
	drainOnce  sync.Once
}

// Drain ends the long-lived notification streams, so that a graceful
// shutdown does not wait for them. Register it with http.Server's
// RegisterOnShutdown.
func (s *Server) Drain() { s.drainOnce.Do(func() { close(s.draining) }) }

// New builds the router with its middleware and routes.
func New(opts Options) (*Server, error) {
	// gin keeps its mode in a package variable; release mode stops it from
	// printing debug banners to stdout.
	gin.SetMode(gin.ReleaseMode)
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Registry == nil {
		opts.Registry = prometheus.NewRegistry()
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = defaultHeartbeat
	}
	if opts.StreamPoll <= 0 {
		opts.StreamPoll = defaultStreamPoll
	}
	s := &Server{router: gin.New(), log: opts.Logger, keys: opts.Keys, svc: opts.Service, twitter: opts.Twitter, ready: opts.Ready, version: opts.Version,
		heartbeat: opts.Heartbeat, streamPoll: opts.StreamPoll, draining: make(chan struct{})}
	r := s.router
	if err := r.SetTrustedProxies(opts.TrustedProxies); err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	metrics := newHTTPMetrics(opts.Registry)
	ownLimits := map[string]int64{} // "METHOD /path" → a mount's own body limit
	r.Use(withRequestID(), s.recoverPanic(), metrics.middleware(), s.accessLog(), s.limitBody(opts.MaxBodyBytes, ownLimits))
	r.NoRoute(func(c *gin.Context) {
		s.abort(c, http.StatusNotFound, "not_found", "no such route: "+c.Request.URL.Path, nil)
	})
	r.NoMethod(func(c *gin.Context) {
		s.abort(c, http.StatusMethodNotAllowed, "method_not_allowed", c.Request.Method+" is not allowed on "+c.Request.URL.Path, nil)
	})

	root := &r.RouterGroup
	s.handle(root, route{Method: "GET", Path: "/healthz", Public: true, Summary: "Liveness: the process is alive", Tag: "probes", Response: healthResponse{}, Status: 200}, s.healthz)
	s.handle(root, route{Method: "GET", Path: "/readyz", Public: true, Summary: "Readiness: the database answers within a second", Tag: "probes", Response: readyResponse{}, Status: 200}, s.readyz)
	s.handle(root, route{Method: "GET", Path: "/metrics", Public: true, Summary: "Prometheus metrics", Tag: "probes", Status: 200, ContentType: "text/plain"},
		gin.WrapH(promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{Registry: opts.Registry})))
	s.handle(root, route{Method: "GET", Path: "/openapi.json", Public: true, Summary: "This OpenAPI document", Tag: "probes", Status: 200, ContentType: "application/json"}, s.serveOpenAPI)
	s.docsRoutes(root)

	for _, m := range opts.Mounts {
		if m.MaxBodyBytes > 0 {
			ownLimits[m.Method+" "+m.Path] = m.MaxBodyBytes
		}
		ct := m.ContentType
		if ct == "" {
			ct = "application/json"
		}
		s.handle(root, route{Method: m.Method, Path: m.Path, Public: true, Summary: m.Summary, Tag: m.Tag, Status: http.StatusOK, ContentType: ct}, gin.WrapH(m.Handler))
	}

	v1 := r.Group("/api/v1", s.authenticate())
	s.handle(v1, route{Method: "GET", Path: "/me", Summary: "The caller's own API key", Tag: "keys", Roles: everyone, Response: meResponse{}, Status: 200}, s.me)
	s.queueRoutes(v1)
	s.calendarRoutes(v1)
	s.workStreamRoutes(v1)
	s.auditRoutes(v1)
	s.ruleRoutes(v1)
	if s.twitter != nil {
		s.twitterRoutes(v1)
	}
	s.webchatRoutes(v1)
	s.agentRoutes(v1)
	s.keyRoutes(v1)
	s.conversationRoutes(v1)
	s.blockRoutes(v1)
	s.cannedRoutes(v1)
	s.automatedRoutes(v1)
	s.workflowRoutes(v1)
	s.notificationRoutes(v1)

	doc, err := buildOpenAPI(s.routes, opts.Version)
	if err != nil {
		return nil, err
	}
	if s.openAPI, err = doc.MarshalJSON(); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	return s, nil
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Routes lists the registered routes.
func (s *Server) Routes() gin.RoutesInfo { return s.router.Routes() }

type healthResponse struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

type readyResponse struct {
	Status string `json:"status"`
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, healthResponse{Status: "ok", Version: s.version})
}

// readyTimeout is how long /readyz waits for the database.
const readyTimeout = time.Second

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
	defer cancel()
	if s.ready != nil {
		if err := s.ready(ctx); err != nil {
			s.log.WarnContext(ctx, "not ready", "error", err.Error())
			s.abort(c, http.StatusServiceUnavailable, "unavailable", "the database does not answer", nil)
			return
		}
	}
	c.JSON(http.StatusOK, readyResponse{Status: "ready"})
}

// meResponse describes the caller's own key.
type meResponse struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Role    string `json:"role"`
	AgentID string `json:"agent_id,omitempty"`
}

func (s *Server) me(c *gin.Context) {
	key := callerKey(c)
	c.JSON(http.StatusOK, meResponse{ID: string(key.ID), Name: key.Name, Role: string(key.Role), AgentID: string(key.AgentID)})
}

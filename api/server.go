package api

import (
	"context"
	"log/slog"
	"net/http"
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
	// Version is reported by /healthz.
	Version string
}

// Server is Switchboard's HTTP handler.
type Server struct {
	router  *gin.Engine
	log     *slog.Logger
	keys    engine.KeyStore
	ready   func(ctx context.Context) error
	version string
}

// New builds the router with its middleware and routes.
func New(opts Options) *Server {
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
	s := &Server{router: gin.New(), log: opts.Logger, keys: opts.Keys, ready: opts.Ready, version: opts.Version}
	r := s.router
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	metrics := newHTTPMetrics(opts.Registry)
	r.Use(withRequestID(), s.recoverPanic(), metrics.middleware(), s.accessLog(), s.limitBody(opts.MaxBodyBytes))
	r.NoRoute(func(c *gin.Context) {
		s.abort(c, http.StatusNotFound, "not_found", "no such route: "+c.Request.URL.Path, nil)
	})
	r.NoMethod(func(c *gin.Context) {
		s.abort(c, http.StatusMethodNotAllowed, "method_not_allowed", c.Request.Method+" is not allowed on "+c.Request.URL.Path, nil)
	})

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{Registry: opts.Registry})))

	v1 := r.Group("/api/v1", s.authenticate())
	v1.GET("/me", s.me)
	return s
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// Routes lists the registered routes.
func (s *Server) Routes() gin.RoutesInfo { return s.router.Routes() }

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "version": s.version})
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
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
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

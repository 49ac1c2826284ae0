package api

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

const requestIDKey = "request_id"

// withRequestID gives every request an id: the caller's X-Request-ID when it
// is a sane token, else a new one. It is echoed in the answer and logs.
func withRequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if !saneRequestID(id) {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(requestIDKey, id)
		c.Header("X-Request-ID", id)
		c.Next()
	}
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func requestID(c *gin.Context) string { return c.GetString(requestIDKey) }

// recoverPanic turns a panic into a 500 in the project's error shape. The
// panic value and stack go to the log only: they may hold anything.
func (s *Server) recoverPanic() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.LogAttrs(c.Request.Context(), slog.LevelError, "panic while serving a request",
					slog.String("request_id", requestID(c)), slog.String("route", c.FullPath()),
					slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				if c.Writer.Written() {
					c.Abort()
					return
				}
				s.abort(c, http.StatusInternalServerError, "internal", "internal error; quote the request id when reporting it", nil)
			}
		}()
		c.Next()
	}
}

// accessLog writes one structured line per request. It logs the path, never
// the query string or headers, which may carry tokens.
func (s *Server) accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(c.Request.Context(), level, "request",
			slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path),
			slog.String("route", c.FullPath()),
			slog.Int("status", status),
			slog.Int("bytes", c.Writer.Size()),
			slog.Duration("duration", time.Since(start)),
			slog.String("request_id", requestID(c)),
			slog.String("remote", c.ClientIP()),
		)
	}
}

// limitBody refuses a declared body over the limit at once, and caps the
// body it reads. A route listed in own ("METHOD /path", gin's path) has
// its own limit instead.
func (s *Server) limitBody(limit int64, own map[string]int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := limit
		if l, ok := own[c.Request.Method+" "+c.FullPath()]; ok {
			limit = l
		}
		if c.Request.ContentLength > limit {
			s.abort(c, http.StatusRequestEntityTooLarge, "too_large",
				"request body is "+strconv.FormatInt(c.Request.ContentLength, 10)+" bytes; the limit is "+strconv.FormatInt(limit, 10), nil)
			return
		}
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		}
		c.Next()
	}
}

// httpMetrics counts requests and their latency by route and status.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_http_requests_total",
			Help: "HTTP requests served, by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "switchboard_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by method, route and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route", "status"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *httpMetrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			// Unmatched paths share one label so scanners cannot blow up the series.
			route = "unmatched"
		}
		status := strconv.Itoa(c.Writer.Status())
		m.requests.WithLabelValues(c.Request.Method, route, status).Inc()
		m.duration.WithLabelValues(c.Request.Method, route, status).Observe(time.Since(start).Seconds())
	}
}

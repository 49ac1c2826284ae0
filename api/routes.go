package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

// route describes one endpoint: how gin serves it and how the OpenAPI
// document presents it. Every /api/v1 endpoint is registered through one,
// so the document cannot forget a route.
type route struct {
	Method  string
	Path    string // gin syntax: /queues/:id
	Summary string
	Tag     string
	// Roles may call the route; empty means any authenticated caller. Admin
	// may always call it.
	Roles []engine.Role
	// Request is a zero value of the body type, or nil.
	Request any
	// Response is a zero value of the success body type, or nil for none.
	Response any
	// Status is the success status.
	Status int
	// Query lists the query parameters the route reads.
	Query []queryParam
	// Public routes need no token.
	Public bool
	// ContentType of the success body, when it is not JSON.
	ContentType string
}

type queryParam struct {
	Name        string
	Description string
}

// Role sets of the route table.
var (
	analysts = []engine.Role{engine.RoleAnalyst}
	admins   = []engine.Role{engine.RoleAdmin}
	everyone = []engine.Role{engine.RoleAnalyst, engine.RoleAgent}
)

// pageQuery are the pagination parameters of every listing.
var pageQuery = []queryParam{
	{"limit", "page size, 1 to 500 (default 50)"},
	{"cursor", "next_cursor of the previous page"},
}

// handle registers r on g with its role check, and records it for the
// OpenAPI document.
func (s *Server) handle(g *gin.RouterGroup, r route, h gin.HandlerFunc) {
	full := strings.TrimSuffix(g.BasePath(), "/") + r.Path
	rc := r
	rc.Path = full
	s.routes = append(s.routes, rc)
	if r.Public {
		g.Handle(r.Method, r.Path, h)
		return
	}
	g.Handle(r.Method, r.Path, s.allow(r.Roles), h)
}

// allow lets through only the named roles; admin always passes.
func (s *Server) allow(roles []engine.Role) gin.HandlerFunc {
	return func(c *gin.Context) {
		key := callerKey(c)
		if key.Role == engine.RoleAdmin || slices.Contains(roles, key.Role) {
			c.Next()
			return
		}
		s.abort(c, http.StatusForbidden, "forbidden", "the "+string(key.Role)+" role may not "+strings.ToLower(c.Request.Method)+" "+c.FullPath(), nil)
	}
}

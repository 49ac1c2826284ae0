package api

import (
	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

// endpoint is the work of one route: it reads what it needs from the
// request and returns the answer's body (nil for none) or an error.
type endpoint func(c *gin.Context) (any, error)

// route registers an endpoint: its answer goes out with the route's
// success status, and any error through writeError.
func (s *Server) route(g *gin.RouterGroup, r route, e endpoint) {
	s.handle(g, r, func(c *gin.Context) {
		body, err := e(c)
		switch {
		case err != nil:
			s.writeError(c, err)
		case body == nil:
			c.Status(r.Status)
		default:
			c.JSON(r.Status, body)
		}
	})
}

// withBody decodes the request body into a Req before fn runs.
func withBody[Req any](fn func(c *gin.Context, req Req) (any, error)) endpoint {
	return func(c *gin.Context) (any, error) {
		var req Req
		if err := decodeBody(c, &req); err != nil {
			return nil, err
		}
		return fn(c, req)
	}
}

// listing answers a page of a listing, converting each item.
func listing[E, T any](list func(c *gin.Context, p engine.Page) (engine.List[E], error), convert func(E) T) endpoint {
	return func(c *gin.Context) (any, error) {
		page, err := pageParams(c)
		if err != nil {
			return nil, err
		}
		l, err := list(c, page)
		if err != nil {
			return nil, err
		}
		return toList(l, convert), nil
	}
}

// idParam reads the id of the resource the path names.
func idParam(c *gin.Context) (string, error) { return pathID(c, "id", "id") }

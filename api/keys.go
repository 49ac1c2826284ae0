package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

type keyRequest struct {
	Name    *string `json:"name"`
	Role    *string `json:"role"`
	AgentID *string `json:"agent_id"`
}

type keyResponse struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Role      string  `json:"role"`
	AgentID   *string `json:"agent_id"`
	CreatedAt string  `json:"created_at"`
	RevokedAt *string `json:"revoked_at"`
}

// createdKeyResponse carries the token, shown only in this answer.
type createdKeyResponse struct {
	keyResponse
	Token string `json:"token"`
}

func toKeyResponse(k engine.APIKey) keyResponse {
	r := keyResponse{ID: string(k.ID), Name: k.Name, Role: string(k.Role), CreatedAt: timestamp(k.CreatedAt)}
	if k.AgentID != "" {
		id := string(k.AgentID)
		r.AgentID = &id
	}
	if k.RevokedAt != nil {
		at := timestamp(*k.RevokedAt)
		r.RevokedAt = &at
	}
	return r
}

func (s *Server) keyRoutes(g *gin.RouterGroup) {
	s.route(g, route{Method: "POST", Path: "/keys", Summary: "Create an API key; the answer carries its token, shown once", Tag: "keys", Roles: admins,
		Request: keyRequest{}, Response: createdKeyResponse{}, Status: http.StatusCreated}, withBody(s.createKey))
	s.route(g, route{Method: "GET", Path: "/keys", Summary: "List API keys (never their tokens)", Tag: "keys", Roles: admins,
		Response: listResponse[keyResponse]{}, Status: http.StatusOK, Query: pageQuery},
		listing(func(c *gin.Context, p engine.Page) (engine.List[engine.APIKey], error) {
			return s.svc.ListAPIKeys(c.Request.Context(), p)
		}, toKeyResponse))
	s.route(g, route{Method: "DELETE", Path: "/keys/:id", Summary: "Revoke an API key", Tag: "keys", Roles: admins,
		Status: http.StatusNoContent}, s.revokeKey)
}

func (s *Server) createKey(c *gin.Context, req keyRequest) (any, error) {
	in := engine.APIKeyInput{}
	if req.Name != nil {
		in.Name = *req.Name
	}
	if req.Role == nil {
		return nil, engine.FieldError("role", "is required: admin, analyst or agent")
	}
	in.Role = engine.Role(*req.Role)
	if req.AgentID != nil {
		if !engine.ValidID(*req.AgentID) {
			return nil, engine.FieldError("agent_id", "%q is not a valid id", *req.AgentID)
		}
		in.AgentID = engine.AgentID(*req.AgentID)
	}
	k, token, err := s.svc.CreateAPIKey(c.Request.Context(), actor(c), in)
	return createdKeyResponse{keyResponse: toKeyResponse(k), Token: token}, err
}

func (s *Server) revokeKey(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	return nil, s.svc.RevokeAPIKey(c.Request.Context(), actor(c), engine.APIKeyID(id))
}

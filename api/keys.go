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
	s.handle(g, route{Method: "POST", Path: "/keys", Summary: "Create an API key; the answer carries its token, shown once", Tag: "keys", Roles: admins,
		Request: keyRequest{}, Response: createdKeyResponse{}, Status: http.StatusCreated}, s.createKey)
	s.handle(g, route{Method: "GET", Path: "/keys", Summary: "List API keys (never their tokens)", Tag: "keys", Roles: admins,
		Response: listResponse[keyResponse]{}, Status: http.StatusOK, Query: pageQuery}, s.listKeys)
	s.handle(g, route{Method: "DELETE", Path: "/keys/:id", Summary: "Revoke an API key", Tag: "keys", Roles: admins,
		Status: http.StatusNoContent}, s.revokeKey)
}

func (s *Server) createKey(c *gin.Context) {
	var req keyRequest
	if err := decodeBody(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	in := engine.APIKeyInput{}
	if req.Name != nil {
		in.Name = *req.Name
	}
	if req.Role == nil {
		s.writeError(c, engine.FieldError("role", "is required: admin, analyst or agent"))
		return
	}
	in.Role = engine.Role(*req.Role)
	if req.AgentID != nil {
		if !engine.ValidID(*req.AgentID) {
			s.writeError(c, engine.FieldError("agent_id", "%q is not a valid id", *req.AgentID))
			return
		}
		in.AgentID = engine.AgentID(*req.AgentID)
	}
	k, token, err := s.svc.CreateAPIKey(c.Request.Context(), actor(c), in)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, createdKeyResponse{keyResponse: toKeyResponse(k), Token: token})
}

func (s *Server) listKeys(c *gin.Context) {
	page, err := pageParams(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	l, err := s.svc.ListAPIKeys(c.Request.Context(), page)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toList(l, toKeyResponse))
}

func (s *Server) revokeKey(c *gin.Context) {
	id, err := pathID(c, "id", "id")
	if err != nil {
		s.writeError(c, err)
		return
	}
	if err := s.svc.RevokeAPIKey(c.Request.Context(), actor(c), engine.APIKeyID(id)); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

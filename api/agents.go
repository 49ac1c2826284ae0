package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

type agentRequest struct {
	Name     *string   `json:"name"`
	Capacity *int      `json:"capacity"`
	QueueIDs *[]string `json:"queue_ids"`
}

func (r agentRequest) input() engine.AgentInput {
	in := engine.AgentInput{Name: r.Name, Capacity: r.Capacity}
	if r.QueueIDs != nil {
		ids := make([]engine.QueueID, 0, len(*r.QueueIDs))
		for _, id := range *r.QueueIDs {
			ids = append(ids, engine.QueueID(id))
		}
		in.QueueIDs = &ids
	}
	return in
}

type agentResponse struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Capacity   int      `json:"capacity"`
	QueueIDs   []string `json:"queue_ids"`
	Presence   string   `json:"presence"`
	PresenceAt string   `json:"presence_at"`
	CreatedAt  string   `json:"created_at"`
	UpdatedAt  string   `json:"updated_at"`
}

// createdAgentResponse carries the agent's bearer token, shown only here.
type createdAgentResponse struct {
	agentResponse
	Token string `json:"token"`
}

func toAgentResponse(a engine.Agent) agentResponse {
	queues := make([]string, 0, len(a.QueueIDs))
	for _, q := range a.QueueIDs {
		queues = append(queues, string(q))
	}
	return agentResponse{ID: string(a.ID), Name: a.Name, Capacity: a.Capacity, QueueIDs: queues, Presence: string(a.Presence),
		PresenceAt: timestamp(a.PresenceAt), CreatedAt: timestamp(a.CreatedAt), UpdatedAt: timestamp(a.UpdatedAt)}
}

type presenceRequest struct {
	Presence *string `json:"presence"`
}

func (s *Server) agentRoutes(g *gin.RouterGroup) {
	s.route(g, route{Method: "POST", Path: "/agents", Summary: "Create an agent; the answer carries its bearer token, shown once", Tag: "agents", Roles: admins,
		Request: agentRequest{}, Response: createdAgentResponse{}, Status: http.StatusCreated}, withBody(s.createAgent))
	s.route(g, route{Method: "GET", Path: "/agents", Summary: "List agents (agents read it to transfer a conversation to a colleague)", Tag: "agents", Roles: []engine.Role{engine.RoleAgent},
		Response: listResponse[agentResponse]{}, Status: http.StatusOK, Query: pageQuery},
		listing(func(c *gin.Context, p engine.Page) (engine.List[engine.Agent], error) {
			return s.svc.ListAgents(c.Request.Context(), p)
		}, toAgentResponse))
	s.route(g, route{Method: "GET", Path: "/agents/:id", Summary: "Get an agent (an agent may get itself)", Tag: "agents", Roles: everyone,
		Response: agentResponse{}, Status: http.StatusOK}, s.getAgent)
	s.route(g, route{Method: "PATCH", Path: "/agents/:id", Summary: "Change an agent's name, capacity or queues", Tag: "agents", Roles: admins,
		Request: agentRequest{}, Response: agentResponse{}, Status: http.StatusOK}, withBody(s.updateAgent))
	s.route(g, route{Method: "PUT", Path: "/agents/:id/presence", Summary: "Set an agent's presence (an agent may set its own)", Tag: "agents", Roles: everyone,
		Request: presenceRequest{}, Response: agentResponse{}, Status: http.StatusOK}, withBody(s.setPresence))
	s.route(g, route{Method: "DELETE", Path: "/agents/:id", Summary: "Delete an agent that holds no conversations, revoking its keys", Tag: "agents", Roles: admins,
		Status: http.StatusNoContent}, s.deleteAgent)
}

// ownAgent reads the agent id of the path and, for an agent's key, refuses
// any agent but its own. Analysts have no business with agents' records.
func (s *Server) ownAgent(c *gin.Context) (engine.AgentID, error) {
	id, err := pathID(c, "id", "id")
	if err != nil {
		return "", err
	}
	key := callerKey(c)
	switch {
	case key.Role == engine.RoleAdmin:
	case key.Role == engine.RoleAgent && key.AgentID == engine.AgentID(id):
	default:
		return "", engine.Errorf(engine.ErrForbidden, "the %s role may see and change only its own agent", key.Role)
	}
	return engine.AgentID(id), nil
}

func (s *Server) createAgent(c *gin.Context, req agentRequest) (any, error) {
	a, token, err := s.svc.CreateAgent(c.Request.Context(), actor(c), req.input())
	return createdAgentResponse{agentResponse: toAgentResponse(a), Token: token}, err
}

func (s *Server) getAgent(c *gin.Context) (any, error) {
	id, err := s.ownAgent(c)
	if err != nil {
		return nil, err
	}
	a, err := s.svc.Agent(c.Request.Context(), id)
	return toAgentResponse(a), err
}

func (s *Server) updateAgent(c *gin.Context, req agentRequest) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	a, err := s.svc.UpdateAgent(c.Request.Context(), actor(c), engine.AgentID(id), req.input())
	return toAgentResponse(a), err
}

func (s *Server) setPresence(c *gin.Context, req presenceRequest) (any, error) {
	id, err := s.ownAgent(c)
	if err != nil {
		return nil, err
	}
	if req.Presence == nil {
		return nil, engine.FieldError("presence", "is required: available, busy, away or offline")
	}
	a, err := s.svc.SetPresence(c.Request.Context(), actor(c), id, engine.Presence(*req.Presence))
	return toAgentResponse(a), err
}

func (s *Server) deleteAgent(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	return nil, s.svc.DeleteAgent(c.Request.Context(), actor(c), engine.AgentID(id))
}

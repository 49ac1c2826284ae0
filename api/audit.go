package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

type auditResponse struct {
	ID         string `json:"id"`
	At         string `json:"at"`
	Actor      string `json:"actor"`
	ActorKeyID string `json:"actor_key_id"`
	Action     string `json:"action"`
	Resource   string `json:"resource"`
	ResourceID string `json:"resource_id"`
	Summary    string `json:"summary"`
}

func toAuditResponse(e engine.AuditEntry) auditResponse {
	return auditResponse{ID: e.ID, At: timestamp(e.At), Actor: e.ActorName, ActorKeyID: string(e.ActorKeyID),
		Action: e.Action, Resource: e.Resource, ResourceID: e.ResourceID, Summary: e.Summary}
}

func (s *Server) auditRoutes(g *gin.RouterGroup) {
	s.route(g, route{Method: "GET", Path: "/audit", Summary: "The audit log, newest first: who changed what and when", Tag: "audit", Roles: admins,
		Response: listResponse[auditResponse]{}, Status: http.StatusOK,
		Query: append([]queryParam{{"resource", "only this kind of resource (queue, work_stream, rule, …)"}, {"resource_id", "only this resource"}, {"actor", "only changes by this API key name"}}, pageQuery...)},
		listing(func(c *gin.Context, p engine.Page) (engine.List[engine.AuditEntry], error) {
			f := engine.AuditFilter{Resource: c.Query("resource"), ResourceID: c.Query("resource_id"), ActorName: c.Query("actor")}
			return s.svc.ListAudit(c.Request.Context(), f, p)
		}, toAuditResponse))
}

package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

// webchatChannel is the web-chat channel's key, as its adapter names it.
const webchatChannel engine.Channel = "webchat"

type widgetRequest struct {
	Name         *string `json:"name"`
	WorkStreamID *string `json:"work_stream_id"`
}

func (r widgetRequest) input() engine.EndpointInput {
	in := engine.EndpointInput{Name: r.Name}
	if r.WorkStreamID != nil {
		ws := engine.WorkStreamID(*r.WorkStreamID)
		in.WorkStreamID = &ws
	}
	return in
}

type widgetResponse struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	WorkStreamID string `json:"work_stream_id"`
	Status       string `json:"status"`
	// Secret signs what the business's site relays; it is shown when the
	// widget is made and when it is rotated, never again.
	Secret       string `json:"secret,omitempty"`
	MessagesPath string `json:"messages_path"`
	CreatedAt    string `json:"created_at"`
	UpdatedAt    string `json:"updated_at"`
}

func toWidgetResponse(e engine.Endpoint) widgetResponse {
	return widgetResponse{ID: string(e.ID), Name: e.Name, WorkStreamID: string(e.WorkStreamID), Status: string(e.Status),
		Secret: e.Token.Reveal(), MessagesPath: "/webchat/widgets/" + string(e.ID) + "/messages",
		CreatedAt: timestamp(e.CreatedAt), UpdatedAt: timestamp(e.UpdatedAt)}
}

func (s *Server) webchatRoutes(g *gin.RouterGroup) {
	const tag = "webchat"
	s.route(g, route{Method: "POST", Path: "/webchat/widgets", Summary: "Add a web-chat widget: {name, work_stream_id}; the answer holds its signing secret, shown this once", Tag: tag, Roles: admins,
		Request: widgetRequest{}, Response: widgetResponse{}, Status: http.StatusCreated}, withBody(func(c *gin.Context, req widgetRequest) (any, error) {
		e, err := s.svc.CreateEndpoint(c.Request.Context(), actor(c), webchatChannel, req.input())
		return toWidgetResponse(e), err
	}))
	s.route(g, route{Method: "GET", Path: "/webchat/widgets", Summary: "List web-chat widgets", Tag: tag, Roles: admins,
		Response: listResponse[widgetResponse]{}, Status: http.StatusOK, Query: pageQuery}, listing(func(c *gin.Context, p engine.Page) (engine.List[engine.Endpoint], error) {
		return s.svc.ListChannelEndpoints(c.Request.Context(), webchatChannel, p)
	}, toWidgetResponse))
	s.route(g, route{Method: "GET", Path: "/webchat/widgets/:id", Summary: "Get a web-chat widget", Tag: tag, Roles: admins,
		Response: widgetResponse{}, Status: http.StatusOK}, func(c *gin.Context) (any, error) {
		id, err := idParam(c)
		if err != nil {
			return nil, err
		}
		e, err := s.svc.ChannelEndpoint(c.Request.Context(), webchatChannel, engine.EndpointID(id))
		return toWidgetResponse(e), err
	})
	s.route(g, route{Method: "PATCH", Path: "/webchat/widgets/:id", Summary: "Rename a web-chat widget or send it to another work stream", Tag: tag, Roles: admins,
		Request: widgetRequest{}, Response: widgetResponse{}, Status: http.StatusOK}, withBody(func(c *gin.Context, req widgetRequest) (any, error) {
		id, err := idParam(c)
		if err != nil {
			return nil, err
		}
		e, err := s.svc.UpdateEndpoint(c.Request.Context(), actor(c), webchatChannel, engine.EndpointID(id), req.input())
		return toWidgetResponse(e), err
	}))
	s.route(g, route{Method: "POST", Path: "/webchat/widgets/:id/secret", Summary: "Give a web-chat widget a new signing secret (the old one stops working); the answer holds it, shown this once", Tag: tag, Roles: admins,
		Response: widgetResponse{}, Status: http.StatusOK}, func(c *gin.Context) (any, error) {
		id, err := idParam(c)
		if err != nil {
			return nil, err
		}
		e, err := s.svc.RotateEndpointSecret(c.Request.Context(), actor(c), webchatChannel, engine.EndpointID(id))
		return toWidgetResponse(e), err
	})
	s.route(g, route{Method: "DELETE", Path: "/webchat/widgets/:id", Summary: "Delete a web-chat widget that no conversation refers to", Tag: tag, Roles: admins,
		Status: http.StatusNoContent}, func(c *gin.Context) (any, error) {
		id, err := idParam(c)
		if err != nil {
			return nil, err
		}
		return nil, s.svc.DeleteEndpoint(c.Request.Context(), actor(c), webchatChannel, engine.EndpointID(id))
	})
}

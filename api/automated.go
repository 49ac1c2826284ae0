package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

// automatedMessageRequest sets a work stream's automated message of a kind.
type automatedMessageRequest struct {
	// Body is the text the customer gets; {{customer.first_name}},
	// {{calendar.next_opening}} and the other placeholders listed by GET
	// /workstreams/{id}/automated-messages are filled when it is sent.
	Body *string `json:"body"`
}

type automatedMessageResponse struct {
	WorkStreamID string `json:"work_stream_id"`
	// Kind is when it is sent: greeting (a DM starts a conversation) or
	// out_of_hours (a DM arrives while the conversation's queue is closed;
	// at most once per conversation in 12 hours).
	Kind      string `json:"kind"`
	Body      string `json:"body"`
	UpdatedBy string `json:"updated_by"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// automatedMessagesResponse lists a work stream's automated messages (the
// kinds it sends none of are left out) and the placeholders they may use.
type automatedMessagesResponse struct {
	Items        []automatedMessageResponse `json:"items"`
	Kinds        []string                   `json:"kinds"`
	Placeholders []placeholderResponse      `json:"placeholders"`
}

func toAutomatedMessageResponse(m engine.AutomatedMessage) automatedMessageResponse {
	return automatedMessageResponse{WorkStreamID: string(m.WorkStreamID), Kind: string(m.Kind), Body: m.Body, UpdatedBy: m.UpdatedBy,
		CreatedAt: timestamp(m.CreatedAt), UpdatedAt: timestamp(m.UpdatedAt)}
}

// automatedRoutes serves a work stream's automated messages, kept by
// analysts and admins as the work stream itself.
func (s *Server) automatedRoutes(g *gin.RouterGroup) {
	s.route(g, route{Method: "GET", Path: "/workstreams/:id/automated-messages", Summary: "List a work stream's automated messages (greeting, out_of_hours) and the placeholders they may use",
		Tag: "automated messages", Roles: analysts, Response: automatedMessagesResponse{}, Status: http.StatusOK}, s.listAutomated)
	s.route(g, route{Method: "GET", Path: "/workstreams/:id/automated-messages/:kind", Summary: "Get a work stream's automated message of a kind (404 when it sends none)",
		Tag: "automated messages", Roles: analysts, Response: automatedMessageResponse{}, Status: http.StatusOK}, s.getAutomated)
	s.cannedRoute(g, route{Method: "PUT", Path: "/workstreams/:id/automated-messages/:kind", Summary: "Set a work stream's automated message of a kind ({body}); a placeholder that does not exist is refused with its line, column and a hint",
		Tag: "automated messages", Roles: analysts, Request: automatedMessageRequest{}, Response: automatedMessageResponse{}, Status: http.StatusOK}, withBody(s.putAutomated))
	s.route(g, route{Method: "DELETE", Path: "/workstreams/:id/automated-messages/:kind", Summary: "Send no automated message of this kind any more",
		Tag: "automated messages", Roles: analysts, Status: http.StatusNoContent}, s.deleteAutomated)
}

func (s *Server) listAutomated(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	list, err := s.svc.AutomatedMessages(c.Request.Context(), engine.WorkStreamID(id))
	if err != nil {
		return nil, err
	}
	out := automatedMessagesResponse{Items: []automatedMessageResponse{}}
	for _, m := range list {
		out.Items = append(out.Items, toAutomatedMessageResponse(m))
	}
	for _, k := range engine.AutomatedKinds() {
		out.Kinds = append(out.Kinds, string(k))
	}
	for _, p := range engine.AutomatedPlaceholders() {
		out.Placeholders = append(out.Placeholders, placeholderResponse{Name: p.Name, Meaning: p.Meaning, Example: p.Example})
	}
	return out, nil
}

func (s *Server) getAutomated(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	m, err := s.svc.AutomatedMessage(c.Request.Context(), engine.WorkStreamID(id), engine.AutomatedKind(c.Param("kind")))
	return toAutomatedMessageResponse(m), err
}

func (s *Server) putAutomated(c *gin.Context, req automatedMessageRequest) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	if req.Body == nil {
		return nil, engine.FieldError("body", "is required: the text the customer gets")
	}
	m, err := s.svc.SetAutomatedMessage(c.Request.Context(), actor(c), engine.WorkStreamID(id), engine.AutomatedKind(c.Param("kind")), *req.Body)
	return toAutomatedMessageResponse(m), err
}

func (s *Server) deleteAutomated(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	return nil, s.svc.DeleteAutomatedMessage(c.Request.Context(), actor(c), engine.WorkStreamID(id), engine.AutomatedKind(c.Param("kind")))
}

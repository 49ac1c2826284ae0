package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

// cannedResponseRequest creates a canned response or changes one (PATCH:
// fields left out stay as they are).
type cannedResponseRequest struct {
	// Scope is shared (analysts and admins keep these, every agent uses
	// them) or personal (the calling agent's own); by default an agent's
	// are personal, an analyst's or admin's shared. It is set at creation.
	Scope *string `json:"scope"`
	Title *string `json:"title"`
	// Shortcut is a / and a word ("/refund"), unique in its scope ignoring
	// case; it is stored in lower case, and the / may be left out.
	Shortcut *string `json:"shortcut"`
	// Body is the text inserted into the reply; {{customer.name}} and the
	// other placeholders of GET /canned-responses/placeholders are filled
	// for the conversation when it is rendered.
	Body *string `json:"body"`
}

type cannedResponseResponse struct {
	ID    string `json:"id"`
	Scope string `json:"scope"`
	// AgentID is the agent a personal response belongs to.
	AgentID   string `json:"agent_id,omitempty"`
	Title     string `json:"title"`
	Shortcut  string `json:"shortcut"`
	Body      string `json:"body"`
	CreatedBy string `json:"created_by"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func toCannedResponse(r engine.CannedResponse) cannedResponseResponse {
	return cannedResponseResponse{ID: string(r.ID), Scope: string(r.Scope), AgentID: string(r.AgentID), Title: r.Title, Shortcut: r.Shortcut, Body: r.Body,
		CreatedBy: r.CreatedBy, CreatedAt: timestamp(r.CreatedAt), UpdatedAt: timestamp(r.UpdatedAt)}
}

// renderedResponse is a canned response filled for a conversation, for the
// agent to insert into the reply (POST /conversations/{id}/messages sends
// it, edited or not).
type renderedResponse struct {
	CannedResponseID string `json:"canned_response_id"`
	Shortcut         string `json:"shortcut"`
	Text             string `json:"text"`
	// Empty names the placeholders that had no value (a customer without
	// a name) and were left out of the text.
	Empty []string `json:"empty"`
}

type placeholderResponse struct {
	Name    string `json:"name"`
	Meaning string `json:"meaning"`
	Example string `json:"example"`
}

// templateErrorDetail locates one mistake in a body, as a rule's compile
// error does.
type templateErrorDetail struct {
	Field   string `json:"field"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
	Snippet string `json:"snippet,omitempty"`
}

// cannedRoutes serves canned responses. Everyone reads and searches them
// (an agent sees the shared ones and its own); the engine decides who keeps
// which: shared ones analysts and admins, as queues and work streams,
// personal ones their agent. Rendering one for a conversation is allowed
// to whoever may reply to it.
func (s *Server) cannedRoutes(g *gin.RouterGroup) {
	s.cannedRoute(g, route{Method: "POST", Path: "/canned-responses", Summary: "Create a canned response ({title, shortcut, body, scope}): shared (analysts, admins) or personal (an agent's own); a placeholder that does not exist is refused with its line, column and a hint",
		Tag: "canned responses", Roles: everyone, Request: cannedResponseRequest{}, Response: cannedResponseResponse{}, Status: http.StatusCreated}, withBody(s.createCanned))
	s.route(g, route{Method: "GET", Path: "/canned-responses", Summary: "List the canned responses you may use (the shared ones, and an agent's own), oldest first; ?q= keeps those whose shortcut starts with it or whose title or body contains it",
		Tag: "canned responses", Roles: everyone, Response: listResponse[cannedResponseResponse]{}, Status: http.StatusOK,
		Query: append([]queryParam{{"q", "a shortcut's start (/ref) or text of the title or body, ignoring case"}, {"scope", "shared or personal"}}, pageQuery...)},
		listing(func(c *gin.Context, p engine.Page) (engine.List[engine.CannedResponse], error) {
			f := engine.CannedFilter{Query: c.Query("q"), Scope: engine.CannedScope(c.Query("scope"))}
			return s.svc.ListCannedResponses(c.Request.Context(), actor(c), f, p)
		}, toCannedResponse))
	s.route(g, route{Method: "GET", Path: "/canned-responses/placeholders", Summary: "The placeholders a canned response's body may use, as {{name}}",
		Tag: "canned responses", Roles: everyone, Response: []placeholderResponse{}, Status: http.StatusOK}, s.placeholders)
	s.route(g, route{Method: "GET", Path: "/canned-responses/:id", Summary: "Get a canned response (another agent's personal one is not found)",
		Tag: "canned responses", Roles: everyone, Response: cannedResponseResponse{}, Status: http.StatusOK}, s.getCanned)
	s.cannedRoute(g, route{Method: "PATCH", Path: "/canned-responses/:id", Summary: "Change a canned response's title, shortcut or body",
		Tag: "canned responses", Roles: everyone, Request: cannedResponseRequest{}, Response: cannedResponseResponse{}, Status: http.StatusOK}, withBody(s.updateCanned))
	s.route(g, route{Method: "DELETE", Path: "/canned-responses/:id", Summary: "Delete a canned response",
		Tag: "canned responses", Roles: everyone, Status: http.StatusNoContent}, s.deleteCanned)
	s.cannedRoute(g, route{Method: "POST", Path: "/conversations/:id/canned-responses/:canned_response_id/render", Summary: "Fill a canned response's placeholders for the conversation and you, for the reply box; allowed where you may reply. Nothing is sent",
		Tag: "canned responses", Roles: []engine.Role{engine.RoleAgent}, Response: renderedResponse{}, Status: http.StatusOK}, s.renderCanned)
}

// cannedRoute is route, answering a body's placeholder mistakes with
// details that locate each (line, column, hint), as rules' errors do.
func (s *Server) cannedRoute(g *gin.RouterGroup, r route, e endpoint) {
	s.handle(g, r, func(c *gin.Context) {
		body, err := e(c)
		var te *engine.TemplateError
		switch {
		case errors.As(err, &te):
			details := make([]any, len(te.Problems))
			for i, p := range te.Problems {
				details[i] = templateErrorDetail{Field: te.Field, Line: p.Line, Column: p.Column, Message: p.Message, Hint: p.Hint, Snippet: p.Snippet}
			}
			s.abort(c, http.StatusBadRequest, "invalid_request", te.Error(), details)
		case err != nil:
			s.writeError(c, err)
		default:
			c.JSON(r.Status, body)
		}
	})
}

func toCannedInput(req cannedResponseRequest) engine.CannedResponseInput {
	in := engine.CannedResponseInput{Title: req.Title, Shortcut: req.Shortcut, Body: req.Body}
	if req.Scope != nil {
		scope := engine.CannedScope(*req.Scope)
		in.Scope = &scope
	}
	return in
}

func (s *Server) createCanned(c *gin.Context, req cannedResponseRequest) (any, error) {
	r, err := s.svc.CreateCannedResponse(c.Request.Context(), actor(c), toCannedInput(req))
	return toCannedResponse(r), err
}

func (s *Server) getCanned(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	r, err := s.svc.CannedResponse(c.Request.Context(), actor(c), engine.CannedResponseID(id))
	return toCannedResponse(r), err
}

func (s *Server) updateCanned(c *gin.Context, req cannedResponseRequest) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	r, err := s.svc.UpdateCannedResponse(c.Request.Context(), actor(c), engine.CannedResponseID(id), toCannedInput(req))
	return toCannedResponse(r), err
}

func (s *Server) deleteCanned(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	return nil, s.svc.DeleteCannedResponse(c.Request.Context(), actor(c), engine.CannedResponseID(id))
}

func (s *Server) placeholders(*gin.Context) (any, error) {
	var out []placeholderResponse
	for _, p := range engine.Placeholders() {
		out = append(out, placeholderResponse{Name: p.Name, Meaning: p.Meaning, Example: p.Example})
	}
	return out, nil
}

func (s *Server) renderCanned(c *gin.Context) (any, error) {
	conv, err := idParam(c)
	if err != nil {
		return nil, err
	}
	id, err := pathID(c, "canned_response_id", "canned_response_id")
	if err != nil {
		return nil, err
	}
	r, err := s.svc.RenderCannedResponse(c.Request.Context(), actor(c), engine.ConversationID(conv), engine.CannedResponseID(id))
	if err != nil {
		return nil, err
	}
	return renderedResponse{CannedResponseID: string(r.Response.ID), Shortcut: r.Response.Shortcut, Text: r.Text, Empty: append([]string{}, r.Empty...)}, nil
}

package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

type closeRequest struct {
	Reason *string `json:"reason"`
}

type replyRequest struct {
	Text *string `json:"text"`
}

type priorityRequest struct {
	Priority *int `json:"priority"`
}

type transferRequest struct {
	QueueID *string `json:"queue_id"`
	AgentID *string `json:"agent_id"`
}

func (s *Server) workflowRoutes(g *gin.RouterGroup) {
	agents := []engine.Role{engine.RoleAgent}
	for _, a := range []struct {
		path    string
		summary string
		fn      func(c *gin.Context, id engine.ConversationID) (engine.Conversation, error)
	}{
		{"/conversations/:id/accept", "Accept the conversation offered to you, or pick one waiting in your queue", func(c *gin.Context, id engine.ConversationID) (engine.Conversation, error) {
			return s.svc.Accept(c.Request.Context(), actor(c), id)
		}},
		{"/conversations/:id/reject", "Reject the conversation offered to you; it goes to the next agent", func(c *gin.Context, id engine.ConversationID) (engine.Conversation, error) {
			return s.svc.Reject(c.Request.Context(), actor(c), id)
		}},
		{"/conversations/:id/wait", "Pause an active conversation until the customer writes", func(c *gin.Context, id engine.ConversationID) (engine.Conversation, error) {
			return s.svc.Wait(c.Request.Context(), actor(c), id)
		}},
		{"/conversations/:id/end", "End the conversation: wrap-up", func(c *gin.Context, id engine.ConversationID) (engine.Conversation, error) {
			return s.svc.End(c.Request.Context(), actor(c), id)
		}},
	} {
		s.route(g, route{Method: "POST", Path: a.path, Summary: a.summary, Tag: "workflow", Roles: agents,
			Response: conversationResponse{}, Status: http.StatusOK}, workflowAction(a.fn))
	}
	s.route(g, route{Method: "POST", Path: "/conversations/:id/close", Summary: "Close the conversation (admins may close any)", Tag: "workflow", Roles: agents,
		Request: closeRequest{}, Response: conversationResponse{}, Status: http.StatusOK}, workflowAction(s.closeAction))
	s.route(g, route{Method: "POST", Path: "/conversations/:id/messages/:message_id/retry", Summary: "Queue a failed outbound message again", Tag: "conversations", Roles: []engine.Role{engine.RoleAgent},
		Response: messageResponse{}, Status: http.StatusOK}, s.retryMessage)
	s.route(g, route{Method: "POST", Path: "/conversations/:id/messages", Summary: "Reply to the customer: the message is stored and queued for the customer's channel (see its delivery_status)", Tag: "workflow", Roles: agents,
		Request: replyRequest{}, Response: messageResponse{}, Status: http.StatusCreated}, withBody(s.reply))
	s.route(g, route{Method: "POST", Path: "/conversations/:id/transfer", Summary: "Transfer the conversation to a queue ({queue_id}) or an agent ({agent_id})", Tag: "workflow", Roles: agents,
		Request: transferRequest{}, Response: conversationResponse{}, Status: http.StatusOK}, workflowAction(s.transferAction))
	s.route(g, route{Method: "POST", Path: "/conversations/:id/priority", Summary: "Set the conversation's priority ({priority}: 0 to 1000, higher is offered first); it is recorded in its routing history", Tag: "workflow", Roles: agents,
		Request: priorityRequest{}, Response: conversationResponse{}, Status: http.StatusOK}, workflowAction(s.priorityAction))
}

func (s *Server) priorityAction(c *gin.Context, id engine.ConversationID) (engine.Conversation, error) {
	var req priorityRequest
	if err := decodeBody(c, &req); err != nil {
		return engine.Conversation{}, err
	}
	if req.Priority == nil {
		return engine.Conversation{}, engine.FieldError("priority", "is required")
	}
	return s.svc.SetPriority(c.Request.Context(), actor(c), id, *req.Priority)
}

// workflowAction runs an action on the conversation of the path.
func workflowAction(fn func(c *gin.Context, id engine.ConversationID) (engine.Conversation, error)) endpoint {
	return func(c *gin.Context) (any, error) {
		id, err := idParam(c)
		if err != nil {
			return nil, err
		}
		conv, err := fn(c, engine.ConversationID(id))
		return toConversationResponse(conv), err
	}
}

// optionalBody decodes a body that may be absent.
func optionalBody(c *gin.Context, dst any) error {
	if c.Request.ContentLength == 0 {
		return nil
	}
	return decodeBody(c, dst)
}

func (s *Server) closeAction(c *gin.Context, id engine.ConversationID) (engine.Conversation, error) {
	var req closeRequest
	if err := optionalBody(c, &req); err != nil {
		return engine.Conversation{}, err
	}
	reason := ""
	if req.Reason != nil {
		reason = *req.Reason
	}
	return s.svc.Close(c.Request.Context(), actor(c), id, reason)
}

func (s *Server) transferAction(c *gin.Context, id engine.ConversationID) (engine.Conversation, error) {
	var req transferRequest
	if err := decodeBody(c, &req); err != nil {
		return engine.Conversation{}, err
	}
	var in engine.TransferInput
	if req.QueueID != nil {
		if !engine.ValidID(*req.QueueID) {
			return engine.Conversation{}, engine.FieldError("queue_id", "%q is not a valid id", *req.QueueID)
		}
		in.QueueID = engine.QueueID(*req.QueueID)
	}
	if req.AgentID != nil {
		if !engine.ValidID(*req.AgentID) {
			return engine.Conversation{}, engine.FieldError("agent_id", "%q is not a valid id", *req.AgentID)
		}
		in.AgentID = engine.AgentID(*req.AgentID)
	}
	return s.svc.Transfer(c.Request.Context(), actor(c), id, in)
}

func (s *Server) reply(c *gin.Context, req replyRequest) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	if req.Text == nil {
		return nil, engine.FieldError("text", "is required")
	}
	m, err := s.svc.Reply(c.Request.Context(), actor(c), engine.ConversationID(id), *req.Text)
	return toMessageResponse(m), err
}

func (s *Server) retryMessage(c *gin.Context) (any, error) {
	conv, err := idParam(c)
	if err != nil {
		return nil, err
	}
	msg, err := pathID(c, "message_id", "message_id")
	if err != nil {
		return nil, err
	}
	m, err := s.svc.RetryMessage(c.Request.Context(), actor(c), engine.ConversationID(conv), engine.MessageID(msg))
	return toMessageResponse(m), err
}

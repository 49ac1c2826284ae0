package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

// blockRequest names the customer to block and why.
type blockRequest struct {
	// Channel is the customer's channel ("twitter"); the service's first
	// channel when left out.
	Channel *string `json:"channel"`
	// ExternalID is the customer's id on the channel (a Twitter user id, as
	// a conversation's customer.external_id shows it).
	ExternalID *string `json:"external_id"`
	Reason     *string `json:"reason"`
}

type blockResponse struct {
	ID         string `json:"id"`
	Channel    string `json:"channel"`
	ExternalID string `json:"external_id"`
	// Name and ScreenName are the customer's as their contact knew them
	// when they were blocked; empty when they had no contact.
	Name       string `json:"name"`
	ScreenName string `json:"screen_name"`
	Reason     string `json:"reason"`
	// BlockedBy is the name of the API key that blocked the customer.
	BlockedBy string `json:"blocked_by"`
	BlockedAt string `json:"blocked_at"`
}

func toBlockResponse(b engine.CustomerBlock) blockResponse {
	return blockResponse{ID: string(b.ID), Channel: string(b.Customer.Channel), ExternalID: b.Customer.ExternalID, Name: b.Name, ScreenName: b.ScreenName,
		Reason: b.Reason, BlockedBy: b.BlockedBy, BlockedAt: timestamp(b.BlockedAt)}
}

// blockRoutes serves blocked customers. Agents block and unblock as they
// work conversations (they meet the spam first), admins always may;
// analysts, who read conversations, may read the list.
func (s *Server) blockRoutes(g *gin.RouterGroup) {
	agents := []engine.Role{engine.RoleAgent}
	s.route(g, route{Method: "POST", Path: "/customers/blocks", Summary: "Block a customer ({channel, external_id, reason}): their DMs are stored, marked blocked, and neither routed nor offered to any agent",
		Tag: "customers", Roles: agents, Request: blockRequest{}, Response: blockResponse{}, Status: http.StatusCreated}, withBody(s.block))
	s.route(g, route{Method: "GET", Path: "/customers/blocks", Summary: "List blocked customers, newest block first", Tag: "customers", Roles: everyone,
		Response: listResponse[blockResponse]{}, Status: http.StatusOK, Query: pageQuery},
		listing(func(c *gin.Context, p engine.Page) (engine.List[engine.CustomerBlock], error) {
			return s.svc.ListBlocks(c.Request.Context(), p)
		}, toBlockResponse))
	s.route(g, route{Method: "GET", Path: "/customers/blocks/:id", Summary: "Get a customer's block", Tag: "customers", Roles: everyone,
		Response: blockResponse{}, Status: http.StatusOK}, s.getBlock)
	s.route(g, route{Method: "DELETE", Path: "/customers/blocks/:id", Summary: "Unblock a customer: their next DM is routed and offered as usual, with the conversation held while they were blocked",
		Tag: "customers", Roles: agents, Status: http.StatusNoContent}, s.unblock)
}

func (s *Server) block(c *gin.Context, req blockRequest) (any, error) {
	in := engine.BlockInput{}
	if req.Channel != nil {
		in.Channel = engine.Channel(*req.Channel)
	}
	if req.ExternalID != nil {
		in.ExternalID = *req.ExternalID
	}
	if req.Reason != nil {
		in.Reason = *req.Reason
	}
	b, err := s.svc.Block(c.Request.Context(), actor(c), in)
	return toBlockResponse(b), err
}

func (s *Server) getBlock(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	b, err := s.svc.BlockByID(c.Request.Context(), engine.BlockID(id))
	return toBlockResponse(b), err
}

func (s *Server) unblock(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	return nil, s.svc.Unblock(c.Request.Context(), actor(c), engine.BlockID(id))
}

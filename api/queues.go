package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

type queueRequest struct {
	Name *string `json:"name"`
}

type queueResponse struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func toQueueResponse(q engine.Queue) queueResponse {
	return queueResponse{ID: string(q.ID), Name: q.Name, CreatedAt: timestamp(q.CreatedAt), UpdatedAt: timestamp(q.UpdatedAt)}
}

func (s *Server) queueRoutes(g *gin.RouterGroup) {
	s.handle(g, route{Method: "POST", Path: "/queues", Summary: "Create a queue", Tag: "queues", Roles: analysts,
		Request: queueRequest{}, Response: queueResponse{}, Status: http.StatusCreated}, s.createQueue)
	s.handle(g, route{Method: "GET", Path: "/queues", Summary: "List queues", Tag: "queues", Roles: everyone,
		Response: listResponse[queueResponse]{}, Status: http.StatusOK, Query: pageQuery}, s.listQueues)
	s.handle(g, route{Method: "GET", Path: "/queues/:id", Summary: "Get a queue", Tag: "queues", Roles: everyone,
		Response: queueResponse{}, Status: http.StatusOK}, s.getQueue)
	s.handle(g, route{Method: "PATCH", Path: "/queues/:id", Summary: "Rename a queue", Tag: "queues", Roles: analysts,
		Request: queueRequest{}, Response: queueResponse{}, Status: http.StatusOK}, s.updateQueue)
	s.handle(g, route{Method: "DELETE", Path: "/queues/:id", Summary: "Delete a queue that nothing uses", Tag: "queues", Roles: analysts,
		Status: http.StatusNoContent}, s.deleteQueue)
}

func (s *Server) createQueue(c *gin.Context) {
	var req queueRequest
	if err := decodeBody(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	q, err := s.svc.CreateQueue(c.Request.Context(), actor(c), engine.QueueInput{Name: req.Name})
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toQueueResponse(q))
}

func (s *Server) listQueues(c *gin.Context) {
	page, err := pageParams(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	l, err := s.svc.ListQueues(c.Request.Context(), page)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toList(l, toQueueResponse))
}

func (s *Server) getQueue(c *gin.Context) {
	id, err := pathID(c, "id", "id")
	if err != nil {
		s.writeError(c, err)
		return
	}
	q, err := s.svc.Queue(c.Request.Context(), engine.QueueID(id))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toQueueResponse(q))
}

func (s *Server) updateQueue(c *gin.Context) {
	id, err := pathID(c, "id", "id")
	if err != nil {
		s.writeError(c, err)
		return
	}
	var req queueRequest
	if err := decodeBody(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	q, err := s.svc.UpdateQueue(c.Request.Context(), actor(c), engine.QueueID(id), engine.QueueInput{Name: req.Name})
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toQueueResponse(q))
}

func (s *Server) deleteQueue(c *gin.Context) {
	id, err := pathID(c, "id", "id")
	if err != nil {
		s.writeError(c, err)
		return
	}
	if err := s.svc.DeleteQueue(c.Request.Context(), actor(c), engine.QueueID(id)); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

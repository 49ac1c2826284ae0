package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

type queueRequest struct {
	Name *string `json:"name"`
	// Ordering is how the queue offers its waiting conversations:
	// "priority" (the default: highest priority first, then the longest
	// waiting) or "age" (the longest waiting first).
	Ordering *string `json:"ordering"`
	// CalendarID is the calendar whose opening hours the queue keeps: out
	// of hours its conversations wait, and are offered when it opens. An
	// empty string removes it.
	CalendarID *string `json:"calendar_id"`
	// MaxWaiting is how many conversations may wait in the queue before
	// routing sends the next to overflow_queue_id instead; 0 removes the
	// limit (and then overflow_queue_id must be "").
	MaxWaiting      *int    `json:"max_waiting"`
	OverflowQueueID *string `json:"overflow_queue_id"`
}

func (r queueRequest) input() (engine.QueueInput, error) {
	in := engine.QueueInput{Name: r.Name}
	if r.Ordering != nil {
		o := engine.QueueOrdering(*r.Ordering)
		in.Ordering = &o
	}
	if r.CalendarID != nil {
		if *r.CalendarID != "" && !engine.ValidID(*r.CalendarID) {
			return in, engine.FieldError("calendar_id", "%q is not a valid id", *r.CalendarID)
		}
		id := engine.CalendarID(*r.CalendarID)
		in.CalendarID = &id
	}
	in.MaxWaiting = r.MaxWaiting
	if r.OverflowQueueID != nil {
		if *r.OverflowQueueID != "" && !engine.ValidID(*r.OverflowQueueID) {
			return in, engine.FieldError("overflow_queue_id", "%q is not a valid id", *r.OverflowQueueID)
		}
		id := engine.QueueID(*r.OverflowQueueID)
		in.OverflowQueueID = &id
	}
	return in, nil
}

type queueResponse struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Ordering string `json:"ordering"`
	// CalendarID is the queue's calendar, empty when it is always open.
	CalendarID string `json:"calendar_id"`
	// MaxWaiting is the queue's limit of waiting conversations, 0 for none;
	// past it routing sends conversations to OverflowQueueID.
	MaxWaiting      int    `json:"max_waiting"`
	OverflowQueueID string `json:"overflow_queue_id"`
	CreatedAt       string `json:"created_at"`
	UpdatedAt       string `json:"updated_at"`
}

func toQueueResponse(q engine.Queue) queueResponse {
	return queueResponse{ID: string(q.ID), Name: q.Name, Ordering: string(q.Ordering), CalendarID: string(q.CalendarID),
		MaxWaiting: q.MaxWaiting, OverflowQueueID: string(q.OverflowQueueID), CreatedAt: timestamp(q.CreatedAt), UpdatedAt: timestamp(q.UpdatedAt)}
}

func (s *Server) queueRoutes(g *gin.RouterGroup) {
	s.route(g, route{Method: "POST", Path: "/queues", Summary: "Create a queue", Tag: "queues", Roles: analysts,
		Request: queueRequest{}, Response: queueResponse{}, Status: http.StatusCreated}, withBody(s.createQueue))
	s.route(g, route{Method: "GET", Path: "/queues", Summary: "List queues", Tag: "queues", Roles: everyone,
		Response: listResponse[queueResponse]{}, Status: http.StatusOK, Query: pageQuery},
		listing(func(c *gin.Context, p engine.Page) (engine.List[engine.Queue], error) {
			return s.svc.ListQueues(c.Request.Context(), p)
		}, toQueueResponse))
	s.route(g, route{Method: "GET", Path: "/queues/stats", Summary: "Live statistics of every queue: conversations by status, longest wait, members' load",
		Tag: "queues", Roles: everyone, Response: queueStatsListResponse{}, Status: http.StatusOK}, s.queueStats)
	s.route(g, route{Method: "GET", Path: "/queues/:id", Summary: "Get a queue", Tag: "queues", Roles: everyone,
		Response: queueResponse{}, Status: http.StatusOK}, s.getQueue)
	s.route(g, route{Method: "PATCH", Path: "/queues/:id", Summary: "Rename a queue, change its ordering, its calendar or its overflow", Tag: "queues", Roles: analysts,
		Request: queueRequest{}, Response: queueResponse{}, Status: http.StatusOK}, withBody(s.updateQueue))
	s.route(g, route{Method: "DELETE", Path: "/queues/:id", Summary: "Delete a queue that nothing uses", Tag: "queues", Roles: analysts,
		Status: http.StatusNoContent}, s.deleteQueue)
}

func (s *Server) createQueue(c *gin.Context, req queueRequest) (any, error) {
	in, err := req.input()
	if err != nil {
		return nil, err
	}
	q, err := s.svc.CreateQueue(c.Request.Context(), actor(c), in)
	return toQueueResponse(q), err
}

func (s *Server) getQueue(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	q, err := s.svc.Queue(c.Request.Context(), engine.QueueID(id))
	return toQueueResponse(q), err
}

func (s *Server) updateQueue(c *gin.Context, req queueRequest) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	in, err := req.input()
	if err != nil {
		return nil, err
	}
	q, err := s.svc.UpdateQueue(c.Request.Context(), actor(c), engine.QueueID(id), in)
	return toQueueResponse(q), err
}

func (s *Server) deleteQueue(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	return nil, s.svc.DeleteQueue(c.Request.Context(), actor(c), engine.QueueID(id))
}

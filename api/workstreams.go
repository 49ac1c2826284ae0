package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

type workStreamRequest struct {
	Name             *string         `json:"name"`
	Channel          *engine.Channel `json:"channel"`
	Mode             *string         `json:"mode"`
	DefaultQueueID   *string         `json:"default_queue_id"`
	Capacity         *int            `json:"capacity"`
	AssignmentMethod *string         `json:"assignment_method"`
	OfferTimeout     *duration       `json:"offer_timeout"`
	RequeueAfter     *duration       `json:"requeue_after"`
	StallAfter       *duration       `json:"stall_after"`
	AutoCloseAfter   *duration       `json:"auto_close_after"`
	KeepSameAgent    *bool           `json:"keep_same_agent"`
	TimeZone         *string         `json:"time_zone"`
	// CalendarID is the work stream's operating hours: its conversations
	// in a queue without a calendar of its own wait while it is closed. An
	// empty string removes it.
	CalendarID      *string `json:"calendar_id"`
	ContactMatching *string `json:"contact_matching"`
	CreateContacts  *bool   `json:"create_contacts"`
}

func (r workStreamRequest) input() (engine.WorkStreamInput, error) {
	in := engine.WorkStreamInput{
		Name: r.Name, Channel: r.Channel, Capacity: r.Capacity, KeepSameAgent: r.KeepSameAgent, TimeZone: r.TimeZone,
		OfferTimeout: durationPtr(r.OfferTimeout), RequeueAfter: durationPtr(r.RequeueAfter),
		StallAfter: durationPtr(r.StallAfter), AutoCloseAfter: durationPtr(r.AutoCloseAfter),
	}
	if r.Mode != nil {
		m := engine.Mode(*r.Mode)
		in.Mode = &m
	}
	if r.AssignmentMethod != nil {
		m := engine.AssignmentMethod(*r.AssignmentMethod)
		in.AssignmentMethod = &m
	}
	if r.ContactMatching != nil {
		m := engine.ContactMatching(*r.ContactMatching)
		in.ContactMatching = &m
	}
	in.CreateContacts = r.CreateContacts
	if r.CalendarID != nil {
		if *r.CalendarID != "" && !engine.ValidID(*r.CalendarID) {
			return in, engine.FieldError("calendar_id", "%q is not a valid id", *r.CalendarID)
		}
		id := engine.CalendarID(*r.CalendarID)
		in.CalendarID = &id
	}
	if r.DefaultQueueID != nil {
		if !engine.ValidID(*r.DefaultQueueID) {
			return in, engine.FieldError("default_queue_id", "%q is not a valid id", *r.DefaultQueueID)
		}
		q := engine.QueueID(*r.DefaultQueueID)
		in.DefaultQueueID = &q
	}
	return in, nil
}

type workStreamResponse struct {
	ID               string   `json:"id"`
	Name             string   `json:"name"`
	Channel          string   `json:"channel"`
	Mode             string   `json:"mode"`
	DefaultQueueID   string   `json:"default_queue_id"`
	Capacity         int      `json:"capacity"`
	AssignmentMethod string   `json:"assignment_method"`
	OfferTimeout     duration `json:"offer_timeout"`
	RequeueAfter     duration `json:"requeue_after"`
	StallAfter       duration `json:"stall_after"`
	AutoCloseAfter   duration `json:"auto_close_after"`
	KeepSameAgent    bool     `json:"keep_same_agent"`
	TimeZone         string   `json:"time_zone"`
	// CalendarID is the work stream's calendar, empty when it keeps none.
	CalendarID      string `json:"calendar_id"`
	ContactMatching string `json:"contact_matching"`
	CreateContacts  bool   `json:"create_contacts"`
	CreatedAt       string `json:"created_at"`
	UpdatedAt       string `json:"updated_at"`
}

func toWorkStreamResponse(w engine.WorkStream) workStreamResponse {
	return workStreamResponse{
		ID: string(w.ID), Name: w.Name, Channel: string(w.Channel), Mode: string(w.Mode), DefaultQueueID: string(w.DefaultQueueID),
		Capacity: w.Capacity, AssignmentMethod: string(w.AssignmentMethod),
		OfferTimeout: duration(w.OfferTimeout), RequeueAfter: duration(w.RequeueAfter), StallAfter: duration(w.StallAfter), AutoCloseAfter: duration(w.AutoCloseAfter),
		KeepSameAgent: w.KeepSameAgent, TimeZone: w.TimeZone, CalendarID: string(w.CalendarID), ContactMatching: string(w.ContactMatching), CreateContacts: w.CreateContacts,
		CreatedAt: timestamp(w.CreatedAt), UpdatedAt: timestamp(w.UpdatedAt),
	}
}

func (s *Server) workStreamRoutes(g *gin.RouterGroup) {
	s.route(g, route{Method: "POST", Path: "/workstreams", Summary: "Create a work stream", Tag: "workstreams", Roles: analysts,
		Request: workStreamRequest{}, Response: workStreamResponse{}, Status: http.StatusCreated}, withBody(s.createWorkStream))
	s.route(g, route{Method: "GET", Path: "/workstreams", Summary: "List work streams (agents read them to know where they pick conversations)", Tag: "workstreams", Roles: everyone,
		Response: listResponse[workStreamResponse]{}, Status: http.StatusOK, Query: pageQuery},
		listing(func(c *gin.Context, p engine.Page) (engine.List[engine.WorkStream], error) {
			return s.svc.ListWorkStreams(c.Request.Context(), p)
		}, toWorkStreamResponse))
	s.route(g, route{Method: "GET", Path: "/workstreams/:id", Summary: "Get a work stream", Tag: "workstreams", Roles: everyone,
		Response: workStreamResponse{}, Status: http.StatusOK}, s.getWorkStream)
	s.route(g, route{Method: "PATCH", Path: "/workstreams/:id", Summary: "Change a work stream", Tag: "workstreams", Roles: analysts,
		Request: workStreamRequest{}, Response: workStreamResponse{}, Status: http.StatusOK}, withBody(s.updateWorkStream))
	s.route(g, route{Method: "DELETE", Path: "/workstreams/:id", Summary: "Delete a work stream that nothing uses", Tag: "workstreams", Roles: analysts,
		Status: http.StatusNoContent}, s.deleteWorkStream)
}

func (s *Server) createWorkStream(c *gin.Context, req workStreamRequest) (any, error) {
	in, err := req.input()
	if err != nil {
		return nil, err
	}
	w, err := s.svc.CreateWorkStream(c.Request.Context(), actor(c), in)
	return toWorkStreamResponse(w), err
}

func (s *Server) getWorkStream(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	w, err := s.svc.WorkStream(c.Request.Context(), engine.WorkStreamID(id))
	return toWorkStreamResponse(w), err
}

func (s *Server) updateWorkStream(c *gin.Context, req workStreamRequest) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	in, err := req.input()
	if err != nil {
		return nil, err
	}
	w, err := s.svc.UpdateWorkStream(c.Request.Context(), actor(c), engine.WorkStreamID(id), in)
	return toWorkStreamResponse(w), err
}

func (s *Server) deleteWorkStream(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	return nil, s.svc.DeleteWorkStream(c.Request.Context(), actor(c), engine.WorkStreamID(id))
}

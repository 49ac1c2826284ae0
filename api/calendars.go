package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

// openingHoursRequest is one weekly opening of a calendar, as clients
// write it.
type openingHoursRequest struct {
	// Day is the day of the week in English, "monday" to "sunday".
	Day string `json:"day"`
	// Open is a time of day, HH:MM.
	Open string `json:"open"`
	// Close is a time of day after Open, HH:MM; "24:00" is midnight.
	Close string `json:"close"`
}

type holidayRequest struct {
	// Date is YYYY-MM-DD in the calendar's time zone.
	Date string `json:"date"`
	Name string `json:"name"`
}

// openingHours and holiday are the same, answered.
type (
	openingHours openingHoursRequest
	holiday      holidayRequest
)

type calendarRequest struct {
	Name *string `json:"name"`
	// TimeZone is an IANA time zone name, e.g. "Europe/Berlin".
	TimeZone *string `json:"time_zone"`
	// Hours replace the weekly openings when set.
	Hours *[]openingHoursRequest `json:"hours"`
	// Holidays replace the holidays when set.
	Holidays *[]holidayRequest `json:"holidays"`
}

func (r calendarRequest) input() (engine.CalendarInput, error) {
	in := engine.CalendarInput{Name: r.Name, TimeZone: r.TimeZone}
	if r.Hours != nil {
		hours := make([]engine.OpeningHours, 0, len(*r.Hours))
		for i, h := range *r.Hours {
			day, ok := engine.ParseWeekday(strings.TrimSpace(h.Day))
			if !ok {
				return in, engine.FieldError(fmt.Sprintf("hours[%d].day", i), "%q is not a day of the week: write monday to sunday", h.Day)
			}
			hours = append(hours, engine.OpeningHours{Day: day, Open: strings.TrimSpace(h.Open), Close: strings.TrimSpace(h.Close)})
		}
		in.Hours = &hours
	}
	if r.Holidays != nil {
		days := make([]engine.Holiday, 0, len(*r.Holidays))
		for _, h := range *r.Holidays {
			days = append(days, engine.Holiday{Date: strings.TrimSpace(h.Date), Name: strings.TrimSpace(h.Name)})
		}
		in.Holidays = &days
	}
	return in, nil
}

type calendarResponse struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	TimeZone string         `json:"time_zone"`
	Hours    []openingHours `json:"hours"`
	Holidays []holiday      `json:"holidays"`
	// OpenNow tells whether the calendar is open at the time of the answer.
	OpenNow bool `json:"open_now"`
	// OpensAt is when a closed calendar opens next; null while it is
	// open, or when it does not open within a year.
	OpensAt   *string `json:"opens_at"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt string  `json:"updated_at"`
}

func toCalendarResponse(c engine.Calendar, now time.Time) calendarResponse {
	out := calendarResponse{ID: string(c.ID), Name: c.Name, TimeZone: c.TimeZone,
		Hours: make([]openingHours, 0, len(c.Hours)), Holidays: make([]holiday, 0, len(c.Holidays)),
		OpenNow: c.IsOpen(now), CreatedAt: timestamp(c.CreatedAt), UpdatedAt: timestamp(c.UpdatedAt)}
	for _, h := range c.Hours {
		out.Hours = append(out.Hours, openingHours{Day: strings.ToLower(h.Day.String()), Open: h.Open, Close: h.Close})
	}
	for _, h := range c.Holidays {
		out.Holidays = append(out.Holidays, holiday{Date: h.Date, Name: h.Name})
	}
	if !out.OpenNow {
		if at, ok := c.NextOpening(now); ok {
			s := timestamp(at)
			out.OpensAt = &s
		}
	}
	return out
}

func (s *Server) calendarRoutes(g *gin.RouterGroup) {
	s.route(g, route{Method: "POST", Path: "/calendars", Summary: "Create a calendar: a time zone, weekly opening hours and holidays", Tag: "calendars", Roles: analysts,
		Request: calendarRequest{}, Response: calendarResponse{}, Status: http.StatusCreated}, withBody(s.createCalendar))
	s.route(g, route{Method: "GET", Path: "/calendars", Summary: "List calendars by name, each with whether it is open now", Tag: "calendars", Roles: everyone,
		Response: listResponse[calendarResponse]{}, Status: http.StatusOK}, s.listCalendars)
	s.route(g, route{Method: "GET", Path: "/calendars/:id", Summary: "Get a calendar", Tag: "calendars", Roles: everyone,
		Response: calendarResponse{}, Status: http.StatusOK}, s.getCalendar)
	s.route(g, route{Method: "PATCH", Path: "/calendars/:id", Summary: "Change a calendar (hours and holidays are replaced as a whole)", Tag: "calendars", Roles: analysts,
		Request: calendarRequest{}, Response: calendarResponse{}, Status: http.StatusOK}, withBody(s.updateCalendar))
	s.route(g, route{Method: "DELETE", Path: "/calendars/:id", Summary: "Delete a calendar that no queue, work stream or rule uses", Tag: "calendars", Roles: analysts,
		Status: http.StatusNoContent}, s.deleteCalendar)
}

func (s *Server) createCalendar(c *gin.Context, req calendarRequest) (any, error) {
	in, err := req.input()
	if err != nil {
		return nil, err
	}
	cal, err := s.svc.CreateCalendar(c.Request.Context(), actor(c), in)
	return toCalendarResponse(cal, s.svc.Now()), err
}

func (s *Server) listCalendars(c *gin.Context) (any, error) {
	cals, err := s.svc.ListCalendars(c.Request.Context())
	if err != nil {
		return nil, err
	}
	now := s.svc.Now()
	out := listResponse[calendarResponse]{Items: make([]calendarResponse, 0, len(cals))}
	for _, cal := range cals {
		out.Items = append(out.Items, toCalendarResponse(cal, now))
	}
	return out, nil
}

func (s *Server) getCalendar(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	cal, err := s.svc.Calendar(c.Request.Context(), engine.CalendarID(id))
	return toCalendarResponse(cal, s.svc.Now()), err
}

func (s *Server) updateCalendar(c *gin.Context, req calendarRequest) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	in, err := req.input()
	if err != nil {
		return nil, err
	}
	cal, err := s.svc.UpdateCalendar(c.Request.Context(), actor(c), engine.CalendarID(id), in)
	return toCalendarResponse(cal, s.svc.Now()), err
}

func (s *Server) deleteCalendar(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	return nil, s.svc.DeleteCalendar(c.Request.Context(), actor(c), engine.CalendarID(id))
}

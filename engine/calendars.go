package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CalendarID identifies a calendar.
type CalendarID string

// Calendar is a business's operating hours: weekly opening hours in a time
// zone, and holidays on which it stays closed all day. A queue with a
// calendar offers its conversations only while the calendar is open; they
// wait meanwhile, and are offered when it opens. Rules read calendars by
// name (Time.InBusinessHours("Support EU")).
type Calendar struct {
	ID   CalendarID
	Name string
	// TimeZone is an IANA time zone name, e.g. "Europe/Berlin".
	TimeZone string
	// Hours are the weekly opening hours, by day, in the time zone.
	Hours     []OpeningHours
	Holidays  []Holiday
	CreatedAt time.Time
	UpdatedAt time.Time
}

// OpeningHours is one opening of a weekday, from Open to Close ("09:00" to
// "17:30"; "24:00" closes at midnight). A day may have several openings
// (a lunch break); they may not overlap.
type OpeningHours struct {
	Day   time.Weekday
	Open  string
	Close string
}

// Holiday is a date (YYYY-MM-DD, in the calendar's time zone) on which the
// calendar is closed all day.
type Holiday struct {
	Date string
	Name string
}

// CalendarInput is what a client sets on a calendar; nil fields keep their
// value. Hours and Holidays replace the lists when set.
type CalendarInput struct {
	Name     *string
	TimeZone *string
	Hours    *[]OpeningHours
	Holidays *[]Holiday
}

// CalendarStore persists calendars. Names are unique regardless of case
// (ErrConflict); deleting a calendar a queue uses is ErrConflict.
type CalendarStore interface {
	CreateCalendar(ctx context.Context, c Calendar) error
	Calendar(ctx context.Context, id CalendarID) (Calendar, error)
	// ListCalendars lists every calendar by name.
	ListCalendars(ctx context.Context) ([]Calendar, error)
	UpdateCalendar(ctx context.Context, c Calendar) error
	DeleteCalendar(ctx context.Context, id CalendarID) error
}

// MaxCalendarDays bounds how far NextOpening looks ahead: a calendar with no
// opening in a year (say, every day a holiday) never opens.
const MaxCalendarDays = 366

// Location returns the calendar's time zone; one removed from the
// system's zone database since it was saved reads as UTC.
func (c Calendar) Location() *time.Location {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// IsOpen reports whether the calendar is open at t.
func (c Calendar) IsOpen(t time.Time) bool {
	return c.isOpenIn(t, c.Location())
}

// isOpenIn is IsOpen with the calendar's time zone loaded.
func (c Calendar) isOpenIn(t time.Time, loc *time.Location) bool {
	local := t.In(loc)
	if c.holiday(local) {
		return false
	}
	minute := local.Hour()*60 + local.Minute()
	for _, h := range c.Hours {
		if h.Day != local.Weekday() {
			continue
		}
		open, closing := clockMinutes(h.Open), clockMinutes(h.Close)
		if minute >= open && minute < closing {
			return true
		}
	}
	return false
}

// NextOpening returns t when the calendar is open at t, else the next time
// it opens; false when it does not open within MaxCalendarDays.
func (c Calendar) NextOpening(t time.Time) (time.Time, bool) {
	loc := c.Location()
	if c.isOpenIn(t, loc) {
		return t, true
	}
	local := t.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	for i := 0; i <= MaxCalendarDays; i++ {
		d := day.AddDate(0, 0, i)
		if c.holiday(d) {
			continue
		}
		var best *time.Time
		for _, h := range c.Hours {
			if h.Day != d.Weekday() {
				continue
			}
			m := clockMinutes(h.Open)
			at := time.Date(d.Year(), d.Month(), d.Day(), m/60, m%60, 0, 0, loc)
			if at.After(t) && (best == nil || at.Before(*best)) {
				best = &at
			}
		}
		if best != nil {
			return best.UTC(), true
		}
	}
	return time.Time{}, false
}

func (c Calendar) holiday(local time.Time) bool {
	date := local.Format(time.DateOnly)
	return slices.ContainsFunc(c.Holidays, func(h Holiday) bool { return h.Date == date })
}

// clockMinutes reads "HH:MM" (checked when saved) as minutes after midnight.
func clockMinutes(s string) int {
	m, _ := clock(s, true)
	return m
}

// checkCalendar validates a calendar's fields, naming the one at fault.
func checkCalendar(c *Calendar) error {
	if c.TimeZone == "" {
		return FieldError("time_zone", "is required: an IANA time zone such as Europe/Berlin")
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || strings.EqualFold(c.TimeZone, "local") {
		return FieldError("time_zone", "%q is not an IANA time zone (write e.g. Europe/Berlin, America/New_York or UTC)", c.TimeZone)
	}
	if len(c.Hours) > 7*8 {
		return FieldError("hours", "has %d openings; at most %d (8 a day)", len(c.Hours), 7*8)
	}
	for i, h := range c.Hours {
		field := fmt.Sprintf("hours[%d]", i)
		if h.Day < time.Sunday || h.Day > time.Saturday {
			return FieldError(field+".day", "must be a day of the week, monday to sunday")
		}
		open, okOpen := clock(h.Open, false)
		closing, okClose := clock(h.Close, true)
		switch {
		case !okOpen:
			return FieldError(field+".open", "%q is not a time of day: write HH:MM, e.g. 09:00", h.Open)
		case !okClose:
			return FieldError(field+".close", "%q is not a time of day: write HH:MM, e.g. 17:30 (24:00 for midnight)", h.Close)
		case closing <= open:
			return FieldError(field+".close", "closes at %s, not after it opens at %s", h.Close, h.Open)
		}
		for j, o := range c.Hours[:i] {
			if o.Day == h.Day && clockMinutes(o.Open) < closing && open < clockMinutes(o.Close) {
				return FieldError(field, "overlaps hours[%d] (%s %s–%s)", j, strings.ToLower(o.Day.String()), o.Open, o.Close)
			}
		}
	}
	seen := map[string]bool{}
	for i, h := range c.Holidays {
		field := fmt.Sprintf("holidays[%d].date", i)
		if _, err := time.Parse(time.DateOnly, h.Date); err != nil {
			return FieldError(field, "%q is not a date: write YYYY-MM-DD, e.g. 2026-12-25", h.Date)
		}
		if seen[h.Date] {
			return FieldError(field, "%s is listed twice", h.Date)
		}
		seen[h.Date] = true
	}
	if len(c.Holidays) > 1000 {
		return FieldError("holidays", "has %d dates; at most 1000", len(c.Holidays))
	}
	return nil
}

// clock parses "HH:MM"; with endOfDay, "24:00" too.
func clock(s string, endOfDay bool) (int, bool) {
	if endOfDay && s == "24:00" {
		return 24 * 60, true
	}
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

// apply sets the fields of in on c.
func (in CalendarInput) apply(c *Calendar) error {
	if in.Name != nil {
		name, err := checkName("name", *in.Name)
		if err != nil {
			return err
		}
		c.Name = name
	}
	if in.TimeZone != nil {
		c.TimeZone = strings.TrimSpace(*in.TimeZone)
	}
	if in.Hours != nil {
		c.Hours = slices.Clone(*in.Hours)
	}
	if in.Holidays != nil {
		c.Holidays = slices.Clone(*in.Holidays)
	}
	return checkCalendar(c)
}

// CreateCalendar creates a calendar.
func (s *Service) CreateCalendar(ctx context.Context, actor Actor, in CalendarInput) (Calendar, error) {
	if in.Name == nil {
		return Calendar{}, FieldError("name", "is required")
	}
	now := s.clock.Now()
	c := Calendar{ID: CalendarID(NewID(now)), Hours: []OpeningHours{}, Holidays: []Holiday{}, CreatedAt: now, UpdatedAt: now}
	if err := in.apply(&c); err != nil {
		return Calendar{}, err
	}
	err := s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		if err := tx.CreateCalendar(ctx, c); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "create", Resource: "calendar", ResourceID: string(c.ID),
			Summary: fmt.Sprintf("created calendar %q (%s)", c.Name, c.TimeZone)}, nil
	})
	return c, err
}

// Calendar returns one calendar.
func (s *Service) Calendar(ctx context.Context, id CalendarID) (Calendar, error) {
	return s.store.Calendar(ctx, id)
}

// ListCalendars lists every calendar by name.
func (s *Service) ListCalendars(ctx context.Context) ([]Calendar, error) {
	return s.store.ListCalendars(ctx)
}

// UpdateCalendar changes the fields set in in. A calendar that rules read
// by name keeps its name (ErrConflict naming the rule).
func (s *Service) UpdateCalendar(ctx context.Context, actor Actor, id CalendarID, in CalendarInput) (Calendar, error) {
	var c Calendar
	err := s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		var err error
		if c, err = tx.Calendar(ctx, id); err != nil {
			return AuditEntry{}, err
		}
		oldName := c.Name
		if err := in.apply(&c); err != nil {
			return AuditEntry{}, err
		}
		if c.Name != oldName {
			if err := calendarInUse(ctx, tx, oldName, "renamed"); err != nil {
				return AuditEntry{}, err
			}
		}
		c.UpdatedAt = s.clock.Now()
		if err := tx.UpdateCalendar(ctx, c); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "update", Resource: "calendar", ResourceID: string(id),
			Summary: fmt.Sprintf("updated calendar %q: %s", c.Name, strings.Join(in.changed(), ", "))}, nil
	})
	return c, err
}

// changed names the fields in sets, for summaries.
func (in CalendarInput) changed() []string {
	var out []string
	for _, f := range []struct {
		set  bool
		name string
	}{{in.Name != nil, "name"}, {in.TimeZone != nil, "time zone"}, {in.Hours != nil, "hours"}, {in.Holidays != nil, "holidays"}} {
		if f.set {
			out = append(out, f.name)
		}
	}
	if len(out) == 0 {
		return []string{"nothing"}
	}
	return out
}

// DeleteCalendar deletes a calendar no queue uses and no rule reads.
func (s *Service) DeleteCalendar(ctx context.Context, actor Actor, id CalendarID) error {
	return s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		c, err := tx.Calendar(ctx, id)
		if err != nil {
			return AuditEntry{}, err
		}
		if err := calendarInUse(ctx, tx, c.Name, "deleted"); err != nil {
			return AuditEntry{}, err
		}
		if err := tx.DeleteCalendar(ctx, id); err != nil {
			if e := (*Error)(nil); errors.As(err, &e) && e.Kind == ErrConflict {
				return AuditEntry{}, Errorf(ErrConflict, "calendar %q cannot be deleted: %s", c.Name, e.Message)
			}
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "delete", Resource: "calendar", ResourceID: string(id), Summary: fmt.Sprintf("deleted calendar %q", c.Name)}, nil
	})
}

// ParseWeekday reads a day of the week in English ("monday", "Sunday").
func ParseWeekday(s string) (time.Weekday, bool) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.EqualFold(s, d.String()) {
			return d, true
		}
	}
	return 0, false
}

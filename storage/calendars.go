package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/switchboardhq/switchboard/engine"
)

type calendarRow struct {
	ID        string `gorm:"primaryKey"`
	Name      string
	TimeZone  string
	Hours     string    // JSON: []hoursJSON
	Holidays  string    // JSON: []holidayJSON
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (calendarRow) TableName() string { return "calendars" }

// hoursJSON and holidayJSON are how a calendar's lists are stored; their
// field names must not change.
type hoursJSON struct {
	Day   string `json:"day"` // "monday" … "sunday"
	Open  string `json:"open"`
	Close string `json:"close"`
}

type holidayJSON struct {
	Date string `json:"date"`
	Name string `json:"name,omitempty"`
}

func toCalendarRow(c engine.Calendar) calendarRow {
	hours := make([]hoursJSON, len(c.Hours))
	for i, h := range c.Hours {
		hours[i] = hoursJSON{Day: strings.ToLower(h.Day.String()), Open: h.Open, Close: h.Close}
	}
	holidays := make([]holidayJSON, len(c.Holidays))
	for i, h := range c.Holidays {
		holidays[i] = holidayJSON(h)
	}
	return calendarRow{ID: string(c.ID), Name: c.Name, TimeZone: c.TimeZone, Hours: jsonText(hours, "[]"), Holidays: jsonText(holidays, "[]"),
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func toEngineCalendar(r calendarRow) (engine.Calendar, error) {
	c := engine.Calendar{ID: engine.CalendarID(r.ID), Name: r.Name, TimeZone: r.TimeZone, Hours: []engine.OpeningHours{}, Holidays: []engine.Holiday{},
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	var hours []hoursJSON
	if err := json.Unmarshal([]byte(r.Hours), &hours); err != nil {
		return engine.Calendar{}, fmt.Errorf("calendar %s: decode hours: %w", r.ID, err)
	}
	for _, h := range hours {
		day, ok := engine.ParseWeekday(h.Day)
		if !ok {
			return engine.Calendar{}, fmt.Errorf("calendar %s: stored day %q", r.ID, h.Day)
		}
		c.Hours = append(c.Hours, engine.OpeningHours{Day: day, Open: h.Open, Close: h.Close})
	}
	var holidays []holidayJSON
	if err := json.Unmarshal([]byte(r.Holidays), &holidays); err != nil {
		return engine.Calendar{}, fmt.Errorf("calendar %s: decode holidays: %w", r.ID, err)
	}
	for _, h := range holidays {
		c.Holidays = append(c.Holidays, engine.Holiday(h))
	}
	return c, nil
}

// CreateCalendar stores a new calendar.
func (r *repo) CreateCalendar(ctx context.Context, c engine.Calendar) error {
	row := toCalendarRow(c)
	if err := r.db(ctx).Create(&row).Error; err != nil {
		return translate(err, "create calendar", "a calendar named %q already exists", c.Name)
	}
	return nil
}

// Calendar returns one calendar.
func (r *repo) Calendar(ctx context.Context, id engine.CalendarID) (engine.Calendar, error) {
	row, err := take[calendarRow](r.db(ctx).Where("id = ?", string(id)), "get calendar", "no calendar has the id %q", id)
	if err != nil {
		return engine.Calendar{}, err
	}
	return toEngineCalendar(row)
}

// ListCalendars lists every calendar by name.
func (r *repo) ListCalendars(ctx context.Context) ([]engine.Calendar, error) {
	var rows []calendarRow
	if err := r.db(ctx).Order("lower(name), id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list calendars: %w", err)
	}
	out := make([]engine.Calendar, 0, len(rows))
	for _, row := range rows {
		c, err := toEngineCalendar(row)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// UpdateCalendar saves a changed calendar.
func (r *repo) UpdateCalendar(ctx context.Context, c engine.Calendar) error {
	row := toCalendarRow(c)
	res := r.db(ctx).Model(&calendarRow{}).Where("id = ?", row.ID).Updates(map[string]any{"name": row.Name, "time_zone": row.TimeZone,
		"hours": row.Hours, "holidays": row.Holidays, "updated_at": row.UpdatedAt})
	if res.Error != nil {
		return translate(res.Error, "update calendar", "a calendar named %q already exists", c.Name)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrNotFound, "no calendar has the id %q", c.ID)
	}
	return nil
}

// DeleteCalendar deletes a calendar; one a queue or work stream keeps is
// ErrConflict.
func (r *repo) DeleteCalendar(ctx context.Context, id engine.CalendarID) error {
	var names []string
	if err := r.db(ctx).Model(&queueRow{}).Where("calendar_id = ?", string(id)).Order("name").Pluck("name", &names).Error; err != nil {
		return fmt.Errorf("delete calendar: %w", err)
	}
	if len(names) > 0 {
		return engine.Errorf(engine.ErrConflict, "the queues %s keep its hours", strings.Join(names, ", "))
	}
	if err := r.db(ctx).Model(&workStreamRow{}).Where("calendar_id = ?", string(id)).Order("name").Pluck("name", &names).Error; err != nil {
		return fmt.Errorf("delete calendar: %w", err)
	}
	if len(names) > 0 {
		return engine.Errorf(engine.ErrConflict, "the work streams %s keep its hours", strings.Join(names, ", "))
	}
	res := r.db(ctx).Where("id = ?", string(id)).Delete(&calendarRow{})
	if res.Error != nil {
		if errors.Is(res.Error, gorm.ErrForeignKeyViolated) {
			return engine.Errorf(engine.ErrConflict, "a queue keeps its hours")
		}
		return fmt.Errorf("delete calendar: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrNotFound, "no calendar has the id %q", id)
	}
	return nil
}

package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/switchboardhq/switchboard/engine"
)

type workStreamRow struct {
	ID               string `gorm:"primaryKey"`
	Name             string
	Channel          string
	Mode             string
	DefaultQueueID   string
	Capacity         int
	AssignmentMethod string
	OfferTimeoutMS   int64 `gorm:"column:offer_timeout_ms"`
	RequeueAfterMS   int64 `gorm:"column:requeue_after_ms"`
	StallAfterMS     int64 `gorm:"column:stall_after_ms"`
	AutoCloseAfterMS int64 `gorm:"column:auto_close_after_ms"`
	KeepSameAgent    bool
	TimeZone         string
	CalendarID       *string // NULL: none, so the foreign key on PostgreSQL holds
	ContactMatching  string
	CreateContacts   bool
	CreatedAt        time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt        time.Time `gorm:"autoUpdateTime:false"`
}

func (workStreamRow) TableName() string { return "work_streams" }

func toWorkStreamRow(w engine.WorkStream) workStreamRow {
	return workStreamRow{
		ID: string(w.ID), Name: w.Name, Channel: string(w.Channel), Mode: string(w.Mode), DefaultQueueID: string(w.DefaultQueueID),
		Capacity: w.Capacity, AssignmentMethod: string(w.AssignmentMethod),
		OfferTimeoutMS: w.OfferTimeout.Milliseconds(), RequeueAfterMS: w.RequeueAfter.Milliseconds(),
		StallAfterMS: w.StallAfter.Milliseconds(), AutoCloseAfterMS: w.AutoCloseAfter.Milliseconds(),
		KeepSameAgent: w.KeepSameAgent, TimeZone: w.TimeZone, CalendarID: nullable(string(w.CalendarID)), ContactMatching: string(w.ContactMatching), CreateContacts: w.CreateContacts,
		CreatedAt: w.CreatedAt.UTC(), UpdatedAt: w.UpdatedAt.UTC(),
	}
}

func toEngineWorkStream(r workStreamRow) engine.WorkStream {
	ms := func(v int64) time.Duration { return time.Duration(v) * time.Millisecond }
	return engine.WorkStream{
		ID: engine.WorkStreamID(r.ID), Name: r.Name, Channel: engine.Channel(r.Channel), Mode: engine.Mode(r.Mode), DefaultQueueID: engine.QueueID(r.DefaultQueueID),
		Capacity: r.Capacity, AssignmentMethod: engine.AssignmentMethod(r.AssignmentMethod),
		OfferTimeout: ms(r.OfferTimeoutMS), RequeueAfter: ms(r.RequeueAfterMS), StallAfter: ms(r.StallAfterMS), AutoCloseAfter: ms(r.AutoCloseAfterMS),
		KeepSameAgent: r.KeepSameAgent, TimeZone: r.TimeZone, CalendarID: engine.CalendarID(deref(r.CalendarID)), ContactMatching: engine.ContactMatching(r.ContactMatching), CreateContacts: r.CreateContacts,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

// CreateWorkStream stores a new work stream.
func (r *repo) CreateWorkStream(ctx context.Context, w engine.WorkStream) error {
	row := toWorkStreamRow(w)
	if err := r.db(ctx).Create(&row).Error; err != nil {
		return translate(err, "create work stream", "a work stream named %q already exists", w.Name)
	}
	return nil
}

// WorkStream returns one work stream.
func (r *repo) WorkStream(ctx context.Context, id engine.WorkStreamID) (engine.WorkStream, error) {
	var row workStreamRow
	err := r.rawRow(ctx, `SELECT id, name, channel, mode, default_queue_id, capacity, assignment_method, offer_timeout_ms, requeue_after_ms,
		stall_after_ms, auto_close_after_ms, keep_same_agent, time_zone, calendar_id, contact_matching, create_contacts, created_at, updated_at
		FROM work_streams WHERE id = ?`, string(id)).Scan(&row.ID, &row.Name, &row.Channel, &row.Mode, &row.DefaultQueueID, &row.Capacity,
		&row.AssignmentMethod, &row.OfferTimeoutMS, &row.RequeueAfterMS, &row.StallAfterMS, &row.AutoCloseAfterMS, &row.KeepSameAgent,
		&row.TimeZone, &row.CalendarID, &row.ContactMatching, &row.CreateContacts, &row.CreatedAt, &row.UpdatedAt)
	if err != nil {
		return engine.WorkStream{}, rawNotFound(err, "get work stream", "no work stream has the id %q", id)
	}
	return toEngineWorkStream(row), nil
}

// ListWorkStreams lists work streams in creation order.
func (r *repo) ListWorkStreams(ctx context.Context, p engine.Page) (engine.List[engine.WorkStream], error) {
	var rows []workStreamRow
	if err := paged(r.db(ctx).Model(&workStreamRow{}), p, false).Find(&rows).Error; err != nil {
		return engine.List[engine.WorkStream]{}, fmt.Errorf("list work streams: %w", err)
	}
	return pageOf(rows, p, toEngineWorkStream, func(r workStreamRow) string { return r.ID }), nil
}

// UpdateWorkStream saves a changed work stream.
func (r *repo) UpdateWorkStream(ctx context.Context, w engine.WorkStream) error {
	row := toWorkStreamRow(w)
	res := r.db(ctx).Model(&workStreamRow{}).Where("id = ?", row.ID).Select("*").Omit("id", "created_at").Updates(&row)
	if res.Error != nil {
		return translate(res.Error, "update work stream", "a work stream named %q already exists", w.Name)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrNotFound, "no work stream has the id %q", w.ID)
	}
	return nil
}

// DeleteWorkStream deletes a work stream; one still referred to is ErrConflict.
func (r *repo) DeleteWorkStream(ctx context.Context, id engine.WorkStreamID) error {
	res := r.db(ctx).Where("id = ?", string(id)).Delete(&workStreamRow{})
	if res.Error != nil {
		if errors.Is(res.Error, gorm.ErrForeignKeyViolated) {
			return engine.Errorf(engine.ErrConflict, "work stream %s is in use (a Twitter handle, rule or conversation refers to it)", id)
		}
		return fmt.Errorf("delete work stream: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrNotFound, "no work stream has the id %q", id)
	}
	return nil
}

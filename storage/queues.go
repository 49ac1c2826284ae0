package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/switchboardhq/switchboard/engine"
)

type queueRow struct {
	ID              string `gorm:"primaryKey"`
	Name            string
	Ordering        string
	CalendarID      *string
	MaxWaiting      int
	OverflowQueueID *string
	CreatedAt       time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt       time.Time `gorm:"autoUpdateTime:false"`
}

func (queueRow) TableName() string { return "queues" }

func toQueueRow(q engine.Queue) queueRow {
	if q.Ordering == "" {
		q.Ordering = engine.OrderByPriority
	}
	return queueRow{ID: string(q.ID), Name: q.Name, Ordering: string(q.Ordering), CalendarID: nullable(string(q.CalendarID)),
		MaxWaiting: q.MaxWaiting, OverflowQueueID: nullable(string(q.OverflowQueueID)), CreatedAt: q.CreatedAt.UTC(), UpdatedAt: q.UpdatedAt.UTC()}
}

func toEngineQueue(r queueRow) engine.Queue {
	return engine.Queue{ID: engine.QueueID(r.ID), Name: r.Name, Ordering: engine.QueueOrdering(r.Ordering), CalendarID: engine.CalendarID(deref(r.CalendarID)),
		MaxWaiting: r.MaxWaiting, OverflowQueueID: engine.QueueID(deref(r.OverflowQueueID)), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// CreateQueue stores a new queue.
func (r *repo) CreateQueue(ctx context.Context, q engine.Queue) error {
	row := toQueueRow(q)
	if err := r.db(ctx).Create(&row).Error; err != nil {
		return translate(err, "create queue", "a queue named %q already exists", q.Name)
	}
	return nil
}

// Queue returns one queue.
func (r *repo) Queue(ctx context.Context, id engine.QueueID) (engine.Queue, error) {
	row, err := take[queueRow](r.db(ctx).Where("id = ?", string(id)), "get queue", "no queue has the id %q", id)
	if err != nil {
		return engine.Queue{}, err
	}
	return toEngineQueue(row), nil
}

// ListQueues lists queues in creation order.
func (r *repo) ListQueues(ctx context.Context, p engine.Page) (engine.List[engine.Queue], error) {
	var rows []queueRow
	if err := paged(r.db(ctx).Model(&queueRow{}), p, false).Find(&rows).Error; err != nil {
		return engine.List[engine.Queue]{}, fmt.Errorf("list queues: %w", err)
	}
	return pageOf(rows, p, toEngineQueue, func(r queueRow) string { return r.ID }), nil
}

// UpdateQueue saves a changed queue.
func (r *repo) UpdateQueue(ctx context.Context, q engine.Queue) error {
	res := r.db(ctx).Model(&queueRow{}).Where("id = ?", string(q.ID)).Updates(map[string]any{"name": q.Name, "ordering": string(q.Ordering), "calendar_id": nullable(string(q.CalendarID)),
		"max_waiting": q.MaxWaiting, "overflow_queue_id": nullable(string(q.OverflowQueueID)), "updated_at": q.UpdatedAt.UTC()})
	if res.Error != nil {
		return translate(res.Error, "update queue", "a queue named %q already exists", q.Name)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrNotFound, "no queue has the id %q", q.ID)
	}
	return nil
}

// DeleteQueue deletes a queue; one still referred to is ErrConflict.
func (r *repo) DeleteQueue(ctx context.Context, id engine.QueueID) error {
	n, err := r.inProgress(ctx, "queue_id = ?", string(id))
	if err != nil {
		return err
	}
	if n > 0 {
		return engine.Errorf(engine.ErrConflict, "it holds %d conversations in progress", n)
	}
	var overflowing []string
	if err := r.db(ctx).Model(&queueRow{}).Where("overflow_queue_id = ?", string(id)).Order("name").Pluck("name", &overflowing).Error; err != nil {
		return fmt.Errorf("delete queue: %w", err)
	}
	if len(overflowing) > 0 {
		return engine.Errorf(engine.ErrConflict, "the queues %s overflow to it", strings.Join(overflowing, ", "))
	}
	res := r.db(ctx).Where("id = ?", string(id)).Delete(&queueRow{})
	if res.Error != nil {
		if errors.Is(res.Error, gorm.ErrForeignKeyViolated) {
			return engine.Errorf(engine.ErrConflict, "it is in use: a work stream, rule, agent or conversation refers to it")
		}
		return fmt.Errorf("delete queue: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrNotFound, "no queue has the id %q", id)
	}
	return nil
}

// CountWaiting counts the open conversations waiting in a queue, but except.
func (r *repo) CountWaiting(ctx context.Context, id engine.QueueID, except engine.ConversationID) (int, error) {
	var n int
	err := r.rawRow(ctx, `SELECT COUNT(*) FROM conversations WHERE queue_id = ? AND status = ? AND id <> ?`,
		string(id), string(engine.StatusOpen), string(except)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count waiting conversations: %w", err)
	}
	return n, nil
}

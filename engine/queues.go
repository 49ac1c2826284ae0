package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Queue is where routed conversations wait for an agent.
type Queue struct {
	ID   QueueID
	Name string
	// Ordering is the order in which the queue's waiting conversations are
	// offered.
	Ordering QueueOrdering
	// CalendarID, when set, is the calendar whose opening hours the queue
	// keeps: its conversations are offered only while it is open.
	CalendarID CalendarID
	// MaxWaiting, when above 0, is how many conversations may wait in the
	// queue before routing sends the next to OverflowQueueID instead.
	MaxWaiting      int
	OverflowQueueID QueueID
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// QueueStore persists queues. Names are unique regardless of case
// (ErrConflict); deleting a queue that something refers to is ErrConflict.
type QueueStore interface {
	CreateQueue(ctx context.Context, q Queue) error
	Queue(ctx context.Context, id QueueID) (Queue, error)
	ListQueues(ctx context.Context, p Page) (List[Queue], error)
	UpdateQueue(ctx context.Context, q Queue) error
	DeleteQueue(ctx context.Context, id QueueID) error
	// CountWaiting counts the open conversations waiting in a queue, but
	// except.
	CountWaiting(ctx context.Context, id QueueID, except ConversationID) (int, error)
}

// QueueOrdering is the order in which a queue offers its waiting
// conversations.
type QueueOrdering string

// The orderings of a queue.
const (
	// OrderByPriority offers the highest priority first, then the longest
	// waiting (routed longest ago). It is the default.
	OrderByPriority QueueOrdering = "priority"
	// OrderByAge offers the longest waiting first, whatever the priority.
	OrderByAge QueueOrdering = "age"
)

// checkOrdering validates a queue's ordering.
func checkOrdering(o QueueOrdering) error {
	if o != OrderByPriority && o != OrderByAge {
		return FieldError("ordering", "must be %q (highest priority first, then the longest waiting) or %q (the longest waiting first), not %q", OrderByPriority, OrderByAge, o)
	}
	return nil
}

// QueueInput is what a client sets on a queue; nil fields keep their
// value (or the default, on create).
type QueueInput struct {
	Name     *string
	Ordering *QueueOrdering
	// CalendarID sets the queue's calendar; "" removes it.
	CalendarID *CalendarID
	// MaxWaiting and OverflowQueueID set the queue's overflow: 0 and ""
	// remove it.
	MaxWaiting      *int
	OverflowQueueID *QueueID
}

// MaxQueueWaiting bounds a queue's max_waiting.
const MaxQueueWaiting = 100000

// applyOverflow sets the queue's overflow from in: a limit of waiting
// conversations and the queue that takes the next ones. An overflow queue
// needs a limit, and a limit a queue to overflow to.
func (in QueueInput) applyOverflow(ctx context.Context, tx QueueStore, q *Queue) error {
	if in.MaxWaiting != nil {
		if *in.MaxWaiting < 0 || *in.MaxWaiting > MaxQueueWaiting {
			return FieldError("max_waiting", "must be 0 (no limit) to %d, not %d", MaxQueueWaiting, *in.MaxWaiting)
		}
		q.MaxWaiting = *in.MaxWaiting
	}
	if in.OverflowQueueID != nil {
		id := *in.OverflowQueueID
		if id == q.ID && id != "" {
			return FieldError("overflow_queue_id", "is the queue itself: name another queue")
		}
		if id != "" {
			if _, err := tx.Queue(ctx, id); errors.Is(err, ErrNotFound) {
				return FieldError("overflow_queue_id", "no queue has the id %q", id)
			} else if err != nil {
				return err
			}
		}
		q.OverflowQueueID = id
	}
	switch {
	case q.MaxWaiting > 0 && q.OverflowQueueID == "":
		return FieldError("overflow_queue_id", "is required with max_waiting: the queue that takes conversations past %d waiting", q.MaxWaiting)
	case q.MaxWaiting == 0 && q.OverflowQueueID != "":
		return FieldError("max_waiting", "is required with overflow_queue_id: how many may wait before the next overflows")
	}
	return nil
}

// applyCalendar sets the queue's calendar from in, checking it exists.
func (in QueueInput) applyCalendar(ctx context.Context, tx CalendarStore, q *Queue) error {
	if in.CalendarID == nil {
		return nil
	}
	if err := checkCalendarID(ctx, tx, *in.CalendarID); err != nil {
		return err
	}
	q.CalendarID = *in.CalendarID
	return nil
}

// checkCalendarID checks that a calendar_id being set names a calendar;
// "" (none) always passes.
func checkCalendarID(ctx context.Context, tx CalendarStore, id CalendarID) error {
	if id == "" {
		return nil
	}
	if _, err := tx.Calendar(ctx, id); errors.Is(err, ErrNotFound) {
		return FieldError("calendar_id", "no calendar has the id %q", id)
	} else if err != nil {
		return err
	}
	return nil
}

// checkName validates a resource name: 1–100 characters, not blank.
func checkName(field, name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", FieldError(field, "is required")
	case utf8.RuneCountInString(name) > 100:
		return "", FieldError(field, "is longer than 100 characters")
	}
	return name, nil
}

// CreateQueue creates a queue.
func (s *Service) CreateQueue(ctx context.Context, actor Actor, in QueueInput) (Queue, error) {
	if in.Name == nil {
		return Queue{}, FieldError("name", "is required")
	}
	name, err := checkName("name", *in.Name)
	if err != nil {
		return Queue{}, err
	}
	ordering := OrderByPriority
	if in.Ordering != nil {
		if err := checkOrdering(*in.Ordering); err != nil {
			return Queue{}, err
		}
		ordering = *in.Ordering
	}
	now := s.clock.Now()
	q := Queue{ID: QueueID(NewID(now)), Name: name, Ordering: ordering, CreatedAt: now, UpdatedAt: now}
	err = s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		if err := in.applyCalendar(ctx, tx, &q); err != nil {
			return AuditEntry{}, err
		}
		if err := in.applyOverflow(ctx, tx, &q); err != nil {
			return AuditEntry{}, err
		}
		if err := tx.CreateQueue(ctx, q); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "create", Resource: "queue", ResourceID: string(q.ID), Summary: fmt.Sprintf("created queue %q", name)}, nil
	})
	return q, err
}

// Queue returns one queue.
func (s *Service) Queue(ctx context.Context, id QueueID) (Queue, error) {
	return s.store.Queue(ctx, id)
}

// ListQueues lists queues in creation order.
func (s *Service) ListQueues(ctx context.Context, p Page) (List[Queue], error) {
	return s.store.ListQueues(ctx, p.Normalized())
}

// UpdateQueue changes the fields set in in.
func (s *Service) UpdateQueue(ctx context.Context, actor Actor, id QueueID, in QueueInput) (Queue, error) {
	var q Queue
	err := s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		var err error
		if q, err = tx.Queue(ctx, id); err != nil {
			return AuditEntry{}, err
		}
		old := q
		if in.Name != nil {
			if q.Name, err = checkName("name", *in.Name); err != nil {
				return AuditEntry{}, err
			}
		}
		if in.Ordering != nil {
			if err := checkOrdering(*in.Ordering); err != nil {
				return AuditEntry{}, err
			}
			q.Ordering = *in.Ordering
		}
		if err := in.applyCalendar(ctx, tx, &q); err != nil {
			return AuditEntry{}, err
		}
		if err := in.applyOverflow(ctx, tx, &q); err != nil {
			return AuditEntry{}, err
		}
		q.UpdatedAt = s.clock.Now()
		if err := tx.UpdateQueue(ctx, q); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "update", Resource: "queue", ResourceID: string(id), Summary: queueChangeSummary(old, q)}, nil
	})
	return q, err
}

// DeleteQueue deletes a queue that nothing refers to.
func (s *Service) DeleteQueue(ctx context.Context, actor Actor, id QueueID) error {
	return s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		q, err := tx.Queue(ctx, id)
		if err != nil {
			return AuditEntry{}, err
		}
		if err := tx.DeleteQueue(ctx, id); err != nil {
			if e := (*Error)(nil); errors.As(err, &e) && e.Kind == ErrConflict {
				return AuditEntry{}, Errorf(ErrConflict, "queue %q cannot be deleted: %s", q.Name, e.Message)
			}
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "delete", Resource: "queue", ResourceID: string(id), Summary: fmt.Sprintf("deleted queue %q", q.Name)}, nil
	})
}

// queueChangeSummary describes a queue update for the audit log.
func queueChangeSummary(old, q Queue) string {
	var changes []string
	if old.Name != q.Name {
		changes = append(changes, fmt.Sprintf("renamed queue %q to %q", old.Name, q.Name))
	}
	if old.Ordering != q.Ordering {
		changes = append(changes, fmt.Sprintf("ordering of queue %q from %s to %s", q.Name, old.Ordering, q.Ordering))
	}
	if old.CalendarID != q.CalendarID {
		changes = append(changes, fmt.Sprintf("calendar of queue %q from %q to %q", q.Name, old.CalendarID, q.CalendarID))
	}
	if len(changes) == 0 {
		return fmt.Sprintf("updated queue %q (no change)", q.Name)
	}
	return strings.Join(changes, "; ")
}

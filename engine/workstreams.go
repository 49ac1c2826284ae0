package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Mode is how a work stream distributes work.
type Mode string

// Push offers each conversation to an agent; pick leaves it in the queue
// for agents to take.
const (
	ModePush Mode = "push"
	ModePick Mode = "pick"
)

// AssignmentMethod chooses among the agents with room for a conversation.
type AssignmentMethod string

// The assignment methods of push mode.
const (
	AssignRoundRobin      AssignmentMethod = "round_robin"
	AssignHighestCapacity AssignmentMethod = "highest_capacity"
	AssignMostIdle        AssignmentMethod = "most_idle"
)

// ContactMatching says how a customer without a contact linked to their
// channel identity is matched to a contact by name.
type ContactMatching string

// Off never matches by name; exact links the one contact (not yet linked to
// a channel identity) whose screen name, then display name, equals the
// customer's, ignoring case; ask links nothing and leaves the choice to the
// agent.
const (
	MatchOff   ContactMatching = "off"
	MatchExact ContactMatching = "exact"
	MatchAsk   ContactMatching = "ask"
)

// WorkStream is the routing and distribution policy of a channel.
type WorkStream struct {
	ID               WorkStreamID
	Name             string
	Channel          Channel
	Mode             Mode
	DefaultQueueID   QueueID
	Capacity         int // capacity one conversation takes from an agent
	AssignmentMethod AssignmentMethod
	OfferTimeout     time.Duration
	RequeueAfter     time.Duration
	StallAfter       time.Duration
	AutoCloseAfter   time.Duration
	KeepSameAgent    bool
	TimeZone         string
	// CalendarID is the work stream's operating hours: its conversations in
	// a queue without a calendar of its own are offered only while it is
	// open. Empty: always open.
	CalendarID CalendarID
	// ContactMatching and CreateContacts govern customer identification.
	ContactMatching ContactMatching
	CreateContacts  bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Location returns the work stream's time zone.
func (w WorkStream) Location() *time.Location {
	loc, err := time.LoadLocation(w.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// WorkStreamStore persists work streams. Names are unique regardless of
// case; deleting one that something refers to is ErrConflict.
type WorkStreamStore interface {
	CreateWorkStream(ctx context.Context, w WorkStream) error
	WorkStream(ctx context.Context, id WorkStreamID) (WorkStream, error)
	ListWorkStreams(ctx context.Context, p Page) (List[WorkStream], error)
	UpdateWorkStream(ctx context.Context, w WorkStream) error
	DeleteWorkStream(ctx context.Context, id WorkStreamID) error
}

// WorkStreamInput is what a client sets on a work stream; nil fields keep
// their current value (or the default, on create).
type WorkStreamInput struct {
	Name             *string
	Channel          *Channel
	Mode             *Mode
	DefaultQueueID   *QueueID
	Capacity         *int
	AssignmentMethod *AssignmentMethod
	OfferTimeout     *time.Duration
	RequeueAfter     *time.Duration
	StallAfter       *time.Duration
	AutoCloseAfter   *time.Duration
	KeepSameAgent    *bool
	TimeZone         *string
	// CalendarID sets the work stream's calendar; "" removes it.
	CalendarID      *CalendarID
	ContactMatching *ContactMatching
	CreateContacts  *bool
}

// DefaultWorkStream holds the defaults of a new work stream of ch.
func DefaultWorkStream(ch Channel) WorkStream {
	return WorkStream{
		Channel:          ch,
		Mode:             ModePush,
		Capacity:         1,
		AssignmentMethod: AssignRoundRobin,
		OfferTimeout:     2 * time.Minute,
		RequeueAfter:     15 * time.Minute,
		StallAfter:       30 * time.Minute,
		AutoCloseAfter:   72 * time.Hour,
		KeepSameAgent:    true,
		TimeZone:         "UTC",
		ContactMatching:  MatchExact,
		CreateContacts:   true,
	}
}

// MinTimer is the shortest timer a work stream accepts: short enough to
// watch a requeue happen in a demo.
const MinTimer = time.Second

// apply sets the fields of in on w and validates the result.
func (in WorkStreamInput) apply(ctx context.Context, tx interface {
	QueueStore
	CalendarStore
}, channels []Channel, w *WorkStream) error {
	if in.Name != nil {
		name, err := checkName("name", *in.Name)
		if err != nil {
			return err
		}
		w.Name = name
	}
	if in.Channel != nil {
		if !slices.Contains(channels, *in.Channel) {
			return FieldError("channel", "%q is not a channel of this service; its channels are %s", *in.Channel, quotedList(channels))
		}
		w.Channel = *in.Channel
	}
	if in.Mode != nil {
		if *in.Mode != ModePush && *in.Mode != ModePick {
			return FieldError("mode", "%q is neither push nor pick", *in.Mode)
		}
		w.Mode = *in.Mode
	}
	if in.Capacity != nil {
		if *in.Capacity < 1 || *in.Capacity > 100 {
			return FieldError("capacity", "must be between 1 and 100")
		}
		w.Capacity = *in.Capacity
	}
	if in.AssignmentMethod != nil {
		switch *in.AssignmentMethod {
		case AssignRoundRobin, AssignHighestCapacity, AssignMostIdle:
			w.AssignmentMethod = *in.AssignmentMethod
		default:
			return FieldError("assignment_method", "%q is not round_robin, highest_capacity or most_idle", *in.AssignmentMethod)
		}
	}
	for _, t := range []struct {
		field string
		in    *time.Duration
		out   *time.Duration
	}{
		{"offer_timeout", in.OfferTimeout, &w.OfferTimeout},
		{"requeue_after", in.RequeueAfter, &w.RequeueAfter},
		{"stall_after", in.StallAfter, &w.StallAfter},
		{"auto_close_after", in.AutoCloseAfter, &w.AutoCloseAfter},
	} {
		if t.in == nil {
			continue
		}
		if *t.in < MinTimer {
			return FieldError(t.field, "must be at least 1s")
		}
		*t.out = *t.in
	}
	if in.KeepSameAgent != nil {
		w.KeepSameAgent = *in.KeepSameAgent
	}
	if in.TimeZone != nil {
		if _, err := time.LoadLocation(*in.TimeZone); err != nil || *in.TimeZone == "" || *in.TimeZone == "Local" {
			return FieldError("time_zone", "%q is not an IANA time zone such as Europe/Berlin or UTC", *in.TimeZone)
		}
		w.TimeZone = *in.TimeZone
	}
	if in.ContactMatching != nil {
		switch *in.ContactMatching {
		case MatchOff, MatchExact, MatchAsk:
			w.ContactMatching = *in.ContactMatching
		default:
			return FieldError("contact_matching", "%q is not off, exact or ask", *in.ContactMatching)
		}
	}
	if in.CreateContacts != nil {
		w.CreateContacts = *in.CreateContacts
	}
	if in.CalendarID != nil {
		if err := checkCalendarID(ctx, tx, *in.CalendarID); err != nil {
			return err
		}
		w.CalendarID = *in.CalendarID
	}
	if in.DefaultQueueID != nil {
		if _, err := tx.Queue(ctx, *in.DefaultQueueID); err != nil {
			if errors.Is(err, ErrNotFound) {
				return FieldError("default_queue_id", "no queue has the id %q", *in.DefaultQueueID)
			}
			return err
		}
		w.DefaultQueueID = *in.DefaultQueueID
	}
	if w.Name == "" {
		return FieldError("name", "is required")
	}
	if w.DefaultQueueID == "" {
		return FieldError("default_queue_id", "is required")
	}
	if w.Channel == "" {
		return FieldError("channel", "is required: this service serves no channel")
	}
	return nil
}

// CreateWorkStream creates a work stream with defaults for what in leaves out.
func (s *Service) CreateWorkStream(ctx context.Context, actor Actor, in WorkStreamInput) (WorkStream, error) {
	now := s.clock.Now()
	var ch Channel
	if len(s.channels) > 0 {
		ch = s.channels[0]
	}
	w := DefaultWorkStream(ch)
	w.ID, w.CreatedAt, w.UpdatedAt = WorkStreamID(NewID(now)), now, now
	err := s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		if err := in.apply(ctx, tx, s.channels, &w); err != nil {
			return AuditEntry{}, err
		}
		if err := tx.CreateWorkStream(ctx, w); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "create", Resource: "work_stream", ResourceID: string(w.ID), Summary: fmt.Sprintf("created work stream %q", w.Name)}, nil
	})
	return w, err
}

// WorkStream returns one work stream.
func (s *Service) WorkStream(ctx context.Context, id WorkStreamID) (WorkStream, error) {
	return s.store.WorkStream(ctx, id)
}

// ListWorkStreams lists work streams in creation order.
func (s *Service) ListWorkStreams(ctx context.Context, p Page) (List[WorkStream], error) {
	return s.store.ListWorkStreams(ctx, p.Normalized())
}

// UpdateWorkStream changes the fields set in in.
func (s *Service) UpdateWorkStream(ctx context.Context, actor Actor, id WorkStreamID, in WorkStreamInput) (WorkStream, error) {
	var w WorkStream
	err := s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		var err error
		if w, err = tx.WorkStream(ctx, id); err != nil {
			return AuditEntry{}, err
		}
		if err := in.apply(ctx, tx, s.channels, &w); err != nil {
			return AuditEntry{}, err
		}
		w.UpdatedAt = s.clock.Now()
		if err := tx.UpdateWorkStream(ctx, w); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "update", Resource: "work_stream", ResourceID: string(id), Summary: fmt.Sprintf("updated work stream %q", w.Name)}, nil
	})
	return w, err
}

// DeleteWorkStream deletes a work stream that nothing refers to.
func (s *Service) DeleteWorkStream(ctx context.Context, actor Actor, id WorkStreamID) error {
	return s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		w, err := tx.WorkStream(ctx, id)
		if err != nil {
			return AuditEntry{}, err
		}
		if err := tx.DeleteWorkStream(ctx, id); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "delete", Resource: "work_stream", ResourceID: string(id), Summary: fmt.Sprintf("deleted work stream %q", w.Name)}, nil
	})
}

// quotedList names channels for a message: "sms", "webchat".
func quotedList(channels []Channel) string {
	q := make([]string, len(channels))
	for i, c := range channels {
		q[i] = fmt.Sprintf("%q", c)
	}
	return strings.Join(q, ", ")
}

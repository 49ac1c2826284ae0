package engine

import (
	"context"
	"time"
)

// ThroughputWindow is how far back a queue's pace is measured for the
// expected wait: long enough to smooth a few quick accepts, short enough to
// follow a shift change.
const ThroughputWindow = 15 * time.Minute

// QueuePlace is where a waiting conversation stands in its queue.
type QueuePlace struct {
	// Position is 1 for the conversation offered next, in the queue's
	// ordering (priority then age, or age).
	Position int
	// ExpectedWait is how long until it is taken at the queue's recent pace:
	// Position times the time between the accepts of the last
	// ThroughputWindow. Nil when none was accepted then, so that no pace is
	// known.
	ExpectedWait *time.Duration
}

// QueuePlaceStore reads what a conversation's place in its queue is made
// of.
type QueuePlaceStore interface {
	// QueuePosition counts the open conversations of c's queue that are
	// offered before c in the ordering, plus one.
	QueuePosition(ctx context.Context, c Conversation, ordering QueueOrdering) (int, error)
	// AcceptedSince counts the offers of the queue's conversations
	// accepted at or after since.
	AcceptedSince(ctx context.Context, queue QueueID, since time.Time) (int, error)
}

// QueuePlace tells where conv stands in its queue and how long it may
// still wait; false when it does not wait in one (it is not open, or is in
// no queue).
func (s *Service) QueuePlace(ctx context.Context, conv Conversation) (QueuePlace, bool, error) {
	if conv.Status != StatusOpen || conv.QueueID == "" || conv.RoutedAt == nil {
		return QueuePlace{}, false, nil
	}
	q, err := s.store.Queue(ctx, conv.QueueID)
	if err != nil {
		return QueuePlace{}, false, err
	}
	var place QueuePlace
	if place.Position, err = s.store.QueuePosition(ctx, conv, q.Ordering); err != nil {
		return QueuePlace{}, false, err
	}
	accepted, err := s.store.AcceptedSince(ctx, q.ID, s.clock.Now().Add(-ThroughputWindow))
	if err != nil {
		return QueuePlace{}, false, err
	}
	if accepted > 0 {
		wait := time.Duration(place.Position) * ThroughputWindow / time.Duration(accepted)
		wait = wait.Round(time.Second)
		place.ExpectedWait = &wait
	}
	return place, true, nil
}

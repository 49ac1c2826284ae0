package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// QueuePosition counts the open conversations of c's queue offered before
// c, in the order WaitingConversations offers them, plus one.
func (r *repo) QueuePosition(ctx context.Context, c engine.Conversation, ordering engine.QueueOrdering) (int, error) {
	routed := time.Time{}
	if c.RoutedAt != nil {
		routed = c.RoutedAt.UTC()
	}
	ahead := `routed_at < ? OR (routed_at = ? AND id < ?)`
	args := []any{string(engine.StatusOpen), string(c.QueueID), string(c.ID), routed, routed, string(c.ID)}
	if ordering != engine.OrderByAge {
		ahead = `priority > ? OR (priority = ? AND (` + ahead + `))`
		args = append(args[:3:3], append([]any{c.Priority, c.Priority}, args[3:]...)...)
	}
	var n int
	q := `SELECT COUNT(*) FROM conversations WHERE status = ? AND queue_id = ? AND id <> ? AND (` + ahead + `)`
	if err := r.rawRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("queue position: %w", err)
	}
	return n + 1, nil
}

// AcceptedSince counts the accepted offers of the queue's conversations
// decided at or after since.
func (r *repo) AcceptedSince(ctx context.Context, queue engine.QueueID, since time.Time) (int, error) {
	var n int
	q := `SELECT COUNT(*) FROM offers o JOIN conversations c ON c.id = o.conversation_id
		WHERE c.queue_id = ? AND o.outcome = ? AND o.decided_at >= ?`
	if err := r.rawRow(ctx, q, string(queue), string(engine.OfferAccepted), since.UTC()).Scan(&n); err != nil {
		return 0, fmt.Errorf("accepted offers: %w", err)
	}
	return n, nil
}

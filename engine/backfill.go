package engine

import (
	"context"
	"fmt"
	"time"
)

// MaxBackfillPages bounds how far back one backfill reads (Twitter allows
// about 15 list calls per 15 minutes per handle).
const MaxBackfillPages = 10

// BackfillOverlap is how far before the newest stored event a backfill
// reads.
const BackfillOverlap = time.Hour

// BackfillResult reports one handle's backfill.
type BackfillResult struct {
	EndpointID EndpointID
	Pages    int
	Listed   int
	// Ingested customer DMs were missing and are now stored; Echoes were
	// recorded from another app; Known events were stored already.
	Ingested int
	Echoes   int
	Known    int
	// Complete is false when the backfill stopped early (a rate limit, the
	// page bound); RetryAt says when a rate-limited one may continue.
	Complete bool
	RetryAt  *time.Time
	Error    string
}

// BackfillTwitterHandle reads the handle's recent DM events from Twitter,
// newest first, back to an hour (BackfillOverlap) before the newest event already stored (or
// MaxBackfillPages pages), and feeds them oldest first through the same
// exactly-once path as the webhook (ReceiveChannelMessage): a DM delivered late
// and backfilled at the same time is stored once. A rate limit stops the
// backfill with RetryAt set and no error.
func (s *Service) BackfillTwitterHandle(ctx context.Context, id EndpointID) (BackfillResult, error) {
	res := BackfillResult{EndpointID: id}
	if s.twitter == nil {
		return res, ErrNoTwitter
	}
	h, err := twitterOf(s.store).TwitterHandle(ctx, id)
	if err != nil {
		return res, err
	}
	if h.Status != EndpointActive {
		return res, Errorf(ErrConflict, "handle %q is %s: only an active handle can be backfilled", h.Name, h.Status)
	}
	app, err := twitterOf(s.store).TwitterApplication(ctx, h.ApplicationID)
	if err != nil {
		return res, err
	}
	health, err := s.store.EndpointHealth(ctx, id)
	if err != nil {
		return res, fmt.Errorf("backfill: %w", err)
	}
	// Read back to an hour before the newest stored event: a DM delivered
	// late (newer) must not hide older ones the webhook never got.
	var stopAt time.Time
	if health.LastEventAt != nil {
		stopAt = health.LastEventAt.Add(-BackfillOverlap)
	}
	var collected []ChannelMessage
	cursor := ""
	reachedKnown := false
	for res.Pages < MaxBackfillPages {
		page, err := s.twitter.ListDMEvents(ctx, app, h, cursor)
		if err != nil {
			if te, ok := AsChannelError(err); ok && te.RateLimited {
				at := te.ResetAt
				res.RetryAt, res.Error = &at, te.Error()
				break
			}
			if te, ok := AsChannelError(err); ok && te.CredentialsRejected {
				if derr := s.disconnect(ctx, h.ID, "Twitter refuses the handle's token (revoked or expired); sign on again"); derr != nil {
					return res, derr
				}
			}
			return res, twitterUnavailable("backfill", err)
		}
		res.Pages++
		for _, dm := range page.DMs {
			if !stopAt.IsZero() && dm.SentAt.Before(stopAt) {
				reachedKnown = true
				break
			}
			collected = append(collected, dm)
		}
		if reachedKnown || page.NextCursor == "" {
			res.Complete = true
			break
		}
		cursor = page.NextCursor
	}
	res.Listed = len(collected)
	for i := len(collected) - 1; i >= 0; i-- {
		r, err := s.ReceiveChannelMessage(ctx, h, collected[i])
		if err != nil {
			return res, fmt.Errorf("backfill: %w", err)
		}
		switch r.Action {
		case ReceivedIngested:
			res.Ingested++
		case ReceivedEchoRecorded:
			res.Echoes++
		default:
			res.Known++
		}
	}
	if res.Ingested > 0 {
		s.log.InfoContext(ctx, "backfill recovered DMs the webhook had not delivered", "handle_id", id, "ingested", res.Ingested)
	}
	return res, nil
}

// BackfillAll backfills every active handle of every enabled application,
// as at start-up. Failures are logged and do not stop the others.
func (s *Service) BackfillAll(ctx context.Context) []BackfillResult {
	var out []BackfillResult
	err := s.eachActiveHandle(ctx, func(_ TwitterApplication, h TwitterHandle) error {
		r, err := s.BackfillTwitterHandle(ctx, h.ID)
		if err != nil {
			r.Error = err.Error()
			s.log.WarnContext(ctx, "backfill failed", "handle_id", h.ID, "error", err)
		}
		out = append(out, r)
		return ctx.Err()
	})
	if err != nil {
		s.log.WarnContext(ctx, "backfill stopped", "error", err)
	}
	return out
}

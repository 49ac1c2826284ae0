package twitter

import (
	"github.com/switchboardhq/switchboard/engine"
	"slices"

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

// Backfill reads the handle's recent DM events from Twitter,
// newest first, back to an hour (BackfillOverlap) before the newest event already stored (or
// MaxBackfillPages pages), and feeds them oldest first through the same
// exactly-once path as the webhook (Receive): a DM delivered late
// and backfilled at the same time is stored once. A rate limit stops the
// backfill with RetryAt set and no error.
func (ac *Accounts) Backfill(ctx context.Context, id engine.EndpointID) (engine.BackfillResult, error) {
	res := engine.BackfillResult{EndpointID: id}
	if ac.api == nil {
		return res, errNoTwitter
	}
	h, err := twitterOf(ac.eng.ChannelRecords()).Handle(ctx, id)
	if err != nil {
		return res, err
	}
	if h.Status != engine.EndpointActive {
		return res, engine.Errorf(engine.ErrConflict, "handle %q is %s: only an active handle can be backfilled", h.Name, h.Status)
	}
	app, err := twitterOf(ac.eng.ChannelRecords()).Application(ctx, h.ApplicationID)
	if err != nil {
		return res, err
	}
	health, err := ac.eng.ChannelRecords().EndpointHealth(ctx, id)
	if err != nil {
		return res, fmt.Errorf("backfill: %w", err)
	}
	// Read back to an hour before the newest stored event: a DM delivered
	// late (newer) must not hide older ones the webhook never got.
	var stopAt time.Time
	if health.LastEventAt != nil {
		stopAt = health.LastEventAt.Add(-BackfillOverlap)
	}
	var collected []engine.ChannelMessage
	cursor := ""
	reachedKnown := false
	for res.Pages < MaxBackfillPages {
		page, err := ac.api.ListDMEvents(ctx, app, h, cursor)
		if err != nil {
			if te, ok := engine.AsChannelError(err); ok && te.RateLimited {
				at := te.ResetAt
				res.RetryAt, res.Error = &at, te.Error()
				break
			}
			if te, ok := engine.AsChannelError(err); ok && te.CredentialsRejected {
				if derr := ac.eng.DisconnectEndpoint(ctx, h.ID, "Twitter refuses the handle's token (revoked or expired); sign on again"); derr != nil {
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
	slices.Reverse(collected) // oldest first
	results, err := ac.ReceiveAll(ctx, h, collected)
	for _, r := range results {
		switch r.Action {
		case "": // failed: counted by nobody, reported below
		case engine.ReceivedIngested:
			res.Ingested++
		case engine.ReceivedEchoRecorded:
			res.Echoes++
		default:
			res.Known++
		}
	}
	if res.Ingested > 0 {
		ac.log.InfoContext(ctx, "backfill recovered DMs the webhook had not delivered", "handle_id", id, "ingested", res.Ingested)
	}
	if err != nil {
		return res, fmt.Errorf("backfill: %w", err)
	}
	return res, nil
}

// BackfillAll backfills every active handle of every enabled application,
// as at start-up. Failures are logged and do not stop the others.
func (ac *Accounts) BackfillAll(ctx context.Context) []engine.BackfillResult {
	var out []engine.BackfillResult
	err := ac.eachActiveHandle(ctx, func(_ Application, h Handle) error {
		r, err := ac.Backfill(ctx, h.ID)
		if err != nil {
			r.Error = err.Error()
			ac.log.WarnContext(ctx, "backfill failed", "handle_id", h.ID, "error", err)
		}
		out = append(out, r)
		return ctx.Err()
	})
	if err != nil {
		ac.log.WarnContext(ctx, "backfill stopped", "error", err)
	}
	return out
}

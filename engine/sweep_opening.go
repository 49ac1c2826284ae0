package engine

import (
	"context"
	"time"
)

// OfferOpenQueues offers what waits in the queues that keep a calendar and
// are open at now: conversations that arrived out of hours waited there
// (offer skips a closed queue), and nothing else wakes them when the
// calendar opens. Each queue is one transaction offering up to a batch to
// whoever has room; a queue with more waiting than agents can take keeps
// the rest, for capacity freeing or the next run. Examined counts the
// open queues, Changed the conversations offered.
func (s *Service) OfferOpenQueues(ctx context.Context, now time.Time) (SweepStats, error) {
	var stats SweepStats
	calendars := map[CalendarID]Calendar{}
	for p := (Page{Limit: MaxPageLimit}); ; {
		page, err := s.store.ListQueues(ctx, p)
		if err != nil {
			return stats, err
		}
		for _, q := range page.Items {
			if q.CalendarID == "" {
				continue
			}
			c, ok := calendars[q.CalendarID]
			if !ok {
				var err error
				if c, err = s.store.Calendar(ctx, q.CalendarID); err != nil {
					return stats, err
				}
				calendars[q.CalendarID] = c
			}
			if !c.IsOpen(now) {
				continue
			}
			stats.Examined++
			offered := 0
			err := s.change(ctx, func(tx Tx, fx *effects) error {
				var err error
				offered, err = s.offerWaiting(ctx, tx, fx, []QueueID{q.ID}, now)
				return err
			})
			if err != nil {
				return stats, err
			}
			stats.Changed += offered
		}
		if page.Next == "" {
			return stats, nil
		}
		p.After = page.Next
	}
}

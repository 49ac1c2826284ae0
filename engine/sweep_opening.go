package engine

import (
	"context"
	"time"
)

// OfferOpenQueues offers what waits in the queues that keep a calendar and
// are open at now, and, while some work stream's calendar is open, in the
// queues that keep none: conversations that arrived out of hours waited
// there (offer skips a closed queue or work stream), and nothing else wakes
// them when the calendar opens. Each queue is one transaction offering up to a batch to
// whoever has room; a queue with more waiting than agents can take keeps
// the rest, for capacity freeing or the next run. Examined counts the
// open queues, Changed the conversations offered.
func (s *Service) OfferOpenQueues(ctx context.Context, now time.Time) (SweepStats, error) {
	var stats SweepStats
	calendars := map[CalendarID]Calendar{}
	calendar := func(id CalendarID) (Calendar, error) {
		c, ok := calendars[id]
		if !ok {
			var err error
			if c, err = s.store.Calendar(ctx, id); err != nil {
				return Calendar{}, err
			}
			calendars[id] = c
		}
		return c, nil
	}
	someWorkStreamOpen, err := s.someWorkStreamOpen(ctx, calendar, now)
	if err != nil {
		return stats, err
	}
	for p := (Page{Limit: MaxPageLimit}); ; {
		page, err := s.store.ListQueues(ctx, p)
		if err != nil {
			return stats, err
		}
		for _, q := range page.Items {
			if q.CalendarID == "" {
				if !someWorkStreamOpen {
					continue
				}
			} else if c, err := calendar(q.CalendarID); err != nil {
				return stats, err
			} else if !c.IsOpen(now) {
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

// someWorkStreamOpen reports whether a work stream keeps a calendar that is
// open at now: its conversations may wait in queues without hours of their
// own.
func (s *Service) someWorkStreamOpen(ctx context.Context, calendar func(CalendarID) (Calendar, error), now time.Time) (bool, error) {
	for p := (Page{Limit: MaxPageLimit}); ; {
		page, err := s.store.ListWorkStreams(ctx, p)
		if err != nil {
			return false, err
		}
		for _, ws := range page.Items {
			if ws.CalendarID == "" {
				continue
			}
			c, err := calendar(ws.CalendarID)
			if err != nil {
				return false, err
			}
			if c.IsOpen(now) {
				return true, nil
			}
		}
		if page.Next == "" {
			return false, nil
		}
		p.After = page.Next
	}
}

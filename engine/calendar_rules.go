package engine

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/switchboardhq/switchboard/dsl"
)

// calendarLister lists the business's calendars: a transaction, the store
// or a batch that reads them once.
type calendarLister interface {
	ListCalendars(ctx context.Context) ([]Calendar, error)
}

// ruleCalendars is the business's calendars as rules read them
// (dsl.Calendars), loaded the first time a rule asks, so that routing by
// rules that read no calendar costs no read. It serves one evaluation, in
// one goroutine.
type ruleCalendars struct {
	ctx    context.Context
	lister calendarLister
	log    *slog.Logger
	byName map[string]Calendar
}

func newRuleCalendars(ctx context.Context, lister calendarLister, log *slog.Logger) *ruleCalendars {
	return &ruleCalendars{ctx: ctx, lister: lister, log: log}
}

// calendar returns the calendar named name (exactly, as rules are checked
// when saved).
func (r *ruleCalendars) calendar(name string) (Calendar, bool) {
	if r.byName == nil {
		r.byName = map[string]Calendar{}
		list, err := r.lister.ListCalendars(r.ctx)
		if err != nil {
			// A rule cannot fail on a read; it sees every calendar closed,
			// and the log says why.
			r.log.ErrorContext(r.ctx, "rules read every calendar as closed: the calendars do not load", "error", err)
		}
		for _, c := range list {
			r.byName[c.Name] = c
		}
	}
	c, ok := r.byName[name]
	return c, ok
}

// IsOpen implements dsl.Calendars.
func (r *ruleCalendars) IsOpen(name string, at time.Time) (open, known bool) {
	c, ok := r.calendar(name)
	if !ok {
		return false, false
	}
	return c.IsOpen(at), true
}

// NextOpening implements dsl.Calendars.
func (r *ruleCalendars) NextOpening(name string, at time.Time) (time.Time, bool) {
	c, ok := r.calendar(name)
	if !ok {
		return time.Time{}, false
	}
	return c.NextOpening(at)
}

// checkRuleCalendars checks that every calendar p, the compiled condition
// of r, names exists; one that does not is a *RuleError pointing at the
// name.
func checkRuleCalendars(ctx context.Context, lister calendarLister, r Rule, field string, p *dsl.Program) error {
	if len(p.Calendars()) == 0 {
		return nil
	}
	list, err := lister.ListCalendars(ctx)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(list))
	for _, c := range list {
		names = append(names, c.Name)
	}
	if err := p.CheckCalendars(names); err != nil {
		return &RuleError{Problems: []RuleProblem{ruleProblem(r, field, err)}}
	}
	return nil
}

// calendarInUse refuses to rename or delete a calendar that a work stream's
// current rules or a queue read by name: they would read it as closed
// from then on.
func calendarInUse(ctx context.Context, tx Tx, name, change string) error {
	for p := (Page{Limit: MaxPageLimit}); ; {
		page, err := tx.ListWorkStreams(ctx, p)
		if err != nil {
			return err
		}
		for _, ws := range page.Items {
			n, err := tx.LatestRuleSetVersion(ctx, ws.ID)
			if err != nil {
				return err
			}
			if n == 0 {
				continue
			}
			v, err := tx.RuleSetVersion(ctx, ws.ID, n)
			if err != nil {
				return err
			}
			for _, r := range v.Rules {
				if readsCalendar(r, name) {
					return Errorf(ErrConflict, "calendar %q cannot be %s: rule %q of work stream %q reads it (Time.InBusinessHours(%q) and the like); change the rule first",
						name, change, r.Name, ws.Name, name)
				}
			}
		}
		if page.Next == "" {
			return nil
		}
		p.After = page.Next
	}
}

func readsCalendar(r Rule, name string) bool {
	p, err := dsl.Compile(r.Condition)
	if err != nil {
		return false
	}
	return slices.Contains(p.Calendars(), name)
}

// withCalendars gives a context the business's calendars read through
// lister, for Time.InBusinessHours and its kin.
func (s *Service) withCalendars(ctx context.Context, ec *dsl.Context, lister calendarLister) {
	ec.SetCalendars(newRuleCalendars(ctx, lister, s.log))
}

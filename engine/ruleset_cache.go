package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/switchboardhq/switchboard/dsl"
	"github.com/switchboardhq/switchboard/rules"
)

// CurrentRuleSet returns the compiled rule set that routes a work stream's
// conversations now: its latest rule-set version with its current default
// queue (version 0, no rules, when its rules never changed). Compiled sets
// are cached per work stream, version and default queue and shared; a
// change to the rules takes effect at the next call.
//
// Routing records what decided from the Decision of Route: Version, the
// rule (Rule.ID and Rule.Name, nil for the default queue), QueueID and
// Reason.
func (s *Service) CurrentRuleSet(ctx context.Context, ws WorkStreamID) (*rules.Set, error) {
	w, err := s.store.WorkStream(ctx, ws)
	if err != nil {
		return nil, err
	}
	return s.ruleSetOf(ctx, s.store, w)
}

// ruleSetOf is CurrentRuleSet for a work stream already read, with the
// versions read from rs.
func (s *Service) ruleSetOf(ctx context.Context, rs RuleStore, w WorkStream) (*rules.Set, error) {
	ws := w.ID
	n, err := rs.LatestRuleSetVersion(ctx, ws)
	if err != nil {
		return nil, err
	}
	if set := s.ruleSets.get(ws, n, w.DefaultQueueID); set != nil {
		return set, nil
	}
	var list []Rule
	if n > 0 {
		v, err := rs.RuleSetVersion(ctx, ws, n)
		if err != nil {
			return nil, err
		}
		list = v.Rules
	}
	set, err := rules.Compile(ruleSpec(n, w.DefaultQueueID, list))
	if err != nil {
		return nil, fmt.Errorf("work stream %s: %w", ws, err)
	}
	s.ruleSets.put(ws, w.DefaultQueueID, set)
	return set, nil
}

// TestRules routes the context c with a work stream's rules and explains
// the decision. With unsaved == nil it uses the current rule set; otherwise
// it uses unsaved, an unsaved rule set (positions default to list order),
// whose rules get the ids "rules[0]", "rules[1]", … and version 0. A bad
// field of an unsaved rule is an ErrInvalid naming it ("rules[1].queue_id");
// conditions that do not compile are one *RuleError.
func (s *Service) TestRules(ctx context.Context, ws WorkStreamID, c *dsl.Context, unsaved []RuleInput) (rules.Decision, []rules.TraceEntry, error) {
	var set *rules.Set
	if unsaved == nil {
		var err error
		if set, err = s.CurrentRuleSet(ctx, ws); err != nil {
			return rules.Decision{}, nil, err
		}
	} else {
		var err error
		if set, err = s.draftRuleSet(ctx, ws, unsaved); err != nil {
			return rules.Decision{}, nil, err
		}
	}
	s.withCalendars(ctx, c, s.store)
	d, trace := set.Explain(c)
	return d, trace, nil
}

// draftRuleSet validates and compiles an unsaved rule set of a work stream.
func (s *Service) draftRuleSet(ctx context.Context, ws WorkStreamID, unsaved []RuleInput) (*rules.Set, error) {
	w, err := s.store.WorkStream(ctx, ws)
	if err != nil {
		return nil, err
	}
	if len(unsaved) > MaxRulesPerWorkStream {
		return nil, FieldError("rules", "holds more than %d rules", MaxRulesPerWorkStream)
	}
	list := make([]Rule, 0, len(unsaved))
	var problems []RuleProblem
	for i, in := range unsaved {
		prefix := fmt.Sprintf("rules[%d].", i)
		r := Rule{ID: RuleID(fmt.Sprintf("rules[%d]", i)), WorkStreamID: ws, Enabled: true, Position: i + 1}
		err := in.required(prefix)
		if err == nil {
			err = in.apply(ctx, s.store, &r, prefix)
		}
		var re *RuleError
		switch {
		case errors.As(err, &re):
			problems = append(problems, re.Problems...)
		case err != nil:
			return nil, err
		}
		if in.Position != nil {
			r.Position = *in.Position
		}
		list = append(list, r)
	}
	if len(problems) > 0 {
		return nil, &RuleError{Problems: problems}
	}
	slices.SortStableFunc(list, func(a, b Rule) int { return cmp.Compare(a.Position, b.Position) })
	set, err := rules.Compile(ruleSpec(0, w.DefaultQueueID, list))
	if err != nil {
		return nil, fmt.Errorf("compile unsaved rules of work stream %s: %w", ws, err)
	}
	return set, nil
}

// ruleSetCache holds the latest compiled rule set of each work stream. Its
// zero value is ready to use.
type ruleSetCache struct {
	mu   sync.Mutex
	sets map[WorkStreamID]cachedRuleSet
}

type cachedRuleSet struct {
	defaultQueue QueueID
	set          *rules.Set
}

// get returns the cached set of version n with defaultQueue, or nil.
func (c *ruleSetCache) get(ws WorkStreamID, n int, defaultQueue QueueID) *rules.Set {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.sets[ws]
	if !ok || e.set.Version() != n || e.defaultQueue != defaultQueue {
		return nil
	}
	return e.set
}

// put caches set unless a newer version of the work stream is cached.
func (c *ruleSetCache) put(ws WorkStreamID, defaultQueue QueueID, set *rules.Set) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sets == nil {
		c.sets = make(map[WorkStreamID]cachedRuleSet)
	}
	if e, ok := c.sets[ws]; ok && e.set.Version() > set.Version() {
		return
	}
	c.sets[ws] = cachedRuleSet{defaultQueue: defaultQueue, set: set}
}

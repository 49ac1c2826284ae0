package engine

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/dsl"
	"github.com/switchboardhq/switchboard/rules"
)

// mutation computes the new rules of a work stream from the current ones,
// and describes the change for the audit log.
type mutation func(tx Tx, current []Rule, now time.Time) ([]Rule, AuditEntry, error)

// changeRules makes one change to a work stream's rules: in one transaction
// it locks the rule set, computes the new rules, saves them, records them as
// a new rule-set version and appends the audit entry. It returns the new
// version and the work stream's default queue. Unless always is set, a
// change that leaves the rules as they are makes no version and no audit
// entry, and returns the current version.
func (s *Service) changeRules(ctx context.Context, actor Actor, ws WorkStreamID, always bool, fn mutation) (RuleSetVersion, QueueID, error) {
	var (
		v            RuleSetVersion
		defaultQueue QueueID
	)
	err := s.store.InTx(ctx, func(tx Tx) error {
		latest, err := tx.LockRuleSet(ctx, ws)
		if err != nil {
			return err
		}
		w, err := tx.WorkStream(ctx, ws)
		if err != nil {
			return err
		}
		defaultQueue = w.DefaultQueueID
		current, err := tx.Rules(ctx, ws)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		next, entry, err := fn(tx, current, now)
		if err != nil {
			return err
		}
		renumber(next)
		if err := checkRuleSet(next); err != nil {
			return err
		}
		if !always && sameRules(current, next) {
			// Nothing changes: no version, no audit entry.
			v = RuleSetVersion{WorkStreamID: ws}
			if latest > 0 {
				v, err = tx.RuleSetVersion(ctx, ws, latest)
			}
			return err
		}
		return s.audited(ctx, tx, actor, func() (AuditEntry, error) {
			if err := tx.SaveRules(ctx, ws, next); err != nil {
				return AuditEntry{}, err
			}
			v = RuleSetVersion{ID: NewID(now), WorkStreamID: ws, Number: latest + 1, Author: actor.Name, At: now,
				Summary: entry.Summary, RuleCount: len(next), Rules: next}
			if err := tx.CreateRuleSetVersion(ctx, v); err != nil {
				return AuditEntry{}, err
			}
			entry.Summary = fmt.Sprintf("%s (work stream %s, rule set version %d)", entry.Summary, ws, v.Number)
			return entry, nil
		})
	})
	if err != nil {
		return RuleSetVersion{}, "", err
	}
	return v, defaultQueue, nil
}

// sameRules reports whether two rule lists are the same rules in the same
// order, whatever their update times.
func sameRules(a, b []Rule) bool {
	return slices.EqualFunc(a, b, func(x, y Rule) bool {
		return x.ID == y.ID && x.Name == y.Name && x.Condition == y.Condition && x.QueueID == y.QueueID &&
			reflect.DeepEqual(x.Priority, y.Priority) && x.Enabled == y.Enabled && x.Position == y.Position && reflect.DeepEqual(x.Conditions, y.Conditions)
	})
}

// ruleChange reports rule id as saved in version v, with the warnings of v.
func ruleChange(v RuleSetVersion, defaultQueue QueueID, id RuleID) RuleChange {
	out := RuleChange{Version: v.Number, Warnings: rules.Check(ruleSpec(v.Number, defaultQueue, v.Rules))}
	if i := slices.IndexFunc(v.Rules, func(r Rule) bool { return r.ID == id }); i >= 0 {
		out.Rule = v.Rules[i]
	}
	return out
}

// CreateRule adds a rule to a work stream, at in.Position or last, and
// makes a new rule-set version. A condition that does not compile is a
// *RuleError and changes nothing.
func (s *Service) CreateRule(ctx context.Context, actor Actor, ws WorkStreamID, in RuleInput) (RuleChange, error) {
	if err := in.required(""); err != nil {
		return RuleChange{}, err
	}
	var id RuleID
	v, dq, err := s.changeRules(ctx, actor, ws, false, func(tx Tx, current []Rule, now time.Time) ([]Rule, AuditEntry, error) {
		r := Rule{ID: RuleID(NewID(now)), WorkStreamID: ws, Enabled: true, CreatedAt: now, UpdatedAt: now}
		if err := in.apply(ctx, tx, &r, ""); err != nil {
			return nil, AuditEntry{}, err
		}
		id = r.ID
		pos := len(current) + 1
		if in.Position != nil {
			pos = *in.Position
		}
		next := place(current, r, pos)
		i, _ := indexOf(next, ws, r.ID)
		return next, AuditEntry{Action: "create", Resource: "rule", ResourceID: string(r.ID),
			Summary: fmt.Sprintf("created rule %q at position %d", r.Name, i+1)}, nil
	})
	if err != nil {
		return RuleChange{}, err
	}
	return ruleChange(v, dq, id), nil
}

// Rules returns the rules of a work stream in position order.
func (s *Service) Rules(ctx context.Context, ws WorkStreamID) ([]Rule, error) {
	if _, err := s.store.WorkStream(ctx, ws); err != nil {
		return nil, err
	}
	return s.store.Rules(ctx, ws)
}

// RuleWarnings returns the static checks' warnings (shadowed, unreachable,
// contradictory rules) of a work stream's rules as they stand, so that a
// rule editor shows them before anything is changed.
func (s *Service) RuleWarnings(ctx context.Context, ws WorkStreamID) ([]rules.Warning, error) {
	w, err := s.store.WorkStream(ctx, ws)
	if err != nil {
		return nil, err
	}
	list, err := s.store.Rules(ctx, ws)
	if err != nil {
		return nil, err
	}
	return rules.Check(ruleSpec(0, w.DefaultQueueID, list)), nil
}

// Rule returns one rule of a work stream.
func (s *Service) Rule(ctx context.Context, ws WorkStreamID, id RuleID) (Rule, error) {
	if _, err := s.store.WorkStream(ctx, ws); err != nil {
		return Rule{}, err
	}
	return s.store.Rule(ctx, ws, id)
}

// UpdateRule changes the fields set in in; a new position moves the rule
// and shifts the rules between its old and new place. It makes a new
// rule-set version if anything changes; a condition that does not compile is a *RuleError and
// changes nothing.
func (s *Service) UpdateRule(ctx context.Context, actor Actor, ws WorkStreamID, id RuleID, in RuleInput) (RuleChange, error) {
	v, dq, err := s.changeRules(ctx, actor, ws, false, func(tx Tx, current []Rule, now time.Time) ([]Rule, AuditEntry, error) {
		i, err := indexOf(current, ws, id)
		if err != nil {
			return nil, AuditEntry{}, err
		}
		r := current[i]
		if err := in.apply(ctx, tx, &r, ""); err != nil {
			return nil, AuditEntry{}, err
		}
		r.UpdatedAt = now
		pos := r.Position
		if in.Position != nil {
			pos = *in.Position
		}
		next := place(slices.Delete(slices.Clone(current), i, i+1), r, pos)
		summary := fmt.Sprintf("updated rule %q", r.Name)
		if f := in.changed(); len(f) > 0 {
			summary += ": " + strings.Join(f, ", ")
		}
		return next, AuditEntry{Action: "update", Resource: "rule", ResourceID: string(id), Summary: summary}, nil
	})
	if err != nil {
		return RuleChange{}, err
	}
	return ruleChange(v, dq, id), nil
}

// ReorderRules puts the rules of a work stream in the order of ids, which
// must name every rule of the work stream exactly once, and makes a new
// rule-set version.
func (s *Service) ReorderRules(ctx context.Context, actor Actor, ws WorkStreamID, ids []RuleID) (RuleSetVersion, error) {
	v, _, err := s.changeRules(ctx, actor, ws, false, func(_ Tx, current []Rule, now time.Time) ([]Rule, AuditEntry, error) {
		next, err := permute(current, ids)
		if err != nil {
			return nil, AuditEntry{}, err
		}
		for i := range next {
			if next[i].Position != i+1 {
				next[i].UpdatedAt = now
			}
		}
		return next, AuditEntry{Action: "reorder", Resource: "rule_set", ResourceID: string(ws), Summary: "reordered the rules"}, nil
	})
	return v, err
}

// permute returns current in the order of ids, a permutation of its ids.
func permute(current []Rule, ids []RuleID) ([]Rule, error) {
	if len(ids) != len(current) {
		return nil, FieldError("rule_ids", "must list each of the work stream's %d rules once; it lists %d", len(current), len(ids))
	}
	byID := make(map[RuleID]Rule, len(current))
	for _, r := range current {
		byID[r.ID] = r
	}
	next := make([]Rule, 0, len(ids))
	for _, id := range ids {
		r, ok := byID[id]
		if !ok {
			return nil, FieldError("rule_ids", "%q is not a rule of the work stream, or is listed twice", id)
		}
		delete(byID, id)
		next = append(next, r)
	}
	return next, nil
}

// DeleteRule removes a rule from a work stream; the rules after it move up
// one place. It makes a new rule-set version and returns its number.
func (s *Service) DeleteRule(ctx context.Context, actor Actor, ws WorkStreamID, id RuleID) (int, error) {
	v, _, err := s.changeRules(ctx, actor, ws, false, func(_ Tx, current []Rule, _ time.Time) ([]Rule, AuditEntry, error) {
		i, err := indexOf(current, ws, id)
		if err != nil {
			return nil, AuditEntry{}, err
		}
		name := current[i].Name
		return slices.Delete(slices.Clone(current), i, i+1), AuditEntry{Action: "delete", Resource: "rule", ResourceID: string(id),
			Summary: fmt.Sprintf("deleted rule %q", name)}, nil
	})
	return v.Number, err
}

// RuleSetVersions lists the rule-set versions of a work stream, newest
// first, without their rules.
func (s *Service) RuleSetVersions(ctx context.Context, ws WorkStreamID, p Page) (List[RuleSetVersion], error) {
	if _, err := s.store.WorkStream(ctx, ws); err != nil {
		return List[RuleSetVersion]{}, err
	}
	return s.store.ListRuleSetVersions(ctx, ws, p.Normalized())
}

// RuleSetVersion returns version n of a work stream's rules.
func (s *Service) RuleSetVersion(ctx context.Context, ws WorkStreamID, n int) (RuleSetVersion, error) {
	if _, err := s.store.WorkStream(ctx, ws); err != nil {
		return RuleSetVersion{}, err
	}
	return s.store.RuleSetVersion(ctx, ws, n)
}

// RestoreRuleSetVersion makes a new version whose rules equal those of
// version n: the same ids, names, conditions, queues, states and order.
// A queue of version n that no longer exists is ErrConflict; a condition that
// no longer compiles (the rule language changed) is a *RuleError.
func (s *Service) RestoreRuleSetVersion(ctx context.Context, actor Actor, ws WorkStreamID, n int) (RuleSetVersion, error) {
	v, _, err := s.changeRules(ctx, actor, ws, true, func(tx Tx, _ []Rule, now time.Time) ([]Rule, AuditEntry, error) {
		old, err := tx.RuleSetVersion(ctx, ws, n)
		if err != nil {
			return nil, AuditEntry{}, err
		}
		next := slices.Clone(old.Rules)
		for i := range next {
			if err := queueExists(ctx, tx, next[i], n); err != nil {
				return nil, AuditEntry{}, err
			}
			next[i].WorkStreamID = ws
			next[i].UpdatedAt = now
		}
		if err := compileAll(next); err != nil {
			return nil, AuditEntry{}, err
		}
		return next, AuditEntry{Action: "restore", Resource: "rule_set", ResourceID: string(ws),
			Summary: fmt.Sprintf("restored rule set version %d", n)}, nil
	})
	return v, err
}

// queueExists checks that the queue of r, a rule of version n, still exists.
func queueExists(ctx context.Context, tx QueueStore, r Rule, n int) error {
	if _, err := tx.Queue(ctx, r.QueueID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return Errorf(ErrConflict, "rule %q of version %d sends to queue %s, which no longer exists", r.Name, n, r.QueueID)
		}
		return err
	}
	return nil
}

// compileAll checks that every rule's condition still compiles (the rule
// language may have changed since a version was saved); the problems are one
// *RuleError.
func compileAll(list []Rule) error {
	var problems []RuleProblem
	for _, r := range list {
		if _, err := dsl.Compile(r.Condition); err != nil {
			problems = append(problems, ruleProblem(r, "condition", err))
		}
	}
	if len(problems) > 0 {
		return &RuleError{Problems: problems}
	}
	return nil
}

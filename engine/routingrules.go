package engine

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/dsl"
	"github.com/switchboardhq/switchboard/rules"
)

// RuleID identifies a routing rule.
type RuleID string

// Rule is one routing rule of a work stream: conversations whose engagement
// context satisfies Condition go to QueueID. The enabled rules of a work
// stream are evaluated in Position order; the first match wins.
type Rule struct {
	ID           RuleID
	WorkStreamID WorkStreamID
	Name         string
	// Condition is the rule's expression. A rule written as structured
	// conditions holds their expression here too.
	Condition string
	// Conditions is the structured form the rule was written in, or nil
	// when it was written as expression text.
	Conditions *Conditions
	QueueID    QueueID
	Enabled    bool
	// Position orders the rules of a work stream: 1, 2, … without gaps.
	Position  int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// RuleSetVersion is an immutable snapshot of a work stream's rules. Every
// change to the rules makes a new version, numbered 1, 2, … per work stream,
// in the transaction of the change.
type RuleSetVersion struct {
	// ID orders versions for paging; Number is what users see.
	ID           string
	WorkStreamID WorkStreamID
	Number       int
	// Author is the name of the API key that made the change.
	Author  string
	At      time.Time
	Summary string
	// RuleCount is the number of rules in the version.
	RuleCount int
	// Rules is the snapshot, in position order. Listings leave it nil.
	Rules []Rule
}

// RuleStore persists routing rules and their immutable rule-set versions.
type RuleStore interface {
	// LockRuleSet locks the rules of a work stream until the transaction
	// ends and returns the number of its latest rule-set version (0 when it
	// has none). A work stream that does not exist is ErrNotFound.
	LockRuleSet(ctx context.Context, ws WorkStreamID) (int, error)
	// LatestRuleSetVersion returns the number of the latest rule-set version
	// of a work stream (0 when it has none), without locking.
	LatestRuleSetVersion(ctx context.Context, ws WorkStreamID) (int, error)
	// Rules returns the rules of a work stream in position order.
	Rules(ctx context.Context, ws WorkStreamID) ([]Rule, error)
	// Rule returns one rule of a work stream; ErrNotFound when it has no
	// rule with that id.
	Rule(ctx context.Context, ws WorkStreamID, id RuleID) (Rule, error)
	// SaveRules makes rules the complete list of a work stream's rules:
	// rules not in the list are deleted, the others inserted or updated.
	SaveRules(ctx context.Context, ws WorkStreamID, rules []Rule) error
	// CreateRuleSetVersion stores a new version; a number already taken is
	// ErrConflict.
	CreateRuleSetVersion(ctx context.Context, v RuleSetVersion) error
	// RuleSetVersion returns version n of a work stream's rules, with its
	// rules; ErrNotFound when there is no such version.
	RuleSetVersion(ctx context.Context, ws WorkStreamID, n int) (RuleSetVersion, error)
	// ListRuleSetVersions lists the versions of a work stream newest first,
	// without their rules.
	ListRuleSetVersions(ctx context.Context, ws WorkStreamID, p Page) (List[RuleSetVersion], error)
}

// MaxRulesPerWorkStream bounds the rules of one work stream.
const MaxRulesPerWorkStream = 1000

// RuleInput is what a client sets on a rule; nil fields keep their current
// value (or the default, on create). At most one of Condition and
// Conditions may be set.
type RuleInput struct {
	Name       *string
	Condition  *string
	Conditions *dsl.Group
	QueueID    *QueueID
	Enabled    *bool
	// Position is where the rule goes, from 1; the rules from there on move
	// down one place. A position past the end puts the rule last.
	Position *int
}

// RuleChange is the outcome of a change to one rule: the rule as saved, the
// rule-set version the change made, and the static-check warnings of the new
// rule set (they name the rule they concern and block nothing).
type RuleChange struct {
	Rule     Rule
	Version  int
	Warnings []rules.Warning
}

// RuleError is one or more rules whose conditions do not compile or do not
// convert. It is an ErrInvalid with the position and hint of each problem;
// the API answers it with 422.
type RuleError struct {
	Problems []RuleProblem
}

// RuleProblem is why one rule does not compile.
type RuleProblem struct {
	RuleID   RuleID
	RuleName string
	// Field is the request field at fault: "condition", "conditions" or,
	// for an unsaved rule set, "rules[2].condition".
	Field string
	// Path names the structured condition at fault, e.g. "any[1].value";
	// Line and Column (from 1) point into expression text instead.
	Path    string
	Line    int
	Column  int
	Message string
	Hint    string
	Snippet string
}

// Error lists the problems, one per line.
func (e *RuleError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		where := p.Field
		switch {
		case p.Path != "":
			where += " " + p.Path
		case p.Line > 0:
			where += fmt.Sprintf(" line %d, column %d", p.Line, p.Column)
		}
		parts[i] = fmt.Sprintf("%s: %s", where, p.Message)
	}
	return "the rule does not compile: " + strings.Join(parts, "; ")
}

// Unwrap makes a RuleError an ErrInvalid.
func (e *RuleError) Unwrap() error { return ErrInvalid }

// ruleProblem describes err, a compile or conversion error of r's condition.
func ruleProblem(r Rule, field string, err error) RuleProblem {
	p := RuleProblem{RuleID: r.ID, RuleName: r.Name, Field: field, Message: err.Error()}
	var de *dsl.Error
	if errors.As(err, &de) {
		p.Path, p.Line, p.Column, p.Message, p.Hint, p.Snippet = de.Path, de.Line, de.Column, de.Message, de.Hint, de.Snippet
	}
	return p
}

// apply sets the fields of in on r and validates them. Field names in errors
// start with prefix. The position is left to the caller.
func (in RuleInput) apply(ctx context.Context, tx Tx, r *Rule, prefix string) error {
	if in.Name != nil {
		name, err := checkName(prefix+"name", *in.Name)
		if err != nil {
			return err
		}
		r.Name = name
	}
	if in.QueueID != nil {
		if _, err := tx.Queue(ctx, *in.QueueID); err != nil {
			if errors.Is(err, ErrNotFound) {
				return FieldError(prefix+"queue_id", "no queue has the id %q", *in.QueueID)
			}
			return err
		}
		r.QueueID = *in.QueueID
	}
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
	}
	if in.Position != nil && *in.Position < 1 {
		return FieldError(prefix+"position", "must be 1 or more")
	}
	return in.applyCondition(r, prefix)
}

// applyCondition sets the condition of r from in and compiles it. A
// condition that does not compile is a *RuleError.
func (in RuleInput) applyCondition(r *Rule, prefix string) error {
	switch {
	case in.Condition != nil && in.Conditions != nil:
		return FieldError(prefix+"conditions", "give either condition or conditions, not both")
	case in.Condition != nil:
		r.Condition, r.Conditions = *in.Condition, nil
		if _, err := dsl.Compile(r.Condition); err != nil {
			return &RuleError{Problems: []RuleProblem{ruleProblem(*r, prefix+"condition", err)}}
		}
	case in.Conditions != nil:
		text, err := in.Conditions.Expression()
		if err == nil {
			_, err = dsl.Compile(text)
		}
		if err != nil {
			return &RuleError{Problems: []RuleProblem{ruleProblem(*r, prefix+"conditions", err)}}
		}
		r.Condition, r.Conditions = text, &Conditions{group: *in.Conditions}
	}
	return nil
}

// required checks that a new rule has every field it needs.
func (in RuleInput) required(prefix string) error {
	switch {
	case in.Name == nil:
		return FieldError(prefix+"name", "is required")
	case in.Condition == nil && in.Conditions == nil:
		return FieldError(prefix+"condition", "is required (or conditions, the structured form)")
	case in.QueueID == nil:
		return FieldError(prefix+"queue_id", "is required")
	}
	return nil
}

// changed names the fields in sets, for summaries.
func (in RuleInput) changed() []string {
	var out []string
	add := func(set bool, name string) {
		if set {
			out = append(out, name)
		}
	}
	add(in.Name != nil, "name")
	add(in.Condition != nil || in.Conditions != nil, "condition")
	add(in.QueueID != nil, "queue")
	add(in.Enabled != nil, "enabled")
	add(in.Position != nil, "position")
	return out
}

// place inserts r into list (which does not hold r) at position pos, from 1,
// clamped to the list, and numbers the result.
func place(list []Rule, r Rule, pos int) []Rule {
	i := min(max(pos, 1)-1, len(list))
	out := slices.Insert(slices.Clone(list), i, r)
	renumber(out)
	return out
}

// renumber sets the positions of list to 1, 2, … in list order.
func renumber(list []Rule) {
	for i := range list {
		list[i].Position = i + 1
	}
}

// indexOf returns the index of the rule with id in list, or an ErrNotFound.
func indexOf(list []Rule, ws WorkStreamID, id RuleID) (int, error) {
	i := slices.IndexFunc(list, func(r Rule) bool { return r.ID == id })
	if i < 0 {
		return -1, Errorf(ErrNotFound, "work stream %s has no rule with the id %q", ws, id)
	}
	return i, nil
}

// checkRuleSet checks what holds across the rules of a work stream: a
// bounded number and names unique regardless of case.
func checkRuleSet(list []Rule) error {
	if len(list) > MaxRulesPerWorkStream {
		return Errorf(ErrInvalid, "a work stream has at most %d rules", MaxRulesPerWorkStream)
	}
	seen := make(map[string]bool, len(list))
	for _, r := range list {
		key := strings.ToLower(r.Name)
		if seen[key] {
			return Errorf(ErrConflict, "the work stream already has a rule named %q", r.Name)
		}
		seen[key] = true
	}
	return nil
}

// ruleSpec is the rules package's view of a rule set.
func ruleSpec(version int, defaultQueue QueueID, list []Rule) rules.Spec {
	spec := rules.Spec{Version: version, DefaultQueueID: string(defaultQueue), Rules: make([]rules.Rule, len(list))}
	for i, r := range list {
		spec.Rules[i] = rules.Rule{ID: string(r.ID), Name: r.Name, Condition: r.Condition, QueueID: string(r.QueueID), Enabled: r.Enabled, Position: r.Position}
	}
	return spec
}

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
			x.Enabled == y.Enabled && x.Position == y.Position && reflect.DeepEqual(x.Conditions, y.Conditions)
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
	return s.store.ListRuleSetVersions(ctx, ws, p.normalized())
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
func queueExists(ctx context.Context, tx Tx, r Rule, n int) error {
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

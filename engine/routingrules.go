package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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
	// Priority, when set, is the priority a conversation the rule matches
	// gets (rules.MinPriority to rules.MaxPriority, higher offered first);
	// nil leaves the conversation's priority as it is.
	Priority *int
	Enabled  bool
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
	// Priority sets the rule's priority; ClearPriority removes it, so that
	// the rule leaves a conversation's priority as it is.
	Priority      *int
	ClearPriority bool
	Enabled       *bool
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
	// Summary starts the message; empty means "the rule does not compile".
	Summary string
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
	summary := e.Summary
	if summary == "" {
		summary = "the rule does not compile"
	}
	return summary + ": " + strings.Join(parts, "; ")
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
func (in RuleInput) apply(ctx context.Context, tx interface {
	QueueStore
	calendarLister
}, r *Rule, prefix string) error {
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
	switch {
	case in.Priority != nil && in.ClearPriority:
		return FieldError(prefix+"priority", "give a priority or clear it, not both")
	case in.Priority != nil:
		if err := checkPriority(prefix+"priority", *in.Priority); err != nil {
			return err
		}
		p := *in.Priority
		r.Priority = &p
	case in.ClearPriority:
		r.Priority = nil
	}
	if in.Position != nil && *in.Position < 1 {
		return FieldError(prefix+"position", "must be 1 or more")
	}
	prog, field, err := in.applyCondition(r, prefix)
	if err != nil || prog == nil {
		return err
	}
	return checkRuleCalendars(ctx, tx, *r, field, prog)
}

// applyCondition sets the condition of r from in and compiles it,
// answering the program and the request field it came from (nil when in
// leaves the condition as it is). A condition that does not compile is a
// *RuleError.
func (in RuleInput) applyCondition(r *Rule, prefix string) (*dsl.Program, string, error) {
	switch {
	case in.Condition != nil && in.Conditions != nil:
		return nil, "", FieldError(prefix+"conditions", "give either condition or conditions, not both")
	case in.Condition != nil:
		field := prefix + "condition"
		r.Condition, r.Conditions = *in.Condition, nil
		p, err := dsl.Compile(r.Condition)
		if err != nil {
			return nil, "", &RuleError{Problems: []RuleProblem{ruleProblem(*r, field, err)}}
		}
		return p, field, nil
	case in.Conditions != nil:
		field := prefix + "conditions"
		text, err := in.Conditions.Expression()
		var p *dsl.Program
		if err == nil {
			p, err = dsl.Compile(text)
		}
		if err != nil {
			return nil, "", &RuleError{Problems: []RuleProblem{ruleProblem(*r, field, err)}}
		}
		r.Condition, r.Conditions = text, &Conditions{group: *in.Conditions}
		return p, field, nil
	}
	return nil, "", nil
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
	add(in.Priority != nil || in.ClearPriority, "priority")
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
		spec.Rules[i] = rules.Rule{ID: string(r.ID), Name: r.Name, Condition: r.Condition, QueueID: string(r.QueueID), Priority: r.Priority, Enabled: r.Enabled, Position: r.Position}
	}
	return spec
}

// checkPriority validates a priority given for field.
func checkPriority(field string, p int) error {
	if rules.CheckPriority(p) != nil {
		return FieldError(field, "must be %d to %d (higher is offered first), not %d", rules.MinPriority, rules.MaxPriority, p)
	}
	return nil
}

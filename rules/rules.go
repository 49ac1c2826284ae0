package rules

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/switchboardhq/switchboard/dsl"
)

// Rule is one routing rule of a work stream: a condition on the engagement
// context and the queue a matching conversation goes to.
type Rule struct {
	ID        string
	Name      string
	Condition string
	QueueID   string
	Enabled   bool
	// Position orders the rules: lower first. Rules with equal positions
	// keep their order in the Spec.
	Position int
	// Priority, when set, is the priority a matching conversation gets
	// (MinPriority to MaxPriority; higher is offered first). Nil leaves the
	// conversation's priority as it is.
	Priority *int
}

// A conversation's priority: higher is offered first; new conversations
// have DefaultPriority.
const (
	MinPriority     = 0
	DefaultPriority = 0
	MaxPriority     = 1000
)

// CheckPriority reports whether p is a priority a rule or a conversation
// may have.
func CheckPriority(p int) error {
	if p < MinPriority || p > MaxPriority {
		return fmt.Errorf("priority %d is out of range: give %d to %d, higher is offered first", p, MinPriority, MaxPriority)
	}
	return nil
}

// Spec is what a rule set is compiled from: the rules of one work stream,
// its default queue and the version number the set cites.
type Spec struct {
	Version        int
	DefaultQueueID string
	Rules          []Rule
}

// Decision is the outcome of routing one context.
type Decision struct {
	// Rule is the rule that matched; nil means no rule matched and the
	// conversation goes to the default queue. It points into the Set and
	// must not be modified.
	Rule *Rule
	// QueueID is the queue the conversation goes to.
	QueueID string
	// Version is the version of the rule set that decided.
	Version int
	// Reason is "matched" or "default".
	Reason string
}

// Reasons for a Decision.
const (
	ReasonMatched = "matched"
	ReasonDefault = "default"
)

// TraceEntry records the evaluation of one rule in an explanation.
type TraceEntry struct {
	RuleID   string
	RuleName string
	// Result is whether the rule matched.
	Result bool
	// Error is the run-time error that made the rule not match, if any.
	Error string
	// Values holds, for the matched rule only, the values of the context
	// fields its condition read, by path.
	Values map[string]any
}

// CompileError is a rule whose condition does not compile. It wraps the
// *dsl.Error, so errors.As finds the line, column and hint.
type CompileError struct {
	RuleID   string
	RuleName string
	Err      error
}

// Error names the rule and gives the compile error.
func (e *CompileError) Error() string {
	return fmt.Sprintf("rule %q (%s): %v", e.RuleName, e.RuleID, e.Err)
}

// Unwrap returns the *dsl.Error.
func (e *CompileError) Unwrap() error { return e.Err }

// CompileErrors returns the *CompileError values in err (as Compile returns
// it), one per rule that does not compile, in rule order.
func CompileErrors(err error) []*CompileError {
	var out []*CompileError
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if ce, ok := e.(*CompileError); ok {
			out = append(out, ce)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		}
	}
	walk(err)
	return out
}

type compiled struct {
	rule Rule
	prog *dsl.Program
	fast func(*dsl.Context) bool // nil when the rule runs on expr's VM
}

// Set is a compiled rule set: the enabled rules of one work stream in order,
// and its default queue. A Set is immutable and safe for concurrent use.
type Set struct {
	version      int
	defaultQueue string
	rules        []compiled
	index        *index
	runners      sync.Pool // of *dsl.Runner, for rules that run on expr's VM
}

// Compile compiles the enabled rules of spec, in position order. If any
// condition does not compile, the error joins one *CompileError per broken
// rule.
func Compile(spec Spec) (*Set, error) {
	ordered := orderedRules(spec.Rules)
	s := &Set{version: spec.Version, defaultQueue: spec.DefaultQueueID}
	s.runners.New = func() any { return new(dsl.Runner) }
	programs := make(map[string]*dsl.Program)
	var errs []error
	for _, r := range ordered {
		if !r.Enabled {
			continue
		}
		p, ok := programs[r.Condition]
		if !ok {
			var err error
			p, err = dsl.Compile(r.Condition)
			if err != nil {
				errs = append(errs, &CompileError{RuleID: r.ID, RuleName: r.Name, Err: err})
				continue
			}
			programs[r.Condition] = p
		}
		s.rules = append(s.rules, compiled{rule: r, prog: p, fast: p.Func()})
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("compile rule set version %d: %w", spec.Version, errors.Join(errs...))
	}
	s.index = buildIndex(s.rules)
	return s, nil
}

// orderedRules returns the rules sorted by position, keeping the order of
// equal positions.
func orderedRules(rs []Rule) []Rule {
	out := slices.Clone(rs)
	slices.SortStableFunc(out, func(a, b Rule) int { return cmp.Compare(a.Position, b.Position) })
	return out
}

// Version returns the version of the rule set.
func (s *Set) Version() int { return s.version }

// DefaultQueueID returns the queue for conversations no rule matches.
func (s *Set) DefaultQueueID() string { return s.defaultQueue }

// Rules returns the enabled rules in evaluation order.
func (s *Set) Rules() []Rule {
	out := make([]Rule, len(s.rules))
	for i, r := range s.rules {
		out[i] = r.rule
	}
	return out
}

// Route returns the first rule that matches c, or the default queue. A rule
// that fails at run time does not match. On rules that run on the fast path
// Route allocates nothing. c must not be nil.
func (s *Set) Route(c *dsl.Context) Decision {
	return s.decision(s.firstIndexed(c))
}

func (s *Set) decision(i int) Decision {
	if i < 0 {
		return Decision{QueueID: s.defaultQueue, Version: s.version, Reason: ReasonDefault}
	}
	r := &s.rules[i].rule
	return Decision{Rule: r, QueueID: r.QueueID, Version: s.version, Reason: ReasonMatched}
}

// match evaluates rule i; run-time errors make it not match.
func (s *Set) match(i int, c *dsl.Context) bool {
	if f := s.rules[i].fast; f != nil {
		return f(c)
	}
	return s.matchVM(i, c)
}

func (s *Set) matchVM(i int, c *dsl.Context) bool {
	r := s.runners.Get().(*dsl.Runner)
	ok, err := s.rules[i].prog.EvalVM(c, r)
	s.runners.Put(r)
	return ok && err == nil
}

// firstLinear returns the first matching rule by scanning every rule.
func (s *Set) firstLinear(c *dsl.Context) int {
	for i := range s.rules {
		if s.match(i, c) {
			return i
		}
	}
	return -1
}

// firstVM is firstLinear with every rule on expr's VM: the reference.
func (s *Set) firstVM(c *dsl.Context, r *dsl.Runner) int {
	for i := range s.rules {
		if ok, err := s.rules[i].prog.EvalVM(c, r); ok && err == nil {
			return i
		}
	}
	return -1
}

// Explain routes c like Route and also returns the trace of every rule
// evaluated, in order, up to and including the one that matched.
func (s *Set) Explain(c *dsl.Context) (Decision, []TraceEntry) {
	r := s.runners.Get().(*dsl.Runner)
	defer s.runners.Put(r)
	trace := make([]TraceEntry, 0, len(s.rules))
	for i := range s.rules {
		cr := &s.rules[i]
		ok, err := cr.prog.Eval(c, r)
		e := TraceEntry{RuleID: cr.rule.ID, RuleName: cr.rule.Name, Result: ok && err == nil}
		if err != nil {
			e.Error = err.Error()
		}
		if e.Result {
			e.Values = cr.prog.Values(c)
			trace = append(trace, e)
			return s.decision(i), trace
		}
		trace = append(trace, e)
	}
	return s.decision(-1), trace
}

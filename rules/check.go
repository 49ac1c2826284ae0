package rules

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/switchboardhq/switchboard/dsl"
)

// Warning is a finding of Check: something probably wrong with a rule that
// does not stop the rule set from being saved or used.
type Warning struct {
	RuleID   string
	RuleName string
	// Code is one of the Code constants.
	Code    string
	Message string
}

// Warning codes.
const (
	// CodeUnreachable: the rule can never be reached, because an earlier
	// rule always matches or matches whenever this one would.
	CodeUnreachable = "unreachable"
	// CodeContradiction: the rule's conditions contradict each other, so it
	// never matches.
	CodeContradiction = "contradiction"
	// CodeAlwaysTrue: the rule matches every conversation.
	CodeAlwaysTrue = "always-true"
	// CodeAlwaysFalse: the rule matches no conversation.
	CodeAlwaysFalse = "always-false"
	// CodeDuplicate: an earlier rule has the same condition.
	CodeDuplicate = "duplicate"
	// CodeCoveredAlternative: an alternative of the rule's || never decides,
	// because an earlier rule matches whenever it is true.
	CodeCoveredAlternative = "covered-alternative"
	// CodeImpossibleValue: the rule compares a field with a value it can
	// never take (Hour > 23, Weekday == "Mondy").
	CodeImpossibleValue = "impossible-value"
	// CodeDefaultQueue: the rule sends to the default queue, where
	// conversations no rule matches go anyway.
	CodeDefaultQueue = "default-queue"
)

// Check looks for rules that can never match or never be reached, and other
// likely mistakes, in the enabled rules of spec in position order. Rules whose
// conditions do not compile are skipped (Compile reports them).
func Check(spec Spec) []Warning {
	// Conditions of earlier rules that make them match whenever they hold:
	// a whole rule that is exactly a conjunction of atoms, or one such
	// alternative of an || (when no alternative before it can fail). They
	// are indexed so that a rule is only compared with the earlier
	// conditions it could imply: by one value of their first field when
	// that field must be one of a few texts, else by their first field.
	type seen struct {
		rule  Rule
		facts ruleFacts
		exact bool
		// whole is false for one alternative of the rule, whose text alt is.
		whole bool
		alt   string
	}
	var (
		earlier  []seen
		byNorm   = make(map[string]int)
		byText   = make(map[string]map[string][]int)
		byPath   = make(map[string][]int)
		alwaysOn *Rule
		out      []Warning
	)
	warn := func(r Rule, code, format string, args ...any) {
		out = append(out, Warning{RuleID: r.ID, RuleName: r.Name, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	// covering returns the first earlier condition that holds whenever f
	// does, or -1.
	covering := func(f ruleFacts) int {
		best := -1
		consider := func(i int) {
			if best >= 0 && i >= best {
				return
			}
			if implies(f, earlier[i].facts) {
				best = i
			}
		}
		for _, path := range f.order {
			ff := f.fields[path]
			if ff.kind == dsl.KindText && ff.text.finite && len(ff.text.only) > 0 {
				for _, i := range byText[path][ff.text.only[0]] {
					consider(i)
				}
			}
			for _, i := range byPath[path] {
				consider(i)
			}
		}
		return best
	}
	remember := func(e seen) int {
		i := len(earlier)
		earlier = append(earlier, e)
		if !e.exact {
			return i
		}
		key := e.facts.order[0]
		if f := e.facts.fields[key]; f.kind == dsl.KindText && f.text.finite {
			if byText[key] == nil {
				byText[key] = make(map[string][]int)
			}
			for _, v := range f.text.only {
				byText[key][v] = append(byText[key][v], i)
			}
		} else {
			byPath[key] = append(byPath[key], i)
		}
		return i
	}
	// by names the earlier condition i for a message.
	by := func(i int) string {
		if earlier[i].whole {
			return fmt.Sprintf("rule %q before it", earlier[i].rule.Name)
		}
		return fmt.Sprintf("rule %q before it (its %s)", earlier[i].rule.Name, earlier[i].alt)
	}
	for _, r := range orderedRules(spec.Rules) {
		if !r.Enabled {
			continue
		}
		// A rule with no queue is an error where rules are written (the
		// API requires queue_id, a rule file a queue), not a warning here.
		if r.QueueID != "" && r.QueueID == spec.DefaultQueueID && r.Priority == nil {
			// With a priority the rule does something the default does not.
			warn(r, CodeDefaultQueue, "the rule sends to the default queue %q, where conversations no rule matches go anyway", r.QueueID)
		}
		p, err := dsl.Compile(r.Condition)
		if err != nil {
			continue
		}
		alts := p.Alternatives()
		cur := seen{rule: r, whole: true}
		if len(alts) == 1 {
			cur.facts, cur.exact = facts(alts[0].Atoms, alts[0].Substrings), alts[0].Exact
		} else {
			cur.facts = facts(nil, nil)
		}
		if alwaysOn != nil {
			warn(r, CodeUnreachable, "the rule is never reached: rule %q before it always matches", alwaysOn.Name)
			continue
		}
		for _, im := range p.Impossible() {
			warn(r, CodeImpossibleValue, "%s", im.Message)
		}
		if a, b, ok := p.Tautology(); ok {
			warn(r, CodeAlwaysTrue, "the rule always matches (%s or %s is always true), so no rule after it is ever reached", a, b)
			rr := r
			alwaysOn = &rr
			continue
		}
		if v, ok := p.Constant(); ok {
			if v {
				warn(r, CodeAlwaysTrue, "the rule always matches, so no rule after it is ever reached")
				rr := r
				alwaysOn = &rr
			} else {
				warn(r, CodeAlwaysFalse, "the rule never matches")
			}
			continue
		}
		if msg, bad := contradiction(cur.facts); bad {
			warn(r, CodeContradiction, "the rule never matches: %s", msg)
			continue
		}

		// The first earlier rule with the same condition, or that matches
		// whenever this one does.
		best, dup := -1, false
		norm := p.Normalized()
		if i, ok := byNorm[norm]; ok {
			best, dup = i, true
		}
		if i := covering(cur.facts); i >= 0 && (best < 0 || i < best) {
			e := earlier[i]
			best, dup = i, e.whole && cur.exact && implies(e.facts, cur.facts)
		}
		switch {
		case best >= 0 && dup:
			warn(r, CodeDuplicate, "the rule has the same condition as rule %q before it, so it is never reached", earlier[best].rule.Name)
		case best >= 0:
			warn(r, CodeUnreachable, "the rule is never reached: whenever it matches, %s matches too%s", by(best), substringNote(cur.facts, earlier[best].facts))
		case len(alts) > 1:
			// Alternatives of the || that an earlier rule covers never
			// decide; when all of them are covered, the rule never does.
			var covered []string
			for _, a := range alts {
				af := facts(a.Atoms, a.Substrings)
				if i := covering(af); i >= 0 {
					covered = append(covered, fmt.Sprintf("%s by %s%s", a.Text, by(i), substringNote(af, earlier[i].facts)))
				}
			}
			if len(covered) == len(alts) {
				warn(r, CodeUnreachable, "the rule is never reached: each of its alternatives is covered: %s", strings.Join(covered, "; "))
				break
			}
			for _, c := range covered {
				warn(r, CodeCoveredAlternative, "an alternative of the || never decides, because whenever it is true an earlier rule matches: %s; remove it, or move it to a rule of its own before that one", c)
			}
		}

		i := remember(cur)
		if _, ok := byNorm[norm]; !ok {
			byNorm[norm] = i
		}
		if len(alts) > 1 {
			// An exact alternative makes the rule match whenever it holds,
			// provided no alternative before it can fail with an error.
			for _, a := range alts {
				if a.Exact {
					remember(seen{rule: r, facts: facts(a.Atoms, a.Substrings), exact: true, alt: a.Text})
				}
				if !a.Safe {
					break
				}
			}
		}
	}
	return out
}

// substringNote says which condition of the later facts an earlier shorter
// contains (startsWith, endsWith) covers, for a message, or "".
func substringNote(later, earlier ruleFacts) string {
	for _, path := range earlier.order {
		e, l := earlier.fields[path], later.fields[path]
		if l == nil {
			continue
		}
		for _, es := range e.subs {
			for _, ls := range l.subs {
				if es != ls && es.Covers(ls) {
					return fmt.Sprintf(" (%s is covered by its %s)", ls, es)
				}
			}
		}
	}
	return ""
}

// span is a set of whole numbers [lo, hi], for number fields (all of which
// hold whole numbers), with points excluded by !=.
type span struct {
	lo, hi float64
	not    []float64
}

func fullSpan() span { return span{lo: math.Inf(-1), hi: math.Inf(1)} }

func (s *span) add(a dsl.Atom) {
	x := a.Number
	switch a.Op {
	case ">":
		s.lo = math.Max(s.lo, math.Floor(x)+1)
	case ">=":
		s.lo = math.Max(s.lo, math.Ceil(x))
	case "<":
		s.hi = math.Min(s.hi, math.Ceil(x)-1)
	case "<=":
		s.hi = math.Min(s.hi, math.Floor(x))
	case "==":
		if x != math.Trunc(x) {
			s.lo, s.hi = 1, 0
			return
		}
		s.lo, s.hi = math.Max(s.lo, x), math.Min(s.hi, x)
	case "!=":
		s.not = append(s.not, x)
	}
}

func (s span) empty() bool {
	if s.lo > s.hi {
		return true
	}
	if s.lo == s.hi && slices.Contains(s.not, s.lo) {
		return true
	}
	return false
}

// within reports whether every number in s is in t.
func (s span) within(t span) bool {
	if s.empty() {
		return true
	}
	if s.lo < t.lo || s.hi > t.hi {
		return false
	}
	for _, x := range t.not {
		if x >= s.lo && x <= s.hi && !slices.Contains(s.not, x) {
			return false
		}
	}
	return true
}

func describeSpan(path string, s span) string {
	var parts []string
	if !math.IsInf(s.lo, -1) {
		parts = append(parts, fmt.Sprintf("at least %v", s.lo))
	}
	if !math.IsInf(s.hi, 1) {
		parts = append(parts, fmt.Sprintf("at most %v", s.hi))
	}
	return fmt.Sprintf("%s would have to be %s", path, strings.Join(parts, " and "))
}

// textSet is the set of values a text field may have: all values but not,
// or (when finite) only the values in only.
type textSet struct {
	finite bool
	only   []string
	not    []string
}

func (t *textSet) add(a dsl.Atom) {
	switch a.Op {
	case "==", "in":
		if !t.finite {
			t.finite, t.only = true, slices.Clone(a.Text)
		} else {
			t.only = slices.DeleteFunc(t.only, func(v string) bool { return !slices.Contains(a.Text, v) })
		}
	case "!=", "not in":
		t.not = append(t.not, a.Text...)
	}
	if t.finite {
		t.only = slices.DeleteFunc(t.only, func(v string) bool { return slices.Contains(t.not, v) })
	}
}

// within reports whether every value t allows is allowed by u.
func (t textSet) within(u textSet) bool {
	if u.finite {
		if !t.finite {
			return false
		}
		for _, v := range t.only {
			if !slices.Contains(u.only, v) {
				return false
			}
		}
	}
	for _, v := range u.not {
		if t.finite {
			if slices.Contains(t.only, v) {
				return false
			}
		} else if !slices.Contains(t.not, v) {
			return false
		}
	}
	return true
}

type fieldFacts struct {
	kind  dsl.Kind
	text  textSet
	num   span
	bools map[bool]bool
	// subs are the contains, startsWith and endsWith conditions on a text
	// field.
	subs []dsl.Substring
}

// ruleFacts are what a rule's atoms say about each field, in the order the
// fields first appear.
type ruleFacts struct {
	fields map[string]*fieldFacts
	order  []string
}

func facts(atoms []dsl.Atom, subs []dsl.Substring) ruleFacts {
	rf := ruleFacts{fields: make(map[string]*fieldFacts)}
	field := func(path string, kind dsl.Kind) *fieldFacts {
		f, ok := rf.fields[path]
		if !ok {
			f = &fieldFacts{kind: kind, num: fullSpan(), bools: make(map[bool]bool)}
			rf.fields[path] = f
			rf.order = append(rf.order, path)
		}
		return f
	}
	for _, s := range subs {
		f := field(s.Path, dsl.KindText)
		f.subs = append(f.subs, s)
	}
	for _, a := range atoms {
		f := field(a.Path, a.Kind)
		switch a.Kind {
		case dsl.KindText:
			f.text.add(a)
		case dsl.KindNumber:
			f.num.add(a)
		case dsl.KindBool:
			f.bools[a.Bool] = true
		}
	}
	return rf
}

// contradiction reports whether the facts cannot all be true at once.
func contradiction(rf ruleFacts) (string, bool) {
	for _, path := range rf.order {
		f := rf.fields[path]
		switch f.kind {
		case dsl.KindText:
			if f.text.finite && len(f.text.only) == 0 {
				return fmt.Sprintf("%s cannot have all the values the rule asks for at once; to accept any of them, join the conditions with || instead of &&", path), true
			}
		case dsl.KindNumber:
			if f.num.empty() {
				return describeSpan(path, f.num) + ", which no number is; to accept either side, join the conditions with || instead of &&", true
			}
		case dsl.KindBool:
			if f.bools[true] && f.bools[false] {
				return fmt.Sprintf("%s cannot be both true and false", path), true
			}
		}
	}
	return "", false
}

// implies reports whether the facts of a later rule guarantee those of an
// earlier rule.
func implies(later, earlier ruleFacts) bool {
	if len(earlier.order) == 0 {
		return false
	}
	for _, path := range earlier.order {
		e := earlier.fields[path]
		l, ok := later.fields[path]
		if !ok {
			return false
		}
		switch e.kind {
		case dsl.KindText:
			if !l.text.within(e.text) {
				return false
			}
			for _, es := range e.subs {
				if !l.holds(es) {
					return false
				}
			}
		case dsl.KindNumber:
			if !l.num.within(e.num) {
				return false
			}
		case dsl.KindBool:
			for b := range e.bools {
				if !l.bools[b] {
					return false
				}
			}
		}
	}
	return true
}

// holds reports whether the facts of a text field guarantee the substring
// condition s: one of its own is covered by s, or every value it may have
// meets s.
func (f *fieldFacts) holds(s dsl.Substring) bool {
	for _, t := range f.subs {
		if s.Covers(t) {
			return true
		}
	}
	if !f.text.finite || len(f.text.only) == 0 {
		return false
	}
	for _, v := range f.text.only {
		if !s.Holds(v) {
			return false
		}
	}
	return true
}

package dsl

import (
	"strings"

	"github.com/expr-lang/expr/ast"
)

// Substring is a condition that a text field contains, starts with or ends
// with a constant text: Message.Text contains "refund".
type Substring struct {
	// Path is the field, e.g. "Message.Text".
	Path string
	// Op is "contains", "startsWith" or "endsWith".
	Op string
	// Text is the constant text.
	Text string
}

// Covers reports whether s is true whenever t is (both on the same field):
// contains "a" covers contains "ab", startsWith "ab" and endsWith "ab";
// startsWith "a" covers startsWith "ab".
func (s Substring) Covers(t Substring) bool {
	if s.Path != t.Path {
		return false
	}
	switch s.Op {
	case "contains":
		return strings.Contains(t.Text, s.Text)
	case "startsWith":
		return t.Op == "startsWith" && strings.HasPrefix(t.Text, s.Text)
	case "endsWith":
		return t.Op == "endsWith" && strings.HasSuffix(t.Text, s.Text)
	}
	return false
}

// Holds reports whether the condition is true of the text v.
func (s Substring) Holds(v string) bool {
	switch s.Op {
	case "contains":
		return strings.Contains(v, s.Text)
	case "startsWith":
		return strings.HasPrefix(v, s.Text)
	case "endsWith":
		return strings.HasSuffix(v, s.Text)
	}
	return false
}

// String returns the condition as it is written in a rule.
func (s Substring) String() string {
	return s.Path + " " + s.Op + " " + quote(s.Text)
}

// Alternative is one of the conditions joined by || at the top of a rule, or
// the whole rule when it has no ||.
type Alternative struct {
	// Text is the alternative in its normalized form.
	Text string
	// Atoms are the simple conditions the alternative requires, as
	// Conjuncts returns them for a whole rule.
	Atoms []Atom
	// Substrings are the contains, startsWith and endsWith conditions on a
	// text field that it requires.
	Substrings []Substring
	// Exact reports whether the alternative is exactly the conjunction of
	// its Atoms and Substrings (and has at least one).
	Exact bool
	// Safe reports whether evaluating the alternative can never fail with
	// a run-time error (a list index out of range, a division by zero), so
	// that an alternative after it is always evaluated when it is false.
	Safe bool
}

// Alternatives returns the alternatives of the rule in the order they are
// written. Evaluation stops at the first true one.
func (p *Program) Alternatives() []Alternative {
	var alts []ast.Node
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		if bn, ok := n.(*ast.BinaryNode); ok && (bn.Operator == "||" || bn.Operator == "or") {
			walk(bn.Left)
			walk(bn.Right)
			return
		}
		alts = append(alts, n)
	}
	walk(p.node)
	out := make([]Alternative, len(alts))
	for i, n := range alts {
		atoms, subs, exact := conjunctsOf(n)
		out[i] = Alternative{Text: n.String(), Atoms: atoms, Substrings: subs, Exact: exact && len(atoms)+len(subs) > 0, Safe: safe(n)}
	}
	return out
}

// conjunctsOf returns the atoms and substring conditions n requires, and
// whether n is exactly their conjunction.
func conjunctsOf(n ast.Node) (atoms []Atom, subs []Substring, exact bool) {
	exact = true
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		if b, ok := n.(*ast.BinaryNode); ok && (b.Operator == "&&" || b.Operator == "and") {
			walk(b.Left)
			walk(b.Right)
			return
		}
		if s, ok := substringOf(n); ok {
			subs = append(subs, s)
			return
		}
		as, ok := atomsOf(n)
		if !ok {
			exact = false
			return
		}
		atoms = append(atoms, as...)
	}
	walk(n)
	return atoms, subs, exact
}

// substringOf recognizes Field contains "text" (and startsWith, endsWith)
// on a text field of the catalogue, with a constant text.
func substringOf(n ast.Node) (Substring, bool) {
	b, ok := n.(*ast.BinaryNode)
	if !ok || (b.Operator != "contains" && b.Operator != "startsWith" && b.Operator != "endsWith") {
		return Substring{}, false
	}
	path, ok := fieldPath(b.Left)
	if !ok {
		return Substring{}, false
	}
	if f, _ := LookupField(path); f.Kind != KindText {
		return Substring{}, false
	}
	s, ok := b.Right.(*ast.StringNode)
	if !ok {
		return Substring{}, false
	}
	return Substring{Path: path, Op: b.Operator, Text: s.Value}, true
}

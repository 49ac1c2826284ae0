package dsl

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"
)

// Domain is the set of values a context field can take, where the catalogue
// knows it: a range of whole numbers, or a list of texts.
type Domain struct {
	// Min and Max bound a number field, both included.
	Min, Max int
	// Values are the texts a text field can be, in their usual order.
	Values []string
	// Note says something about the domain for messages, e.g. "midnight
	// is Hour == 0".
	Note string
}

// IsText reports whether the domain is a list of texts.
func (d Domain) IsText() bool { return d.Values != nil }

var domains = map[string]Domain{
	"Hour":                  {Min: 0, Max: 23, Note: "midnight is Hour == 0"},
	"Weekday":               {Values: []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}},
	"Conversation.Status":   {Values: []string{"open", "offered", "active", "waiting", "wrap-up", "closed"}},
	"Conversation.Priority": {Min: 0, Max: 1000},
}

// FieldDomain returns the values the field at path can take, when the
// catalogue knows them.
func FieldDomain(path string) (Domain, bool) {
	d, ok := domains[path]
	if ok && d.Values != nil {
		d.Values = slices.Clone(d.Values)
	}
	return d, ok
}

// Impossible is a comparison in a rule with a value its field never takes.
type Impossible struct {
	Path string
	// Message says what is wrong, with a "did you mean" when there is a
	// likely value.
	Message string
}

// Impossible returns the comparisons of the rule, anywhere in it, with values
// their field can never take: Hour > 23, Weekday == "Mondy",
// Conversation.Status in ["open", "pending"].
func (p *Program) Impossible() []Impossible {
	var out []Impossible
	seen := make(map[string]bool)
	add := func(path, msg string) {
		if !seen[msg] {
			seen[msg] = true
			out = append(out, Impossible{Path: path, Message: msg})
		}
	}
	ast.Find(p.node, func(n ast.Node) bool {
		atoms, ok := atomsOf(n)
		if !ok {
			return false
		}
		for _, a := range atoms {
			d, ok := domains[a.Path]
			if !ok {
				continue
			}
			switch {
			case a.Kind == KindText && d.IsText():
				for _, v := range a.Text {
					if slices.Contains(d.Values, v) {
						continue
					}
					msg := fmt.Sprintf("%s is never %q", a.Path, v)
					if s := nearest(strings.ToLower(v), d.Values, strings.ToLower); s != "" {
						msg += fmt.Sprintf(": did you mean %q?", s)
					} else {
						msg += fmt.Sprintf(": it is one of %s", quoteAll(d.Values))
					}
					add(a.Path, msg)
				}
			case a.Kind == KindNumber && !d.IsText():
				if msg := outOfRange(a, d); msg != "" {
					add(a.Path, msg)
				}
			}
		}
		return false
	})
	return out
}

func quoteAll(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

// outOfRange explains a comparison of a number field that no value of its
// range can meet, or that every value meets.
func outOfRange(a Atom, d Domain) string {
	lo, hi, x := float64(d.Min), float64(d.Max), a.Number
	rng := fmt.Sprintf("%s is %d to %d", a.Path, d.Min, d.Max)
	if d.Note != "" {
		rng += "; " + d.Note
	}
	var never bool
	switch a.Op {
	case "==":
		never = x < lo || x > hi || x != math.Trunc(x)
		if never {
			return fmt.Sprintf("%s is never %v (%s)", a.Path, x, rng)
		}
	case "!=":
		if x < lo || x > hi {
			return fmt.Sprintf("%s is never %v, so %s != %v is always true (%s)", a.Path, x, a.Path, x, rng)
		}
	case ">":
		never = x >= hi
	case ">=":
		never = x > hi
	case "<":
		never = x <= lo
	case "<=":
		never = x < lo
	}
	if never {
		return fmt.Sprintf("%s %s %v is never true (%s)", a.Path, a.Op, x, rng)
	}
	return ""
}

// Tautology reports whether the rule is always true because two of the
// alternatives of an || are each other's negation, as in X || !X or
// Hour > 3 || Hour <= 3, and returns the two.
func (p *Program) Tautology() (a, b string, ok bool) {
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
	for i := range alts {
		for j := i + 1; j < len(alts); j++ {
			if negates(alts[i], alts[j]) || negates(alts[j], alts[i]) {
				return alts[i].String(), alts[j].String(), true
			}
		}
	}
	return "", "", false
}

var negated = map[string]string{"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}

// negates reports whether y is written as the negation of x.
func negates(x, y ast.Node) bool {
	if u, ok := y.(*ast.UnaryNode); ok && (u.Operator == "!" || u.Operator == "not") {
		return safe(x) && u.Node.String() == x.String()
	}
	if !safe(x) {
		return false
	}
	bx, okx := x.(*ast.BinaryNode)
	by, oky := y.(*ast.BinaryNode)
	if !okx || !oky || negated[bx.Operator] != by.Operator {
		return false
	}
	return bx.Left.String() == by.Left.String() && bx.Right.String() == by.Right.String()
}

// safe reports whether n can be evaluated without a run-time error (which
// would make the rule not match): fields, constants and operators other
// than / and %, with no calls or list indexes.
func safe(n ast.Node) bool {
	return ast.Find(n, func(n ast.Node) bool {
		switch v := n.(type) {
		case *ast.IdentifierNode:
			_, ok := fieldPath(v)
			return !ok && !isGroup(v.Value)
		case *ast.MemberNode:
			_, ok := fieldPath(v)
			return !ok
		case *ast.BinaryNode:
			return v.Operator == "/" || v.Operator == "%" || v.Operator == "**" || v.Operator == "^" || v.Operator == ".."
		case *ast.UnaryNode, *ast.StringNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.ConstantNode, *ast.NilNode:
			return false
		}
		return true
	}) == nil
}

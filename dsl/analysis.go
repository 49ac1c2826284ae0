package dsl

import (
	"slices"

	"github.com/expr-lang/expr/ast"
)

// Atom is one simple condition on a single field, found in the top-level
// conjunction (the parts joined by &&) of a rule. The rules package uses
// atoms to index rules and to find unreachable and contradictory ones.
type Atom struct {
	// Path is the field, e.g. "Channel.Handle".
	Path string
	// Kind is the field's kind.
	Kind Kind
	// Op is one of "==", "!=", "in", "not in", "<", "<=", ">", ">=".
	Op string
	// Text holds the value(s) compared with a text field: one for == and
	// !=, the list (sorted, without repeats) for in and not in.
	Text []string
	// Number is the value compared with a number field.
	Number float64
	// Bool is the value a yes/no field must have (Op is "==").
	Bool bool
}

// Conjuncts returns the simple conditions the rule requires: whenever the
// rule is true, every atom is true. exact reports whether the rule is
// exactly the conjunction of the atoms (nothing else was joined in).
func (p *Program) Conjuncts() (atoms []Atom, exact bool) {
	exact = true
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		if b, ok := n.(*ast.BinaryNode); ok && (b.Operator == "&&" || b.Operator == "and") {
			walk(b.Left)
			walk(b.Right)
			return
		}
		as, ok := atomsOf(n)
		if !ok {
			exact = false
			return
		}
		atoms = append(atoms, as...)
	}
	walk(p.node)
	return atoms, exact
}

// Constant reports whether the rule is always true or always false as
// written, and which.
func (p *Program) Constant() (value, ok bool) {
	return constant(p.node)
}

// constant finds conditions that are true or false whatever the context:
// a literal, or && and || short-circuited by one.
func constant(n ast.Node) (value, ok bool) {
	switch n := n.(type) {
	case *ast.BoolNode:
		return n.Value, true
	case *ast.ConstantNode:
		b, ok := n.Value.(bool)
		return b, ok
	case *ast.UnaryNode:
		if n.Operator == "!" || n.Operator == "not" {
			v, ok := constant(n.Node)
			return !v, ok
		}
	case *ast.BinaryNode:
		if v, err := build(n); err == nil && v.kind == vBool && !readsAnything(n) {
			return v.b(&Context{}), true
		}
		l, lok := constant(n.Left)
		r, rok := constant(n.Right)
		switch n.Operator {
		case "&&", "and":
			if (lok && !l) || (rok && !r) {
				return false, true
			}
			if lok && rok {
				return true, true
			}
		case "||", "or":
			if (lok && l) || (rok && r) {
				return true, true
			}
			if lok && rok {
				return false, true
			}
		}
	}
	return false, false
}

// Normalized returns the rule's checked and optimized form as text, so that
// two rules written differently but meaning the same compare equal.
func (p *Program) Normalized() string {
	return p.node.String()
}

var flipped = map[string]string{"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

func atomsOf(n ast.Node) ([]Atom, bool) {
	if path, ok := fieldPath(n); ok {
		if f, _ := LookupField(path); f.Kind == KindBool {
			return []Atom{{Path: path, Kind: KindBool, Op: "==", Bool: true}}, true
		}
		return nil, false
	}
	switch v := n.(type) {
	case *ast.UnaryNode:
		if v.Operator != "!" && v.Operator != "not" {
			return nil, false
		}
		if path, ok := fieldPath(v.Node); ok {
			if f, _ := LookupField(path); f.Kind == KindBool {
				return []Atom{{Path: path, Kind: KindBool, Op: "==", Bool: false}}, true
			}
			return nil, false
		}
		inner, ok := atomsOf(v.Node)
		if !ok || len(inner) != 1 || inner[0].Op != "in" {
			return nil, false
		}
		inner[0].Op = "not in"
		return inner, true
	case *ast.BinaryNode:
		return binaryAtom(v)
	case *ast.CallNode:
		id, ok := v.Callee.(*ast.IdentifierNode)
		if !ok || id.Value != "between" || len(v.Arguments) != 3 {
			return nil, false
		}
		path, ok := fieldPath(v.Arguments[0])
		lo, okLo := constNumber(v.Arguments[1])
		hi, okHi := constNumber(v.Arguments[2])
		if !ok || !okLo || !okHi {
			return nil, false
		}
		return []Atom{
			{Path: path, Kind: KindNumber, Op: ">=", Number: lo},
			{Path: path, Kind: KindNumber, Op: "<=", Number: hi},
		}, true
	}
	return nil, false
}

func binaryAtom(b *ast.BinaryNode) ([]Atom, bool) {
	op := b.Operator
	right := b.Right
	path, ok := fieldPath(b.Left)
	if !ok {
		path, ok = fieldPath(b.Right)
		if !ok || op == "in" {
			return nil, false
		}
		right = b.Left
		op = flipped[op]
	}
	f, _ := LookupField(path)
	switch {
	case op == "in" && f.Kind == KindText:
		c, ok := right.(*ast.ConstantNode)
		if !ok {
			return nil, false
		}
		set, ok := c.Value.(map[string]struct{})
		if !ok {
			return nil, false
		}
		values := make([]string, 0, len(set))
		for s := range set {
			values = append(values, s)
		}
		slices.Sort(values)
		return []Atom{{Path: path, Kind: KindText, Op: "in", Text: values}}, true
	case (op == "==" || op == "!=") && f.Kind == KindText:
		s, ok := right.(*ast.StringNode)
		if !ok {
			return nil, false
		}
		return []Atom{{Path: path, Kind: KindText, Op: op, Text: []string{s.Value}}}, true
	case flipped[op] != "" && f.Kind == KindNumber:
		x, ok := constNumber(right)
		if !ok {
			return nil, false
		}
		return []Atom{{Path: path, Kind: KindNumber, Op: op, Number: x}}, true
	case (op == "==" || op == "!=") && f.Kind == KindBool:
		c, ok := right.(*ast.BoolNode)
		if !ok {
			return nil, false
		}
		return []Atom{{Path: path, Kind: KindBool, Op: "==", Bool: c.Value == (op == "==")}}, true
	}
	return nil, false
}

func constNumber(n ast.Node) (float64, bool) {
	switch v := n.(type) {
	case *ast.IntegerNode:
		return float64(v.Value), true
	case *ast.FloatNode:
		return v.Value, true
	case *ast.UnaryNode:
		if v.Operator == "-" {
			x, ok := constNumber(v.Node)
			return -x, ok
		}
	}
	return 0, false
}

// readsAnything reports whether n reads a name (a field or variable).
func readsAnything(n ast.Node) bool {
	return ast.Find(n, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.IdentifierNode, *ast.MemberNode, *ast.PointerNode:
			return true
		}
		return false
	}) != nil
}

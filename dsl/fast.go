package dsl

import (
	"cmp"
	"errors"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
)

// The fast path: a checked and optimized expr syntax tree becomes a tree of
// typed Go closures over the catalogue's getters. Only what is listed here is
// covered; any other node makes the whole rule run on expr's VM instead, so
// every valid rule still works. Each closure mirrors what expr's VM does for
// the same node (vm/runtime: Equal, Less, Divide, In …); the differential
// tests hold the two to identical results.

// errUnsupported marks a node the fast path does not cover.
var errUnsupported = errors.New("not covered by the fast path")

type vkind int

const (
	vBool vkind = iota + 1
	vInt
	vFloat
	vString
	vList
	vTime
	vStringSet
	vIntSet
)

// val is a compiled sub-expression: one typed closure, and the constant
// when the sub-expression is one.
type val struct {
	kind vkind
	b    func(*Context) bool
	i    func(*Context) int
	f    func(*Context) float64
	s    func(*Context) string
	l    func(*Context) []string
	t    func(*Context) time.Time

	konst bool
	ci    int
	cf    float64
	cs    string
	set   map[string]struct{}
	iset  map[int]struct{}

	// lowerOf is x when the value is lower(x), for case-insensitive
	// comparisons that do not allocate.
	lowerOf *val
}

func buildFast(node ast.Node) (fn func(*Context) bool, ok bool) {
	v, err := build(node)
	if err != nil || v.kind != vBool {
		return nil, false
	}
	return v.b, true
}

func constBool(b bool) val {
	return val{kind: vBool, konst: true, b: func(*Context) bool { return b }}
}

func constInt(n int) val {
	return val{kind: vInt, konst: true, ci: n, i: func(*Context) int { return n }}
}

func constFloat(f float64) val {
	return val{kind: vFloat, konst: true, cf: f, f: func(*Context) float64 { return f }}
}

func constString(s string) val {
	return val{kind: vString, konst: true, cs: s, s: func(*Context) string { return s }}
}

func build(node ast.Node) (val, error) {
	switch n := node.(type) {
	case *ast.BoolNode:
		return constBool(n.Value), nil
	case *ast.IntegerNode:
		return constInt(n.Value), nil
	case *ast.FloatNode:
		return constFloat(n.Value), nil
	case *ast.StringNode:
		return constString(n.Value), nil
	case *ast.ConstantNode:
		switch c := n.Value.(type) {
		case bool:
			return constBool(c), nil
		case int:
			return constInt(c), nil
		case float64:
			return constFloat(c), nil
		case string:
			return constString(c), nil
		case map[string]struct{}:
			return val{kind: vStringSet, konst: true, set: c}, nil
		case map[int]struct{}:
			return val{kind: vIntSet, konst: true, iset: c}, nil
		}
		if list, ok := constStrings(n); ok {
			return val{kind: vList, konst: true, l: func(*Context) []string { return list }}, nil
		}
		return val{}, errUnsupported
	case *ast.ArrayNode:
		if list, ok := constStrings(n); ok {
			return val{kind: vList, konst: true, l: func(*Context) []string { return list }}, nil
		}
		return val{}, errUnsupported
	case *ast.IdentifierNode, *ast.MemberNode:
		path, ok := fieldPath(n)
		if !ok {
			return val{}, errUnsupported
		}
		return fieldVal(&catalogue.fields[catalogue.byPath[path]]), nil
	case *ast.UnaryNode:
		return buildUnary(n)
	case *ast.BinaryNode:
		return buildBinary(n)
	case *ast.BuiltinNode:
		return buildBuiltin(n.Name, n.Arguments)
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok {
			return val{}, errUnsupported
		}
		return buildBuiltin(id.Value, n.Arguments)
	case *ast.ConditionalNode:
		c, err := build(n.Cond)
		if err != nil || c.kind != vBool {
			return val{}, errUnsupported
		}
		a, err := build(n.Exp1)
		if err != nil || a.kind != vBool {
			return val{}, errUnsupported
		}
		b, err := build(n.Exp2)
		if err != nil || b.kind != vBool {
			return val{}, errUnsupported
		}
		cf, af, bf := c.b, a.b, b.b
		return val{kind: vBool, b: func(x *Context) bool {
			if cf(x) {
				return af(x)
			}
			return bf(x)
		}}, nil
	}
	return val{}, errUnsupported
}

func fieldVal(f *Field) val {
	switch f.Kind {
	case KindText:
		return val{kind: vString, s: f.Text}
	case KindNumber:
		return val{kind: vInt, i: f.Number}
	case KindBool:
		return val{kind: vBool, b: f.Bool}
	case KindTextList:
		return val{kind: vList, l: f.List}
	case KindTime:
		return val{kind: vTime, t: f.Time}
	}
	return val{}
}

func buildUnary(n *ast.UnaryNode) (val, error) {
	x, err := build(n.Node)
	if err != nil {
		return val{}, err
	}
	switch {
	case (n.Operator == "!" || n.Operator == "not") && x.kind == vBool:
		f := x.b
		return val{kind: vBool, b: func(c *Context) bool { return !f(c) }}, nil
	case n.Operator == "-" && x.kind == vInt:
		f := x.i
		return val{kind: vInt, i: func(c *Context) int { return -f(c) }}, nil
	case n.Operator == "-" && x.kind == vFloat:
		f := x.f
		return val{kind: vFloat, f: func(c *Context) float64 { return -f(c) }}, nil
	}
	return val{}, errUnsupported
}

func isNum(v val) bool { return v.kind == vInt || v.kind == vFloat }

func asFloat(v val) func(*Context) float64 {
	if v.kind == vFloat {
		return v.f
	}
	if v.konst {
		f := float64(v.ci)
		return func(*Context) float64 { return f }
	}
	g := v.i
	return func(c *Context) float64 { return float64(g(c)) }
}

func buildBinary(n *ast.BinaryNode) (val, error) {
	l, err := build(n.Left)
	if err != nil {
		return val{}, err
	}
	r, err := build(n.Right)
	if err != nil {
		return val{}, err
	}
	op := n.Operator
	switch op {
	case "&&", "and", "||", "or":
		if l.kind != vBool || r.kind != vBool {
			return val{}, errUnsupported
		}
		a, b := l.b, r.b
		if op == "&&" || op == "and" {
			return val{kind: vBool, b: func(c *Context) bool { return a(c) && b(c) }}, nil
		}
		return val{kind: vBool, b: func(c *Context) bool { return a(c) || b(c) }}, nil
	case "==", "!=", "<", "<=", ">", ">=":
		fn, err := compare(op, l, r)
		if err != nil {
			return val{}, err
		}
		return val{kind: vBool, b: fn}, nil
	case "+", "-", "*", "/":
		return arithmetic(op, l, r)
	case "in":
		return buildIn(l, r)
	case "contains", "startsWith", "endsWith":
		if l.kind != vString || r.kind != vString {
			return val{}, errUnsupported
		}
		return val{kind: vBool, b: textOp(op, l, r)}, nil
	case "matches":
		if l.kind != vString || r.kind != vString || !r.konst {
			return val{}, errUnsupported
		}
		re, err := regexp.Compile(r.cs)
		if err != nil {
			return val{}, errUnsupported
		}
		s := l.s
		return val{kind: vBool, b: func(c *Context) bool { return re.MatchString(s(c)) }}, nil
	}
	return val{}, errUnsupported
}

func compare(op string, l, r val) (func(*Context) bool, error) {
	switch {
	case l.kind == vInt && r.kind == vInt:
		return ordered(op, l.i, r.i, r.konst, r.ci), nil
	case isNum(l) && isNum(r):
		return ordered(op, asFloat(l), asFloat(r), r.konst, r.cf+float64(r.ci)), nil
	case l.kind == vString && r.kind == vString:
		return ordered(op, l.s, r.s, r.konst, r.cs), nil
	case l.kind == vBool && r.kind == vBool && (op == "==" || op == "!="):
		a, b := l.b, r.b
		if op == "==" {
			return func(c *Context) bool { return a(c) == b(c) }, nil
		}
		return func(c *Context) bool { return a(c) != b(c) }, nil
	case l.kind == vTime && r.kind == vTime:
		a, b := l.t, r.t
		switch op {
		case "==":
			return func(c *Context) bool { return a(c).Equal(b(c)) }, nil
		case "!=":
			return func(c *Context) bool { return !a(c).Equal(b(c)) }, nil
		case "<":
			return func(c *Context) bool { return a(c).Before(b(c)) }, nil
		case ">":
			return func(c *Context) bool { return a(c).After(b(c)) }, nil
		case "<=":
			return func(c *Context) bool { x, y := a(c), b(c); return x.Before(y) || x.Equal(y) }, nil
		case ">=":
			return func(c *Context) bool { x, y := a(c), b(c); return x.After(y) || x.Equal(y) }, nil
		}
	}
	return nil, errUnsupported
}

// ordered compares two values of one ordered type, with a specialised
// closure when the right side is a constant k.
func ordered[T cmp.Ordered](op string, a, b func(*Context) T, konst bool, k T) func(*Context) bool {
	if konst {
		switch op {
		case "==":
			return func(c *Context) bool { return a(c) == k }
		case "!=":
			return func(c *Context) bool { return a(c) != k }
		case "<":
			return func(c *Context) bool { return a(c) < k }
		case "<=":
			return func(c *Context) bool { return a(c) <= k }
		case ">":
			return func(c *Context) bool { return a(c) > k }
		case ">=":
			return func(c *Context) bool { return a(c) >= k }
		}
	}
	switch op {
	case "==":
		return func(c *Context) bool { return a(c) == b(c) }
	case "!=":
		return func(c *Context) bool { return a(c) != b(c) }
	case "<":
		return func(c *Context) bool { return a(c) < b(c) }
	case "<=":
		return func(c *Context) bool { return a(c) <= b(c) }
	case ">":
		return func(c *Context) bool { return a(c) > b(c) }
	default:
		return func(c *Context) bool { return a(c) >= b(c) }
	}
}

func arithmetic(op string, l, r val) (val, error) {
	if !isNum(l) || !isNum(r) {
		return val{}, errUnsupported
	}
	if op == "/" {
		a, b := asFloat(l), asFloat(r)
		return val{kind: vFloat, f: func(c *Context) float64 { return a(c) / b(c) }}, nil
	}
	if l.kind == vInt && r.kind == vInt {
		a, b := l.i, r.i
		switch op {
		case "+":
			return val{kind: vInt, i: func(c *Context) int { return a(c) + b(c) }}, nil
		case "-":
			return val{kind: vInt, i: func(c *Context) int { return a(c) - b(c) }}, nil
		default:
			return val{kind: vInt, i: func(c *Context) int { return a(c) * b(c) }}, nil
		}
	}
	a, b := asFloat(l), asFloat(r)
	switch op {
	case "+":
		return val{kind: vFloat, f: func(c *Context) float64 { return a(c) + b(c) }}, nil
	case "-":
		return val{kind: vFloat, f: func(c *Context) float64 { return a(c) - b(c) }}, nil
	default:
		return val{kind: vFloat, f: func(c *Context) float64 { return a(c) * b(c) }}, nil
	}
}

func buildIn(l, r val) (val, error) {
	switch {
	case l.kind == vString && r.kind == vStringSet:
		s, set := l.s, r.set
		return val{kind: vBool, b: func(c *Context) bool { _, ok := set[s(c)]; return ok }}, nil
	case l.kind == vInt && r.kind == vIntSet:
		i, set := l.i, r.iset
		return val{kind: vBool, b: func(c *Context) bool { _, ok := set[i(c)]; return ok }}, nil
	case l.kind == vString && r.kind == vList:
		s, list := l.s, r.l
		if l.konst {
			k := l.cs
			return val{kind: vBool, b: func(c *Context) bool { return contains(list(c), k) }}, nil
		}
		return val{kind: vBool, b: func(c *Context) bool { return contains(list(c), s(c)) }}, nil
	}
	return val{}, errUnsupported
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// textOp builds contains, startsWith and endsWith. lower(x) compared with
// lower-case constant text becomes a case-insensitive comparison of x, which
// gives the same answer without building the lower-case copy.
func textOp(op string, l, r val) func(*Context) bool {
	if l.lowerOf != nil && r.konst && r.cs == strings.ToLower(r.cs) && isASCII(r.cs) {
		x, k := l.lowerOf.s, r.cs
		switch op {
		case "contains":
			return func(c *Context) bool { return containsFold(x(c), k) }
		case "startsWith":
			return func(c *Context) bool { return hasPrefixFold(x(c), k) }
		default:
			return func(c *Context) bool { return hasSuffixFold(x(c), k) }
		}
	}
	a, b := l.s, r.s
	if r.konst {
		k := r.cs
		switch op {
		case "contains":
			return func(c *Context) bool { return strings.Contains(a(c), k) }
		case "startsWith":
			return func(c *Context) bool { return strings.HasPrefix(a(c), k) }
		default:
			return func(c *Context) bool { return strings.HasSuffix(a(c), k) }
		}
	}
	switch op {
	case "contains":
		return func(c *Context) bool { return strings.Contains(a(c), b(c)) }
	case "startsWith":
		return func(c *Context) bool { return strings.HasPrefix(a(c), b(c)) }
	default:
		return func(c *Context) bool { return strings.HasSuffix(a(c), b(c)) }
	}
}

// hasPrefixFold is strings.HasPrefix(strings.ToLower(s), prefix) for a
// lower-case ASCII prefix.
func hasPrefixFold(s, prefix string) bool {
	if !isASCII(s) {
		return strings.HasPrefix(strings.ToLower(s), prefix)
	}
	return len(s) >= len(prefix) && equalFoldASCII(s[:len(prefix)], prefix)
}

// hasSuffixFold is strings.HasSuffix(strings.ToLower(s), suffix) for a
// lower-case ASCII suffix.
func hasSuffixFold(s, suffix string) bool {
	if !isASCII(s) {
		return strings.HasSuffix(strings.ToLower(s), suffix)
	}
	return len(s) >= len(suffix) && equalFoldASCII(s[len(s)-len(suffix):], suffix)
}

func buildBuiltin(name string, args []ast.Node) (val, error) {
	vals := make([]val, len(args))
	for i, a := range args {
		v, err := build(a)
		if err != nil {
			return val{}, err
		}
		vals[i] = v
	}
	switch {
	case name == "lower" && len(vals) == 1 && vals[0].kind == vString:
		x := vals[0]
		s := x.s
		return val{kind: vString, s: func(c *Context) string { return strings.ToLower(s(c)) }, lowerOf: &x}, nil
	case name == "upper" && len(vals) == 1 && vals[0].kind == vString:
		s := vals[0].s
		return val{kind: vString, s: func(c *Context) string { return strings.ToUpper(s(c)) }}, nil
	case name == "trim" && len(vals) == 1 && vals[0].kind == vString:
		s := vals[0].s
		return val{kind: vString, s: func(c *Context) string { return strings.TrimSpace(s(c)) }}, nil
	case name == "len" && len(vals) == 1 && vals[0].kind == vString:
		s := vals[0].s
		return val{kind: vInt, i: func(c *Context) int { return utf8.RuneCountInString(s(c)) }}, nil
	case name == "len" && len(vals) == 1 && vals[0].kind == vList:
		l := vals[0].l
		return val{kind: vInt, i: func(c *Context) int { return len(l(c)) }}, nil
	case name == "hasTag" && len(vals) == 2 && vals[0].kind == vList && vals[1].kind == vString:
		l, s := vals[0].l, vals[1].s
		return val{kind: vBool, b: func(c *Context) bool { return hasTag(l(c), s(c)) }}, nil
	case name == "textHasAny" && len(vals) == 2 && vals[0].kind == vString && vals[1].kind == vList:
		s, l := vals[0].s, vals[1].l
		return val{kind: vBool, b: func(c *Context) bool { return textHasAny(s(c), l(c)) }}, nil
	case name == "between" && len(vals) == 3 && isNum(vals[0]) && isNum(vals[1]) && isNum(vals[2]):
		x, lo, hi := asFloat(vals[0]), asFloat(vals[1]), asFloat(vals[2])
		return val{kind: vBool, b: func(c *Context) bool { return between(x(c), lo(c), hi(c)) }}, nil
	}
	return val{}, errUnsupported
}

// constStrings returns the values of a list literal of text.
func constStrings(n ast.Node) ([]string, bool) {
	switch a := n.(type) {
	case *ast.ArrayNode:
		out := make([]string, 0, len(a.Nodes))
		for _, e := range a.Nodes {
			s, ok := e.(*ast.StringNode)
			if !ok {
				return nil, false
			}
			out = append(out, s.Value)
		}
		return out, true
	case *ast.ConstantNode:
		if list, ok := a.Value.([]any); ok {
			out := make([]string, 0, len(list))
			for _, e := range list {
				s, ok := e.(string)
				if !ok {
					return nil, false
				}
				out = append(out, s)
			}
			return out, true
		}
	}
	return nil, false
}

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
	vDuration
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
	d    func(*Context) time.Duration

	konst bool
	ci    int
	cd    time.Duration
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
		if pred, ok := predicate(n); ok {
			return buildPredicate(n.Name, n.Arguments[0], pred)
		}
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
	case l.kind == vDuration && r.kind == vDuration:
		return ordered(op, l.d, r.d, r.konst, r.cd), nil
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

// timeArithmetic mirrors expr's Add and Subtract on times and durations.
func timeArithmetic(op string, l, r val) (val, error) {
	switch {
	case op == "-" && l.kind == vTime && r.kind == vTime:
		a, b := l.t, r.t
		return val{kind: vDuration, d: func(c *Context) time.Duration { return a(c).Sub(b(c)) }}, nil
	case op == "-" && l.kind == vTime && r.kind == vDuration:
		a, b := l.t, r.d
		return val{kind: vTime, t: func(c *Context) time.Time { return a(c).Add(-b(c)) }}, nil
	case op == "+" && l.kind == vTime && r.kind == vDuration:
		a, b := l.t, r.d
		return val{kind: vTime, t: func(c *Context) time.Time { return a(c).Add(b(c)) }}, nil
	case op == "+" && l.kind == vDuration && r.kind == vTime:
		a, b := l.d, r.t
		return val{kind: vTime, t: func(c *Context) time.Time { return b(c).Add(a(c)) }}, nil
	case op == "+" && l.kind == vDuration && r.kind == vDuration:
		a, b := l.d, r.d
		return val{kind: vDuration, d: func(c *Context) time.Duration { return a(c) + b(c) }}, nil
	case op == "-" && l.kind == vDuration && r.kind == vDuration:
		a, b := l.d, r.d
		return val{kind: vDuration, d: func(c *Context) time.Duration { return a(c) - b(c) }}, nil
	}
	return val{}, errUnsupported
}

func arithmetic(op string, l, r val) (val, error) {
	if l.kind == vTime || l.kind == vDuration || r.kind == vTime || r.kind == vDuration {
		return timeArithmetic(op, l, r)
	}
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
	case name == "duration" && len(vals) == 1 && vals[0].kind == vString && vals[0].konst:
		d, err := time.ParseDuration(vals[0].cs)
		if err != nil {
			return val{}, errUnsupported // the VM reports the error at run time
		}
		return val{kind: vDuration, konst: true, cd: d, d: func(*Context) time.Duration { return d }}, nil
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
	case name == "between" && len(vals) == 3 && vals[0].kind == vDuration && vals[1].kind == vDuration && vals[2].kind == vDuration:
		x, lo, hi := vals[0].d, vals[1].d, vals[2].d
		return val{kind: vBool, b: func(c *Context) bool { d := x(c); return lo(c) <= d && d <= hi(c) }}, nil
	case name == "between" && len(vals) == 3 && vals[0].kind == vTime && vals[1].kind == vTime && vals[2].kind == vTime:
		x, lo, hi := vals[0].t, vals[1].t, vals[2].t
		return val{kind: vBool, b: func(c *Context) bool { t := x(c); return !t.Before(lo(c)) && !t.After(hi(c)) }}, nil
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

// predicate returns the predicate of any, all, none, one or count over a
// list, when the optimizer left the call as written.
func predicate(n *ast.BuiltinNode) (*ast.PredicateNode, bool) {
	switch n.Name {
	case "any", "all", "none", "one", "count":
	default:
		return nil, false
	}
	if len(n.Arguments) != 2 || n.Map != nil || n.Threshold != nil {
		return nil, false
	}
	p, ok := n.Arguments[1].(*ast.PredicateNode)
	return p, ok
}

func buildPredicate(name string, listNode ast.Node, pred *ast.PredicateNode) (val, error) {
	list, err := build(listNode)
	if err != nil || list.kind != vList {
		return val{}, errUnsupported
	}
	body, err := buildElem(pred.Node)
	if err != nil || body.kind != vBool {
		return val{}, errUnsupported
	}
	l, p := list.l, body.b
	switch name {
	case "any":
		return val{kind: vBool, b: func(c *Context) bool {
			for _, e := range l(c) {
				if p(c, e) {
					return true
				}
			}
			return false
		}}, nil
	case "all":
		return val{kind: vBool, b: func(c *Context) bool {
			for _, e := range l(c) {
				if !p(c, e) {
					return false
				}
			}
			return true
		}}, nil
	case "none":
		return val{kind: vBool, b: func(c *Context) bool {
			for _, e := range l(c) {
				if p(c, e) {
					return false
				}
			}
			return true
		}}, nil
	case "one":
		return val{kind: vBool, b: func(c *Context) bool { return countOf(c, l(c), p) == 1 }}, nil
	default:
		return val{kind: vInt, i: func(c *Context) int { return countOf(c, l(c), p) }}, nil
	}
}

func countOf(c *Context, list []string, p func(*Context, string) bool) int {
	n := 0
	for _, e := range list {
		if p(c, e) {
			n++
		}
	}
	return n
}

// elemVal is a sub-expression of a predicate over a list of text: it reads
// the current element (#) as well as the context.
type elemVal struct {
	kind  vkind
	b     func(*Context, string) bool
	s     func(*Context, string) string
	konst bool
	cs    string
	set   map[string]struct{}
}

// buildElem builds the body of a predicate. It covers text and yes/no
// values: the element, text constants and fields, comparisons, contains,
// startsWith, endsWith, matches, in, lower, upper, trim, &&, || and !.
func buildElem(node ast.Node) (elemVal, error) {
	switch n := node.(type) {
	case *ast.PointerNode:
		if n.Name != "" {
			return elemVal{}, errUnsupported
		}
		return elemVal{kind: vString, s: func(_ *Context, e string) string { return e }}, nil
	case *ast.StringNode:
		k := n.Value
		return elemVal{kind: vString, konst: true, cs: k, s: func(*Context, string) string { return k }}, nil
	case *ast.BoolNode:
		k := n.Value
		return elemVal{kind: vBool, b: func(*Context, string) bool { return k }}, nil
	case *ast.ConstantNode:
		if set, ok := n.Value.(map[string]struct{}); ok {
			return elemVal{kind: vStringSet, set: set}, nil
		}
		return elemVal{}, errUnsupported
	case *ast.IdentifierNode, *ast.MemberNode:
		v, err := build(n)
		if err != nil {
			return elemVal{}, err
		}
		switch v.kind {
		case vString:
			g := v.s
			return elemVal{kind: vString, s: func(c *Context, _ string) string { return g(c) }}, nil
		case vBool:
			g := v.b
			return elemVal{kind: vBool, b: func(c *Context, _ string) bool { return g(c) }}, nil
		}
		return elemVal{}, errUnsupported
	case *ast.UnaryNode:
		x, err := buildElem(n.Node)
		if err != nil || x.kind != vBool || (n.Operator != "!" && n.Operator != "not") {
			return elemVal{}, errUnsupported
		}
		f := x.b
		return elemVal{kind: vBool, b: func(c *Context, e string) bool { return !f(c, e) }}, nil
	case *ast.BuiltinNode:
		if len(n.Arguments) != 1 {
			return elemVal{}, errUnsupported
		}
		x, err := buildElem(n.Arguments[0])
		if err != nil || x.kind != vString {
			return elemVal{}, errUnsupported
		}
		var fn func(string) string
		switch n.Name {
		case "lower":
			fn = strings.ToLower
		case "upper":
			fn = strings.ToUpper
		case "trim":
			fn = strings.TrimSpace
		default:
			return elemVal{}, errUnsupported
		}
		g := x.s
		return elemVal{kind: vString, s: func(c *Context, e string) string { return fn(g(c, e)) }}, nil
	case *ast.BinaryNode:
		return buildElemBinary(n)
	}
	return elemVal{}, errUnsupported
}

func buildElemBinary(n *ast.BinaryNode) (elemVal, error) {
	l, err := buildElem(n.Left)
	if err != nil {
		return elemVal{}, err
	}
	r, err := buildElem(n.Right)
	if err != nil {
		return elemVal{}, err
	}
	boolean := func(f func(*Context, string) bool) (elemVal, error) { return elemVal{kind: vBool, b: f}, nil }
	switch op := n.Operator; {
	case (op == "&&" || op == "and") && l.kind == vBool && r.kind == vBool:
		a, b := l.b, r.b
		return boolean(func(c *Context, e string) bool { return a(c, e) && b(c, e) })
	case (op == "||" || op == "or") && l.kind == vBool && r.kind == vBool:
		a, b := l.b, r.b
		return boolean(func(c *Context, e string) bool { return a(c, e) || b(c, e) })
	case (op == "==" || op == "!=") && l.kind == vBool && r.kind == vBool:
		a, b := l.b, r.b
		eq := op == "=="
		return boolean(func(c *Context, e string) bool { return (a(c, e) == b(c, e)) == eq })
	case l.kind == vString && r.kind == vString && comparisons[op]:
		a, b := l.s, r.s
		switch op {
		case "==":
			return boolean(func(c *Context, e string) bool { return a(c, e) == b(c, e) })
		case "!=":
			return boolean(func(c *Context, e string) bool { return a(c, e) != b(c, e) })
		case "<":
			return boolean(func(c *Context, e string) bool { return a(c, e) < b(c, e) })
		case "<=":
			return boolean(func(c *Context, e string) bool { return a(c, e) <= b(c, e) })
		case ">":
			return boolean(func(c *Context, e string) bool { return a(c, e) > b(c, e) })
		default:
			return boolean(func(c *Context, e string) bool { return a(c, e) >= b(c, e) })
		}
	case l.kind == vString && r.kind == vString && (op == "contains" || op == "startsWith" || op == "endsWith"):
		a, b := l.s, r.s
		var fn func(string, string) bool
		switch op {
		case "contains":
			fn = strings.Contains
		case "startsWith":
			fn = strings.HasPrefix
		default:
			fn = strings.HasSuffix
		}
		return boolean(func(c *Context, e string) bool { return fn(a(c, e), b(c, e)) })
	case op == "matches" && l.kind == vString && r.konst:
		re, err := regexp.Compile(r.cs)
		if err != nil {
			return elemVal{}, errUnsupported
		}
		a := l.s
		return boolean(func(c *Context, e string) bool { return re.MatchString(a(c, e)) })
	case op == "in" && l.kind == vString && r.kind == vStringSet:
		a, set := l.s, r.set
		return boolean(func(c *Context, e string) bool { _, ok := set[a(c, e)]; return ok })
	}
	return elemVal{}, errUnsupported
}

package dsl

import (
	"slices"
	"strings"
	"unicode"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/parser/lexer"
)

// ParseGroup turns rule text back into structured conditions, so that a rule
// editor can switch between a rule's text and its form. It is the way back
// of Group.Expression: for every group g that Expression accepts,
// ParseGroup of g's text gives g back, with canonical operator names and
// values, and the Expression of the result is the same text.
//
// The text is compiled first, as Compile does: a text that does not compile
// (an unknown field, a typo, a number compared with text) gives the same
// *Error as Compile, with its line, column and hint.
//
// Then the text is read with expr's parser. A chain of && (or and) becomes
// an "all" group and a chain of || (or or) an "any" group; a chain in
// parentheses becomes a nested group (the whole rule in parentheses too: an
// "all" of one nested group), and so does an && chain inside an || chain
// without them (&& binds tighter). Each condition
// must be one the form holds, written as Expression writes it or in an
// obvious equivalent:
//
//	Customer.FollowersCount > 10000         (==, !=, >, >=, <, <=; the value may come first)
//	Message.Text contains "refund"          (startsWith, endsWith, matches)
//	not (Message.Text contains "spam")      (also Message.Text not contains "spam")
//	"vip" in Customer.Tags                  ("contains" on a list; not (...) for "does not contain")
//	Channel.Handle in ["Acme Care", "Bob"]  (not in)
//	between(Hour, 9, 17)
//	Customer.Verified, !Customer.Verified   (also not Customer.Verified, Customer.Verified == true)
//	Message.MediaType == "", len(Customer.Tags) > 0 ("is empty", "is not empty")
//	Now > date("2026-11-24T14:05:00Z")      (a time field with an RFC 3339 time)
//
// and !(…) or not (…) of a condition that has an opposite operator
// (equals and not equals, greater and less or equal, …).
//
// Values come back as the form holds them: text as string, every number as
// float64, yes/no as bool, a time as the text inside date(…), and the values
// of "in", "not in" and "between" as []any.
//
// A part the form cannot show — a function call such as textHasAny([...]),
// arithmetic, a comparison of two fields, a "not" of a whole group — is an
// *Error with the Line and Column of the first such part, the message "the
// form cannot show this part: …" and a hint to keep editing it as text.
func ParseGroup(src string) (Group, error) {
	if _, err := Compile(src); err != nil {
		return Group{}, err
	}
	tree, err := parser.Parse(src)
	if err != nil {
		return Group{}, translate(src, err)
	}
	u, err := newUngrouper(src)
	if err != nil {
		return Group{}, translate(src, err)
	}
	var g Group
	if _, ok := logical(tree.Node); ok && u.parenthesized(tree.Node) {
		// (a || b) is a group of one nested group, as Expression writes it.
		c, err := u.condition(tree.Node)
		if err != nil {
			return Group{}, err
		}
		g.All = []Condition{c}
	} else if op, ok := logical(tree.Node); ok {
		conds, err := u.list(tree.Node, op)
		if err != nil {
			return Group{}, err
		}
		if op == "&&" {
			g.All = conds
		} else {
			g.Any = conds
		}
	} else {
		c, err := u.leaf(tree.Node)
		if err != nil {
			return Group{}, err
		}
		g.All = []Condition{c}
	}
	// The form's own text must compile too: it is what the rule will be
	// saved as.
	text, err := g.Expression()
	if err == nil {
		_, err = Compile(text)
	}
	if err != nil {
		msg := err.Error()
		if e, ok := err.(*Error); ok {
			msg = e.Message
		}
		return Group{}, newError(src, 0, "the form cannot show this rule: "+msg, cannotShowHint)
	}
	return g, nil
}

const cannotShowHint = "keep editing it as text"

// ungrouper reads an expr syntax tree back into conditions, with the tokens
// of the source to tell where parentheses were (the tree does not keep
// them).
type ungrouper struct {
	src    []rune
	tokens []lexer.Token
	from   map[int]int // rune offset where a token starts → its index
	to     map[int]int // rune offset where a token ends → its index
	match  map[int]int // index of a bracket → index of its partner
}

func newUngrouper(src string) (*ungrouper, error) {
	tokens, err := lexer.Lex(file.NewSource(src))
	if err != nil {
		return nil, err
	}
	u := &ungrouper{src: []rune(src), from: map[int]int{}, to: map[int]int{}, match: map[int]int{}}
	var open []int
	for _, t := range tokens {
		if t.Kind == lexer.EOF {
			break
		}
		i := len(u.tokens)
		u.tokens = append(u.tokens, t)
		u.from[t.From] = i
		u.to[t.To] = i
		if t.Kind != lexer.Bracket {
			continue
		}
		switch t.Value {
		case "(", "[", "{":
			open = append(open, i)
		case ")", "]", "}":
			if len(open) > 0 {
				o := open[len(open)-1]
				open = open[:len(open)-1]
				u.match[o], u.match[i] = i, o
			}
		}
	}
	return u, nil
}

// span returns the first and last token of n, counting the brackets that
// open or close inside it (the ")" of a call, a parenthesised operand).
func (u *ungrouper) span(n ast.Node) (first, last int, ok bool) {
	lo, hi := -1, -1
	ast.Find(n, func(m ast.Node) bool {
		l := m.Location()
		if l.To == 0 { // a node without a place in the source
			return false
		}
		if lo < 0 || l.From < lo {
			lo = l.From
		}
		hi = max(hi, l.To)
		return false
	})
	first, ok1 := u.from[lo]
	last, ok2 := u.to[hi]
	if !ok1 || !ok2 || first > last {
		return 0, 0, false
	}
	for {
		switch {
		case last+1 < len(u.tokens) && u.isBracket(last+1, ")]}") && u.partner(last+1) >= first:
			last++
		case first > 0 && u.isBracket(first-1, "([{") && u.partner(first-1) >= 0 && u.partner(first-1) <= last:
			first--
		default:
			return first, last, true
		}
	}
}

func (u *ungrouper) isBracket(i int, which string) bool {
	t := u.tokens[i]
	return t.Kind == lexer.Bracket && strings.Contains(which, t.Value)
}

func (u *ungrouper) partner(i int) int {
	if p, ok := u.match[i]; ok {
		return p
	}
	return -1
}

// parenthesized reports whether n is written in parentheses of its own.
func (u *ungrouper) parenthesized(n ast.Node) bool {
	first, last, ok := u.span(n)
	if !ok || first == 0 || last+1 >= len(u.tokens) {
		return false
	}
	return u.isBracket(first-1, "(") && u.partner(first-1) == last+1
}

// logical returns "&&" or "||" when n joins two conditions.
func logical(n ast.Node) (string, bool) {
	b, ok := n.(*ast.BinaryNode)
	if !ok {
		return "", false
	}
	switch b.Operator {
	case "&&", "and":
		return "&&", true
	case "||", "or":
		return "||", true
	}
	return "", false
}

// list returns the conditions of the chain n of op.
func (u *ungrouper) list(n ast.Node, op string) ([]Condition, error) {
	var out []Condition
	for _, item := range u.flatten(n, op) {
		c, err := u.condition(item)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// flatten returns the operands of the chain n of op, in source order; an
// operand of the same op is part of the chain unless it is in parentheses.
func (u *ungrouper) flatten(n ast.Node, op string) []ast.Node {
	b := n.(*ast.BinaryNode)
	var out []ast.Node
	for _, side := range []ast.Node{b.Left, b.Right} {
		if o, ok := logical(side); ok && o == op && !u.parenthesized(side) {
			out = append(out, u.flatten(side, op)...)
		} else {
			out = append(out, side)
		}
	}
	return out
}

// condition converts n: a nested group or a leaf.
func (u *ungrouper) condition(n ast.Node) (Condition, error) {
	op, ok := logical(n)
	if !ok {
		return u.leaf(n)
	}
	conds, err := u.list(n, op)
	if err != nil {
		return Condition{}, err
	}
	if op == "&&" {
		return Condition{All: conds}, nil
	}
	return Condition{Any: conds}, nil
}

// leaf converts one condition, or says why the form cannot show it.
func (u *ungrouper) leaf(n ast.Node) (Condition, error) {
	c, ok := leafCondition(n)
	if !ok {
		return Condition{}, u.cannotShow(n, whyNot(n))
	}
	// What Expression refuses (a number out of range, text that is not
	// UTF-8) the form cannot show either.
	if _, err := conditionExpr("", c); err != nil {
		why := err.Error()
		if e, ok := err.(*Error); ok {
			why = e.Message
		}
		return Condition{}, u.cannotShow(n, why)
	}
	return c, nil
}

// cannotShow is the error for a part n of the text the form cannot show.
func (u *ungrouper) cannotShow(n ast.Node, why string) *Error {
	at := n.Location().From
	part := ""
	if first, last, ok := u.span(n); ok {
		at = u.tokens[first].From
		part = string(u.src[at:u.tokens[last].To])
	}
	switch v := n.(type) {
	case *ast.CallNode:
		if id, ok := v.Callee.(*ast.IdentifierNode); ok {
			part = id.Value + "(...)"
		}
	case *ast.BuiltinNode:
		part = v.Name + "(...)"
	}
	hint := cannotShowHint
	if why != "" {
		hint = why + "; " + cannotShowHint
	}
	return newError(string(u.src), at, "the form cannot show this part: "+abbreviate(part), hint)
}

// abbreviate puts a part of a rule on one line and cuts it if it is long.
func abbreviate(s string) string {
	s = strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// whyNot explains, where it can, why n is not a condition of the form.
func whyNot(n ast.Node) string {
	switch v := n.(type) {
	case *ast.CallNode, *ast.BuiltinNode:
		return "the form has no condition for this function"
	case *ast.UnaryNode:
		if v.Operator == "!" || v.Operator == "not" {
			if _, ok := logical(v.Node); ok {
				return "the form has no “not” for a group of conditions"
			}
			if _, ok := leafCondition(v.Node); ok {
				return "the form has no opposite for this operator"
			}
		}
	case *ast.BinaryNode:
		_, l := fieldOf(v.Left)
		_, r := fieldOf(v.Right)
		if l && r {
			return "the form compares a field with a value, not with another field"
		}
		if f, ok := fieldOf(v.Left); ok && f.Kind == KindTime {
			return `the form compares a time with one written as date("2026-11-24T14:05:00Z")`
		}
		if !l && !r {
			return "the form compares a field with a value"
		}
	case *ast.BoolNode:
		return "the form compares a field with a value"
	}
	return ""
}

func fieldOf(n ast.Node) (*Field, bool) {
	path, ok := fieldPath(n)
	if !ok {
		return nil, false
	}
	f, ok := LookupField(path)
	return &f, ok
}

// leafCondition recognises one condition of the form.
func leafCondition(n ast.Node) (Condition, bool) {
	if f, ok := fieldOf(n); ok {
		if f.Kind == KindBool {
			return Condition{Attribute: f.Path, Operator: "is true"}, true
		}
		return Condition{}, false
	}
	switch v := n.(type) {
	case *ast.UnaryNode:
		if v.Operator != "!" && v.Operator != "not" {
			return Condition{}, false
		}
		c, ok := leafCondition(v.Node)
		if !ok {
			return Condition{}, false
		}
		opposite, ok := opposites[c.Operator]
		if !ok {
			return Condition{}, false
		}
		c.Operator = opposite
		return c, true
	case *ast.BinaryNode:
		return binaryCondition(v)
	case *ast.CallNode:
		id, ok := v.Callee.(*ast.IdentifierNode)
		if !ok || id.Value != "between" || len(v.Arguments) != 3 {
			return Condition{}, false
		}
		f, ok := fieldOf(v.Arguments[0])
		if !ok || f.Kind != KindNumber {
			return Condition{}, false
		}
		lo, ok1 := constNumber(v.Arguments[1])
		hi, ok2 := constNumber(v.Arguments[2])
		if !ok1 || !ok2 {
			return Condition{}, false
		}
		return Condition{Attribute: f.Path, Operator: "between", Value: []any{lo, hi}}, true
	}
	return Condition{}, false
}

// opposites are the operators that negate each other exactly.
var opposites = map[string]string{
	"equals": "not equals", "not equals": "equals",
	"in": "not in", "not in": "in",
	"contains": "does not contain", "does not contain": "contains",
	"is empty": "is not empty", "is not empty": "is empty",
	"is true": "is false", "is false": "is true",
	"greater": "less or equal", "less or equal": "greater",
	"less": "greater or equal", "greater or equal": "less",
}

// compareNames are the operators of comparisons, by expr operator.
var compareNames = map[string]string{
	"==": "equals", "!=": "not equals", ">": "greater", ">=": "greater or equal", "<": "less", "<=": "less or equal",
}

func binaryCondition(b *ast.BinaryNode) (Condition, bool) {
	switch b.Operator {
	case "==", "!=", ">", ">=", "<", "<=":
		if c, ok := comparison(b.Operator, b.Left, b.Right); ok {
			return c, true
		}
		// The value first: 3 < x is x > 3 (flipped, from analysis.go).
		return comparison(flipped[b.Operator], b.Right, b.Left)
	case "contains", "startsWith", "endsWith", "matches":
		f, ok := fieldOf(b.Left)
		s, isText := b.Right.(*ast.StringNode)
		if !ok || f.Kind != KindText || !isText {
			return Condition{}, false
		}
		name := map[string]string{"contains": "contains", "startsWith": "begins with", "endsWith": "ends with", "matches": "matches"}[b.Operator]
		return Condition{Attribute: f.Path, Operator: name, Value: s.Value}, true
	case "in":
		if s, ok := b.Left.(*ast.StringNode); ok {
			f, ok := fieldOf(b.Right)
			if !ok || f.Kind != KindTextList {
				return Condition{}, false
			}
			return Condition{Attribute: f.Path, Operator: "contains", Value: s.Value}, true
		}
		f, ok := fieldOf(b.Left)
		arr, isList := b.Right.(*ast.ArrayNode)
		if !ok || !isList || len(arr.Nodes) == 0 || (f.Kind != KindText && f.Kind != KindNumber) {
			return Condition{}, false
		}
		items := make([]any, len(arr.Nodes))
		for i, n := range arr.Nodes {
			v, ok := literalOf(f, n)
			if !ok {
				return Condition{}, false
			}
			items[i] = v
		}
		return Condition{Attribute: f.Path, Operator: "in", Value: items}, true
	}
	return Condition{}, false
}

// comparison recognises x op value, where x is a field or len of one.
func comparison(op string, x, value ast.Node) (Condition, bool) {
	if b, ok := x.(*ast.BuiltinNode); ok && b.Name == "len" && len(b.Arguments) == 1 {
		f, ok := fieldOf(b.Arguments[0])
		n, isNumber := constNumber(value)
		if !ok || !isNumber || (f.Kind != KindText && f.Kind != KindTextList) {
			return Condition{}, false
		}
		switch {
		case (op == "==" || op == "<=") && n == 0, op == "<" && n == 1:
			return Condition{Attribute: f.Path, Operator: "is empty"}, true
		case (op == ">" || op == "!=") && n == 0, op == ">=" && n == 1:
			return Condition{Attribute: f.Path, Operator: "is not empty"}, true
		}
		return Condition{}, false
	}
	f, ok := fieldOf(x)
	if !ok {
		return Condition{}, false
	}
	v, ok := literalOf(f, value)
	if !ok {
		return Condition{}, false
	}
	name := compareNames[op]
	if f.Kind == KindText && v == "" && (op == "==" || op == "!=") {
		return Condition{Attribute: f.Path, Operator: map[string]string{"==": "is empty", "!=": "is not empty"}[op]}, true
	}
	if !appliesTo(name, f.Type) {
		return Condition{}, false
	}
	return Condition{Attribute: f.Path, Operator: name, Value: v}, true
}

func appliesTo(op, typ string) bool {
	o, ok := lookupOperator(op)
	return ok && slices.Contains(o.doc.Types, typ)
}

// literalOf returns the value of n, a literal of f's type, as the form holds
// it.
func literalOf(f *Field, n ast.Node) (any, bool) {
	switch f.Kind {
	case KindText:
		s, ok := n.(*ast.StringNode)
		if !ok {
			return nil, false
		}
		return s.Value, true
	case KindNumber:
		x, ok := constNumber(n)
		if !ok {
			return nil, false
		}
		return x, true
	case KindBool:
		b, ok := n.(*ast.BoolNode)
		if !ok {
			return nil, false
		}
		return b.Value, true
	case KindTime:
		b, ok := n.(*ast.BuiltinNode)
		if !ok || b.Name != "date" || len(b.Arguments) != 1 {
			return nil, false
		}
		s, ok := b.Arguments[0].(*ast.StringNode)
		if !ok {
			return nil, false
		}
		if _, err := parseTime(s.Value); err != nil {
			return nil, false
		}
		return s.Value, true
	}
	return nil, false
}

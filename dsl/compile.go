package dsl

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// Limits on a rule's size.
const (
	// MaxLength is the longest rule source, in characters.
	MaxLength = 10000
	// MaxNodes is the largest number of syntax nodes (names, values,
	// operators) in a rule.
	MaxNodes = 1000
)

// Program is a compiled rule. It is immutable and safe for concurrent use.
type Program struct {
	source  string
	program *vm.Program
	node    ast.Node
	fast    func(*Context) bool
	reads   []int
	// timeCalls are the rule's calls of Time's methods, for the calendar
	// check and the trace.
	timeCalls []TimeCall
}

// Compile checks a rule's source against Context and compiles it. The rule
// must be true or false. Any failure is an *Error.
func Compile(source string) (*Program, error) {
	if n := utf8.RuneCountInString(source); n > MaxLength {
		return nil, newError(source, 0,
			fmt.Sprintf("the rule is too long: %d characters, at most %d are allowed", n, MaxLength),
			"split it into several rules, or tag the customers (hasTag) instead of listing them")
	}
	if strings.TrimSpace(source) == "" {
		return nil, newError(source, 0, "the rule is empty",
			"write a condition that is true or false, such as Customer.FollowersCount > 10000")
	}
	program, err := expr.Compile(source, options()...)
	if err != nil {
		return nil, translate(source, err)
	}
	p := &Program{source: source, program: program, node: program.Node()}
	p.reads = readFields(p.node)
	if p.timeCalls, err = timeCalls(source, p.node); err != nil {
		return nil, err
	}
	if fn, ok := buildFast(p.node); ok {
		p.fast = fn
	}
	return p, nil
}

func options() []expr.Option {
	opts := []expr.Option{
		expr.Env(Context{}),
		expr.AsBool(),
		expr.MaxNodes(MaxNodes),
	}
	return append(opts, functionOptions()...)
}

// Source returns the rule's source text.
func (p *Program) Source() string { return p.source }

// Fast reports whether the rule runs as Go closures rather than on expr's
// virtual machine.
func (p *Program) Fast() bool { return p.fast != nil }

// Func returns the rule as a Go function on the fast path, or nil when the
// rule runs on expr's virtual machine. The function allocates nothing and
// never fails.
func (p *Program) Func() func(*Context) bool { return p.fast }

// Reads returns the paths of the context fields the rule reads, in catalogue
// order.
func (p *Program) Reads() []string {
	out := make([]string, len(p.reads))
	for i, r := range p.reads {
		out[i] = catalogue.fields[r].Path
	}
	return out
}

// Values returns the values in c of the fields the rule reads, by path.
func (p *Program) Values(c *Context) map[string]any {
	out := make(map[string]any, len(p.reads))
	for _, r := range p.reads {
		f := &catalogue.fields[r]
		out[f.Path] = f.Value(c)
	}
	p.timeValues(c, out)
	return out
}

// Runner holds the reusable state of expr's virtual machine. A Runner must
// not be used by two goroutines at once; the zero value is ready to use.
type Runner struct {
	vm vm.VM
}

// Eval runs the rule against c (not nil): on the fast path when the rule has one,
// else on expr's virtual machine with r (nil means a fresh machine). A
// run-time error (say, a list index out of range) is an *Error and the rule
// does not match.
func (p *Program) Eval(c *Context, r *Runner) (bool, error) {
	if p.fast != nil {
		return p.fast(c), nil
	}
	return p.EvalVM(c, r)
}

// EvalVM runs the rule on expr's virtual machine, the reference for the fast
// path. r may be nil.
func (p *Program) EvalVM(c *Context, r *Runner) (bool, error) {
	var (
		out any
		err error
	)
	if r == nil {
		out, err = expr.Run(p.program, c)
	} else {
		out, err = r.vm.Run(p.program, c)
	}
	if err != nil {
		return false, runtimeError(p.source, err)
	}
	b, ok := out.(bool)
	if !ok {
		return false, &Error{Line: 1, Column: 1, Message: "the rule did not give true or false"}
	}
	return b, nil
}

func runtimeError(source string, err error) *Error {
	var fe *file.Error
	if errors.As(err, &fe) {
		return newError(source, fe.From, fe.Message, "")
	}
	return &Error{Message: scrub(err.Error())}
}

var (
	reNoField     = regexp.MustCompile(`^type (\S+) has no (?:field|method) (\S+)$`)
	reUnknownName = regexp.MustCompile(`^unknown name (\S+)$`)
	reMismatch    = regexp.MustCompile(`^invalid operation: (\S+) \(mismatched types? (.+?)(?: and (.+))?\)$`)
	reUnexpected  = regexp.MustCompile(`^unexpected token (\w+)(?:\("(.*)"\))?$`)
	reExpected    = regexp.MustCompile(`^expected bool, but got (.+)$`)
	reArguments   = regexp.MustCompile(`^(not enough|too many) arguments to call (\S+)$`)
)

// translate turns an expr error into an analyst's Error.
func translate(source string, err error) *Error {
	var fe *file.Error
	if !errors.As(err, &fe) {
		msg := err.Error()
		if m := reExpected.FindStringSubmatch(msg); m != nil {
			return newError(source, 0,
				fmt.Sprintf("a rule must be true or false, but this one gives %s", typeWords(m[1])),
				"compare it with something, as in Customer.FollowersCount > 10000, or combine conditions with && and ||")
		}
		return newError(source, 0, msg, "")
	}
	msg := fe.Message
	at := fe.From
	var message, hint string
	switch {
	case reNoField.MatchString(msg):
		m := reNoField.FindStringSubmatch(msg)
		group := scrub(m[1])
		if group == "the context" {
			group = ""
		}
		message = fmt.Sprintf("%s has no field %s", group, m[2])
		if group == "" {
			message = fmt.Sprintf("unknown field %s", m[2])
		}
		hint = suggestField(group, m[2])
	case reUnknownName.MatchString(msg):
		name := reUnknownName.FindStringSubmatch(msg)[1]
		if isCall(source, fe.To) && binaryOperators[name] {
			message = fmt.Sprintf("%s is written between its two values, not called like a function", name)
			hint = fmt.Sprintf(`write Message.Text %s "refund"`, name)
		} else if isCall(source, fe.To) {
			message = fmt.Sprintf("unknown function %s", name)
			if s := nearest(name, knownFunctions(), identity); binaryOperators[s] {
				hint = fmt.Sprintf(`did you mean %s? It is written between its two values: Message.Text %s "refund"`, s, s)
			} else if s != "" {
				hint = fmt.Sprintf("did you mean %s?", s)
			} else {
				hint = "the functions are " + strings.Join(ownFunctions, ", ") + ", and expr's builtins such as lower, upper, len, any, all"
			}
		} else {
			message = fmt.Sprintf("unknown field %s", name)
			hint = unknownNameHint(name)
		}
	case reMismatch.MatchString(msg):
		m := reMismatch.FindStringSubmatch(msg)
		message, hint = mismatch(source, at, m[1], m[2], m[3])
	case msg == "literal not terminated":
		message = "this text has no closing quote"
		hint = `end the text with the same quote it starts with: "refund"`
	case strings.HasPrefix(msg, "unexpected token EOF"):
		at, message, hint = unexpectedEnd(source)
	case reUnexpected.MatchString(msg):
		m := reUnexpected.FindStringSubmatch(msg)
		message, hint = unexpected(m[1], m[2])
		if h := unexpectedHint(source, at, m[2]); h != "" {
			hint = h
		}
	case strings.HasPrefix(msg, "bad number syntax: "):
		lit := strings.TrimPrefix(msg, "bad number syntax: ")
		message = fmt.Sprintf("%s is not a number", lit)
		hint = "numbers are written with digits only, as in 10000 or 2.5; text goes in quotes"
	case strings.HasPrefix(msg, "error parsing regexp: "):
		message = "the pattern after matches is not a valid regular expression: " + strings.TrimPrefix(msg, "error parsing regexp: ")
		hint = `in a pattern, ( ) [ ] . * + ? { } | \ have special meanings; put \\ before one to match it as it is`
	case strings.Contains(msg, "exceeds maximum allowed nodes"):
		message = fmt.Sprintf("the rule is too complex: it has more than %d parts", MaxNodes)
		hint = "split it into several rules, or tag the customers (hasTag) instead of listing them"
		at = 0
	case reArguments.MatchString(msg):
		m := reArguments.FindStringSubmatch(msg)
		message = fmt.Sprintf("%s arguments for %s", m[1], m[2])
		hint = `"switchboard rules fields" shows how each function is called`
	case strings.HasPrefix(msg, "unknown pointer") || strings.HasPrefix(msg, "cannot use pointer accessor"):
		message = "# can only be used inside any(), all(), none(), filter() or map()"
	case msg == "integer divide by zero":
		message = "division by zero"
	case msg == "invalid char escape":
		message = `this text has a \ that starts no known escape`
		hint = `write \\ for a backslash, \" for a quote, \n for a new line`
	case msg == "expected name":
		message = "a field name must follow the dot"
		hint = "as in Customer.FollowersCount"
	case strings.HasPrefix(msg, "unrecognized character: "):
		ch := msg[strings.LastIndex(msg, " ")+1:]
		message = fmt.Sprintf("the character %s cannot be used here", strings.Trim(ch, "'"))
		hint = "text goes in quotes, as in \"support@acme.com\""
	case strings.HasPrefix(msg, "non-bool expression"):
		message = "the condition of if / ?: must be true or false"
	default:
		message = msg
	}
	return newError(source, at, message, hint)
}

// unknownNameHint explains a name that is not a field: a field written in
// the wrong case, a word meant as text, or a misspelt field.
func unknownNameHint(name string) string {
	switch lower := strings.ToLower(name); {
	case lower == "true" || lower == "false" || lower == "nil":
		return fmt.Sprintf("write %s in lower case", lower)
	case lower == "and" || lower == "or" || lower == "not":
		return fmt.Sprintf("write %s in lower case, or use %s", lower, map[string]string{"and": "&&", "or": "||", "not": "!"}[lower])
	}
	hint := suggestField("", name)
	r, _ := utf8.DecodeRuneInString(name)
	if strings.HasPrefix(hint, "did you mean") && strings.Contains(hint, "capital letter") {
		return hint
	}
	if unicode.IsLower(r) || !strings.HasPrefix(hint, "did you mean") {
		return fmt.Sprintf(`if you meant the text %s, put it in quotes: "%s"; %s`, name, name, lowerFirst(hint))
	}
	return hint
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// unexpectedHint looks at what surrounds an unexpected token for the common
// slips: thousands separators, upper-case operators, => for >=.
func unexpectedHint(source string, at int, value string) string {
	runes := []rune(source)
	at = min(max(at, 0), len(runes))
	prev := func() rune {
		for i := at - 1; i >= 0; i-- {
			if runes[i] != ' ' {
				return runes[i]
			}
		}
		return 0
	}
	next := func() rune {
		if at+1 < len(runes) {
			return runes[at+1]
		}
		return 0
	}
	switch {
	case (value == "," || value == "." || isDigits(value)) && unicode.IsDigit(prev()):
		return "write numbers without separators, as in 10000"
	case value == "=" && (next() == '>' || next() == '<'):
		return fmt.Sprintf("write %c= for %s", next(), map[rune]string{'>': "greater or equal", '<': "less or equal"}[next()])
	case value == "!" && next() == '=':
		return "!= needs a value on both sides"
	}
	for _, kw := range []string{"and", "or", "not", "in", "contains", "startsWith", "endsWith", "matches"} {
		if value != kw && strings.EqualFold(value, kw) {
			return fmt.Sprintf("write %s, in this case", kw)
		}
	}
	return ""
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// isCall reports whether the name ending at rune offset end is followed by
// an opening parenthesis.
func isCall(source string, end int) bool {
	rest := []rune(source)
	if end > len(rest) {
		return false
	}
	return strings.HasPrefix(strings.TrimSpace(string(rest[end:])), "(")
}

// typeWords translates an expr type name into the catalogue's words, with an
// article: "a number", "text".
func typeWords(t string) string {
	switch w := scrub(t); w {
	case "nil":
		return "nothing (nil)"
	case "unknown":
		return "a value of unknown type"
	case "text", "number", "yes/no", "list of text", "time", "list", "map", "duration", "value":
		return withArticle(w)
	default:
		return w
	}
}

var binaryOperators = map[string]bool{"contains": true, "startsWith": true, "endsWith": true, "matches": true, "in": true}

var comparisons = map[string]bool{"==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

// mismatch explains an operator applied to values of the wrong types.
func mismatch(source string, at int, op, left, right string) (message, hint string) {
	l, r := describeOperands(source, at)
	if l == "" {
		l = typeWords(left)
	}
	if r == "" && right != "" {
		r = typeWords(right)
	}
	switch {
	case right == "" && (op == "!" || op == "not"):
		message = fmt.Sprintf("%s needs a condition that is true or false, but got %s", op, l)
	case right == "":
		message = fmt.Sprintf("%s needs a number, but got %s", op, l)
	case comparisons[op]:
		message = fmt.Sprintf("cannot compare %s with %s", l, r)
	case op == "&&" || op == "||" || op == "and" || op == "or":
		message = fmt.Sprintf("%s joins conditions that are true or false, but got %s and %s", op, l, r)
	case op == "contains" || op == "startsWith" || op == "endsWith" || op == "matches":
		message = fmt.Sprintf("%s works on text, but got %s and %s", op, l, r)
	case op == "in":
		message = fmt.Sprintf("in needs a list on its right, but got %s and %s", l, r)
	default:
		message = fmt.Sprintf("%s cannot be used between %s and %s", op, l, r)
	}
	lt, rt := scrub(left), scrub(right)
	switch {
	case lt == "number" && rt == "text":
		hint = "numbers are written without quotes"
		if lit, ok := stringOperand(source, at); ok {
			if _, err := strconv.ParseFloat(lit, 64); err == nil {
				hint = fmt.Sprintf("numbers are written without quotes: %s, not %q", lit, lit)
			}
		}
	case lt == "text" && rt == "number":
		hint = "text is written in quotes, as in \"10\""
	case lt == "yes/no" || rt == "yes/no":
		hint = "yes/no fields are compared with true or false, or used on their own: Customer.Verified"
	case lt == "list of text" && rt == "text":
		hint = "to look in a list, write \"vip\" in Customer.Tags (or hasTag(\"vip\") for the customer's tags)"
		if lit, ok := stringOperand(source, at); ok {
			if path, ok := leftField(source, at); ok {
				hint = fmt.Sprintf("to look in a list, write %q in %s", lit, path)
				if path == "Customer.Tags" {
					hint += fmt.Sprintf(", or hasTag(%q)", lit)
				}
			}
		}
	case op == "in" && lt == "text" && rt == "text":
		hint = "to look for text inside text, use contains"
		if lit, ok := stringOperand(source, at); ok {
			if path, ok := leftField(source, at); ok {
				hint = fmt.Sprintf("to look for text inside text, write %s contains %q; for a list of values, write %s in [%q, ...]", path, lit, path, lit)
			}
		}
	case strings.HasPrefix(lt, "a function") || strings.HasPrefix(rt, "a function"):
		hint = "call a function with parentheses, as in lower(Message.Text)"
	case op == "%":
		hint = "% gives the remainder of dividing whole numbers, as in Hour % 2 == 0"
	case lt == "time" && rt == "text":
		hint = `write a time as date("2026-01-31T09:00:00Z"), or compare with another time field such as Now`
	}
	return message, hint
}

// operands finds the binary operation at rune offset at.
func operands(source string, at int) *ast.BinaryNode {
	tree, err := parser.Parse(source)
	if err != nil {
		return nil
	}
	var found *ast.BinaryNode
	ast.Find(tree.Node, func(n ast.Node) bool {
		if b, ok := n.(*ast.BinaryNode); ok && b.Location().From == at {
			found = b
			return true
		}
		return false
	})
	return found
}

// describeOperands describes the two sides of the operation at rune offset
// at: `Customer.FollowersCount (a number)`, `"10" (text)`.
func describeOperands(source string, at int) (string, string) {
	if b := operands(source, at); b != nil {
		return describeNode(b.Left), describeNode(b.Right)
	}
	tree, err := parser.Parse(source)
	if err != nil {
		return "", ""
	}
	var operand ast.Node
	ast.Find(tree.Node, func(n ast.Node) bool {
		if u, ok := n.(*ast.UnaryNode); ok && u.Location().From == at {
			operand = u.Node
			return true
		}
		return false
	})
	if operand == nil {
		return "", ""
	}
	return describeNode(operand), ""
}

func describeNode(n ast.Node) string {
	if path, ok := fieldPath(n); ok {
		return describeField(path)
	}
	switch v := n.(type) {
	case *ast.IdentifierNode:
		if slices.Contains(knownFunctions(), v.Value) {
			return fmt.Sprintf("the function %s (a function)", v.Value)
		}
	case *ast.StringNode:
		return fmt.Sprintf("%q (text)", v.Value)
	case *ast.IntegerNode:
		return fmt.Sprintf("%d (a number)", v.Value)
	case *ast.FloatNode:
		return fmt.Sprintf("%v (a number)", v.Value)
	case *ast.BoolNode:
		return fmt.Sprintf("%v (a yes/no value)", v.Value)
	case *ast.NilNode:
		return "nil (nothing)"
	}
	return ""
}

// leftField returns the field on the left of the operation at at.
func leftField(source string, at int) (string, bool) {
	b := operands(source, at)
	if b == nil {
		return "", false
	}
	return fieldPath(b.Left)
}

// stringOperand returns the text literal on the right of the operation at
// at.
func stringOperand(source string, at int) (string, bool) {
	b := operands(source, at)
	if b == nil {
		return "", false
	}
	s, ok := b.Right.(*ast.StringNode)
	if !ok {
		return "", false
	}
	return s.Value, true
}

// fieldPath returns the catalogue path a node reads, if it is a plain field.
func fieldPath(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.IdentifierNode:
		if _, ok := catalogue.byPath[v.Value]; ok {
			return v.Value, true
		}
	case *ast.MemberNode:
		id, ok := v.Node.(*ast.IdentifierNode)
		if !ok || v.Method {
			return "", false
		}
		prop, ok := v.Property.(*ast.StringNode)
		if !ok {
			return "", false
		}
		path := id.Value + "." + prop.Value
		if _, ok := catalogue.byPath[path]; ok {
			return path, true
		}
	}
	return "", false
}

// unexpectedEnd explains a rule that stops in the middle, pointing at the
// last thing written.
func unexpectedEnd(source string) (at int, message, hint string) {
	trimmed := strings.TrimRightFunc(source, func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' })
	runes := []rune(trimmed)
	at = max(len(runes)-1, 0)
	if open, closer, ok := unclosed(source); ok {
		return open, fmt.Sprintf("this %c is never closed", runes[open]), fmt.Sprintf("add the matching %c", closer)
	}
	last := lastToken(trimmed)
	switch last {
	case "":
		return at, "the rule ends too early", ""
	case ",":
		return at, "the list ends with a comma", "add the next value after the comma, or remove the comma and close the list"
	}
	at = len(runes) - utf8.RuneCountInString(last)
	message = fmt.Sprintf("the rule ends after %s, which needs something on its right", last)
	switch last {
	case "&&", "||", "and", "or":
		hint = fmt.Sprintf(`add another condition after %s, as in Customer.Verified %s Message.Text contains "refund", or remove %s`, last, last, last)
	case "!", "not":
		hint = fmt.Sprintf("add the condition to negate, as in %s Customer.Verified", last)
	default:
		hint = fmt.Sprintf("add the value to compare with, as in Customer.FollowersCount %s 10000", last)
	}
	return at, message, hint
}

// unclosed finds the last ( or [ outside text that is never closed, and
// returns its rune offset and the bracket that would close it.
func unclosed(source string) (at int, closer rune, ok bool) {
	var stack []int
	var brackets []rune
	var quote rune
	escaped := false
	i := 0
	for _, r := range source {
		switch {
		case quote != 0:
			switch {
			case escaped:
				escaped = false
			case r == '\\':
				escaped = true
			case r == quote:
				quote = 0
			}
		case r == '"' || r == '\'' || r == '`':
			quote = r
		case r == '(' || r == '[':
			stack = append(stack, i)
			brackets = append(brackets, r)
		case r == ')' || r == ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
				brackets = brackets[:len(brackets)-1]
			}
		}
		i++
	}
	if len(stack) == 0 {
		return 0, 0, false
	}
	closer = ')'
	if brackets[len(brackets)-1] == '[' {
		closer = ']'
	}
	return stack[len(stack)-1], closer, true
}

var reLastToken = regexp.MustCompile(`(&&|\|\||==|!=|<=|>=|[<>+\-*/%!(\[,]|\b(?:and|or|not|in|contains|startsWith|endsWith|matches))$`)

func lastToken(s string) string {
	return reLastToken.FindString(s)
}

// unexpected explains a token that does not belong where it is.
func unexpected(kind, value string) (message, hint string) {
	switch {
	case kind == "Operator" && value == "=":
		return "unexpected =", "to compare, write == (two equals signs)"
	case kind == "Operator" && (value == "&" || value == "|"):
		return fmt.Sprintf("unexpected %s", value), fmt.Sprintf("write %s%s for %s", value, value, map[string]string{"&": "and", "|": "or"}[value])
	case kind == "Bracket":
		return fmt.Sprintf("unexpected %s", value), "check that every ( and [ has its matching ) and ]"
	case kind == "String":
		return fmt.Sprintf("unexpected text %q here", shorten(value)), "is an operator such as == or contains missing before it?"
	case kind == "Number":
		return fmt.Sprintf("unexpected number %s here", shorten(value)), "is an operator such as > or == missing before it?"
	case kind == "Identifier":
		if s := nearest(value, []string{"contains", "startsWith", "endsWith", "matches", "and", "or", "not", "in"}, identity); s != "" && s != value {
			return fmt.Sprintf("unexpected %s here", shorten(value)), fmt.Sprintf("did you mean %s?", s)
		}
		return fmt.Sprintf("unexpected %s here", shorten(value)), "is an operator such as && or == missing before it?"
	case value != "":
		return fmt.Sprintf("unexpected %s here", shorten(value)), "is an operator such as && or == missing before it?"
	}
	return fmt.Sprintf("unexpected %s", strings.ToLower(kind)), ""
}

// shorten cuts a long token for a message.
func shorten(s string) string {
	if r := []rune(s); len(r) > 30 {
		return string(r[:30]) + "…"
	}
	return s
}

// readFields returns the catalogue indices of the fields node reads, sorted.
func readFields(node ast.Node) []int {
	seen := make(map[int]bool)
	ast.Find(node, func(n ast.Node) bool {
		if path, ok := fieldPath(n); ok {
			seen[catalogue.byPath[path]] = true
		}
		return false
	})
	out := make([]int, 0, len(seen))
	for i := range catalogue.fields {
		if seen[i] {
			out = append(out, i)
		}
	}
	return out
}

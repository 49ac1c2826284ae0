package dsl

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/conf"
)

// FunctionDoc documents one function or operator analysts may use.
type FunctionDoc struct {
	Name        string `json:"name"`
	Usage       string `json:"usage"`
	Description string `json:"description"`
}

// functionDocs are the operators and functions the catalogue offers. All
// but Time's methods run on the fast path; a rule calling those runs on
// expr's virtual machine.
var functionDocs = []FunctionDoc{
	{"==, !=", `Customer.Language == "en"`, "equal, not equal"},
	{"<, <=, >, >=", "Customer.FollowersCount > 10000", "compare numbers, text or times"},
	{"&&, ||, !", `Customer.Verified && !Customer.Protected`, "and, or, not (also written and, or, not)"},
	{"in, not in", `Channel.Handle in ["Acme Care", "Acme Billing"]`, "the value is (not) one of a list; also \"vip\" in Customer.Tags"},
	{"contains", `Message.Text contains "refund"`, "the text contains other text (case matters)"},
	{"startsWith, endsWith", `Customer.ScreenName startsWith "acme"`, "the text begins or ends with other text"},
	{"matches", `Message.Text matches "(?i)order #?[0-9]+"`, "the text matches a regular expression; (?i) ignores case"},
	{"lower, upper, trim", `lower(Message.Text) contains "refund"`, "the text in lower case, upper case, without surrounding spaces"},
	{"len", "len(Message.Hashtags) > 2", "the length of a text or a list"},
	{"any, all, none, one", `any(Customer.Tags, # startsWith "vip")`, "whether any, every, no or exactly one item of a list meets a condition; # is the item"},
	{"duration", `Customer.AccountCreatedAt > Now - duration("720h")`, "a length of time: h, m, s (720h is 30 days); times can be compared and shifted by it"},
	{"hasTag", `hasTag("vip")`, "the customer's contact record has this tag (case does not matter)"},
	{"textHasAny", `textHasAny(["refund", "chargeback"])`, "the message text contains any of these words (case does not matter)"},
	{"between", "between(Hour, 9, 17)", `a number, a length of time or a time lies between two bounds, both included; between(Now - Customer.AccountCreatedAt, duration("1h"), duration("24h"))`},
	{"Time.InBusinessHours", `Time.InBusinessHours("Support EU")`, "the calendar of that name is open now (its hours, holidays and time zone); an analyst keeps calendars under /api/v1/calendars"},
	{"Time.MinutesUntilOpen", `Time.MinutesUntilOpen("Support EU") > 60`, "whole minutes until the calendar opens, 0 while it is open, more than a year's minutes when it never opens"},
	{"Time.NextOpening", `Time.NextOpening("Support EU") > Now + duration("12h")`, "when the calendar opens next, a time (Now while it is open)"},
	{"Time.Local", `Time.Local("Europe/Berlin").Hour >= 18`, "now in a time zone: .Hour, .Minute, .Weekday (\"Monday\" to \"Sunday\") and .Date (YYYY-MM-DD)"},
	{"now()", "Customer.AccountCreatedAt > now() - duration(\"24h\")", "the same as Now: the time the rule is evaluated (in tests, the context's Now)"},
}

// Functions returns the operators and functions of the rule language, for the
// catalogue.
func Functions() []FunctionDoc {
	return append([]FunctionDoc(nil), functionDocs...)
}

// ownFunctions are the names of the functions dsl adds to expr's builtins.
var ownFunctions = []string{"hasTag", "textHasAny", "between"}

// knownFunctions returns every function name a rule may call, for hints.
func knownFunctions() []string {
	out := append([]string(nil), ownFunctions...)
	out = append(out, "contains", "startsWith", "endsWith", "matches")
	for _, b := range builtin.Builtins {
		out = append(out, b.Name)
	}
	return out
}

var (
	boolType     = reflect.TypeOf(true)
	durationType = reflect.TypeOf(time.Duration(0))
	timeType     = reflect.TypeOf(time.Time{})
)

func isText(t reflect.Type) bool {
	return t.Kind() == reflect.String || t.Kind() == reflect.Interface
}

func isList(t reflect.Type) bool {
	return t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Interface
}

func isNumber(t reflect.Type) bool {
	if t == durationType {
		return false
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64, reflect.Interface:
		return true
	}
	return false
}

// function registers an expr function whose arguments dsl validates itself,
// so that a wrong call gets an analyst's message.
func function(name string, validate func(args []reflect.Type) error, fn func(args ...any) (any, error)) expr.Option {
	return func(c *conf.Config) {
		c.Functions[name] = &builtin.Function{
			Name: name,
			Func: fn,
			Validate: func(args []reflect.Type) (reflect.Type, error) {
				if err := validate(args); err != nil {
					return nil, err
				}
				return boolType, nil
			},
		}
	}
}

func functionOptions() []expr.Option {
	return []expr.Option{
		function("hasTag", func(args []reflect.Type) error {
			if len(args) != 2 || !isList(args[0]) || !isText(args[1]) {
				return fmt.Errorf(`hasTag takes one tag in quotes, as in hasTag("vip")`)
			}
			return nil
		}, func(args ...any) (any, error) {
			tag, _ := args[1].(string)
			return hasTag(toStrings(args[0]), tag), nil
		}),
		function("textHasAny", func(args []reflect.Type) error {
			if len(args) != 2 || !isText(args[0]) || !isList(args[1]) {
				return fmt.Errorf(`textHasAny takes a list of words, as in textHasAny(["refund", "chargeback"])`)
			}
			return nil
		}, func(args ...any) (any, error) {
			text, _ := args[0].(string)
			return textHasAny(text, toStrings(args[1])), nil
		}),
		function("between", validateBetween, func(args ...any) (any, error) {
			return betweenValues(args[0], args[1], args[2])
		}),
		expr.Patch(implicitArguments{}),
		expr.Patch(contextNow{}),
	}
}

// betweenKinds are the kinds of value between compares: numbers, lengths
// of time and times. All three arguments must be of one kind (an interface,
// such as a list element, passes and is checked when the rule runs).
func betweenKind(t reflect.Type) string {
	switch {
	case t == nil:
		return ""
	case t == durationType:
		return "duration"
	case t == timeType:
		return "time"
	case t.Kind() == reflect.Interface:
		return "any"
	case isNumber(t):
		return "number"
	}
	return ""
}

func validateBetween(args []reflect.Type) error {
	usage := map[string]string{
		"number":   "between takes a number and two bounds, as in between(Hour, 9, 17)",
		"duration": `between takes a length of time and two lengths of time, as in between(Now - Customer.AccountCreatedAt, duration("1h"), duration("24h"))`,
		"time":     `between takes a time and two times, as in between(Customer.AccountCreatedAt, Now - duration("24h"), Now)`,
		"":         `between takes a value and two bounds of the same kind: numbers, as in between(Hour, 9, 17); lengths of time, as in between(Now - Customer.AccountCreatedAt, duration("1h"), duration("24h")); or times`,
	}
	first := ""
	if len(args) > 0 {
		first = betweenKind(args[0])
		if first == "any" {
			first = ""
		}
	}
	if len(args) != 3 {
		return errors.New(usage[first])
	}
	kind := "any"
	for _, a := range args {
		k := betweenKind(a)
		switch {
		case k == "":
			return errors.New(usage[first])
		case k == "any":
		case kind == "any":
			kind = k
		case k != kind:
			return errors.New(usage[first])
		}
	}
	return nil
}

// betweenValues is between on expr's virtual machine: numbers, lengths of
// time or times, compared as their kind.
func betweenValues(x, lo, hi any) (bool, error) {
	switch x := x.(type) {
	case time.Time:
		l, okL := lo.(time.Time)
		h, okH := hi.(time.Time)
		if okL && okH {
			return !x.Before(l) && !x.After(h), nil
		}
	case time.Duration:
		l, okL := lo.(time.Duration)
		h, okH := hi.(time.Duration)
		if okL && okH {
			return l <= x && x <= h, nil
		}
	default:
		fx, okX := numberValue(x)
		fl, okL := numberValue(lo)
		fh, okH := numberValue(hi)
		if okX && okL && okH {
			return between(fx, fl, fh), nil
		}
	}
	return false, fmt.Errorf("between compares a value with two bounds of the same kind, but got %s, %s and %s", kindWords(x), kindWords(lo), kindWords(hi))
}

func kindWords(v any) string {
	switch v.(type) {
	case time.Time:
		return "a time"
	case time.Duration:
		return "a length of time"
	case string:
		return "text"
	case nil:
		return "nothing"
	}
	if _, ok := numberValue(v); ok {
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}

// contextNow makes now() the context's Now, the time the rule is evaluated,
// so that a rule reads one clock whether it routes live, in a test or in a
// replay; now(tz) is Now.In(tz).
type contextNow struct{}

// Visit replaces a call of now with Now.
func (contextNow) Visit(node *ast.Node) {
	var args []ast.Node
	switch call := (*node).(type) {
	case *ast.BuiltinNode:
		if call.Name != "now" {
			return
		}
		args = call.Arguments
	case *ast.CallNode:
		id, ok := call.Callee.(*ast.IdentifierNode)
		if !ok || id.Value != "now" {
			return
		}
		args = call.Arguments
	default:
		return
	}
	if len(args) > 1 {
		return // expr explains the wrong number of arguments
	}
	loc := (*node).Location()
	n := &ast.IdentifierNode{Value: "Now"}
	n.SetLocation(loc)
	if len(args) == 0 {
		ast.Patch(node, n)
		return
	}
	in := &ast.StringNode{Value: "In"}
	in.SetLocation(loc)
	m := &ast.MemberNode{Node: n, Property: in, Method: true}
	m.SetLocation(loc)
	c := &ast.CallNode{Callee: m, Arguments: args}
	c.SetLocation(loc)
	ast.Patch(node, c)
}

// implicitArguments lets analysts leave out the obvious first argument:
// hasTag("vip") reads Customer.Tags and textHasAny([...]) reads Message.Text.
type implicitArguments struct{}

// Visit adds the implicit argument to a call of hasTag or textHasAny.
func (implicitArguments) Visit(node *ast.Node) {
	call, ok := (*node).(*ast.CallNode)
	if !ok || len(call.Arguments) != 1 {
		return
	}
	id, ok := call.Callee.(*ast.IdentifierNode)
	if !ok {
		return
	}
	var group, field string
	switch id.Value {
	case "hasTag":
		group, field = "Customer", "Tags"
	case "textHasAny":
		group, field = "Message", "Text"
	default:
		return
	}
	loc := call.Location()
	g := &ast.IdentifierNode{Value: group}
	g.SetLocation(loc)
	p := &ast.StringNode{Value: field}
	p.SetLocation(loc)
	m := &ast.MemberNode{Node: g, Property: p}
	m.SetLocation(loc)
	call.Arguments = []ast.Node{m, call.Arguments[0]}
}

func toStrings(v any) []string {
	switch v := v.(type) {
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// numberValue returns v as a float64 if it is a number (not a length of
// time).
func numberValue(v any) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case float64:
		return v, true
	case int64:
		return float64(v), true
	case int32:
		return float64(v), true
	case int16:
		return float64(v), true
	case int8:
		return float64(v), true
	case float32:
		return float64(v), true
	case uint:
		return float64(v), true
	case uint64:
		return float64(v), true
	case uint32:
		return float64(v), true
	case uint16:
		return float64(v), true
	case uint8:
		return float64(v), true
	}
	return 0, false
}

// hasTag reports whether tags holds tag, ignoring case.
func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}

// textHasAny reports whether text contains any of words, ignoring case.
func textHasAny(text string, words []string) bool {
	for _, w := range words {
		if containsFold(text, w) {
			return true
		}
	}
	return false
}

// between reports whether lo <= x <= hi.
func between(x, lo, hi float64) bool {
	return lo <= x && x <= hi
}

// containsFold reports whether sub occurs in s, ignoring case. It allocates
// nothing when both are ASCII.
func containsFold(s, sub string) bool {
	if !isASCII(s) || !isASCII(sub) {
		return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
	}
	n := len(sub)
	if n == 0 {
		return true
	}
	for i := 0; i+n <= len(s); i++ {
		if equalFoldASCII(s[i:i+n], sub) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

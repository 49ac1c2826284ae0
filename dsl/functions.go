package dsl

import (
	"fmt"
	"reflect"
	"strings"
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

// functionDocs are the operators and functions the catalogue offers; all of
// them run on the fast path.
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
	{"between", "between(Hour, 9, 17)", "a number lies between two bounds, both included"},
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
	boolType = reflect.TypeOf(true)
)

func isText(t reflect.Type) bool {
	return t.Kind() == reflect.String || t.Kind() == reflect.Interface
}

func isList(t reflect.Type) bool {
	return t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Interface
}

func isNumber(t reflect.Type) bool {
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
		function("between", func(args []reflect.Type) error {
			if len(args) != 3 || !isNumber(args[0]) || !isNumber(args[1]) || !isNumber(args[2]) {
				return fmt.Errorf("between takes a number and two bounds, as in between(Hour, 9, 17)")
			}
			return nil
		}, func(args ...any) (any, error) {
			return between(toFloat(args[0]), toFloat(args[1]), toFloat(args[2])), nil
		}),
		expr.Patch(implicitArguments{}),
	}
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

func toFloat(v any) float64 {
	switch v := v.(type) {
	case int:
		return float64(v)
	case float64:
		return v
	case int64:
		return float64(v)
	case int32:
		return float64(v)
	case float32:
		return float64(v)
	case uint:
		return float64(v)
	case uint64:
		return float64(v)
	}
	return 0
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

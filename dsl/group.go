package dsl

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Group is a rule written as structured conditions, as in a rule editor:
// either all of its conditions must hold, or any one of them. It converts to
// expression text, so that one compiler and one engine serve both forms.
//
//	{"any": [
//	  {"attribute": "Customer.FollowersCount", "operator": "greater", "value": 10000},
//	  {"all": [{"attribute": "Customer.Tags", "operator": "contains", "value": "vip"},
//	           {"attribute": "Customer.Verified", "operator": "is true"}]}
//	]}
type Group struct {
	All []Condition `json:"all,omitempty" yaml:"all,omitempty"`
	Any []Condition `json:"any,omitempty" yaml:"any,omitempty"`
}

// Condition is one structured condition (attribute, operator, value) or, when
// All or Any is set, a nested group.
type Condition struct {
	// Attribute is a catalogue path, e.g. "Customer.FollowersCount".
	Attribute string `json:"attribute,omitempty" yaml:"attribute,omitempty"`
	// Operator is one of the operator names of Operators, e.g. "equals",
	// "does not contain", "greater" or "is empty" (case, spaces and
	// underscores do not matter).
	Operator string `json:"operator,omitempty" yaml:"operator,omitempty"`
	// Value is what the attribute is compared with: text, a number, true or
	// false, or a list for "in" and "not in" (two numbers for "between").
	Value any `json:"value,omitempty" yaml:"value,omitempty"`

	All []Condition `json:"all,omitempty" yaml:"all,omitempty"`
	Any []Condition `json:"any,omitempty" yaml:"any,omitempty"`
}

// OperatorDoc documents one operator of structured conditions.
type OperatorDoc struct {
	// Name is the canonical name, e.g. "does not contain".
	Name string `json:"name"`
	// Types are the attribute types it applies to.
	Types []string `json:"types"`
	// Value says what value it needs, in analyst words ("" when none).
	Value string `json:"value,omitempty"`
}

type operator struct {
	doc     OperatorDoc
	aliases []string
}

var operators = []operator{
	{OperatorDoc{"equals", []string{"text", "number", "yes/no"}, "a value"}, []string{"equal", "is", "=", "=="}},
	{OperatorDoc{"not equals", []string{"text", "number", "yes/no"}, "a value"}, []string{"not equal", "does not equal", "is not", "!="}},
	{OperatorDoc{"contains", []string{"text", "list of text"}, "text"}, []string{"has"}},
	{OperatorDoc{"does not contain", []string{"text", "list of text"}, "text"}, []string{"not contains", "not contain"}},
	{OperatorDoc{"begins with", []string{"text"}, "text"}, []string{"starts with", "startswith", "beginswith"}},
	{OperatorDoc{"ends with", []string{"text"}, "text"}, []string{"endswith"}},
	{OperatorDoc{"in", []string{"text", "number"}, "a list of values"}, []string{"is one of", "one of", "any of"}},
	{OperatorDoc{"not in", []string{"text", "number"}, "a list of values"}, []string{"is not one of", "none of"}},
	{OperatorDoc{"greater", []string{"number", "time"}, "a number"}, []string{"greater than", "more than", "after", ">"}},
	{OperatorDoc{"greater or equal", []string{"number", "time"}, "a number"}, []string{"greater than or equal", "greater than or equal to", "at least", ">="}},
	{OperatorDoc{"less", []string{"number", "time"}, "a number"}, []string{"less than", "fewer than", "before", "<"}},
	{OperatorDoc{"less or equal", []string{"number", "time"}, "a number"}, []string{"less than or equal", "less than or equal to", "at most", "<="}},
	{OperatorDoc{"between", []string{"number"}, "a list of two numbers"}, nil},
	{OperatorDoc{"matches", []string{"text"}, "a regular expression"}, []string{"matches regex", "regex"}},
	{OperatorDoc{"is empty", []string{"text", "list of text"}, ""}, []string{"empty"}},
	{OperatorDoc{"is not empty", []string{"text", "list of text"}, ""}, []string{"not empty"}},
	{OperatorDoc{"is true", []string{"yes/no"}, ""}, []string{"true"}},
	{OperatorDoc{"is false", []string{"yes/no"}, ""}, []string{"false"}},
}

// Operators returns the operators of structured conditions.
func Operators() []OperatorDoc {
	out := make([]OperatorDoc, len(operators))
	for i, o := range operators {
		out[i] = o.doc
	}
	return out
}

var reSeparators = regexp.MustCompile(`[\s_\-]+`)

func normalizeOperator(s string) string {
	return strings.TrimSpace(reSeparators.ReplaceAllString(strings.ToLower(s), " "))
}

func lookupOperator(name string) (*operator, bool) {
	n := normalizeOperator(name)
	for i := range operators {
		o := &operators[i]
		if o.doc.Name == n || slices.Contains(o.aliases, n) {
			return o, true
		}
	}
	return nil, false
}

// Expression converts the group into rule text. A bad attribute, operator or
// value is an *Error whose Path names it, e.g. "any[2].attribute".
func (g Group) Expression() (string, error) {
	return groupExpr("", g.All, g.Any, true)
}

// Compile converts the group into rule text and compiles it.
func (g Group) Compile() (*Program, error) {
	src, err := g.Expression()
	if err != nil {
		return nil, err
	}
	return Compile(src)
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func groupExpr(path string, all, anyOf []Condition, top bool) (string, error) {
	switch {
	case len(all) > 0 && len(anyOf) > 0:
		return "", &Error{Path: join(path, "any"), Message: "a group has either all or any, not both",
			Hint: `put one of them in a nested group: {"all": [..., {"any": [...]}]}`}
	case len(all) == 0 && len(anyOf) == 0:
		where := path
		if where == "" {
			where = "all"
		}
		return "", &Error{Path: where, Message: "the group has no conditions", Hint: `add conditions under "all" (every one must hold) or "any" (one is enough)`}
	}
	list, name, sep := all, "all", " && "
	if len(anyOf) > 0 {
		list, name, sep = anyOf, "any", " || "
	}
	parts := make([]string, len(list))
	for i, c := range list {
		p := fmt.Sprintf("%s[%d]", join(path, name), i)
		s, err := conditionExpr(p, c)
		if err != nil {
			return "", err
		}
		parts[i] = s
	}
	out := strings.Join(parts, sep)
	if !top && len(parts) > 1 {
		out = "(" + out + ")"
	}
	return out, nil
}

func conditionExpr(path string, c Condition) (string, error) {
	if len(c.All) > 0 || len(c.Any) > 0 {
		if c.Attribute != "" || c.Operator != "" || c.Value != nil {
			return "", &Error{Path: path, Message: "a condition is either a nested group (all or any) or an attribute, operator and value, not both"}
		}
		return groupExpr(path, c.All, c.Any, false)
	}
	if c.Attribute == "" {
		return "", &Error{Path: join(path, "attribute"), Message: "the condition has no attribute",
			Hint: `name a field, as in "attribute": "Customer.FollowersCount"`}
	}
	f, ok := LookupField(c.Attribute)
	if !ok {
		group, name, found := strings.Cut(c.Attribute, ".")
		if !found || !isGroup(group) {
			group, name = "", c.Attribute
		}
		return "", &Error{Path: join(path, "attribute"), Message: fmt.Sprintf("unknown attribute %s", c.Attribute), Hint: suggestField(group, name)}
	}
	if c.Operator == "" {
		return "", &Error{Path: join(path, "operator"), Message: "the condition has no operator",
			Hint: "for " + f.Type + " the operators are " + strings.Join(operatorsFor(f.Type), ", ")}
	}
	op, ok := lookupOperator(c.Operator)
	if !ok {
		hint := "for " + f.Type + " the operators are " + strings.Join(operatorsFor(f.Type), ", ")
		if s := nearest(normalizeOperator(c.Operator), operatorsFor(f.Type), identity); s != "" {
			hint = fmt.Sprintf("did you mean %q?", s)
		}
		return "", &Error{Path: join(path, "operator"), Message: fmt.Sprintf("unknown operator %q", c.Operator), Hint: hint}
	}
	if !slices.Contains(op.doc.Types, f.Type) {
		return "", &Error{Path: join(path, "operator"),
			Message: fmt.Sprintf("%q does not apply to %s", op.doc.Name, describeField(f.Path)),
			Hint:    "for " + f.Type + " the operators are " + strings.Join(operatorsFor(f.Type), ", ")}
	}
	return operatorExpr(join(path, "value"), &f, op.doc.Name, c.Value)
}

func operatorsFor(typ string) []string {
	var out []string
	for _, o := range operators {
		if slices.Contains(o.doc.Types, typ) {
			out = append(out, o.doc.Name)
		}
	}
	return out
}

var compareOps = map[string]string{
	"equals": "==", "not equals": "!=", "greater": ">", "greater or equal": ">=", "less": "<", "less or equal": "<=",
}

func operatorExpr(path string, f *Field, op string, value any) (string, error) {
	x := f.Path
	noValue := op == "is empty" || op == "is not empty" || op == "is true" || op == "is false"
	if noValue {
		if value != nil {
			return "", &Error{Path: path, Message: fmt.Sprintf("%q takes no value", op), Hint: "remove the value"}
		}
		switch {
		case op == "is true":
			return x, nil
		case op == "is false":
			return "!" + x, nil
		case f.Kind == KindTextList && op == "is empty":
			return "len(" + x + ") == 0", nil
		case f.Kind == KindTextList:
			return "len(" + x + ") > 0", nil
		case op == "is empty":
			return x + ` == ""`, nil
		default:
			return x + ` != ""`, nil
		}
	}
	if value == nil {
		return "", &Error{Path: path, Message: fmt.Sprintf("%q needs a value", op), Hint: fmt.Sprintf("as in \"value\": %s", f.Example)}
	}
	switch op {
	case "in", "not in":
		items, ok := value.([]any)
		if !ok || len(items) == 0 {
			return "", &Error{Path: path, Message: fmt.Sprintf("%q needs a list of values", op), Hint: fmt.Sprintf("as in \"value\": [%s]", f.Example)}
		}
		lits := make([]string, len(items))
		for i, it := range items {
			lit, err := literal(fmt.Sprintf("%s[%d]", path, i), f, it)
			if err != nil {
				return "", err
			}
			lits[i] = lit
		}
		return fmt.Sprintf("%s %s [%s]", x, op, strings.Join(lits, ", ")), nil
	case "between":
		items, ok := value.([]any)
		if !ok || len(items) != 2 {
			return "", &Error{Path: path, Message: `"between" needs a list of two numbers`, Hint: `as in "value": [9, 17]`}
		}
		lo, err := literal(path+"[0]", f, items[0])
		if err != nil {
			return "", err
		}
		hi, err := literal(path+"[1]", f, items[1])
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("between(%s, %s, %s)", x, lo, hi), nil
	case "contains", "does not contain":
		lit, err := textLiteral(path, value)
		if err != nil {
			return "", err
		}
		e := fmt.Sprintf("%s contains %s", x, lit)
		if f.Kind == KindTextList {
			e = fmt.Sprintf("%s in %s", lit, x)
		}
		if op == "does not contain" {
			return "not (" + e + ")", nil
		}
		return e, nil
	case "begins with", "ends with":
		lit, err := textLiteral(path, value)
		if err != nil {
			return "", err
		}
		word := map[string]string{"begins with": "startsWith", "ends with": "endsWith"}[op]
		return fmt.Sprintf("%s %s %s", x, word, lit), nil
	case "matches":
		s, ok := value.(string)
		if !ok {
			return "", &Error{Path: path, Message: `"matches" needs a regular expression as text`, Hint: `as in "value": "(?i)order #?[0-9]+"`}
		}
		if _, err := regexp.Compile(s); err != nil {
			return "", &Error{Path: path, Message: "the value is not a valid regular expression: " + strings.TrimPrefix(err.Error(), "error parsing regexp: "),
				Hint: `in a pattern, ( ) [ ] . * + ? { } | \ have special meanings; put \ before one to match it as it is`}
		}
		lit, err := textLiteral(path, s)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%s matches %s", x, lit), nil
	}
	lit, err := literal(path, f, value)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %s %s", x, compareOps[op], lit), nil
}

// literal writes value as a literal of the field's type.
func literal(path string, f *Field, value any) (string, error) {
	switch f.Kind {
	case KindText, KindTextList:
		switch v := value.(type) {
		case string:
			return textLiteral(path, v)
		case json.Number:
			return textLiteral(path, v.String())
		case int, int64, uint64, float64:
			return textLiteral(path, fmt.Sprint(v))
		}
		return "", &Error{Path: path, Message: fmt.Sprintf("%s is text, but the value is %s", f.Path, valueWords(value)), Hint: fmt.Sprintf("as in %s", f.Example)}
	case KindNumber:
		var x float64
		switch v := value.(type) {
		case int:
			x = float64(v)
		case int64:
			x = float64(v)
		case uint64:
			x = float64(v)
		case float64:
			x = v
		case json.Number:
			n, err := v.Float64()
			if err != nil {
				return "", &Error{Path: path, Message: fmt.Sprintf("%s is not a number", v)}
			}
			x = n
		case string:
			n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return "", &Error{Path: path, Message: fmt.Sprintf("%s is a number, but the value is %s", f.Path, valueWords(value)), Hint: fmt.Sprintf("as in %s", f.Example)}
			}
			x = n
		default:
			return "", &Error{Path: path, Message: fmt.Sprintf("%s is a number, but the value is %s", f.Path, valueWords(value)), Hint: fmt.Sprintf("as in %s", f.Example)}
		}
		if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > 1e15 {
			return "", &Error{Path: path, Message: fmt.Sprintf("%v is out of range", x)}
		}
		if x == math.Trunc(x) {
			return strconv.FormatInt(int64(x), 10), nil
		}
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case KindBool:
		switch v := value.(type) {
		case bool:
			return strconv.FormatBool(v), nil
		case string:
			if b, err := strconv.ParseBool(strings.TrimSpace(v)); err == nil {
				return strconv.FormatBool(b), nil
			}
		}
		return "", &Error{Path: path, Message: fmt.Sprintf("%s is yes/no, but the value is %s", f.Path, valueWords(value)), Hint: "use true or false"}
	case KindTime:
		s, ok := value.(string)
		if !ok {
			return "", &Error{Path: path, Message: fmt.Sprintf("%s is a time, but the value is %s", f.Path, valueWords(value)), Hint: fmt.Sprintf("as in %s", f.Example)}
		}
		if _, err := parseTime(s); err != nil {
			return "", &Error{Path: path, Message: fmt.Sprintf("%q is not a time", s), Hint: fmt.Sprintf("as in %s", f.Example)}
		}
		lit, err := textLiteral(path, s)
		if err != nil {
			return "", err
		}
		return "date(" + lit + ")", nil
	}
	return "", &Error{Path: path, Message: "unsupported attribute"}
}

func textLiteral(path string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", &Error{Path: path, Message: fmt.Sprintf("the value must be text, but it is %s", valueWords(v))}
	}
	if !utf8.ValidString(s) {
		return "", &Error{Path: path, Message: "the value is not valid text (UTF-8)"}
	}
	return quote(s), nil
}

// quote writes s as an expr string literal.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func valueWords(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("text %q", v)
	case bool:
		return fmt.Sprintf("the yes/no value %v", v)
	case int, int64, uint64, float64, json.Number:
		return fmt.Sprintf("the number %v", v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "a value"
}

package rulefile

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/switchboardhq/switchboard/dsl"
)

// keys are the keys a rule file may have, for "did you mean" hints.
var keys = []string{"version", "default_queue", "rules", "tests", "id", "name", "condition", "when", "queue",
	"priority", "enabled", "context", "expect", "rule", "not_rule", "trace", "no_match", "values", "any", "all", "attribute", "operator", "value"}

var (
	reUnknownKey = regexp.MustCompile(`^unknown field "(.*)"$`)
	reStructType = regexp.MustCompile(`struct field \w+\.(\w+) of type`)
	reNodeType   = regexp.MustCompile(`^(\w+) was used where (\w+) is expected$`)
	// reKeyBefore finds the key whose value starts at the end of a line's
	// text: "    expect: {not_rule: " gives not_rule.
	reKeyBefore = regexp.MustCompile(`([A-Za-z_][\w.]*)\s*:\s*$`)
)

// yamlError turns an error of the YAML decoder into one placed in the file
// like a rule's compile error: the file's line and column, the line with a
// caret under the mistake, and a hint.
func yamlError(name string, src []byte, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil {
		return fmt.Errorf("%s: %s", name, yaml.FormatError(err, false, false))
	}
	pos := ye.GetToken().Position
	line, col := pos.Line, pos.Column
	message, hint := yamlWords(ye, keyBefore(src, line, col))
	de := &dsl.Error{Line: line, Column: col, Message: message, Hint: hint, Snippet: caret(src, line, col)}
	return &placedError{where: fmt.Sprintf("%s:%d:%d", name, line, col), text: describe(de), err: de}
}

// keyBefore returns the key written just before line:col of src, whose
// value is there, or "".
func keyBefore(src []byte, line, col int) string {
	lines := strings.Split(string(src), "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	runes := []rune(lines[line-1])
	if col-1 > len(runes) || col < 1 {
		return ""
	}
	if m := reKeyBefore.FindStringSubmatch(string(runes[:col-1])); m != nil {
		return m[1]
	}
	return ""
}

// yamlWords explains a YAML error in an analyst's words; key is the key
// whose value is wrong, when it is known.
func yamlWords(ye yaml.Error, key string) (message, hint string) {
	msg := ye.GetMessage()
	var te *yaml.TypeError
	if errors.As(ye, &te) {
		field := "the value"
		if m := reStructType.FindStringSubmatch(msg); m != nil {
			field = yamlKey(m[1])
		}
		if key != "" {
			// The decoder names the outermost field (rules, tests).
			field = key
		}
		hint = "numbers are written without quotes, as in version: 3; yes/no values are true or false"
		if kindWords(te.SrcType) == "a list" {
			hint = fmt.Sprintf("%s takes one value, written without brackets", field)
		}
		return fmt.Sprintf("%s must be %s, not %s", field, kindWords(te.DstType), kindWords(te.SrcType)), hint
	}
	if m := reNodeType.FindStringSubmatch(msg); m != nil {
		field := "the value"
		if key != "" {
			field = key
		}
		message = fmt.Sprintf("%s must be %s, not %s", field, nodeWords(m[2]), nodeWords(m[1]))
		switch m[2] {
		case "sequence":
			hint = fmt.Sprintf("write a list in brackets, as in %s: [a, b], even for one item", strings.TrimPrefix(field, "the "))
		case "mapping":
			hint = "write keys and values, one a line indented below, or in braces as in {rule: vip}"
		}
		return message, hint
	}
	switch {
	case reUnknownKey.MatchString(msg):
		key := reUnknownKey.FindStringSubmatch(msg)[1]
		message = fmt.Sprintf("unknown key %q", key)
		if s := nearestKey(key); s != "" {
			hint = fmt.Sprintf("did you mean %s?", s)
		} else {
			hint = "a rule has id, name, condition (or when), queue, priority and enabled; a test has name, context and expect (rule, not_rule, queue, priority and trace, which has no_match and values)"
		}
	case strings.HasPrefix(msg, "could not find end character of double-quoted text"),
		strings.HasPrefix(msg, "could not find end character of single-quoted text"):
		message = "this text has no closing quote"
		hint = `end it with the quote it starts with; a condition with quotes inside is easiest written after condition: | on the lines below, indented`
	case strings.HasPrefix(msg, "found character '\t'") || strings.Contains(msg, "tab character"):
		message = "a tab is used to indent"
		hint = "YAML indents with spaces only: replace the tab with spaces"
	case strings.Contains(msg, "sequence end token ']' not found"):
		message = "this [ is never closed"
		hint = "add the matching ]"
	case strings.Contains(msg, "'}'") && strings.Contains(msg, "not found"), strings.Contains(msg, "could not find flow mapping end token"):
		message = "this { is never closed"
		hint = "add the matching }"
	case strings.Contains(msg, "value is not allowed in this context"):
		message = "this line does not fit where it is: its indentation, or a colon in it"
		hint = `the keys of one rule line up under each other; a value that contains ": " goes in quotes, or after condition: | on the lines below`
	case strings.Contains(msg, "duplicate key") || strings.Contains(msg, "already defined"):
		message = msg
		hint = "each key may appear once in a rule or test"
	default:
		message = msg
	}
	return message, hint
}

// yamlKey returns the file's key for a field of File, Rule, Case, Expect or
// ExpectTrace.
func yamlKey(goName string) string {
	for _, t := range []reflect.Type{reflect.TypeOf(File{}), reflect.TypeOf(Rule{}), reflect.TypeOf(Case{}), reflect.TypeOf(Expect{}), reflect.TypeOf(ExpectTrace{})} {
		if f, ok := t.FieldByName(goName); ok {
			if k, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); k != "" {
				return k
			}
		}
	}
	return strings.ToLower(goName)
}

// nodeWords names a kind of YAML node in an analyst's words.
func nodeWords(kind string) string {
	switch kind {
	case "sequence":
		return "a list"
	case "mapping":
		return "keys and values"
	case "string":
		return "text"
	}
	return "a value"
}

func kindWords(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "keys and values"
	}
	return "a value"
}

// caret returns line of src and a line with a caret under column col (both
// from 1), keeping the line's tabs so that the caret lines up.
func caret(src []byte, line, col int) string {
	lines := strings.Split(string(src), "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	text := strings.TrimRight(lines[line-1], "\r")
	runes := []rune(text)
	var pad strings.Builder
	for i := 0; i < col-1 && i < len(runes); i++ {
		if runes[i] == '\t' {
			pad.WriteRune('\t')
		} else {
			pad.WriteRune(' ')
		}
	}
	for i := len(runes); i < col-1; i++ {
		pad.WriteRune(' ')
	}
	return text + "\n" + pad.String() + "^"
}

// nearestKey returns the known key closest to key, if it is close.
func nearestKey(key string) string {
	best, bestD := "", 3
	for _, k := range keys {
		if d := distance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

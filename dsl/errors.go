package dsl

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Error is a rule that does not compile, or a structured condition that does
// not convert, told in an analyst's words.
//
// For expression text, Line and Column (both from 1) point at the mistake and
// Snippet holds the source line followed by a line with a caret under the
// mistake. For structured conditions, Path names the condition instead, e.g.
// "any[2].attribute", and Line and Column are 0.
type Error struct {
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
	Snippet string `json:"snippet,omitempty"`
}

// Error returns the position, the message, the snippet with its caret and the
// hint, one per line.
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Path != "":
		fmt.Fprintf(&b, "%s: ", e.Path)
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d, column %d: ", e.Line, e.Column)
	}
	b.WriteString(e.Message)
	if e.Snippet != "" {
		for _, l := range strings.Split(e.Snippet, "\n") {
			b.WriteString("\n  | ")
			b.WriteString(l)
		}
	}
	if e.Hint != "" {
		b.WriteString("\nhint: ")
		b.WriteString(e.Hint)
	}
	return b.String()
}

// newError builds an Error at a rune offset of source.
func newError(source string, offset int, message, hint string) *Error {
	line, col, text := position(source, offset)
	return &Error{
		Line:    line,
		Column:  col,
		Message: scrub(message),
		Hint:    scrub(hint),
		Snippet: snippet(text, col),
	}
}

// position returns the line and column (from 1) of a rune offset, and the text
// of that line.
func position(source string, offset int) (line, col int, text string) {
	line, col = 1, 1
	lineStart := 0
	n := 0
	for i, r := range source {
		if n == offset {
			break
		}
		if r == '\n' {
			line++
			col = 1
			lineStart = i + 1
		} else {
			col++
		}
		n++
	}
	end := strings.IndexByte(source[lineStart:], '\n')
	if end < 0 {
		text = source[lineStart:]
	} else {
		text = source[lineStart : lineStart+end]
	}
	text = strings.TrimRight(text, "\r")
	return line, col, text
}

// snippetWidth is the widest source line a snippet shows; longer lines are
// cut around the column.
const snippetWidth = 100

// snippet returns the line and a caret line pointing at column col.
func snippet(line string, col int) string {
	if runes := []rune(line); len(runes) > snippetWidth {
		from := max(0, min(col-1-snippetWidth/2, len(runes)-snippetWidth))
		to := min(len(runes), from+snippetWidth)
		prefix, suffix := "", ""
		if from > 0 {
			prefix = "…"
		}
		if to < len(runes) {
			suffix = "…"
		}
		line = prefix + string(runes[from:to]) + suffix
		col = col - from + utf8.RuneCountInString(prefix)
	}
	var caret strings.Builder
	n := 1
	for _, r := range line {
		if n >= col {
			break
		}
		if r == '\t' {
			caret.WriteByte('\t')
		} else {
			caret.WriteByte(' ')
		}
		n++
	}
	for ; n < col; n++ {
		caret.WriteByte(' ')
	}
	caret.WriteByte('^')
	return line + "\n" + caret.String()
}

// goTypeWords translates the Go type names expr may mention into the words of
// the catalogue, so that no message shows a Go type.
var goTypeWords = []struct {
	re   *regexp.Regexp
	word string
}{
	{regexp.MustCompile(`func\([^()]*\)(?: \([^()]*\)| [\w.\[\]{}*/]+)?`), "a function"},
	{regexp.MustCompile(`\*?dsl\.Context`), "the context"},
	{regexp.MustCompile(`\*?dsl\.(Customer|Message|Channel|Conversation)`), "$1"},
	{regexp.MustCompile(`\[\]interface \{\}|\[\]any\b`), "list"},
	{regexp.MustCompile(`map\[string\]interface \{\}|map\[string\]any\b`), "map"},
	{regexp.MustCompile(`interface \{\}`), "value"},
	{regexp.MustCompile(`\[\]string`), "list of text"},
	{regexp.MustCompile(`\b(u?int(8|16|32|64)?|float(32|64))\b`), "number"},
	{regexp.MustCompile(`\bstring\b`), "text"},
	{regexp.MustCompile(`\bbool\b`), "yes/no"},
	{regexp.MustCompile(`time\.Time`), "time"},
	{regexp.MustCompile(`time\.Duration`), "duration"},
	{regexp.MustCompile(`\*?dsl\.`), ""},
}

// scrub removes Go type names from a message.
func scrub(s string) string {
	for _, w := range goTypeWords {
		s = w.re.ReplaceAllString(s, w.word)
	}
	return s
}

// distance is the Levenshtein edit distance between a and b, ignoring case.
func distance(a, b string) int {
	ra := []rune(strings.ToLower(a))
	rb := []rune(strings.ToLower(b))
	// Optimal string alignment: a swap of two neighbours costs one edit.
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// Nearest returns the candidate closest to word by edit distance (a swap of
// neighbours counts as one edit, case does not count), compared by
// key(candidate), or "" when none is close enough to be a likely typo: the
// "did you mean" of every analyst-facing message.
func Nearest(word string, candidates []string, key func(string) string) string {
	return nearest(word, candidates, key)
}

// nearest returns the candidate closest to word, compared by key(candidate),
// or "" when none is close enough to be a likely typo.
func nearest(word string, candidates []string, key func(string) string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		d := distance(word, key(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(1, utf8.RuneCountInString(word)/3)
	if bestD > limit {
		return ""
	}
	return best
}

func identity(s string) string { return s }

// leaf returns the last part of a path: "FollowersCount" for
// "Customer.FollowersCount".
func leaf(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// suggestField returns a "did you mean" hint for a field name written as
// name, optionally under group.
func suggestField(group, name string) string {
	if group == "Time" {
		methods := append([]string{"Local"}, calendarMethods...)
		if s := nearest(name, methods, identity); s != "" {
			return fmt.Sprintf("did you mean %s?", s)
		}
		return `Time offers InBusinessHours("calendar"), MinutesUntilOpen("calendar"), NextOpening("calendar") and Local("time zone")`
	}
	if group != "" {
		if s := nearest(name, fieldsUnder(group), leaf); s != "" {
			return fmt.Sprintf("did you mean %s?", s)
		}
	}
	// The right name under the wrong parent, or a field without its parent.
	for _, p := range fieldPaths() {
		if strings.EqualFold(leaf(p), name) && p != group+"."+name {
			if !strings.Contains(p, ".") {
				return fmt.Sprintf("did you mean %s? Field names start with a capital letter", p)
			}
			return fmt.Sprintf("did you mean %s? %s is part of %s", p, leaf(p), strings.TrimSuffix(p, "."+leaf(p)))
		}
	}
	if group == "" {
		for _, g := range groups {
			if strings.EqualFold(g, name) {
				return fmt.Sprintf("did you mean %s? Field names start with a capital letter", g)
			}
		}
	}
	if s := nearest(name, fieldPaths(), leaf); s != "" {
		return fmt.Sprintf("did you mean %s?", s)
	}
	if group == "" {
		if s := nearest(name, fieldsUnder(""), identity); s != "" {
			return fmt.Sprintf("did you mean %s?", s)
		}
	}
	if group != "" {
		return fmt.Sprintf("the fields of %s are %s", group, strings.Join(leaves(fieldsUnder(group)), ", "))
	}
	return `"switchboard rules fields" lists every field`
}

func leaves(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = leaf(p)
	}
	return out
}

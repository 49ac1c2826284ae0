package rulefile

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/switchboardhq/switchboard/dsl"
	"github.com/switchboardhq/switchboard/rules"
)

type diagnostic struct {
	line, col int
	text      string
}

// describe writes an error in a rule file's words: the message, the source
// line with its caret and the hint, without the rule-relative position.
func describe(err error) string {
	var de *dsl.Error
	if !errors.As(err, &de) {
		return err.Error()
	}
	var b strings.Builder
	if de.Path != "" && !strings.Contains(de.Message, de.Path) {
		b.WriteString(de.Path + ": ")
	}
	b.WriteString(de.Message)
	if de.Snippet != "" {
		for _, l := range strings.Split(de.Snippet, "\n") {
			b.WriteString("\n  | " + l)
		}
	}
	if de.Hint != "" {
		b.WriteString("\n  hint: " + de.Hint)
	}
	return b.String()
}

// compileFile loads a file and compiles its rules, writing every problem to
// w in file order. It returns the set (nil when anything failed), the spec
// and the number of errors.
func compileFile(w io.Writer, path string) (*File, *rules.Set, rules.Spec, int, error) {
	f, err := Load(path)
	if err != nil {
		return nil, nil, rules.Spec{}, 0, err
	}
	spec, problems := f.Spec()
	var diags []diagnostic
	for _, p := range problems {
		text := p.Message
		if p.Err != nil {
			text = fmt.Sprintf("%s: %s", p.Message, describe(p.Err))
		}
		if p.Err != nil && p.Message == "the file names no default queue" {
			text = describe(p.Err)
		}
		diags = append(diags, diagnostic{p.Line, p.Column, text})
	}
	// Compile rule by rule, so that every broken rule is reported with its
	// place in the file.
	for _, r := range spec.Rules {
		_, err := dsl.Compile(r.Condition)
		if err == nil {
			continue
		}
		i := r.Position
		line, col := f.rulePosition(i)
		var de *dsl.Error
		if errors.As(err, &de) && f.Rules[i].When == nil {
			line, col = f.conditionPosition(i, de)
		}
		diags = append(diags, diagnostic{line, col, fmt.Sprintf("rule %q (%s): %s", r.ID, r.Name, describe(err))})
	}
	slices.SortStableFunc(diags, func(a, b diagnostic) int { return cmp.Or(cmp.Compare(a.line, b.line), cmp.Compare(a.col, b.col)) })
	for _, d := range diags {
		fmt.Fprintf(w, "%s:%d:%d: %s\n", f.name, d.line, d.col, d.text)
	}
	if len(diags) > 0 {
		return f, nil, spec, len(diags), nil
	}
	set, err := rules.Compile(spec)
	if err != nil {
		return f, nil, spec, 1, err
	}
	return f, set, spec, 0, nil
}

// Validate compiles every rule of the file at path and runs the static
// checks. Compile errors are printed with a caret under the mistake and make
// Validate return an error wrapping ErrFailed; warnings are printed but do
// not fail.
func Validate(w io.Writer, path string) error {
	f, _, spec, errs, err := compileFile(w, path)
	if err != nil {
		return err
	}
	warnings := rules.Check(spec)
	index := make(map[string]int)
	for i, r := range f.Rules {
		index[r.ID] = i
	}
	// Test cases that could never pass are errors too.
	for i := range f.Tests {
		for _, err := range checkCase(f, i, index) {
			fmt.Fprintln(w, err)
			errs++
		}
	}
	for _, wr := range warnings {
		line, _ := f.rulePosition(index[wr.RuleID])
		fmt.Fprintf(w, "%s:%d: warning: rule %q (%s): %s [%s]\n", f.name, line, wr.RuleID, wr.RuleName, wr.Message, wr.Code)
	}
	fmt.Fprintf(w, "%s: %d rules, %s, %s\n", f.name, len(f.Rules), plural(errs, "error"), plural(len(warnings), "warning"))
	if errs > 0 {
		return fmt.Errorf("validate %s: %s: %w", f.name, plural(errs, "error"), ErrFailed)
	}
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Test runs the test cases of the file at path and prints PASS or FAIL for
// each, with the trace of every failure, then the coverage of the rules by
// the cases (see coverage). Any failure (or a rule that does not compile)
// makes Test return an error wrapping ErrFailed; gaps in the coverage do
// not.
func Test(w io.Writer, path string) error {
	f, set, spec, errs, err := compileFile(w, path)
	if err != nil {
		return err
	}
	if errs > 0 {
		return fmt.Errorf("test %s: the rules do not compile: %w", f.name, ErrFailed)
	}
	if len(f.Tests) == 0 {
		fmt.Fprintf(w, "%s: no test cases\n", f.name)
		return nil
	}
	failed := 0
	cov := newCoverage(spec)
	for i, tc := range f.Tests {
		name := tc.Name
		if name == "" {
			name = fmt.Sprintf("case %d", i+1)
		}
		c, err := caseContext(f, i)
		if err != nil {
			failed++
			fmt.Fprintf(w, "FAIL %s\n  %s\n", name, strings.ReplaceAll(describe(err), "\n", "\n  "))
			continue
		}
		d, trace := set.Explain(c)
		cov.add(trace)
		if msg := mismatch(tc.Expect, d, trace, spec); msg != "" {
			failed++
			fmt.Fprintf(w, "FAIL %s\n  %s\n", name, msg)
			writeTrace(w, "  ", trace)
			continue
		}
		fmt.Fprintf(w, "PASS %s\n", name)
	}
	fmt.Fprintf(w, "--------------------------------------------------------------------------------\n")
	if failed > 0 {
		fmt.Fprintf(w, "PASS: %d/%d\nFAIL: %d/%d\n", len(f.Tests)-failed, len(f.Tests), failed, len(f.Tests))
	} else {
		fmt.Fprintf(w, "PASS: %d/%d\n", len(f.Tests), len(f.Tests))
	}
	cov.write(w)
	if failed > 0 {
		return fmt.Errorf("test %s: %s failed: %w", f.name, plural(failed, "case"), ErrFailed)
	}
	return nil
}

// caseContext decodes test case i's context, placing errors in the file.
func caseContext(f *File, i int) (*dsl.Context, error) {
	data, err := json.Marshal(f.Tests[i].Context)
	if err != nil {
		return nil, fmt.Errorf("context: %w", err)
	}
	if f.Tests[i].Context == nil {
		data = []byte("{}")
	}
	c, err := dsl.DecodeContext(data)
	if err != nil {
		var de *dsl.Error
		line, col := f.position(fmt.Sprintf("$.tests[%d].context", i))
		if errors.As(err, &de) && de.Path != "" {
			line, col = f.position(fmt.Sprintf("$.tests[%d].context.%s", i, de.Path))
		}
		return nil, &placedError{where: fmt.Sprintf("%s:%d:%d", f.name, line, col), text: "context: " + describe(err)}
	}
	return c, nil
}

// placedError is a problem at a place in a rule file.
type placedError struct {
	where, text string
	err         error // the *dsl.Error, if any
}

func (e *placedError) Error() string { return e.where + ": " + e.text }

// Unwrap returns the *dsl.Error with the message and hint, if any.
func (e *placedError) Unwrap() error { return e.err }

// checkCase reports what makes a test case unable to pass: a context that
// is not valid, a rule or field the file or the catalogue does not have, an
// expect that expects nothing.
func checkCase(f *File, i int, index map[string]int) []error {
	tc := f.Tests[i]
	name := tc.Name
	if name == "" {
		name = fmt.Sprintf("case %d", i+1)
	}
	var errs []error
	if _, err := caseContext(f, i); err != nil {
		var pe *placedError
		if errors.As(err, &pe) {
			errs = append(errs, fmt.Errorf("%s: test %q: %s", pe.where, name, pe.text))
		} else {
			errs = append(errs, fmt.Errorf("test %q: %w", name, err))
		}
	}
	ids := make([]string, 0, len(f.Rules))
	for _, r := range f.Rules {
		ids = append(ids, r.ID)
	}
	unknown := func(key, id, none string) {
		l, c := f.position(fmt.Sprintf("$.tests[%d].expect.%s", i, key))
		errs = append(errs, fmt.Errorf("%s:%d:%d: test %q names rule %q in %s, which the file does not have (its rules are %s%s)",
			f.name, l, c, name, id, key, strings.Join(ids, ", "), none))
	}
	line, col := f.position(fmt.Sprintf("$.tests[%d].expect", i))
	if _, ok := index[tc.Expect.Rule]; tc.Expect.Rule != "" && tc.Expect.Rule != "none" && !ok {
		errs = append(errs, fmt.Errorf("%s:%d:%d: test %q expects rule %q, which the file does not have (its rules are %s, or none)",
			f.name, line, col, name, tc.Expect.Rule, strings.Join(ids, ", ")))
	}
	if _, ok := index[tc.Expect.NotRule]; tc.Expect.NotRule != "" && tc.Expect.NotRule != "none" && !ok {
		unknown("not_rule", tc.Expect.NotRule, ", or none")
	}
	if tr := tc.Expect.Trace; tr != nil {
		for j, id := range tr.NoMatch {
			if _, ok := index[id]; !ok {
				unknown(fmt.Sprintf("trace.no_match[%d]", j), id, "")
			}
		}
		for _, p := range sortedKeys(tr.Values) {
			if _, ok := dsl.LookupField(p); ok {
				continue
			}
			l, c := f.position(fmt.Sprintf("$.tests[%d].expect.trace.values", i))
			msg := fmt.Sprintf("%s:%d:%d: test %q: trace.values: unknown field %s", f.name, l, c, name, p)
			if s := nearestField(p); s != "" {
				msg += fmt.Sprintf("\n  hint: did you mean %s?", s)
			}
			errs = append(errs, errors.New(msg))
		}
	}
	if tc.Expect.Rule == "" && tc.Expect.NotRule == "" && tc.Expect.Queue == "" && tc.Expect.Priority == nil && tc.Expect.Trace == nil {
		errs = append(errs, fmt.Errorf("%s:%d:%d: test %q expects nothing: add expect: {rule: ...} or expect: {queue: ...}", f.name, line, col, name))
	}
	return errs
}

// nearestField returns the field of the catalogue closest to path, if it is
// close.
func nearestField(path string) string {
	best, bestD := "", 4
	for _, fl := range dsl.Fields() {
		if d := distance(strings.ToLower(path), strings.ToLower(fl.Path)); d < bestD {
			best, bestD = fl.Path, d
		}
	}
	return best
}

// mismatch says how the decision d and its trace differ from what the case
// expects, or "".
func mismatch(want Expect, d rules.Decision, trace []rules.TraceEntry, spec rules.Spec) string {
	got := "no rule (default queue)"
	gotRule := "none"
	if d.Rule != nil {
		gotRule = d.Rule.ID
		got = fmt.Sprintf("rule %q", d.Rule.ID)
	}
	var wrong []string
	if want.Rule != "" && want.Rule != gotRule {
		exp := fmt.Sprintf("rule %q", want.Rule)
		if want.Rule == "none" {
			exp = "no rule (default queue)"
		}
		wrong = append(wrong, fmt.Sprintf("expected %s, got %s", exp, got))
	}
	if want.NotRule != "" && want.NotRule == gotRule {
		if want.NotRule == "none" {
			wrong = append(wrong, "expected some rule to match, got no rule (default queue)")
		} else {
			wrong = append(wrong, fmt.Sprintf("expected any rule but %q, got rule %q", want.NotRule, gotRule))
		}
	}
	if want.Queue != "" && want.Queue != d.QueueID {
		wrong = append(wrong, fmt.Sprintf("expected queue %q, got queue %q", want.Queue, d.QueueID))
	}
	if want.Priority != nil {
		switch {
		case d.Rule == nil || d.Rule.Priority == nil:
			wrong = append(wrong, fmt.Sprintf("expected priority %d, got no priority set", *want.Priority))
		case *d.Rule.Priority != *want.Priority:
			wrong = append(wrong, fmt.Sprintf("expected priority %d, got priority %d", *want.Priority, *d.Rule.Priority))
		}
	}
	if want.Trace != nil {
		wrong = append(wrong, traceMismatch(*want.Trace, d, trace, spec)...)
	}
	if want.Rule == "" && want.NotRule == "" && want.Queue == "" && want.Priority == nil && want.Trace == nil {
		wrong = append(wrong, "the case expects nothing: add expect: {rule: ...} or expect: {queue: ...}")
	}
	return strings.Join(wrong, "\n  ")
}

// traceMismatch compares the trace of a decision with a case's trace
// expectations.
func traceMismatch(want ExpectTrace, d rules.Decision, trace []rules.TraceEntry, spec rules.Spec) []string {
	var wrong []string
	for _, id := range want.NoMatch {
		i := slices.IndexFunc(trace, func(e rules.TraceEntry) bool { return e.RuleID == id })
		switch {
		case i >= 0 && trace[i].Result:
			wrong = append(wrong, fmt.Sprintf("expected rule %q to be evaluated and not match, but it matched", id))
		case i >= 0 && trace[i].Error != "":
			wrong = append(wrong, fmt.Sprintf("expected rule %q to be evaluated and not match, but it failed with an error: %s", id, trace[i].Error))
		case i >= 0:
		case !has(spec, id):
			wrong = append(wrong, fmt.Sprintf("expected rule %q to be evaluated and not match, but the file has no such rule", id))
		case !enabled(spec, id):
			wrong = append(wrong, fmt.Sprintf("expected rule %q to be evaluated and not match, but it is disabled", id))
		case d.Rule != nil:
			wrong = append(wrong, fmt.Sprintf("expected rule %q to be evaluated and not match, but it was not reached: rule %q decided before it", id, d.Rule.ID))
		}
	}
	if len(want.Values) == 0 {
		return wrong
	}
	if d.Rule == nil {
		return append(wrong, "expected the matching rule to read "+strings.Join(sortedKeys(want.Values), ", ")+", but no rule matched")
	}
	read := trace[len(trace)-1].Values
	for _, path := range sortedKeys(want.Values) {
		got, ok := read[path]
		if !ok {
			what := "no field"
			if len(read) > 0 {
				what = "only " + strings.Join(sortedKeys(read), ", ")
			}
			wrong = append(wrong, fmt.Sprintf("expected rule %q to read %s, but it read %s", d.Rule.ID, path, what))
			continue
		}
		if w, g := jsonText(want.Values[path]), jsonText(got); w != g {
			wrong = append(wrong, fmt.Sprintf("expected %s = %s in rule %q, got %s", path, w, d.Rule.ID, g))
		}
	}
	return wrong
}

func has(spec rules.Spec, id string) bool {
	return slices.ContainsFunc(spec.Rules, func(r rules.Rule) bool { return r.ID == id })
}

func enabled(spec rules.Spec, id string) bool {
	i := slices.IndexFunc(spec.Rules, func(r rules.Rule) bool { return r.ID == id })
	return i >= 0 && spec.Rules[i].Enabled
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// jsonText writes a value as JSON, numbers of any type alike, for comparing
// a value written in a file with one a rule read.
func jsonText(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var norm any
	if err := json.Unmarshal(data, &norm); err != nil {
		return string(data)
	}
	data, _ = json.Marshal(norm)
	return string(data)
}

func writeTrace(w io.Writer, indent string, trace []rules.TraceEntry) {
	fmt.Fprintf(w, "%strace:\n", indent)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, e := range trace {
		result := "no match"
		if e.Result {
			result = "MATCH"
		}
		if e.Error != "" {
			result = "error: " + strings.ReplaceAll(e.Error, "\n", "\n"+indent+"      ")
		}
		fmt.Fprintf(tw, "%s  %d. %s\t%s\t%s\n", indent, i+1, e.RuleID, e.RuleName, result)
	}
	tw.Flush()
	for _, e := range trace {
		if !e.Result {
			continue
		}
		for _, k := range sortedKeys(e.Values) {
			v, _ := json.Marshal(e.Values[k])
			fmt.Fprintf(w, "%s       %s = %s\n", indent, k, v)
		}
	}
}

// Explain routes one context with the rules of the file at path and prints
// the decision and the trace. contextArg is the context as JSON, or @file to
// read it from a file.
func Explain(w io.Writer, path, contextArg string) error {
	f, set, _, errs, err := compileFile(w, path)
	if err != nil {
		return err
	}
	if errs > 0 {
		return fmt.Errorf("explain %s: the rules do not compile: %w", f.name, ErrFailed)
	}
	data := []byte(contextArg)
	if name, ok := strings.CutPrefix(contextArg, "@"); ok {
		data, err = os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("read context: %w", err)
		}
	}
	if strings.TrimSpace(string(data)) == "" {
		data = []byte("{}")
	}
	c, err := dsl.DecodeContext(data)
	if err != nil {
		fmt.Fprintf(w, "context: %s\n", describe(err))
		return fmt.Errorf("explain: the context is not valid: %w", ErrFailed)
	}
	d, trace := set.Explain(c)
	fmt.Fprintf(w, "rule set version %d, default queue %q\n", set.Version(), set.DefaultQueueID())
	writeTrace(w, "", trace)
	switch {
	case d.Rule != nil && d.Rule.Priority != nil:
		fmt.Fprintf(w, "decision: rule %q (%s) -> queue %q, priority %d\n", d.Rule.ID, d.Rule.Name, d.QueueID, *d.Rule.Priority)
	case d.Rule != nil:
		fmt.Fprintf(w, "decision: rule %q (%s) -> queue %q\n", d.Rule.ID, d.Rule.Name, d.QueueID)
	default:
		fmt.Fprintf(w, "decision: no rule matched -> default queue %q\n", d.QueueID)
	}
	return nil
}

// Fields prints the catalogue: every field of the engagement context, the
// functions and operators of the rule language, and the operators of
// structured conditions.
func Fields(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FIELD\tTYPE\tEXAMPLE\tMEANING")
	for _, f := range dsl.Fields() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Path, f.Type, f.Example, f.Description)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "OPERATOR / FUNCTION\tEXAMPLE\tMEANING")
	for _, fn := range dsl.Functions() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", fn.Name, fn.Usage, fn.Description)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "STRUCTURED OPERATOR\tFOR\tVALUE")
	for _, op := range dsl.Operators() {
		v := op.Value
		if v == "" {
			v = "(none)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", op.Name, strings.Join(op.Types, ", "), v)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write catalogue: %w", err)
	}
	return nil
}

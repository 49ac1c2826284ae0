// Package rulefile reads a work stream's routing rules and their test cases
// from a YAML file, and holds the logic of the "switchboard rules" commands:
// Validate, Test, Explain and Fields each write a report to an io.Writer and
// return an error when the command should exit with status 1.
//
// A rule file looks like this (see testdata/support.yaml):
//
//	version: 3
//	default_queue: general
//	rules:
//	  - id: vip
//	    name: VIP customers
//	    condition: Customer.FollowersCount > 10000 || hasTag("vip")
//	    queue: vip
//	    priority: 800         # offered before lower priorities; unset keeps it
//	  - id: refunds
//	    name: Refunds
//	    when:                 # structured conditions instead of a condition
//	      any:
//	        - {attribute: Message.Text, operator: contains, value: refund}
//	    queue: billing
//	    enabled: true         # the default
//	tests:
//	  - name: big accounts are VIPs
//	    context: {Customer: {FollowersCount: 25000}}
//	    expect: {rule: vip}   # or {queue: general}; rule "none" expects no match
//	  - name: small accounts asking for refunds are not VIPs
//	    context: {Customer: {FollowersCount: 40}, Message: {Text: refund}}
//	    expect:
//	      not_rule: vip       # the decision is any rule but vip
//	      trace:
//	        no_match: [vip]   # vip was evaluated and did not match
//	        values: {Message.Text: refund}  # a field the matching rule read
//
// Errors point at the file's line and column: a condition's compile error is
// placed where the condition is written.
package rulefile

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/switchboardhq/switchboard/dsl"
	"github.com/switchboardhq/switchboard/rules"
)

// ErrFailed is returned, wrapped, when a command ran and reported failures
// (rules that do not compile, failing test cases): the report has been
// written and the exit status should be 1.
var ErrFailed = errors.New("failed")

// File is a parsed rule file.
type File struct {
	Version      int    `yaml:"version"`
	DefaultQueue string `yaml:"default_queue"`
	Rules        []Rule `yaml:"rules"`
	Tests        []Case `yaml:"tests"`

	name string
	ast  *ast.File
	src  []byte
}

// Rule is a rule as written in a file: a condition or structured conditions.
type Rule struct {
	ID        string     `yaml:"id"`
	Name      string     `yaml:"name"`
	Condition string     `yaml:"condition"`
	When      *dsl.Group `yaml:"when"`
	Queue     string     `yaml:"queue"`
	// Priority is the priority a matching conversation gets; unset leaves it.
	Priority *int  `yaml:"priority"`
	Enabled  *bool `yaml:"enabled"`
}

// Case is a test case: a context and what routing it should give.
type Case struct {
	Name    string         `yaml:"name"`
	Context map[string]any `yaml:"context"`
	Expect  Expect         `yaml:"expect"`
}

// Expect is the expected outcome of a test case. Rule is a rule id, or
// "none" for no match; Queue is a queue id. Any of them may be set.
type Expect struct {
	Rule string `yaml:"rule"`
	// NotRule is a rule id the decision must not be; "none" means some
	// rule must match.
	NotRule string `yaml:"not_rule"`
	Queue   string `yaml:"queue"`
	// Priority is the priority the matching rule sets; unset checks none.
	Priority *int `yaml:"priority"`
	// Trace checks how the decision was made; unset checks nothing.
	Trace *ExpectTrace `yaml:"trace"`
}

// ExpectTrace is what a test case expects of the trace of its decision.
type ExpectTrace struct {
	// NoMatch are rule ids that must have been evaluated, before the
	// decision, and not matched.
	NoMatch []string `yaml:"no_match"`
	// Values are fields the matching rule read, by path, with the values
	// they must have had.
	Values map[string]any `yaml:"values"`
}

// Load reads and parses a rule file.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rule file: %w", err)
	}
	return Parse(path, data)
}

// Parse parses a rule file's contents; name is used in messages. Unknown
// keys, wrong types and YAML syntax errors are errors with the file's line
// and column, the line with a caret under the mistake and a hint, as a
// rule's compile error is shown.
func Parse(name string, data []byte) (*File, error) {
	f := &File{name: name, src: data}
	if err := yaml.UnmarshalWithOptions(data, f, yaml.Strict()); err != nil {
		return nil, yamlError(name, data, err)
	}
	tree, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlError(name, data, err)
	}
	f.ast = tree
	for i := range f.Rules {
		r := &f.Rules[i]
		if r.ID == "" {
			r.ID = fmt.Sprintf("rule-%d", i+1)
		}
		if r.Name == "" {
			r.Name = r.ID
		}
	}
	return f, nil
}

// Problem is a rule or test case of a file that cannot be used, placed in
// the file.
type Problem struct {
	Line, Column int
	Message      string
	Err          error
}

// Spec converts the file's rules into a rules.Spec. Rules whose structured
// conditions do not convert, or that have no condition, are problems.
func (f *File) Spec() (rules.Spec, []Problem) {
	spec := rules.Spec{Version: f.Version, DefaultQueueID: f.DefaultQueue}
	var problems []Problem
	if strings.TrimSpace(f.DefaultQueue) == "" {
		problems = append(problems, Problem{Line: 1, Column: 1, Message: "the file names no default queue",
			Err: &dsl.Error{Message: "the file names no default queue", Hint: "add default_queue: with the queue for conversations no rule matches"}})
	}
	seen := make(map[string]int)
	for i, r := range f.Rules {
		if j, dup := seen[r.ID]; dup {
			line, col := f.position(fmt.Sprintf("$.rules[%d].id", i))
			problems = append(problems, Problem{Line: line, Column: col, Message: fmt.Sprintf("rule %q (%s)", r.ID, r.Name),
				Err: &dsl.Error{Message: fmt.Sprintf("rule %d has the same id as rule %d", i+1, j+1), Hint: "give every rule its own id"}})
			continue
		}
		seen[r.ID] = i
	}
	for i, r := range f.Rules {
		if seen[r.ID] != i {
			continue
		}
		cond := r.Condition
		label := fmt.Sprintf("rule %q (%s)", r.ID, r.Name)
		switch {
		case r.When != nil && cond != "":
			line, col := f.position(fmt.Sprintf("$.rules[%d].when", i))
			problems = append(problems, Problem{Line: line, Column: col, Message: label + ": a rule has either a condition or when, not both"})
			continue
		case r.When != nil:
			src, err := r.When.Expression()
			if err != nil {
				var de *dsl.Error
				line, col := f.position(fmt.Sprintf("$.rules[%d].when", i))
				if errors.As(err, &de) {
					line, col = f.position(fmt.Sprintf("$.rules[%d].when.%s", i, de.Path))
				}
				if de != nil {
					de = &dsl.Error{Path: "when." + de.Path, Message: de.Message, Hint: de.Hint}
					err = de
				}
				problems = append(problems, Problem{Line: line, Column: col, Message: label, Err: err})
				continue
			}
			cond = src
		case strings.TrimSpace(cond) == "":
			line, col := f.rulePosition(i)
			problems = append(problems, Problem{Line: line, Column: col, Message: label,
				Err: &dsl.Error{Message: "the rule has no condition", Hint: "add condition: (an expression) or when: (structured conditions)"}})
			continue
		}
		if r.Priority != nil {
			if err := rules.CheckPriority(*r.Priority); err != nil {
				line, col := f.position(fmt.Sprintf("$.rules[%d].priority", i))
				problems = append(problems, Problem{Line: line, Column: col, Message: label,
					Err: &dsl.Error{Message: err.Error(), Hint: fmt.Sprintf("write priority: %d for the most urgent, leave it out to keep a conversation's priority", rules.MaxPriority)}})
				continue
			}
		}
		if strings.TrimSpace(r.Queue) == "" {
			line, col := f.rulePosition(i)
			problems = append(problems, Problem{Line: line, Column: col, Message: label,
				Err: &dsl.Error{Message: "the rule names no queue", Hint: fmt.Sprintf("add queue: with the queue its conversations go to; conversations no rule matches go to the default queue %q anyway", f.DefaultQueue)}})
			continue
		}
		enabled := r.Enabled == nil || *r.Enabled
		spec.Rules = append(spec.Rules, rules.Rule{ID: r.ID, Name: r.Name, Condition: cond, QueueID: r.Queue, Enabled: enabled, Position: i, Priority: r.Priority})
	}
	return spec, problems
}

// position returns the line and column of the YAML node at a path such as
// "$.rules[2].condition", or of the closest parent that exists.
func (f *File) position(path string) (line, col int) {
	for p := path; p != "" && p != "$"; p = parent(p) {
		if line, col, ok := f.lookup(p); ok {
			return line, col
		}
	}
	return 0, 0
}

// lookup returns the line and column of the YAML node at path, if there is
// one.
func (f *File) lookup(path string) (line, col int, ok bool) {
	yp, err := yaml.PathString(path)
	if err != nil {
		return 0, 0, false
	}
	n, err := yp.FilterFile(f.ast)
	if err != nil || n == nil || n.GetToken() == nil {
		return 0, 0, false
	}
	pos := n.GetToken().Position
	return pos.Line, pos.Column, true
}

// rulePosition returns the line and column of rule i: where its id or name
// is written, else the rule itself.
func (f *File) rulePosition(i int) (line, col int) {
	for _, key := range []string{"id", "name"} {
		if line, col, ok := f.lookup(fmt.Sprintf("$.rules[%d].%s", i, key)); ok {
			return line, col
		}
	}
	return f.position(fmt.Sprintf("$.rules[%d]", i))
}

func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i <= 0 {
		return ""
	}
	return p[:i]
}

// conditionPosition places a *dsl.Error of rule i's condition in the file.
func (f *File) conditionPosition(i int, e *dsl.Error) (line, col int) {
	line, col = f.position(fmt.Sprintf("$.rules[%d].condition", i))
	if line == 0 || e.Line == 0 {
		return line, col
	}
	srcLine, _, _ := strings.Cut(e.Snippet, "\n")
	if strings.TrimSpace(srcLine) == "" {
		return line, col
	}
	lines := strings.Split(string(f.src), "\n")
	// The condition's line e.Line is on or just after the line of its key
	// (block scalars start on the next line).
	start := line - 1 + e.Line - 1
	for l := start; l >= 0 && l < len(lines) && l <= start+2; l++ {
		if idx := strings.Index(lines[l], srcLine); idx >= 0 {
			return l + 1, len([]rune(lines[l][:idx])) + e.Column
		}
	}
	return line, col
}

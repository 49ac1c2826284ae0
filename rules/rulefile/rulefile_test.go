package rulefile

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", name, diff)
	}
}

func TestCommands(t *testing.T) {
	tests := []struct {
		name   string
		run    func(*bytes.Buffer) error
		failed bool
	}{
		{"validate-support", func(b *bytes.Buffer) error { return Validate(b, "testdata/support.yaml") }, false},
		{"test-support", func(b *bytes.Buffer) error { return Test(b, "testdata/support.yaml") }, false},
		{"explain-support", func(b *bytes.Buffer) error {
			return Explain(b, "testdata/support.yaml", `{"Customer": {"FollowersCount": 20000, "Tags": ["press"]}, "Message": {"Text": "refund"}}`)
		}, false},
		{"explain-support-file", func(b *bytes.Buffer) error {
			return Explain(b, "testdata/support.yaml", "@testdata/context.json")
		}, false},
		{"explain-bad-context", func(b *bytes.Buffer) error {
			return Explain(b, "testdata/support.yaml", `{"Customer": {"FollowersCount": "many"}}`)
		}, true},
		{"validate-broken", func(b *bytes.Buffer) error { return Validate(b, "testdata/broken.yaml") }, true},
		{"test-broken", func(b *bytes.Buffer) error { return Test(b, "testdata/broken.yaml") }, true},
		{"explain-broken", func(b *bytes.Buffer) error { return Explain(b, "testdata/broken.yaml", `{}`) }, true},
		{"validate-failing", func(b *bytes.Buffer) error { return Validate(b, "testdata/failing.yaml") }, true},
		{"test-failing", func(b *bytes.Buffer) error { return Test(b, "testdata/failing.yaml") }, true},
		{"fields", func(b *bytes.Buffer) error { return Fields(b) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := tt.run(&b)
			if tt.failed != errors.Is(err, ErrFailed) {
				t.Errorf("error = %v, want failed = %v", err, tt.failed)
			}
			if !tt.failed && err != nil {
				t.Errorf("error = %v", err)
			}
			golden(t, tt.name+".txt", b.String())
		})
	}
}

func TestBrokenFilePointsAtEachMistake(t *testing.T) {
	var b bytes.Buffer
	_ = Validate(&b, "testdata/broken.yaml")
	for _, want := range []string{
		"testdata/broken.yaml:9:25: rule \"vip\" (VIP customers): Customer has no field FollowerCount\n",
		"hint: did you mean Customer.FollowersCount?",
		"testdata/broken.yaml:14:45: rule \"refunds\" (Refunds): this text has no closing quote",
		`testdata/broken.yaml:19:40: rule "big" (Big accounts): cannot compare Customer.FollowersCount (a number) with "5000" (text)`,
		`testdata/broken.yaml:29:22: rule "french" (French speakers): when.any[1].attribute: unknown attribute Customer.Langauge`,
		`testdata/broken.yaml:37:25: rule "dangling" (Dangling operator): the rule ends after &&`,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("output does not contain %q:\n%s", want, b.String())
		}
	}
	// The position is the mistake's place in the file.
	lines := strings.Split(string(must(os.ReadFile("testdata/broken.yaml"))), "\n")
	if got := lines[8][24:]; !strings.HasPrefix(got, "FollowerCount") {
		t.Errorf("9:25 points at %q", got)
	}
	if got := lines[36][24:]; !strings.HasPrefix(got, "&&") {
		t.Errorf("37:25 points at %q", got)
	}
	if !strings.Contains(b.String(), `testdata/broken.yaml:44:9: rule "multi" (Two lines): unknown field Mesage`) {
		t.Errorf("the second line of a block condition is misplaced:\n%s", b.String())
	}
	if got := lines[43][8:]; !strings.HasPrefix(got, "Mesage") {
		t.Errorf("44:9 points at %q", got)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// A mistake in the YAML itself is shown like a rule's compile error: the
// file's line and column, the line with a caret under the mistake, a hint.
func TestParseErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"unknown key", "version: 1\nrules:\n  - id: a\n    conditon: Hour > 3\n",
			"r.yaml:4:5: unknown key \"conditon\"\n  |     conditon: Hour > 3\n  |     ^\n  hint: did you mean condition?"},
		{"unknown key, nothing close", "version: 1\nurgency: 3\n",
			"r.yaml:2:1: unknown key \"urgency\"\n  | urgency: 3\n  | ^\n  hint: a rule has id, name, condition (or when), queue, priority and enabled; a test has name, context and expect (rule, not_rule, queue, priority and trace, which has no_match and values)"},
		{"wrong type", "version: one\n",
			"r.yaml:1:10: version must be a whole number, not text\n  | version: one\n  |          ^\n  hint: numbers are written without quotes, as in version: 3; yes/no values are true or false"},
		{"unclosed quote", "version: 1\nrules:\n  - id: a\n    condition: \"Hour > 3\n    queue: q\n",
			"r.yaml:4:16: this text has no closing quote\n  |     condition: \"Hour > 3\n  |                ^\n  hint: end it with the quote it starts with; a condition with quotes inside is easiest written after condition: | on the lines below, indented"},
		{"tab", "version: 1\nrules:\n  - id: a\n\tcondition: Hour\n",
			"r.yaml:4:1: a tab is used to indent\n  | \tcondition: Hour\n  | ^\n  hint: YAML indents with spaces only: replace the tab with spaces"},
		{"bad indentation", "version: 1\nrules:\n  - id: a\n    condition: Hour > 3\n   queue: q\n",
			"r.yaml:5:4: this line does not fit where it is: its indentation, or a colon in it\n  |    queue: q\n  |    ^\n  hint: the keys of one rule line up under each other; a value that contains \": \" goes in quotes, or after condition: | on the lines below"},
		{"unknown key in expect", "tests:\n  - name: t\n    expect: {rule: a, not_rules: b}\n",
			"r.yaml:3:23: unknown key \"not_rules\"\n  |     expect: {rule: a, not_rules: b}\n  |                       ^\n  hint: did you mean not_rule?"},
		{"unknown key in a trace", "tests:\n  - name: t\n    expect:\n      trace:\n        no_matches: [a]\n",
			"r.yaml:5:9: unknown key \"no_matches\"\n  |         no_matches: [a]\n  |         ^\n  hint: did you mean no_match?"},
		{"a list for not_rule", "tests:\n  - name: t\n    expect: {not_rule: [a, b]}\n",
			"r.yaml:3:24: not_rule must be text, not a list\n  |     expect: {not_rule: [a, b]}\n  |                        ^\n  hint: not_rule takes one value, written without brackets"},
		{"a list for a rule's id", "rules:\n  - id: [a]\n",
			"r.yaml:2:9: id must be text, not a list\n  |   - id: [a]\n  |         ^\n  hint: id takes one value, written without brackets"},
		{"one rule for no_match", "tests:\n  - name: t\n    expect:\n      trace: {no_match: vip}\n",
			"r.yaml:4:25: no_match must be a list, not text\n  |       trace: {no_match: vip}\n  |                         ^\n  hint: write a list in brackets, as in no_match: [a, b], even for one item"},
		{"unclosed list", "rules: [a, b\n",
			"r.yaml:1:8: this [ is never closed\n  | rules: [a, b\n  |        ^\n  hint: add the matching ]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("r.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("Parse: no error")
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("Parse error (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := Load("testdata/missing.yaml"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file = %v", err)
	}
}

func TestSpecFromFile(t *testing.T) {
	f, err := Load("testdata/support.yaml")
	if err != nil {
		t.Fatal(err)
	}
	spec, problems := f.Spec()
	if len(problems) != 0 {
		t.Fatalf("problems: %+v", problems)
	}
	if spec.Version != 3 || spec.DefaultQueueID != "general" || len(spec.Rules) != 5 {
		t.Fatalf("spec = %+v", spec)
	}
	french := spec.Rules[3]
	if french.Condition != `Customer.Language == "fr" && Channel.Handle in ["Acme Care", "Acme Support"]` || !french.Enabled {
		t.Errorf("structured rule = %+v", french)
	}
	if spec.Rules[4].Enabled {
		t.Errorf("disabled rule is enabled")
	}
}

func TestSpecProblems(t *testing.T) {
	f, err := Parse("r.yaml", []byte("rules:\n  - id: a\n    condition: Hour > 3\n    queue: q\n  - id: a\n    condition: Hour > 4\n    queue: q\n  - id: b\n    queue: q\n  - id: c\n    condition: Hour > 5\n    queue: q\n    priority: 5000\n  - id: d\n    condition: Hour > 6\n  - id: e\n    condition: Hour > 7\n    queue: \"\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	spec, problems := f.Spec()
	var got []string
	for _, p := range problems {
		got = append(got, fmt.Sprintf("%d:%d %s: %s", p.Line, p.Column, p.Message, describe(p.Err)))
	}
	want := []string{
		"1:1 the file names no default queue: the file names no default queue\n  hint: add default_queue: with the queue for conversations no rule matches",
		`5:9 rule "a" (a): rule 2 has the same id as rule 1` + "\n  hint: give every rule its own id",
		`8:9 rule "b" (b): the rule has no condition` + "\n  hint: add condition: (an expression) or when: (structured conditions)",
		`13:15 rule "c" (c): priority 5000 is out of range: give 0 to 1000, higher is offered first` + "\n  hint: write priority: 1000 for the most urgent, leave it out to keep a conversation's priority",
		`14:9 rule "d" (d): the rule names no queue` + "\n  hint: add queue: with the queue its conversations go to; conversations no rule matches go to the default queue \"\" anyway",
		`16:9 rule "e" (e): the rule names no queue` + "\n  hint: add queue: with the queue its conversations go to; conversations no rule matches go to the default queue \"\" anyway",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if len(spec.Rules) != 1 || spec.Rules[0].Condition != "Hour > 3" {
		t.Errorf("spec rules = %+v", spec.Rules)
	}
}

// The coverage summary of rules test names the rules no case reaches, none
// matches, or none fails to match; gaps do not fail the command.
func TestCoverage(t *testing.T) {
	const rules = "default_queue: general\nrules:\n" +
		"  - {id: vip, condition: Customer.FollowersCount > 10000, queue: vip}\n" +
		"  - {id: refunds, condition: Message.Text contains \"refund\", queue: billing}\n" +
		"  - {id: late, condition: Hour >= 22, queue: night}\n" +
		"  - {id: old, condition: Hour >= 23, queue: night, enabled: false}\n"
	tests := []struct{ name, cases, want string }{
		{"every rule matched and passed over",
			"  - {context: {Customer: {FollowersCount: 20000}}, expect: {rule: vip}}\n" +
				"  - {context: {Message: {Text: refund}}, expect: {rule: refunds}}\n" +
				"  - {context: {Hour: 22}, expect: {rule: late}}\n" +
				"  - {context: {Hour: 3}, expect: {rule: none}}\n",
			"coverage: 3 of 3 rules matched by a case, 3 of 3 not matched by a case (1 disabled rule not counted)\n"},
		{"a rule no case reaches",
			"  - {context: {Customer: {FollowersCount: 20000}}, expect: {rule: vip}}\n",
			"coverage: 1 of 3 rules matched by a case, 0 of 3 not matched by a case (1 disabled rule not counted)\n" +
				"  never failed: rule \"vip\" (vip): it matched the one case that reached it; add a case it must not match\n" +
				"  not reached: rule \"refunds\" (refunds): every case was decided before it, by \"vip\"\n" +
				"  not reached: rule \"late\" (late): every case was decided before it, by \"vip\"\n"},
		{"a rule reached and never matched",
			"  - {context: {Message: {Text: refund}}, expect: {not_rule: vip}}\n" +
				"  - {context: {Hour: 3}, expect: {rule: none}}\n",
			"coverage: 1 of 3 rules matched by a case, 3 of 3 not matched by a case (1 disabled rule not counted)\n" +
				"  never matched: rule \"vip\" (vip): 2 cases reached it and none matched; add a case it must match\n" +
				"  never matched: rule \"late\" (late): 1 case reached it and none matched; add a case it must match\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.yaml")
			if err := os.WriteFile(path, []byte(rules+"tests:\n"+tt.cases), 0o644); err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := Test(&b, path); err != nil {
				t.Fatalf("Test: %v\n%s", err, b.String())
			}
			_, got, _ := strings.Cut(b.String(), strings.Repeat("-", 80)+"\n")
			_, got, _ = strings.Cut(got, "\n") // the PASS count
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("coverage (-want +got):\n%s", diff)
			}
		})
	}
}

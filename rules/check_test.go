package rules

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switchboardhq/switchboard/dsl"
)

func TestCheck(t *testing.T) {
	type finding struct{ ID, Code string }
	tests := []struct {
		name  string
		rules []string // conditions, in order; rule i has ID "r<i>"
		queue []string // optional queues; default "q"
		want  []finding
	}{
		{"clean", []string{`Customer.FollowersCount > 10000`, `Message.Text contains "refund"`}, nil, nil},
		{"after an always-true rule", []string{`true`, `Hour > 3`}, nil,
			[]finding{{"r0", CodeAlwaysTrue}, {"r1", CodeUnreachable}}},
		{"always true after folding", []string{`1 < 2 || Hour > 3`}, nil, []finding{{"r0", CodeAlwaysTrue}}},
		{"always false", []string{`false && Hour > 3`}, nil, []finding{{"r0", CodeAlwaysFalse}}},
		{"night shift written with &&", []string{`Hour > 18 && Hour < 9`}, nil, []finding{{"r0", CodeContradiction}}},
		{"two values at once", []string{`Customer.Language == "en" && Customer.Language == "fr"`}, nil, []finding{{"r0", CodeContradiction}}},
		{"value outside its list", []string{`Channel.Handle == "a" && Channel.Handle in ["b", "c"]`}, nil, []finding{{"r0", CodeContradiction}}},
		{"equal and not equal", []string{`Channel.Handle == "a" && Channel.Handle != "a"`}, nil, []finding{{"r0", CodeContradiction}}},
		{"yes and no", []string{`Customer.Verified && !Customer.Verified`}, nil, []finding{{"r0", CodeContradiction}}},
		{"whole numbers", []string{`Hour > 9 && Hour < 10`}, nil, []finding{{"r0", CodeContradiction}}},
		{"possible range", []string{`Hour >= 9 && Hour < 10`}, nil, nil},
		{"duplicate", []string{`Hour > 9`, `9 < Hour`}, nil, []finding{{"r1", CodeDuplicate}}},
		{"implied equality", []string{`Channel.Handle == "a"`, `Channel.Handle == "a" && Hour > 3`}, nil, []finding{{"r1", CodeUnreachable}}},
		{"implied list", []string{`Channel.Handle in ["a", "b", "c"]`, `Channel.Handle in ["a", "b"]`}, nil, []finding{{"r1", CodeUnreachable}}},
		{"list not implied", []string{`Channel.Handle in ["a", "b"]`, `Channel.Handle in ["a", "d"]`}, nil, nil},
		{"implied threshold", []string{`Customer.FollowersCount > 1000`, `Customer.FollowersCount >= 5000 && Customer.Verified`}, nil, []finding{{"r1", CodeUnreachable}}},
		{"threshold the other way", []string{`Customer.FollowersCount > 5000`, `Customer.FollowersCount > 1000`}, nil, nil},
		{"earlier rule is not a plain conjunction", []string{`Customer.FollowersCount > 1000 && lower(Message.Text) contains "x"`, `Customer.FollowersCount > 5000`}, nil, nil},
		{"between implies", []string{`between(Hour, 9, 17)`, `Hour == 10`}, nil, []finding{{"r1", CodeUnreachable}}},
		{"not in implied", []string{`Weekday not in ["Saturday", "Sunday"]`, `Weekday == "Monday"`}, nil, []finding{{"r1", CodeUnreachable}}},
		{"sends to the default queue", []string{`Hour > 3`}, []string{"default"}, []finding{{"r0", CodeDefaultQueue}}},
		{"no queue is not a warning (it is refused where rules are written)", []string{`Hour > 3`}, []string{""}, nil},
		{"X or not X", []string{`Customer.Verified || !Customer.Verified`, `Hour > 3`}, nil,
			[]finding{{"r0", CodeAlwaysTrue}, {"r1", CodeUnreachable}}},
		{"a comparison or its opposite", []string{`Hour > 3 && Customer.Verified`, `Hour > 3 || Hour <= 3`, `Hour > 5`}, nil,
			[]finding{{"r1", CodeAlwaysTrue}, {"r2", CodeUnreachable}}},
		{"negation inside a longer or", []string{`Message.Text contains "a" || Customer.Verified || !(Message.Text contains "a")`}, nil,
			[]finding{{"r0", CodeAlwaysTrue}}},
		{"an index may fail, so not a tautology", []string{`Customer.Tags[3] == "x" || Customer.Tags[3] != "x"`}, nil, nil},
		{"an hour past 23", []string{`Hour > 23`}, nil, []finding{{"r0", CodeImpossibleValue}}},
		{"hour 24", []string{`Hour == 24 || Customer.Verified`}, nil, []finding{{"r0", CodeImpossibleValue}}},
		{"a weekday that does not exist", []string{`Weekday in ["Mondy", "Tuesday"]`}, nil, []finding{{"r0", CodeImpossibleValue}}},
		{"a status that does not exist", []string{`Conversation.Status == "pending"`}, nil, []finding{{"r0", CodeImpossibleValue}}},
		{"possible values", []string{`Hour >= 23 && Weekday == "Sunday" && Conversation.Status != "closed"`}, nil, nil},
		{"broken rules are skipped", []string{`Hour >`, `Hour > 3`}, nil, nil},

		// An alternative of an || that an earlier rule covers.
		{"an alternative covered by an earlier threshold", []string{`Customer.FollowersCount > 10000`, `Customer.FollowersCount > 20000 || hasTag("vip")`}, nil,
			[]finding{{"r1", CodeCoveredAlternative}}},
		{"two alternatives covered", []string{`Channel.Handle == "a"`, `Hour > 3`, `Channel.Handle == "a" && Customer.Verified || Customer.Language == "fr" || Hour > 5`}, nil,
			[]finding{{"r2", CodeCoveredAlternative}, {"r2", CodeCoveredAlternative}}},
		{"every alternative covered", []string{`Channel.Handle == "a"`, `Hour > 3`, `Channel.Handle == "a" && Customer.Verified || Hour > 5`}, nil,
			[]finding{{"r2", CodeUnreachable}}},
		{"covered by an earlier alternative", []string{`Customer.FollowersCount > 10000 || hasTag("vip")`, `Customer.FollowersCount > 20000`}, nil,
			[]finding{{"r1", CodeUnreachable}}},
		{"an alternative covered by an earlier alternative", []string{`Customer.Language == "de" || Customer.Verified`, `Customer.Verified && Hour > 3 || Customer.Language == "fr"`}, nil,
			[]finding{{"r1", CodeCoveredAlternative}}},
		{"an earlier alternative after one that may fail covers nothing", []string{`Customer.Tags[3] == "x" || Customer.FollowersCount > 10000`, `Customer.FollowersCount > 20000`}, nil, nil},
		{"an earlier alternative before one that may fail still covers", []string{`Customer.FollowersCount > 10000 || Customer.Tags[3] == "x"`, `Customer.FollowersCount > 20000`}, nil,
			[]finding{{"r1", CodeUnreachable}}},
		{"an alternative wider than the earlier rule", []string{`Customer.FollowersCount > 20000`, `Customer.FollowersCount > 10000 || hasTag("vip")`}, nil, nil},
		{"an earlier rule with more conditions covers no alternative", []string{`Hour > 3 && Customer.Verified`, `Hour > 5 || hasTag("vip")`}, nil, nil},
		{"an earlier rule that is not a plain conjunction covers no alternative", []string{`Hour > 3 && hasTag("vip")`, `Hour > 5 || Customer.Verified`}, nil, nil},
		{"an earlier || rule covers nothing wider", []string{`Hour > 3 || Customer.Verified`, `Hour > 2`}, nil, nil},

		// A contains covered by an earlier, shorter one on the same field.
		{"contains a longer text", []string{`Message.Text contains "refund"`, `Message.Text contains "refund now"`}, nil,
			[]finding{{"r1", CodeUnreachable}}},
		{"contains a longer text, with more conditions", []string{`Message.Text contains "a"`, `Message.Text contains "ab" && Hour > 3`}, nil,
			[]finding{{"r1", CodeUnreachable}}},
		{"the same contains", []string{`Message.Text contains "a"`, `"a" in Customer.Tags || Customer.Verified`, `Message.Text contains "a"`}, nil,
			[]finding{{"r2", CodeDuplicate}}},
		{"starts with a longer text", []string{`Message.Text startsWith "re"`, `Message.Text startsWith "refund"`}, nil, []finding{{"r1", CodeUnreachable}}},
		{"starts with a text that contains the earlier one", []string{`Message.Text contains "fund"`, `Message.Text startsWith "refund"`}, nil, []finding{{"r1", CodeUnreachable}}},
		{"equal to a text that contains the earlier one", []string{`Message.Text contains "fund"`, `Message.Text in ["refund", "funds"]`}, nil, []finding{{"r1", CodeUnreachable}}},
		{"an alternative with a longer contains", []string{`Message.Text contains "refund"`, `Message.Text contains "refunds" || Hour > 20`}, nil,
			[]finding{{"r1", CodeCoveredAlternative}}},
		{"contains a shorter text", []string{`Message.Text contains "ab"`, `Message.Text contains "a"`}, nil, nil},
		{"contains the same text on another field", []string{`Message.Text contains "a"`, `Customer.ScreenName contains "ab"`}, nil, nil},
		{"the earlier contains has another condition", []string{`Message.Text contains "a" && Hour > 3`, `Message.Text contains "ab"`}, nil, nil},
		{"the earlier contains is on lower()", []string{`lower(Message.Text) contains "a"`, `Message.Text contains "ab"`}, nil, nil},
		{"the later contains is on lower()", []string{`Message.Text contains "a"`, `lower(Message.Text) contains "ab"`}, nil, nil},
		{"starts with is not ends with", []string{`Message.Text endsWith "re"`, `Message.Text startsWith "refund"`}, nil, nil},
		{"a value that does not contain the text", []string{`Message.Text contains "fund"`, `Message.Text in ["refund", "money back"]`}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := Spec{DefaultQueueID: "default"}
			for i, c := range tt.rules {
				q := "q"
				if i < len(tt.queue) {
					q = tt.queue[i]
				}
				spec.Rules = append(spec.Rules, Rule{ID: "r" + string(rune('0'+i)), Name: "rule " + string(rune('0'+i)), Condition: c, QueueID: q, Enabled: true, Position: i})
			}
			var got []finding
			for _, w := range Check(spec) {
				if w.Message == "" || w.RuleName == "" {
					t.Errorf("incomplete warning %+v", w)
				}
				got = append(got, finding{w.RuleID, w.Code})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Check (-want +got):\n%s\n%+v", diff, Check(spec))
			}
		})
	}
}

// The messages an analyst reads for values a field never takes.
func TestCheckImpossibleValueMessages(t *testing.T) {
	tests := []struct{ condition, want string }{
		{`Hour > 23`, "Hour > 23 is never true (Hour is 0 to 23; midnight is Hour == 0)"},
		{`Hour == 24`, "Hour is never 24 (Hour is 0 to 23; midnight is Hour == 0)"},
		{`Weekday == "Mondy"`, `Weekday is never "Mondy": did you mean "Monday"?`},
		{`Weekday != "monday"`, `Weekday is never "monday": did you mean "Monday"?`},
		{`Conversation.Status == "wrapup"`, `Conversation.Status is never "wrapup": did you mean "wrap-up"?`},
		{`Conversation.Status == "pending"`, `Conversation.Status is never "pending": it is one of "open", "offered", "active", "waiting", "wrap-up", "closed"`},
		{`Customer.Verified || !Customer.Verified`, "the rule always matches (Customer.Verified or !Customer.Verified is always true), so no rule after it is ever reached"},
	}
	for _, tt := range tests {
		t.Run(tt.condition, func(t *testing.T) {
			ws := Check(Spec{Rules: []Rule{{ID: "a", Name: "A", Condition: tt.condition, QueueID: "q", Enabled: true}}})
			if len(ws) != 1 || ws[0].Message != tt.want {
				t.Errorf("Check = %+v\nwant one warning %q", ws, tt.want)
			}
		})
	}
}

// The messages an analyst reads, for the last rule of a set.
func TestCheckMessages(t *testing.T) {
	tests := []struct {
		name  string
		rules []string
		want  string
	}{
		{"contradiction", []string{`Hour > 18 && Hour < 9`},
			"the rule never matches: Hour would have to be at least 19 and at most 8, which no number is; to accept either side, join the conditions with || instead of &&"},
		{"covered alternative", []string{`Customer.FollowersCount > 10000`, `Customer.FollowersCount > 20000 || hasTag("vip")`},
			`an alternative of the || never decides, because whenever it is true an earlier rule matches: Customer.FollowersCount > 20000 by rule "rule 0" before it; remove it, or move it to a rule of its own before that one`},
		{"every alternative covered", []string{`Channel.Handle == "a"`, `Hour > 3`, `Channel.Handle == "a" && Customer.Verified || Hour > 5`},
			`the rule is never reached: each of its alternatives is covered: Channel.Handle == "a" && Customer.Verified by rule "rule 0" before it; Hour > 5 by rule "rule 1" before it`},
		{"covered by an earlier alternative", []string{`Customer.FollowersCount > 10000 || hasTag("vip")`, `Customer.FollowersCount > 20000`},
			`the rule is never reached: whenever it matches, rule "rule 0" before it (its Customer.FollowersCount > 10000) matches too`},
		{"longer contains", []string{`Message.Text contains "refund"`, `Message.Text contains "refund now" && Hour > 3`},
			`the rule is never reached: whenever it matches, rule "rule 0" before it matches too (Message.Text contains "refund now" is covered by its Message.Text contains "refund")`},
		{"alternative with a longer contains", []string{`Message.Text contains "refund"`, `Message.Text contains "refunds" || Hour > 20`},
			`an alternative of the || never decides, because whenever it is true an earlier rule matches: Message.Text contains "refunds" by rule "rule 0" before it (Message.Text contains "refunds" is covered by its Message.Text contains "refund"); remove it, or move it to a rule of its own before that one`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var spec Spec
			for i, c := range tt.rules {
				spec.Rules = append(spec.Rules, Rule{ID: fmt.Sprint("r", i), Name: fmt.Sprint("rule ", i), Condition: c, QueueID: "q", Enabled: true, Position: i})
			}
			ws := Check(spec)
			if len(ws) != 1 || ws[0].Message != tt.want || ws[0].RuleID != fmt.Sprint("r", len(tt.rules)-1) {
				t.Errorf("Check = %+v\nwant one warning for the last rule:\n%s", ws, tt.want)
			}
		})
	}
}

// A rule that sends to the default queue with a priority changes how soon
// the conversation is offered: no default-queue warning.
func TestCheckDefaultQueueWithPriority(t *testing.T) {
	urgent := 900
	for _, tt := range []struct {
		name     string
		priority *int
		want     int
	}{{"without a priority", nil, 1}, {"with a priority", &urgent, 0}} {
		ws := Check(Spec{DefaultQueueID: "general", Rules: []Rule{{ID: "u", Name: "Urgent", Condition: `Hour > 3`, QueueID: "general", Enabled: true, Priority: tt.priority}}})
		if len(ws) != tt.want {
			t.Errorf("%s: Check = %+v, want %d warning(s)", tt.name, ws, tt.want)
		}
	}
}

// TestCheckWarningsAreSound routes random contexts with random rule sets and
// requires that no rule Check says can never match or be reached ever wins.
func TestCheckWarningsAreSound(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	never := map[string]bool{CodeUnreachable: true, CodeContradiction: true, CodeAlwaysFalse: true, CodeDuplicate: true}
	flagged := 0
	for set := range 300 {
		spec := Spec{Version: set, DefaultQueueID: "default"}
		for i := range 2 + r.IntN(25) {
			spec.Rules = append(spec.Rules, Rule{ID: fmt.Sprint(i), Name: fmt.Sprint("rule ", i), Condition: propCondition(r), QueueID: "q", Enabled: true, Position: i})
		}
		dead := make(map[string]string)
		for _, w := range Check(spec) {
			if never[w.Code] {
				dead[w.RuleID] = w.Message
				flagged++
			}
		}
		s, err := Compile(spec)
		if err != nil {
			t.Fatal(err)
		}
		for range 200 {
			c := propContext(r)
			if d := s.Route(c); d.Rule != nil && dead[d.Rule.ID] != "" {
				t.Fatalf("rule %q (%s) matched first, but Check said: %s\ncontext: %+v", d.Rule.Condition, d.Rule.ID, dead[d.Rule.ID], c)
			}
		}
	}
	if flagged < 100 {
		t.Fatalf("only %d warnings in 300 sets: the generator is off", flagged)
	}
}

// TestCheckCoverageIsSound routes random contexts with random rule sets of
// overlapping contains, startsWith and || conditions, and requires that no
// rule Check says is never reached wins, and that whenever an alternative
// Check says never decides is true, an earlier rule decides.
func TestCheckCoverageIsSound(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	words := []string{"re", "ref", "refund", "refund now", "fund", "now"}
	texts := []string{"refund now please", "refunds", "fund", "re", "now refund", "hello", ""}
	atom := func() string {
		switch r.IntN(7) {
		case 0, 1:
			return fmt.Sprintf("Message.Text contains %q", pick(r, words))
		case 2:
			return fmt.Sprintf("Message.Text startsWith %q", pick(r, words))
		case 3:
			return fmt.Sprintf("Message.Text == %q", pick(r, texts))
		case 4:
			return fmt.Sprintf("Hour > %d", r.IntN(24))
		case 5:
			return "Customer.Verified"
		default:
			return fmt.Sprintf("Customer.Tags[%d] == \"vip\"", r.IntN(2)) // may fail
		}
	}
	condition := func() string {
		alts := make([]string, 1+r.IntN(3))
		for i := range alts {
			parts := make([]string, 1+r.IntN(2))
			for j := range parts {
				parts[j] = atom()
			}
			alts[i] = "(" + strings.Join(parts, " && ") + ")"
		}
		return strings.Join(alts, " || ")
	}
	altOf := regexp.MustCompile(`matches: (.*) by rule "`)
	var unreachable, alternatives int
	for set := range 300 {
		spec := Spec{Version: set, DefaultQueueID: "default"}
		for i := range 2 + r.IntN(8) {
			spec.Rules = append(spec.Rules, Rule{ID: fmt.Sprint(i), Name: fmt.Sprint("rule ", i), Condition: condition(), QueueID: "q", Enabled: true, Position: i})
		}
		dead := make(map[string]string)
		type covered struct {
			rule int
			alt  *dsl.Program
			msg  string
		}
		var alts []covered
		for _, w := range Check(spec) {
			switch w.Code {
			case CodeUnreachable, CodeDuplicate:
				dead[w.RuleID] = w.Message
				unreachable++
			case CodeCoveredAlternative:
				m := altOf.FindStringSubmatch(w.Message)
				if m == nil {
					t.Fatalf("no alternative in %q", w.Message)
				}
				p, err := dsl.Compile(m[1])
				if err != nil {
					t.Fatalf("alternative %q of %q: %v", m[1], w.Message, err)
				}
				var pos int
				fmt.Sscan(w.RuleID, &pos)
				alts = append(alts, covered{pos, p, w.Message})
				alternatives++
			}
		}
		s, err := Compile(spec)
		if err != nil {
			t.Fatal(err)
		}
		for range 100 {
			var tags []string
			for range r.IntN(3) {
				tags = append(tags, "vip")
			}
			c := &dsl.Context{Hour: r.IntN(24), Message: dsl.Message{Text: pick(r, texts)}, Customer: dsl.Customer{Verified: r.IntN(2) == 0, Tags: tags}}
			d := s.Route(c)
			if d.Rule != nil && dead[d.Rule.ID] != "" {
				t.Fatalf("rule %q (%s) matched first, but Check said: %s\ncontext: %+v", d.Rule.Condition, d.Rule.ID, dead[d.Rule.ID], c)
			}
			for _, a := range alts {
				if ok, err := a.alt.Eval(c, nil); ok && err == nil && (d.Rule == nil || d.Rule.Position >= a.rule) {
					t.Fatalf("an alternative of rule %d is true and no earlier rule decided (%+v), but Check said: %s\ncontext: %+v", a.rule, d.Rule, a.msg, c)
				}
			}
		}
	}
	if unreachable < 100 || alternatives < 30 {
		t.Fatalf("only %d unreachable rules and %d covered alternatives in 300 sets: the generator is off", unreachable, alternatives)
	}
}

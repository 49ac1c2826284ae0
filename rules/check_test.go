package rules

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
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

func TestCheckMessages(t *testing.T) {
	ws := Check(Spec{Rules: []Rule{{ID: "n", Name: "Night", Condition: `Hour > 18 && Hour < 9`, QueueID: "q", Enabled: true}}})
	want := "the rule never matches: Hour would have to be at least 19 and at most 8, which no number is; to accept either side, join the conditions with || instead of &&"
	if len(ws) != 1 || ws[0].Message != want {
		t.Errorf("Check = %+v\nwant message %q", ws, want)
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

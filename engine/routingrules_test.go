package engine

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/dsl"
	"github.com/switchboardhq/switchboard/rules"
)

func ruleList(names ...string) []Rule {
	out := make([]Rule, len(names))
	for i, n := range names {
		out[i] = Rule{ID: RuleID(n), Name: n, Position: i + 1}
	}
	return out
}

func order(list []Rule) string {
	var b strings.Builder
	for i, r := range list {
		if r.Position != i+1 {
			return fmt.Sprintf("%s has position %d at index %d", r.Name, r.Position, i)
		}
		b.WriteString(r.Name)
	}
	return b.String()
}

func TestPlace(t *testing.T) {
	tests := []struct {
		pos  int
		want string
	}{{1, "XABC"}, {2, "AXBC"}, {4, "ABCX"}, {99, "ABCX"}, {0, "XABC"}}
	for _, tt := range tests {
		if got := order(place(ruleList("A", "B", "C"), Rule{ID: "X", Name: "X"}, tt.pos)); got != tt.want {
			t.Errorf("place at %d = %s, want %s", tt.pos, got, tt.want)
		}
	}
}

func TestPermute(t *testing.T) {
	got, err := permute(ruleList("A", "B", "C"), []RuleID{"C", "A", "B"})
	if err != nil || order(renumbered(got)) != "CAB" {
		t.Errorf("permute = %v, %v", got, err)
	}
	for _, ids := range [][]RuleID{{"A", "B"}, {"A", "A", "B"}, {"A", "B", "Z"}} {
		if _, err := permute(ruleList("A", "B", "C"), ids); !errors.Is(err, ErrInvalid) {
			t.Errorf("permute %v = %v, want ErrInvalid", ids, err)
		}
	}
}

func renumbered(list []Rule) []Rule {
	renumber(list)
	return list
}

func TestCheckRuleSetNames(t *testing.T) {
	list := ruleList("VIP", "vip")
	if err := checkRuleSet(list); !errors.Is(err, ErrConflict) {
		t.Errorf("names differing in case = %v, want ErrConflict", err)
	}
}

func TestApplyConditionErrors(t *testing.T) {
	text := "Customer.FolowersCount > 1"
	r := Rule{ID: "r1", Name: "Big"}
	_, _, err := RuleInput{Condition: &text}.applyCondition(&r, "")
	var re *RuleError
	if !errors.As(err, &re) || !errors.Is(err, ErrInvalid) || len(re.Problems) != 1 {
		t.Fatalf("err = %v, want one RuleError problem", err)
	}
	if p := re.Problems[0]; p.Field != "condition" || p.Line != 1 || p.Column < 1 || p.Hint == "" || p.RuleID != "r1" {
		t.Errorf("problem = %+v", p)
	}
	g := dsl.Group{Any: []dsl.Condition{{Attribute: "Nope", Operator: "is true"}}}
	_, _, err = RuleInput{Conditions: &g}.applyCondition(&r, "rules[3].")
	if !errors.As(err, &re) || re.Problems[0].Field != "rules[3].conditions" || re.Problems[0].Path == "" {
		t.Errorf("structured: %v", err)
	}
	ok := dsl.Group{All: []dsl.Condition{{Attribute: "Customer.Verified", Operator: "is true"}}}
	if _, _, err := (RuleInput{Conditions: &ok}).applyCondition(&r, ""); err != nil || r.Conditions == nil || r.Condition == "" {
		t.Errorf("structured ok: %v, rule %+v", err, r)
	}
}

func TestRuleSetCache(t *testing.T) {
	var c ruleSetCache
	compile := func(v int) *rules.Set {
		s, err := rules.Compile(rules.Spec{Version: v, DefaultQueueID: "q"})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if c.get("w", 0, "q") != nil {
		t.Error("empty cache hit")
	}
	s2 := compile(2)
	c.put("w", "q", s2)
	if c.get("w", 2, "q") != s2 || c.get("w", 2, "other") != nil || c.get("w", 3, "q") != nil {
		t.Error("cache lookups by version and default queue")
	}
	c.put("w", "q", compile(1)) // an older version does not replace a newer one
	if c.get("w", 2, "q") != s2 {
		t.Error("an older set replaced a newer one")
	}
}

package rules

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/switchboardhq/switchboard/dsl"
)

func demoSpec() Spec {
	return Spec{
		Version:        7,
		DefaultQueueID: "general",
		Rules: []Rule{
			{ID: "r3", Name: "Escalate", Condition: `Conversation.RequeueCount >= 2`, QueueID: "escalations", Enabled: true, Position: 0},
			{ID: "r1", Name: "VIP", Condition: `Customer.FollowersCount > 10000 || hasTag("vip")`, QueueID: "vip", Enabled: true, Position: 1},
			{ID: "r2", Name: "Refunds", Condition: `textHasAny(["refund", "chargeback"])`, QueueID: "billing", Enabled: true, Position: 2},
			{ID: "r4", Name: "Off", Condition: `true`, QueueID: "nowhere", Enabled: false, Position: 3},
			{ID: "r5", Name: "Broken at run time", Condition: `Customer.Tags[0] == "press"`, QueueID: "press", Enabled: true, Position: 4},
		},
	}
}

func TestRouteFirstMatchWins(t *testing.T) {
	s, err := Compile(demoSpec())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		c     dsl.Context
		rule  string
		queue string
	}{
		{"escalation comes first", dsl.Context{Conversation: dsl.Conversation{RequeueCount: 2}, Customer: dsl.Customer{FollowersCount: 50000}}, "r3", "escalations"},
		{"vip by followers", dsl.Context{Customer: dsl.Customer{FollowersCount: 50000}, Message: dsl.Message{Text: "refund"}}, "r1", "vip"},
		{"vip by tag", dsl.Context{Customer: dsl.Customer{Tags: []string{"VIP"}}}, "r1", "vip"},
		{"refund", dsl.Context{Message: dsl.Message{Text: "I want a Refund"}}, "r2", "billing"},
		{"run-time error does not match", dsl.Context{Message: dsl.Message{Text: "hello"}}, "", "general"},
		{"later rule after a run-time error", dsl.Context{Customer: dsl.Customer{Tags: []string{"press"}}}, "r5", "press"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := s.Route(&tt.c)
			got := ""
			if d.Rule != nil {
				got = d.Rule.ID
			}
			if got != tt.rule || d.QueueID != tt.queue || d.Version != 7 {
				t.Errorf("Route = %+v, want rule %q queue %q version 7", d, tt.rule, tt.queue)
			}
			wantReason := ReasonMatched
			if tt.rule == "" {
				wantReason = ReasonDefault
			}
			if d.Reason != wantReason {
				t.Errorf("Reason = %q, want %q", d.Reason, wantReason)
			}
			ed, _ := s.Explain(&tt.c)
			if ed != d {
				t.Errorf("Explain decision %+v differs from Route %+v", ed, d)
			}
		})
	}
}

func TestExplainTrace(t *testing.T) {
	s, err := Compile(demoSpec())
	if err != nil {
		t.Fatal(err)
	}
	c := &dsl.Context{Customer: dsl.Customer{Tags: []string{"press"}, FollowersCount: 10}}
	d, trace := s.Explain(c)
	want := []TraceEntry{
		{RuleID: "r3", RuleName: "Escalate"},
		{RuleID: "r1", RuleName: "VIP"},
		{RuleID: "r2", RuleName: "Refunds"},
		{RuleID: "r5", RuleName: "Broken at run time", Result: true, Values: map[string]any{"Customer.Tags": []string{"press"}}},
	}
	if diff := cmp.Diff(want, trace); diff != "" {
		t.Errorf("trace (-want +got):\n%s", diff)
	}
	if d.Rule == nil || d.Rule.ID != "r5" {
		t.Errorf("decision = %+v", d)
	}

	_, trace = s.Explain(&dsl.Context{})
	if len(trace) != 4 || trace[3].Result || !strings.Contains(trace[3].Error, "index out of range") {
		t.Errorf("trace of a run-time error = %+v", trace)
	}
	if trace[0].Values != nil {
		t.Errorf("values recorded for a rule that did not match: %+v", trace[0])
	}
}

func TestCompileErrorNamesTheRule(t *testing.T) {
	spec := demoSpec()
	spec.Rules[1].Condition = `Customer.FollowerCount > 10000`
	spec.Rules[2].Condition = `Message.Text contains`
	_, err := Compile(spec)
	if err == nil {
		t.Fatal("Compile succeeded")
	}
	var ce *CompileError
	if !errors.As(err, &ce) || ce.RuleID != "r1" || ce.RuleName != "VIP" {
		t.Fatalf("error = %v, want a *CompileError for r1", err)
	}
	var de *dsl.Error
	if !errors.As(err, &de) || de.Line != 1 || de.Column != 10 || !strings.Contains(de.Hint, "Customer.FollowersCount") {
		t.Fatalf("error does not wrap the positioned *dsl.Error: %v", err)
	}
	if ces := CompileErrors(err); len(ces) != 2 || ces[0].RuleID != "r1" || ces[1].RuleID != "r2" {
		t.Errorf("CompileErrors = %v", ces)
	}
	for _, want := range []string{`rule "VIP" (r1)`, `rule "Refunds" (r2)`, "did you mean Customer.FollowersCount?"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestRouteAllocatesNothing(t *testing.T) {
	spec := demoSpec()
	spec.Rules = spec.Rules[:4] // the rules on the fast path
	spec.Rules = append(spec.Rules, Rule{ID: "h", Name: "Handle", Condition: `Channel.Handle in ["a", "b"] && Message.Text startsWith "x"`, QueueID: "h", Enabled: true})
	s, err := Compile(spec)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []*dsl.Context{
		{Message: dsl.Message{Text: "hello"}, Channel: dsl.Channel{Handle: "b"}},
		{Customer: dsl.Customer{Tags: []string{"x", "vip"}}},
	} {
		if n := testing.AllocsPerRun(100, func() { _ = s.Route(c) }); n != 0 {
			t.Errorf("Route allocates %v times", n)
		}
	}
}

func TestSetIsSafeForConcurrentUse(t *testing.T) {
	s, err := Compile(demoSpec())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &dsl.Context{Conversation: dsl.Conversation{RequeueCount: g % 3}, Customer: dsl.Customer{Tags: []string{"press"}}}
			for range 200 {
				d := s.Route(c)
				if (g%3 >= 2) != (d.QueueID == "escalations") {
					t.Errorf("goroutine %d: %+v", g, d)
					return
				}
				s.Explain(c)
			}
		}()
	}
	wg.Wait()
}

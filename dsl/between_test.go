package dsl

import (
	"strings"
	"testing"
	"time"
)

// between compares numbers, lengths of time and times, on the fast path and
// on expr's virtual machine alike; now() is the context's Now.
func TestBetweenAndNow(t *testing.T) {
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	ctx := func(age time.Duration) *Context {
		return &Context{Now: now, Hour: 12, Customer: Customer{AccountCreatedAt: now.Add(-age), FollowersCount: 50}}
	}
	tests := []struct {
		name string
		rule string
		age  time.Duration
		want bool
	}{
		{"a number inside", `between(Hour, 9, 17)`, 0, true},
		{"a number outside", `between(Hour, 13, 17)`, 0, false},
		{"numbers with a fraction", `between(Customer.FollowersCount, 49.5, 50.5)`, 0, true},
		{"a duration inside", `between(Now - Customer.AccountCreatedAt, duration("1h"), duration("24h"))`, 2 * time.Hour, true},
		{"a duration too short", `between(Now - Customer.AccountCreatedAt, duration("1h"), duration("24h"))`, 30 * time.Minute, false},
		{"a duration too long", `between(Now - Customer.AccountCreatedAt, duration("1h"), duration("24h"))`, 48 * time.Hour, false},
		{"a duration on its bound", `between(Now - Customer.AccountCreatedAt, duration("1h"), duration("24h"))`, 24 * time.Hour, true},
		{"a time inside", `between(Customer.AccountCreatedAt, Now - duration("24h"), Now)`, 3 * time.Hour, true},
		{"a time outside", `between(Customer.AccountCreatedAt, Now - duration("24h"), Now)`, 30 * time.Hour, false},
		{"now() is the context's Now", `now() == Now`, 0, true},
		{"now() in arithmetic", `Customer.AccountCreatedAt > now() - duration("24h")`, 3 * time.Hour, true},
		{"now() in arithmetic, old account", `Customer.AccountCreatedAt > now() - duration("24h")`, 30 * time.Hour, false},
		{"now() in between", `between(now() - Customer.AccountCreatedAt, duration("1h"), duration("24h"))`, 30 * time.Hour, false},
		{"now() with a time zone", `now(timezone("Europe/London")).Hour() == 12`, 0, true},
	}
	var r Runner
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Compile(tt.rule)
			if err != nil {
				t.Fatalf("Compile(%q): %v", tt.rule, err)
			}
			c := ctx(tt.age)
			vm, err := p.EvalVM(c, &r)
			if err != nil || vm != tt.want {
				t.Errorf("on the VM: %q = %v, %v; want %v", tt.rule, vm, err, tt.want)
			}
			got, err := p.Eval(c, &r)
			if err != nil || got != tt.want {
				t.Errorf("Eval (fast path %v): %q = %v, %v; want %v", p.Fast(), tt.rule, got, err, tt.want)
			}
		})
	}
	for _, rule := range []string{
		`between(Now - Customer.AccountCreatedAt, duration("1h"), duration("24h"))`,
		`between(Customer.AccountCreatedAt, Now - duration("24h"), Now)`,
		`now() - Customer.AccountCreatedAt > duration("1h")`,
	} {
		if p, err := Compile(rule); err != nil || !p.Fast() {
			t.Errorf("Compile(%q) = fast %v, %v; want the fast path", rule, p != nil && p.Fast(), err)
		}
	}
}

// between with bounds of another kind than its value is refused when the
// rule is compiled, with an analyst's message.
func TestBetweenMixedKinds(t *testing.T) {
	tests := []struct {
		name string
		rule string
		want string
	}{
		{"a duration between numbers", `between(Now - Customer.AccountCreatedAt, 1, 24)`,
			`between takes a length of time and two lengths of time, as in between(Now - Customer.AccountCreatedAt, duration("1h"), duration("24h"))`},
		{"a number between durations", `between(Hour, duration("1h"), duration("2h"))`,
			"between takes a number and two bounds, as in between(Hour, 9, 17)"},
		{"a time between durations", `between(Customer.AccountCreatedAt, duration("1h"), duration("2h"))`,
			`between takes a time and two times, as in between(Customer.AccountCreatedAt, Now - duration("24h"), Now)`},
		{"text", `between(Customer.Name, "a", "b")`, "between takes a value and two bounds of the same kind: numbers, as in between(Hour, 9, 17); lengths of time"},
		{"two arguments", `between(Hour, 9)`, "between takes a number and two bounds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.rule)
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("Compile(%q) = %v, want an *Error", tt.rule, err)
			}
			if !strings.HasPrefix(e.Message, tt.want) || e.Line != 1 || e.Column < 1 {
				t.Errorf("Compile(%q) = %d:%d %q (hint %q)", tt.rule, e.Line, e.Column, e.Message, e.Hint)
			}
		})
	}
}

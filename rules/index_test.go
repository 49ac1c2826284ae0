package rules

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/dsl"
)

var (
	propNames   = []string{"ada", "bob", "cy", "dee", "eve"}
	propHandles = []string{"Acme Care", "Acme Billing", "Acme Shop"}
	propLangs   = []string{"en", "fr", "de"}
	propWords   = []string{"refund", "order", "broken", "hello"}
)

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

func quoteList(r *rand.Rand, xs []string) string {
	n := 1 + r.IntN(3)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("%q", pick(r, xs))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// propCondition writes a random rule: indexable equalities and lists joined
// with other conditions, or conditions the index cannot use.
func propCondition(r *rand.Rand) string {
	atom := func() string {
		switch r.IntN(9) {
		case 0:
			return fmt.Sprintf("Customer.ScreenName == %q", pick(r, propNames))
		case 1:
			return fmt.Sprintf("Channel.Handle in %s", quoteList(r, propHandles))
		case 2:
			return fmt.Sprintf("Customer.Language == %q", pick(r, propLangs))
		case 3:
			return fmt.Sprintf("Message.Text contains %q", pick(r, propWords))
		case 4:
			return fmt.Sprintf("Customer.FollowersCount > %d", r.IntN(4)*1000)
		case 5:
			return fmt.Sprintf("Customer.ScreenName not in %s", quoteList(r, propNames))
		case 6:
			return fmt.Sprintf("hasTag(%q)", pick(r, []string{"vip", "press"}))
		case 7:
			return fmt.Sprintf("Customer.Tags[%d] == \"vip\"", r.IntN(2)) // VM, may fail
		default:
			return fmt.Sprintf("between(Hour, %d, %d)", r.IntN(12), 12+r.IntN(12))
		}
	}
	n := 1 + r.IntN(3)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = atom()
	}
	if n > 1 && r.IntN(4) == 0 {
		return "(" + parts[0] + ") || (" + strings.Join(parts[1:], " && ") + ")"
	}
	return strings.Join(parts, " && ")
}

func propContext(r *rand.Rand) *dsl.Context {
	var tags []string
	for range r.IntN(3) {
		tags = append(tags, pick(r, []string{"vip", "press", "VIP"}))
	}
	return &dsl.Context{
		Customer: dsl.Customer{ScreenName: pick(r, propNames), Language: pick(r, propLangs), FollowersCount: r.IntN(4000), Tags: tags},
		Channel:  dsl.Channel{Handle: pick(r, propHandles)},
		Message:  dsl.Message{Text: pick(r, propWords) + " " + pick(r, propWords)},
		Hour:     r.IntN(24),
	}
}

func TestIndexedRoutingEqualsLinear(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var runner dsl.Runner
	indexed := 0
	for set := range 200 {
		spec := Spec{Version: set, DefaultQueueID: "default"}
		for i := range 1 + r.IntN(40) {
			spec.Rules = append(spec.Rules, Rule{ID: fmt.Sprint(i), Name: fmt.Sprint(i), Condition: propCondition(r),
				QueueID: fmt.Sprint("q", i), Enabled: r.IntN(10) > 0, Position: r.IntN(50)})
		}
		s, err := Compile(spec)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.index.fields) > 0 {
			indexed++
		}
		for range 50 {
			c := propContext(r)
			want := s.firstVM(c, &runner)
			if got := s.firstLinear(c); got != want {
				t.Fatalf("set %d: closures linear chose %d, VM chose %d", set, got, want)
			}
			if got := s.firstIndexed(c); got != want {
				t.Fatalf("set %d: indexed chose %d, linear chose %d\nrules: %+v\ncontext: %+v", set, got, want, s.Rules(), c)
			}
			d, trace := s.Explain(c)
			if d != s.Route(c) || len(trace) == 0 && len(s.rules) > 0 {
				t.Fatalf("set %d: Explain %+v differs from Route %+v", set, d, s.Route(c))
			}
		}
	}
	if indexed < 150 {
		t.Fatalf("only %d of 200 sets used the index: the generator is off", indexed)
	}
}

// FuzzIndexedRouting requires indexed, linear and VM routing to agree on rule
// sets and contexts generated from the fuzzer's seed.
func FuzzIndexedRouting(f *testing.F) {
	for i := range 8 {
		f.Add(uint64(i), uint8(10+i*5))
	}
	f.Fuzz(func(t *testing.T, seed uint64, n uint8) {
		r := rand.New(rand.NewPCG(seed, 99))
		spec := Spec{DefaultQueueID: "default"}
		for i := range int(n % 64) {
			spec.Rules = append(spec.Rules, Rule{ID: fmt.Sprint(i), Condition: propCondition(r), QueueID: "q", Enabled: true, Position: i})
		}
		s, err := Compile(spec)
		if err != nil {
			t.Fatal(err)
		}
		var runner dsl.Runner
		for range 20 {
			c := propContext(r)
			want := s.firstVM(c, &runner)
			if got, lin := s.firstIndexed(c), s.firstLinear(c); got != want || lin != want {
				t.Fatalf("indexed %d, linear %d, VM %d", got, lin, want)
			}
		}
	})
}

package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/dsl"
)

// The benchmarks of the rule engine. See doc.go for the results and the
// command that produced them. They compare, in one run, hand-written Go
// functions, expr's VM, the closure fast path and closures plus the index.

const typicalRule = `Customer.FollowersCount > 10000 && Message.Text contains "refund"`

// handTypical is the typical rule written by hand.
func handTypical(c *dsl.Context) bool {
	return c.Customer.FollowersCount > 10000 && strings.Contains(c.Message.Text, "refund")
}

func BenchmarkRule(b *testing.B) {
	p, err := dsl.Compile(typicalRule)
	if err != nil || !p.Fast() {
		b.Fatalf("compile: %v", err)
	}
	c := &dsl.Context{Customer: dsl.Customer{FollowersCount: 20000}, Message: dsl.Message{Text: "hello, I would like a refund for my order"}}
	var sink bool
	b.Run("handwritten", func(b *testing.B) {
		fn := handTypical // called through a variable, as the closures are
		b.ReportAllocs()
		for b.Loop() {
			sink = fn(c)
		}
	})
	b.Run("closure", func(b *testing.B) {
		fn := p.Func() // what Route calls
		b.ReportAllocs()
		for b.Loop() {
			sink = fn(c)
		}
	})
	b.Run("exprVM", func(b *testing.B) {
		var r dsl.Runner
		b.ReportAllocs()
		for b.Loop() {
			sink, _ = p.EvalVM(c, &r)
		}
	})
	_ = sink
}

// benchRule is one generated rule: its condition and the same written by
// hand.
type benchRule struct {
	cond string
	hand func(*dsl.Context) bool
	// match makes a context match this rule (and, by construction, no
	// earlier one).
	match func(*dsl.Context)
}

// baseContext matches none of the generated rules.
func baseContext() *dsl.Context {
	return &dsl.Context{
		Customer: dsl.Customer{ScreenName: "nobody", Language: "xx", FollowersCount: 100, Tags: []string{"none"}},
		Message:  dsl.Message{Text: "hello there, my order is late"},
		Channel:  dsl.Channel{Kind: "twitter", Handle: "nohandle"},
		Hour:     12,
	}
}

// mixedRule is rule i of the mixed shape: ten realistic templates, seven of
// them indexable.
func mixedRule(i int) benchRule {
	switch i % 10 {
	case 0:
		s := fmt.Sprintf("user%d", i)
		return benchRule{fmt.Sprintf("Customer.ScreenName == %q", s),
			func(c *dsl.Context) bool { return c.Customer.ScreenName == s },
			func(c *dsl.Context) { c.Customer.ScreenName = s }}
	case 1:
		s := fmt.Sprintf("handle%d", i)
		return benchRule{fmt.Sprintf("Channel.Handle == %q", s),
			func(c *dsl.Context) bool { return c.Channel.Handle == s },
			func(c *dsl.Context) { c.Channel.Handle = s }}
	case 2:
		s := fmt.Sprintf("lang%d", i)
		return benchRule{fmt.Sprintf("Customer.Language == %q", s),
			func(c *dsl.Context) bool { return c.Customer.Language == s },
			func(c *dsl.Context) { c.Customer.Language = s }}
	case 3:
		a, bb, cc := fmt.Sprintf("a%d", i), fmt.Sprintf("b%d", i), fmt.Sprintf("c%d", i)
		return benchRule{fmt.Sprintf("Customer.ScreenName in [%q, %q, %q]", a, bb, cc),
			func(c *dsl.Context) bool {
				s := c.Customer.ScreenName
				return s == a || s == bb || s == cc
			},
			func(c *dsl.Context) { c.Customer.ScreenName = bb }}
	case 4:
		w := fmt.Sprintf("word%d.", i)
		return benchRule{fmt.Sprintf("Message.Text contains %q", w),
			func(c *dsl.Context) bool { return strings.Contains(c.Message.Text, w) },
			func(c *dsl.Context) { c.Message.Text += " " + w }}
	case 5:
		n := 1_000_000 + i
		return benchRule{fmt.Sprintf("Customer.FollowersCount > %d", n),
			func(c *dsl.Context) bool { return c.Customer.FollowersCount > n },
			func(c *dsl.Context) { c.Customer.FollowersCount = n + 1 }}
	case 6:
		t := fmt.Sprintf("tag%d", i)
		return benchRule{fmt.Sprintf("hasTag(%q) && between(Hour, 9, 17)", t),
			func(c *dsl.Context) bool {
				has := false
				for _, x := range c.Customer.Tags {
					if strings.EqualFold(x, t) {
						has = true
						break
					}
				}
				return has && c.Hour >= 9 && c.Hour <= 17
			},
			func(c *dsl.Context) { c.Customer.Tags = append(c.Customer.Tags, t) }}
	case 7:
		h1, h2, w := fmt.Sprintf("h%d", i), fmt.Sprintf("i%d", i), fmt.Sprintf("x%d.", i)
		return benchRule{fmt.Sprintf("Channel.Handle in [%q, %q] && Message.Text contains %q", h1, h2, w),
			func(c *dsl.Context) bool {
				return (c.Channel.Handle == h1 || c.Channel.Handle == h2) && strings.Contains(c.Message.Text, w)
			},
			func(c *dsl.Context) { c.Channel.Handle = h2; c.Message.Text += " " + w }}
	case 8:
		l := fmt.Sprintf("l%d", i)
		return benchRule{fmt.Sprintf("Customer.Language == %q && Customer.FollowersCount > 50", l),
			func(c *dsl.Context) bool { return c.Customer.Language == l && c.Customer.FollowersCount > 50 },
			func(c *dsl.Context) { c.Customer.Language = l }}
	default:
		h := fmt.Sprintf("care%d", i)
		return benchRule{fmt.Sprintf("Channel.Handle == %q && (Customer.Verified || Message.HasMedia)", h),
			func(c *dsl.Context) bool {
				return c.Channel.Handle == h && (c.Customer.Verified || c.Message.HasMedia)
			},
			func(c *dsl.Context) { c.Channel.Handle = h; c.Customer.Verified = true }}
	}
}

// entityRule is rule i of the entity-heavy shape: twenty generic rules, then
// per-customer and per-handle rules, as VIP lists are.
func entityRule(i int) benchRule {
	if i < 20 {
		// The generic rules: the non-indexable templates of the mixed shape.
		return mixedRule([]int{4, 5, 6}[i%3] + 10*i)
	}
	switch i % 3 {
	case 0:
		s := fmt.Sprintf("vip%d", i)
		return benchRule{fmt.Sprintf("Customer.ScreenName == %q", s),
			func(c *dsl.Context) bool { return c.Customer.ScreenName == s },
			func(c *dsl.Context) { c.Customer.ScreenName = s }}
	case 1:
		a, bb := fmt.Sprintf("brand%d", i), fmt.Sprintf("brand%d-care", i)
		return benchRule{fmt.Sprintf("Channel.Handle in [%q, %q]", a, bb),
			func(c *dsl.Context) bool { return c.Channel.Handle == a || c.Channel.Handle == bb },
			func(c *dsl.Context) { c.Channel.Handle = bb }}
	default:
		a, bb, cc := fmt.Sprintf("p%d", i), fmt.Sprintf("q%d", i), fmt.Sprintf("r%d", i)
		return benchRule{fmt.Sprintf("Customer.ScreenName in [%q, %q, %q] && Customer.FollowersCount > 10", a, bb, cc),
			func(c *dsl.Context) bool {
				s := c.Customer.ScreenName
				return (s == a || s == bb || s == cc) && c.Customer.FollowersCount > 10
			},
			func(c *dsl.Context) { c.Customer.ScreenName = cc }}
	}
}

type benchSet struct {
	set  *Set
	hand []func(*dsl.Context) bool
	last *dsl.Context // matches only the last rule
	none *dsl.Context // matches no rule
}

func makeBenchSet(tb testing.TB, shape string, n int) benchSet {
	gen := mixedRule
	if shape == "entity" {
		gen = entityRule
	}
	spec := Spec{Version: 1, DefaultQueueID: "default"}
	bs := benchSet{none: baseContext(), last: baseContext()}
	var last benchRule
	for i := range n {
		r := gen(i)
		spec.Rules = append(spec.Rules, Rule{ID: fmt.Sprint(i), Name: fmt.Sprint(i), Condition: r.cond, QueueID: "q", Enabled: true, Position: i})
		bs.hand = append(bs.hand, r.hand)
		last = r
	}
	last.match(bs.last)
	s, err := Compile(spec)
	if err != nil {
		tb.Fatal(err)
	}
	bs.set = s
	return bs
}

func handFirst(hand []func(*dsl.Context) bool, c *dsl.Context) int {
	for i, f := range hand {
		if f(c) {
			return i
		}
	}
	return -1
}

func TestBenchmarkSetsAreWhatTheySay(t *testing.T) {
	var r dsl.Runner
	for _, shape := range []string{"mixed", "entity"} {
		for _, n := range []int{10, 100, 1000} {
			bs := makeBenchSet(t, shape, n)
			for _, rule := range bs.set.rules {
				if !rule.prog.Fast() {
					t.Errorf("%s rule %q is not on the fast path", shape, rule.rule.Condition)
				}
			}
			for name, c := range map[string]*dsl.Context{"last": bs.last, "none": bs.none} {
				want := -1
				if name == "last" {
					want = n - 1
				}
				got := []int{handFirst(bs.hand, c), bs.set.firstVM(c, &r), bs.set.firstLinear(c), bs.set.firstIndexed(c)}
				for k, g := range got {
					if g != want {
						t.Errorf("%s/%d/%s: engine %d chose %d, want %d", shape, n, name, k, g, want)
					}
				}
			}
			if shape == "mixed" && n == 1000 {
				if indexed := n - len(bs.set.index.rest); indexed != 700 {
					t.Errorf("mixed: %d of 1000 rules indexed, want 700", indexed)
				}
			}
		}
	}
}

func BenchmarkRoute(b *testing.B) {
	for _, shape := range []string{"mixed", "entity"} {
		for _, n := range []int{10, 100, 1000, 10000} {
			bs := makeBenchSet(b, shape, n)
			for _, scenario := range []string{"last", "none"} {
				c := bs.last
				if scenario == "none" {
					c = bs.none
				}
				prefix := fmt.Sprintf("%s/%d/%s/", shape, n, scenario)
				var sink int
				b.Run(prefix+"handwritten", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						sink = handFirst(bs.hand, c)
					}
				})
				b.Run(prefix+"exprVM", func(b *testing.B) {
					var r dsl.Runner
					b.ReportAllocs()
					for b.Loop() {
						sink = bs.set.firstVM(c, &r)
					}
				})
				b.Run(prefix+"closure", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						sink = bs.set.firstLinear(c)
					}
				})
				b.Run(prefix+"indexed", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						_ = bs.set.Route(c)
					}
				})
				_ = sink
			}
		}
	}
}

func BenchmarkCompile1000(b *testing.B) {
	spec := Spec{Version: 1, DefaultQueueID: "default"}
	for i := range 1000 {
		spec.Rules = append(spec.Rules, Rule{ID: fmt.Sprint(i), Condition: mixedRule(i).cond, QueueID: "q", Enabled: true, Position: i})
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(spec); err != nil {
			b.Fatal(err)
		}
	}
}

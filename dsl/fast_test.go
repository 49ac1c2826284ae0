package dsl

import (
	"math/rand/v2"
	"testing"
)

// agree runs p on both paths and reports any difference.
func agree(t *testing.T, p *Program, c *Context, r *Runner) {
	t.Helper()
	fast, ferr := p.Eval(c, r)
	ref, rerr := p.EvalVM(c, r)
	if fast != ref || (ferr == nil) != (rerr == nil) || (ferr != nil && ferr.Error() != rerr.Error()) {
		t.Fatalf("rule %q (fast path %v) on %+v:\nfast = %v, %v\nvm   = %v, %v", p.Source(), p.Fast(), c, fast, ferr, ref, rerr)
	}
}

func TestFastPathAgreesWithVM(t *testing.T) {
	g := ruleGen{rand.New(rand.NewPCG(1, 2))}
	var r Runner
	rules, fast := 0, 0
	for range 3000 {
		src := g.cond(3)
		p, err := Compile(src)
		if err != nil {
			// Generated rules may be ill-typed (text compared with a
			// number): the compiler must say so as an *Error.
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Compile(%q) error %T", src, err)
			}
			continue
		}
		rules++
		if p.Fast() {
			fast++
		}
		for range 10 {
			agree(t, p, g.context(), &r)
		}
	}
	if rules < 1000 || fast < rules/2 {
		t.Fatalf("only %d rules compiled, %d on the fast path: the generator is off", rules, fast)
	}
	t.Logf("%d rules, %d on the fast path", rules, fast)
}

func TestFastPathAllocatesNothing(t *testing.T) {
	p, err := Compile(`Customer.FollowersCount > 10000 && lower(Message.Text) contains "refund" || hasTag("vip") && Channel.Handle in ["a", "b"] && Message.Text matches "^I"`)
	if err != nil || !p.Fast() {
		t.Fatalf("Compile: %v (fast %v)", err, p.Fast())
	}
	c := &Context{Customer: Customer{FollowersCount: 20000, Tags: []string{"x", "VIP"}}, Message: Message{Text: "I want a REFUND"}, Channel: Channel{Handle: "b"}}
	if n := testing.AllocsPerRun(100, func() { _, _ = p.Eval(c, nil) }); n != 0 {
		t.Errorf("Eval allocates %v times", n)
	}
}

// FuzzFastPath compiles arbitrary rules and requires the fast path and the VM
// to agree on generated contexts.
func FuzzFastPath(f *testing.F) {
	for _, s := range []string{
		`Customer.FollowersCount > 10000 && Message.Text contains "refund"`,
		`lower(Message.Text) startsWith "i" || upper(Customer.Name) == "ADA"`,
		`Channel.Handle in ["Acme Care", "bob"] && !Customer.Protected`,
		`hasTag("VIP") || textHasAny(["refund", "ünï"]) || between(Hour, 9, 17)`,
		`Customer.Tags[1] == "vip"`,
		`Customer.FollowersCount / 0 > 1 && Hour % 2 == 0`,
		`Now > Customer.AccountCreatedAt && Weekday not in ["Saturday", "Sunday"]`,
		`Now - Customer.AccountCreatedAt > duration("1h") || Customer.AccountCreatedAt + duration("-30m") <= Now - duration("bad")`,
		`len(Message.Hashtags) * 2.5 >= Conversation.RequeueCount - 1`,
		`Message.Text matches "(?i)order #?[0-9]+"`,
		`Customer.Verified ? Hour > 9 : -Hour < -20`,
		`any(Customer.Tags, lower(#) startsWith "vip") && none(Message.Hashtags, # in ["spam", "ad"])`,
		`all(["a", "b"], # != Channel.Handle) || one(Customer.Tags, # matches "^p") || count(Message.Hashtags, # == "x") >= 1`,
	} {
		f.Add(s, uint64(1))
	}
	f.Fuzz(func(t *testing.T, src string, seed uint64) {
		p, err := Compile(src)
		if err != nil {
			return
		}
		g := ruleGen{rand.New(rand.NewPCG(seed, 7))}
		var r Runner
		for range 5 {
			agree(t, p, g.context(), &r)
		}
	})
}

// FuzzCompile requires Compile never to panic and to return either a
// program or a positioned *Error.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`Customer.FollowersCount > 10000 && Message.Text contains "refund"`,
		`Customer.FollowerCount > 1`, `Message.Text contains "x`, `Hour >`, `(((`, `"\u00`,
		`Message.Text matches "(["`, `foo(1, 2)`, "Hour > 1 &&\n\tHour <", `[1,2,3]`, `#`, `let x = 1; x > 0`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := Compile(src)
		if err == nil {
			if p == nil {
				t.Fatal("no program and no error")
			}
			return
		}
		e, ok := err.(*Error)
		if !ok {
			t.Fatalf("Compile(%q) error %T: %v", src, err, err)
		}
		if e.Line < 1 || e.Column < 1 || e.Message == "" {
			t.Fatalf("Compile(%q) error not positioned: %+v", src, e)
		}
	})
}

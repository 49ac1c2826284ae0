package dsl

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// ruleGen writes random rules from the constructs analysts use, and a few
// the fast path does not cover, for the differential tests.
type ruleGen struct{ r *rand.Rand }

var (
	genTexts   = []string{"ada", "Ada", "bob", "refund", "REFUND", "en", "fr", "Acme Care", "vip", "", "ünïcode", "İstanbul"}
	genNumbers = []int{-1, 0, 1, 2, 9, 17, 100, 10000, 20000}
	genWeekday = []string{"Monday", "Saturday", "Sunday"}
)

func (g ruleGen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

func (g ruleGen) text() string { return fmt.Sprintf("%q", g.pick(genTexts)) }

func (g ruleGen) textList() string {
	n := 1 + g.r.IntN(3)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = g.text()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func (g ruleGen) fieldOf(kind Kind) string {
	var paths []string
	for _, f := range catalogue.fields {
		if f.Kind == kind {
			paths = append(paths, f.Path)
		}
	}
	return g.pick(paths)
}

func (g ruleGen) number(depth int) string {
	switch g.r.IntN(7) {
	case 0:
		return fmt.Sprint(genNumbers[g.r.IntN(len(genNumbers))])
	case 1:
		return fmt.Sprintf("%d.5", genNumbers[g.r.IntN(len(genNumbers))])
	case 2:
		if depth > 0 {
			ops := []string{"+", "-", "*", "/", "%"}
			return fmt.Sprintf("(%s %s %s)", g.number(depth-1), ops[g.r.IntN(len(ops))], g.number(depth-1))
		}
	case 3:
		return fmt.Sprintf("len(%s)", g.pick([]string{g.fieldOf(KindText), g.fieldOf(KindTextList)}))
	}
	return g.fieldOf(KindNumber)
}

func (g ruleGen) textExpr() string {
	switch g.r.IntN(6) {
	case 0:
		return g.text()
	case 1:
		return fmt.Sprintf("lower(%s)", g.fieldOf(KindText))
	case 2:
		return fmt.Sprintf("upper(%s)", g.fieldOf(KindText))
	case 3:
		return fmt.Sprintf("Customer.Tags[%d]", g.r.IntN(3)) // may fail at run time
	}
	return g.fieldOf(KindText)
}

// elemCond writes the body of a predicate over a list of text.
func (g ruleGen) elemCond(depth int) string {
	elem := g.pick([]string{"#", "lower(#)", "upper(#)", "trim(#)"})
	switch g.r.IntN(9) {
	case 0:
		return fmt.Sprintf("%s %s %s", elem, g.pick([]string{"==", "!=", "<", ">="}), g.text())
	case 1:
		return fmt.Sprintf("%s %s %s", elem, g.pick([]string{"contains", "startsWith", "endsWith"}), g.text())
	case 2:
		return fmt.Sprintf("%s %s %s", elem, g.pick([]string{"in", "not in"}), g.textList())
	case 3:
		return fmt.Sprintf("%s == %s", elem, g.fieldOf(KindText))
	case 4:
		return fmt.Sprintf("%s matches %q", elem, g.pick([]string{"(?i)refund", "^a", "e$"}))
	case 5:
		return g.fieldOf(KindBool)
	case 6:
		return fmt.Sprintf("%s > 1", elem) // ill-typed
	case 7:
		if depth > 0 {
			return fmt.Sprintf("(%s %s %s)", g.elemCond(depth-1), g.pick([]string{"&&", "||"}), g.elemCond(depth-1))
		}
	}
	return fmt.Sprintf("!(%s == %s)", elem, g.text())
}

func (g ruleGen) cond(depth int) string {
	if g.r.IntN(12) == 0 {
		list := g.pick([]string{g.fieldOf(KindTextList), g.textList()})
		body := g.elemCond(1)
		if g.r.IntN(4) == 0 {
			return fmt.Sprintf("count(%s, %s) %s %d", list, body, g.pick([]string{">", ">=", "=="}), g.r.IntN(3))
		}
		return fmt.Sprintf("%s(%s, %s)", g.pick([]string{"any", "all", "none", "one"}), list, body)
	}
	n := 14
	if depth <= 0 {
		n = 11
	}
	cmps := []string{"==", "!=", "<", "<=", ">", ">="}
	switch g.r.IntN(n) {
	case 0:
		return fmt.Sprintf("%s %s %s", g.number(1), g.pick(cmps), g.number(1))
	case 1:
		return fmt.Sprintf("%s %s %s", g.textExpr(), g.pick(cmps), g.textExpr())
	case 2:
		ops := []string{"contains", "startsWith", "endsWith"}
		return fmt.Sprintf("%s %s %s", g.textExpr(), g.pick(ops), g.textExpr())
	case 3:
		return fmt.Sprintf("%s %s %s", g.textExpr(), g.pick([]string{"in", "not in"}), g.textList())
	case 4:
		return fmt.Sprintf("%s in %s", g.textExpr(), g.fieldOf(KindTextList))
	case 5:
		if g.r.IntN(2) == 0 {
			return "!" + g.fieldOf(KindBool)
		}
		return g.fieldOf(KindBool)
	case 6:
		return fmt.Sprintf("hasTag(%s)", g.text())
	case 7:
		return fmt.Sprintf("textHasAny(%s)", g.textList())
	case 8:
		return fmt.Sprintf("between(%s, %s, %s)", g.number(0), g.number(0), g.number(0))
	case 9:
		return fmt.Sprintf("%s matches %q", g.textExpr(), g.pick([]string{"(?i)refund", "^a", "[0-9]+", "e$"}))
	case 10:
		dur := fmt.Sprintf("duration(%q)", g.pick([]string{"1h", "30m", "-2h", "90s", "bad"}))
		switch g.r.IntN(4) {
		case 0:
			return fmt.Sprintf("%s - %s %s %s", g.fieldOf(KindTime), g.fieldOf(KindTime), g.pick(cmps), dur)
		case 1:
			return fmt.Sprintf("%s %s %s %s %s", g.fieldOf(KindTime), g.pick(cmps), g.fieldOf(KindTime), g.pick([]string{"+", "-"}), dur)
		case 2:
			return fmt.Sprintf("%s + %s %s %s", dur, g.fieldOf(KindTime), g.pick(cmps), g.fieldOf(KindTime))
		}
		return fmt.Sprintf("%s %s %s", g.fieldOf(KindTime), g.pick(cmps), g.fieldOf(KindTime))
	case 11:
		return fmt.Sprintf("(%s %s %s)", g.cond(depth-1), g.pick([]string{"&&", "||", "and", "or"}), g.cond(depth-1))
	case 12:
		return fmt.Sprintf("not (%s)", g.cond(depth-1))
	default:
		return fmt.Sprintf("(%s ? %s : %s)", g.cond(depth-1), g.cond(depth-1), g.cond(depth-1))
	}
}

func (g ruleGen) context() *Context {
	list := func() []string {
		n := g.r.IntN(3)
		out := make([]string, n)
		for i := range out {
			out[i] = g.pick(genTexts)
		}
		return out
	}
	num := func() int { return genNumbers[g.r.IntN(len(genNumbers))] }
	base := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	moment := func() time.Time { return base.Add(time.Duration(g.r.IntN(3)-1) * time.Hour) }
	c := &Context{
		Customer: Customer{
			TwitterID: g.pick(genTexts), Name: g.pick(genTexts), ScreenName: g.pick(genTexts),
			FollowersCount: num(), FriendsCount: num(), Verified: g.r.IntN(2) == 0, Protected: g.r.IntN(2) == 0,
			Language: g.pick(genTexts), Location: g.pick(genTexts), Description: g.pick(genTexts),
			AccountCreatedAt: moment(), IsKnownContact: g.r.IntN(2) == 0, ContactID: g.pick(genTexts), Tags: list(),
		},
		Message: Message{
			Text: g.pick(genTexts) + " " + g.pick(genTexts), Length: num(), HasMedia: g.r.IntN(2) == 0,
			MediaType: g.pick(genTexts), HasURL: g.r.IntN(2) == 0, Hashtags: list(), QuickReply: g.pick(genTexts), Language: g.pick(genTexts),
		},
		Channel: Channel{Kind: "twitter", Application: g.pick(genTexts), Handle: g.pick(genTexts), HandleScreenName: g.pick(genTexts)},
		Conversation: Conversation{
			IsNew: g.r.IntN(2) == 0, IsReturning: g.r.IntN(2) == 0, PreviousConversations: num(), MessageCount: num(),
			WaitMinutes: num(), RequeueCount: num(), Priority: num(), Queue: g.pick(genTexts), Status: g.pick(genTexts),
		},
		Now: moment(), Hour: g.r.IntN(24), Weekday: g.pick(genWeekday),
	}
	return c
}

package rulefile

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/switchboardhq/switchboard/rules"
)

// coverage counts, for each enabled rule of a file, how many test cases
// reached it (evaluated it), and how many of those it matched, as opa test
// --coverage does for policies. A rule no case reaches, or that no case
// matches, is untested; so is one that matches every case that reaches
// it, because no case shows where it stops.
type coverage struct {
	rules    []rules.Rule
	stats    map[string]*ruleCoverage
	disabled int
}

type ruleCoverage struct {
	reached, matched int
	// decidedBefore are the rules that decided the cases that did not
	// reach this one.
	decidedBefore []string
}

func newCoverage(spec rules.Spec) *coverage {
	c := &coverage{stats: make(map[string]*ruleCoverage)}
	for _, r := range spec.Rules {
		if !r.Enabled {
			c.disabled++
			continue
		}
		c.rules = append(c.rules, r)
		c.stats[r.ID] = &ruleCoverage{}
	}
	return c
}

// add counts the trace of one case.
func (c *coverage) add(trace []rules.TraceEntry) {
	decider := ""
	if n := len(trace); n > 0 && trace[n-1].Result {
		decider = trace[n-1].RuleID
	}
	reached := make(map[string]bool, len(trace))
	for _, e := range trace {
		s := c.stats[e.RuleID]
		if s == nil {
			continue
		}
		reached[e.RuleID] = true
		s.reached++
		if e.Result {
			s.matched++
		}
	}
	if decider == "" {
		return
	}
	for _, r := range c.rules {
		if s := c.stats[r.ID]; !reached[r.ID] && !slices.Contains(s.decidedBefore, decider) {
			s.decidedBefore = append(s.decidedBefore, decider)
		}
	}
}

// write prints the summary: how many rules match in some case and fail to
// match in some case, then each rule that does not, and why.
func (c *coverage) write(w io.Writer) {
	matched, failed := 0, 0
	var gaps []string
	for _, r := range c.rules {
		s := c.stats[r.ID]
		label := fmt.Sprintf("rule %q (%s)", r.ID, r.Name)
		if s.matched > 0 {
			matched++
		}
		if s.reached > s.matched {
			failed++
		}
		switch {
		case s.reached == 0 && len(s.decidedBefore) > 0:
			gaps = append(gaps, fmt.Sprintf("not reached: %s: every case was decided before it, by %s", label, quoteList(s.decidedBefore)))
		case s.reached == 0:
			gaps = append(gaps, fmt.Sprintf("not reached: %s: no case reached it", label))
		case s.matched == 0:
			gaps = append(gaps, fmt.Sprintf("never matched: %s: %s reached it and none matched; add a case it must match", label, plural(s.reached, "case")))
		case s.reached == s.matched:
			all := fmt.Sprintf("all %d cases", s.reached)
			if s.reached == 1 {
				all = "the one case"
			}
			gaps = append(gaps, fmt.Sprintf("never failed: %s: it matched %s that reached it; add a case it must not match", label, all))
		}
	}
	n := len(c.rules)
	line := fmt.Sprintf("coverage: %d of %d rules matched by a case, %d of %d not matched by a case", matched, n, failed, n)
	if c.disabled > 0 {
		line += fmt.Sprintf(" (%s not counted)", plural(c.disabled, "disabled rule"))
	}
	fmt.Fprintln(w, line)
	for _, g := range gaps {
		fmt.Fprintln(w, "  "+g)
	}
}

func quoteList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = fmt.Sprintf("%q", id)
	}
	return strings.Join(q, ", ")
}

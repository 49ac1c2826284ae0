package rules

import (
	"cmp"
	"math"
	"slices"

	"github.com/switchboardhq/switchboard/dsl"
)

// maxIndexFields bounds the fields indexed, so that routing keeps its
// cursors on the stack.
const maxIndexFields = 7

// index places rules whose top-level conjunction requires a text field to
// equal a constant (Field == "x", Field in ["x", "y"]) into one hash table
// per field; the other rules are scanned. Candidates are merged in rule
// order, so the first match is the one a linear scan finds.
type index struct {
	fields []indexField
	rest   []int32
}

type indexField struct {
	path    string
	get     func(*dsl.Context) string
	byValue map[string][]int32
}

func buildIndex(rules []compiled) *index {
	// Count, per text field, the rules that could be indexed on it.
	keys := make([][]dsl.Atom, len(rules))
	count := make(map[string]int)
	for i, r := range rules {
		atoms, _ := r.prog.Conjuncts()
		seen := make(map[string]bool)
		for _, a := range atoms {
			if a.Kind == dsl.KindText && (a.Op == "==" || a.Op == "in") {
				keys[i] = append(keys[i], a)
				if !seen[a.Path] {
					seen[a.Path] = true
					count[a.Path]++
				}
			}
		}
	}
	paths := make([]string, 0, len(count))
	for p := range count {
		paths = append(paths, p)
	}
	slices.SortFunc(paths, func(a, b string) int {
		if c := cmp.Compare(count[b], count[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	if len(paths) > maxIndexFields {
		paths = paths[:maxIndexFields]
	}
	ix := &index{}
	slot := make(map[string]int)
	for _, p := range paths {
		f, _ := dsl.LookupField(p)
		slot[p] = len(ix.fields)
		ix.fields = append(ix.fields, indexField{path: p, get: f.Text, byValue: make(map[string][]int32)})
	}
	for i := range rules {
		best := -1
		var atom dsl.Atom
		for _, a := range keys[i] {
			if s, ok := slot[a.Path]; ok && (best < 0 || s < best) {
				best, atom = s, a
			}
		}
		if best < 0 {
			ix.rest = append(ix.rest, int32(i))
			continue
		}
		m := ix.fields[best].byValue
		for _, v := range atom.Text {
			m[v] = append(m[v], int32(i))
		}
	}
	return ix
}

// firstIndexed returns the first matching rule, evaluating only the rules the
// index cannot rule out, in rule order.
func (s *Set) firstIndexed(c *dsl.Context) int {
	ix := s.index
	var buckets [maxIndexFields][]int32
	n := 0
	for i := range ix.fields {
		f := &ix.fields[i]
		if l := f.byValue[f.get(c)]; len(l) > 0 {
			buckets[n] = l
			n++
		}
	}
	rest := ix.rest
	for {
		// The next indexed candidate; the scanned rules before it go first.
		best, head := -1, int32(math.MaxInt32)
		for k := 0; k < n; k++ {
			if len(buckets[k]) > 0 && buckets[k][0] < head {
				best, head = k, buckets[k][0]
			}
		}
		for len(rest) > 0 && rest[0] < head {
			i := int(rest[0])
			rest = rest[1:]
			if s.match(i, c) {
				return i
			}
		}
		if best < 0 {
			return -1
		}
		buckets[best] = buckets[best][1:]
		if s.match(int(head), c) {
			return int(head)
		}
	}
}

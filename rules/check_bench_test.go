package rules

import (
	"fmt"
	"testing"
)

func BenchmarkCheck(b *testing.B) {
	for _, shape := range []string{"mixed", "entity"} {
		for _, n := range []int{1000, 10000} {
			gen := mixedRule
			if shape == "entity" {
				gen = entityRule
			}
			spec := Spec{DefaultQueueID: "default"}
			for i := range n {
				spec.Rules = append(spec.Rules, Rule{ID: fmt.Sprint(i), Name: fmt.Sprint(i), Condition: gen(i).cond, QueueID: "q", Enabled: true, Position: i})
			}
			b.Run(fmt.Sprintf("%s/%d", shape, n), func(b *testing.B) {
				for b.Loop() {
					_ = Check(spec)
				}
			})
		}
	}
}

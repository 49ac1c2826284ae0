package rules_test

import (
	"fmt"

	"github.com/switchboardhq/switchboard/dsl"
	"github.com/switchboardhq/switchboard/rules"
)

func ExampleSet_Explain() {
	set, err := rules.Compile(rules.Spec{
		Version:        4,
		DefaultQueueID: "general",
		Rules: []rules.Rule{
			{ID: "esc", Name: "Escalate", Condition: `Conversation.RequeueCount >= 2`, QueueID: "escalations", Enabled: true},
			{ID: "vip", Name: "VIP", Condition: `Customer.FollowersCount > 10000 || hasTag("vip")`, QueueID: "vip", Enabled: true, Position: 1},
		},
	})
	if err != nil {
		panic(err)
	}
	d, trace := set.Explain(&dsl.Context{Customer: dsl.Customer{FollowersCount: 25000}})
	fmt.Println(d.Rule.ID, d.QueueID, d.Version, d.Reason)
	for _, e := range trace {
		fmt.Println(e.RuleID, e.Result, e.Values)
	}
	// Output:
	// vip vip 4 matched
	// esc false map[]
	// vip true map[Customer.FollowersCount:25000 Customer.Tags:[]]
}

func ExampleCheck() {
	for _, w := range rules.Check(rules.Spec{Rules: []rules.Rule{
		{ID: "night", Name: "Night shift", Condition: `Hour > 18 && Hour < 9`, QueueID: "night", Enabled: true},
	}}) {
		fmt.Println(w.Code, w.Message)
	}
	// Output: contradiction the rule never matches: Hour would have to be at least 19 and at most 8, which no number is; to accept either side, join the conditions with || instead of &&
}

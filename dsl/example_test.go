package dsl_test

import (
	"fmt"

	"github.com/switchboardhq/switchboard/dsl"
)

func ExampleCompile() {
	p, err := dsl.Compile(`Customer.FollowersCount > 10000 && textHasAny(["refund", "chargeback"])`)
	if err != nil {
		panic(err)
	}
	c := &dsl.Context{
		Customer: dsl.Customer{ScreenName: "ada", FollowersCount: 25000},
		Message:  dsl.Message{Text: "I want a Refund"},
	}
	ok, err := p.Eval(c, nil)
	fmt.Println(ok, err, p.Fast())
	// Output: true <nil> true
}

func ExampleCompile_error() {
	_, err := dsl.Compile(`Customer.FollowerCount > 10000`)
	fmt.Println(err)
	// Output:
	// line 1, column 10: Customer has no field FollowerCount
	//   | Customer.FollowerCount > 10000
	//   |          ^
	// hint: did you mean Customer.FollowersCount?
}

func ExampleGroup_Expression() {
	g := dsl.Group{Any: []dsl.Condition{
		{Attribute: "Customer.FollowersCount", Operator: "greater", Value: 10000},
		{Attribute: "Customer.Tags", Operator: "contains", Value: "vip"},
	}}
	src, err := g.Expression()
	fmt.Println(src, err)
	// Output: Customer.FollowersCount > 10000 || "vip" in Customer.Tags <nil>
}

func ExampleDecodeContext() {
	_, err := dsl.DecodeContext([]byte(`{"Customer": {"FollowerCount": 12000}}`))
	fmt.Println(err)
	// Output:
	// Customer.FollowerCount: unknown field Customer.FollowerCount
	// hint: did you mean Customer.FollowersCount?
}

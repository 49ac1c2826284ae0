package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/switchboardhq/switchboard/rules/rulefile"
)

// newRulesCmd builds "switchboard rules": thin wrappers over package
// rulefile. A command that reports failures returns an error, so the
// process exits with status 1.
func newRulesCmd(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Validate, test and explain routing rule files",
		Long: `Work with routing rules kept in a YAML file: a work stream's rules (name,
condition or structured conditions, queue, enabled) and test cases (a context
and the rule or queue it should route to). The checks are the ones the API
makes when rules are saved and tested.

A rule file:

  version: 3
  default_queue: general
  rules:
    - id: vip
      name: VIP customers
      condition: Customer.FollowersCount > 10000 || hasTag("vip")
      queue: vip
  tests:
    - name: big accounts are VIPs
      context: {Customer: {FollowersCount: 25000}}
      expect: {rule: vip}
    - name: small accounts are not VIPs
      context: {Customer: {FollowersCount: 40}}
      expect: {not_rule: vip, trace: {no_match: [vip]}}`,
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)

	validate := &cobra.Command{
		Use:   "validate FILE",
		Short: "Compile every rule and run the static checks",
		Long: `Compile every rule of FILE and run the static checks.

Each rule that does not compile is printed with its place in the file, the
line of the condition with a caret under the mistake, and a hint; so are
YAML mistakes and a rule with no queue. Warnings (a rule that can never be
reached, a contradictory or always-true rule such as X || !X, a duplicate
condition, an alternative of an || or a longer contains that an earlier rule
already covers, a value a field never takes such as Hour > 23 or Weekday ==
"Mondy", a rule that sends to the default queue) are printed too but do not
fail. Exits 1 if any rule does not compile.`,
		Example: "  switchboard rules validate rules.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return rulefile.Validate(stdout, args[0])
		},
	}

	test := &cobra.Command{
		Use:   "test FILE",
		Short: "Run the test cases of a rule file",
		Long: `Route the context of every test case in FILE with its rules and compare
the outcome with the case's expect: rule (a rule id, or "none"), not_rule
(any decision but that rule; "none": some rule must match), queue, priority,
and trace: no_match (rules that were evaluated and did not match) and values
(fields the matching rule read, with the values they must have had).
Prints PASS or FAIL per case, with the trace of each failure: every rule
evaluated, whether it matched, and the field values the matching rule read.

Then prints the coverage, always: how many enabled rules some case matches
and some case does not, and each rule that no case reaches (earlier rules
decided every case), that no case matches, or that matches every case that
reaches it. Gaps in the coverage do not fail the command.
Exits 1 if any case fails or any rule does not compile.`,
		Example: "  switchboard rules test rules.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return rulefile.Test(stdout, args[0])
		},
	}

	var contextArg string
	explain := &cobra.Command{
		Use:   "explain FILE --context JSON|@file",
		Short: "Show how one engagement context is routed",
		Long: `Route one engagement context with the rules of FILE and print the trace:
each rule evaluated in order, its result or run-time error, the values the
matching rule read, and the decision (the rule and queue, or the default
queue). The context is JSON with the field names of "switchboard rules
fields" as keys; missing fields are empty. Exits 1 if the rules do not
compile or the context is not valid.`,
		Example: `  switchboard rules explain rules.yaml --context '{"Customer": {"FollowersCount": 25000}}'
  switchboard rules explain rules.yaml --context @context.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return rulefile.Explain(stdout, args[0], contextArg)
		},
	}
	explain.Flags().StringVar(&contextArg, "context", "{}", "the engagement context as JSON, or @file to read it from a file")

	fields := &cobra.Command{
		Use:   "fields",
		Short: "List the fields, functions and operators rules can use",
		Long: `Print the catalogue of the rule language: every field of the engagement
context with its type, an example and its meaning; the operators and
functions of expressions; and the operators of structured conditions.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return rulefile.Fields(stdout)
		},
	}

	cmd.AddCommand(validate, test, explain, fields)
	return cmd
}

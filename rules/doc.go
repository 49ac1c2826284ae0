// Package rules compiles the routing rules of a work stream into an
// immutable rule set and routes engagement contexts with it: first match
// wins, no match goes to the default queue.
//
// Compile orders the enabled rules by position and compiles each condition
// with package dsl; a condition that does not compile is a *CompileError that
// names the rule and wraps the *dsl.Error. A compiled *Set is safe to share
// between goroutines and cites its version in every Decision.
//
// Route evaluates rules on dsl's closure fast path where it can (expr's VM
// otherwise) and uses an index: rules whose top-level conjunction requires a
// text field to equal a constant (Channel.Handle == "Acme Care",
// Customer.ScreenName in [...]) sit in one hash table per field, the rest are
// scanned, and candidates are merged in rule order so that the result is the
// one a linear scan gives. Explain returns the same decision with a trace of
// every rule evaluated. Check finds rules that can never match or never be
// reached, without blocking anything.
package rules

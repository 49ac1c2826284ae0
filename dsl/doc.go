// Package dsl is Switchboard's rule language: the typed engagement context a
// routing rule sees, the catalogue of its fields, and the compiler that turns
// an analyst's expression into a checked, bounded, boolean Program.
//
// Rules are expr (github.com/expr-lang/expr) expressions. dsl is the only
// package that imports expr: it always compiles against the Go type of
// Context (so a misspelt field is a compile error), always demands a boolean
// result, and bounds the source length and the number of syntax nodes. Every
// compile error is an *Error with a line, a column, a message in an analyst's
// words, a hint (often "did you mean …?") and the source line with a caret.
//
// One table, returned by Fields, describes every field of Context: its path
// as analysts write it, its type in analyst words, its meaning, an example and
// a typed getter. The table feeds the catalogue ("switchboard rules fields"),
// the hints in errors, JSON decoding of example contexts (DecodeContext), and
// the fast path: a compiled Program walks expr's checked and optimized syntax
// tree and builds a tree of typed Go closures over those getters, so that a
// rule runs in a few nanoseconds per node without allocating. Rules that use
// something the closures do not cover run on expr's virtual machine, which
// also stays the reference the closures are tested against.
//
// Analysts may also write a condition as structured conditions (Group): all /
// any groups of attribute, operator and value, as in a rule editor. A Group
// converts to expression text, so both forms compile to the same Program.
package dsl

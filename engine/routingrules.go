package engine

// RuleStore persists routing rules and their immutable rule-set versions.
type RuleStore interface{}

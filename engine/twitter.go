package engine

// TwitterStore persists Twitter applications and handles; secrets are sealed by the store.
type TwitterStore interface{}

package engine

import (
	"time"

	"github.com/oklog/ulid/v2"
)

// IDs are ULIDs as strings: unique without coordination between replicas,
// sortable by creation time (so cursors over them are stable under concurrent
// inserts), and opaque to API clients. Each resource has its own type so that
// a queue id cannot be passed where an agent id is expected.
type (
	// QueueID identifies a queue.
	QueueID string
	// WorkStreamID identifies a work stream.
	WorkStreamID string
	// APIKeyID identifies an API key.
	APIKeyID string
	// AgentID identifies an agent.
	AgentID string
)

// NewID returns a new ULID string for the given time. IDs made in one
// process within the same millisecond still sort in the order they were made.
func NewID(now time.Time) string {
	return ulid.MustNew(ulid.Timestamp(now), ulid.DefaultEntropy()).String()
}

// ValidID reports whether s has the shape of an ID this service generates.
func ValidID(s string) bool {
	_, err := ulid.ParseStrict(s)
	return err == nil
}

package engine

import "time"

// Clock tells the time. The engine never calls time.Now directly, so tests and
// the scheduler can drive time without sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC, to the microsecond.
type SystemClock struct{}

// Now returns the current time in UTC to the microsecond: PostgreSQL keeps
// no finer, and a time a write answers with must be the one a read gives.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

package engine

import "time"

// Clock tells the time. The engine never calls time.Now directly, so tests and
// the scheduler can drive time without sleeping.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

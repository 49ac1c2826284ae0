package twitter

import (
	"math/rand/v2"
	"time"
)

// Retry policy for outbound calls (§9.6, §12).
const (
	retryBase = time.Second
	retryMax  = 5 * time.Minute
)

// RetryDelay is the backoff before retry number attempt (1 for the first
// retry): exponential from 1 s, capped at 5 min, with jitter in its upper
// half so that many senders do not retry in step.
func RetryDelay(attempt int) time.Duration {
	d := retryMax
	if attempt < 1 {
		attempt = 1
	}
	if attempt <= 20 {
		d = min(retryBase<<(attempt-1), retryMax)
	}
	return d/2 + rand.N(d/2+1)
}

// RetryAt tells an outbox when to try a failed call again, after attempt
// attempts so far: at the rate-limit reset for a 429 (not before), after
// RetryDelay for other retryable failures, never (ok false) for permanent
// ones or errors that are not *APIError.
func RetryAt(err error, attempt int, now time.Time) (at time.Time, ok bool) {
	e, isAPI := AsAPIError(err)
	switch {
	case !isAPI || !e.Retryable():
		return time.Time{}, false
	case e.RateLimited() && e.ResetAt.After(now):
		return e.ResetAt, true
	default:
		return now.Add(RetryDelay(attempt)), true
	}
}

package engine_test

import (
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// TestDefaultBackoff: exponential from 1 s, capped at 5 min, with jitter
// in the upper half.
func TestDefaultBackoff(t *testing.T) {
	for attempt, want := range map[int]time.Duration{0: time.Second, 1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 9: 256 * time.Second, 10: 5 * time.Minute, 100: 5 * time.Minute} {
		for range 50 {
			if d := engine.DefaultBackoff(attempt); d < want/2 || d > want {
				t.Errorf("DefaultBackoff(%d) = %v, want in [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
}

// TestChannelError classifies a channel's failures.
func TestChannelError(t *testing.T) {
	err := error(&engine.ChannelError{Op: "send direct message", Message: "403 code 349"})
	te, ok := engine.AsChannelError(err)
	if !ok || !te.Permanent() || te.Error() != "send direct message: 403 code 349" {
		t.Errorf("349: %+v %v", te, ok)
	}
	for _, e := range []*engine.ChannelError{{Retryable: true}, {RateLimited: true}} {
		if e.Permanent() {
			t.Errorf("%+v is permanent", e)
		}
	}
}

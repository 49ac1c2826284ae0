package engine

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHandleEventNotesClaimOncePerInterval: of the deliveries that arrive
// together, one writes the handle's newest event; none writes again
// within the interval; a failed write's claim is given up for the next.
func TestHandleEventNotesClaimOncePerInterval(t *testing.T) {
	var n endpointEventNotes
	const handle = EndpointID("h1")
	start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	var claimed atomic.Int32
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			if n.claim(handle, start) {
				claimed.Add(1)
			}
		})
	}
	wg.Wait()
	if got := claimed.Load(); got != 1 {
		t.Fatalf("%d of 32 simultaneous deliveries claimed the write; want 1", got)
	}
	steps := []struct {
		at      time.Duration
		release bool // the claimed write failed
		want    bool
	}{
		{at: 500 * time.Millisecond, want: false},
		{at: eventNoteInterval, want: true, release: true},
		{at: eventNoteInterval + time.Millisecond, want: true},
		{at: eventNoteInterval + 2*time.Millisecond, want: false},
		{at: 2*eventNoteInterval + time.Millisecond, want: true},
		{at: time.Second / 2, want: true}, // the clock went back: write
	}
	for _, st := range steps {
		now := start.Add(st.at)
		if got := n.claim(handle, now); got != st.want {
			t.Errorf("claim at +%s = %v; want %v", st.at, got, st.want)
		}
		if st.release {
			n.release(handle, now)
		}
	}
	if !n.claim("h2", start) {
		t.Error("another handle's first claim was refused")
	}
}

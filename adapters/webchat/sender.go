package webchat

import (
	"context"
	"sync"

	"github.com/switchboardhq/switchboard/engine"
)

// Channel is the key the web-chat channel goes by in the engine.
const Channel engine.Channel = "webchat"

// Sender is the web-chat channel's engine.Sender. A reply is delivered by
// being there for the visitor's stream to read: sending it wakes the
// visitor's streams in this process (others find it at their next poll).
// Sending twice is harmless, so a crashed send is simply sent again.
type Sender struct {
	hub *hub
}

var _ engine.Sender = (*Sender)(nil)

// Send hands the reply to the visitor's streams; its id on the channel is
// the reply's own.
func (s *Sender) Send(_ context.Context, m engine.OutboundMessage) ([]string, error) {
	s.hub.wake(m.Endpoint.ID, m.RecipientID)
	return []string{string(m.ID)}, nil
}

// SentLookup finds nothing: sending again is harmless.
func (s *Sender) SentLookup() engine.SentLookup { return noLookup{} }

type noLookup struct{}

func (noLookup) FindSent(context.Context, engine.OutboundMessage) ([]string, error) { return nil, nil }

// hub wakes the streams of a visitor when a reply is handed to them.
type hub struct {
	mu      sync.Mutex
	streams map[visitorKey]map[chan struct{}]struct{}
}

type visitorKey struct {
	endpoint engine.EndpointID
	visitor  string
}

func newHub() *hub { return &hub{streams: map[visitorKey]map[chan struct{}]struct{}{}} }

// subscribe returns a channel woken when a reply for the visitor is
// handed over, and the function that stops it.
func (h *hub) subscribe(endpoint engine.EndpointID, visitor string) (<-chan struct{}, func()) {
	k := visitorKey{endpoint, visitor}
	c := make(chan struct{}, 1)
	h.mu.Lock()
	if h.streams[k] == nil {
		h.streams[k] = map[chan struct{}]struct{}{}
	}
	h.streams[k][c] = struct{}{}
	h.mu.Unlock()
	return c, func() {
		h.mu.Lock()
		delete(h.streams[k], c)
		if len(h.streams[k]) == 0 {
			delete(h.streams, k)
		}
		h.mu.Unlock()
	}
}

func (h *hub) wake(endpoint engine.EndpointID, visitor string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.streams[visitorKey{endpoint, visitor}] {
		select {
		case c <- struct{}{}:
		default: // a wake is pending already
		}
	}
}

package twittertest

import "context"

// HoldSends makes DM sends (both dialects) stop after the DM is stored and
// its echo delivered, before the answer: Twitter has the DM while the
// sender does not know it yet, as when a connection breaks after the
// request reached Twitter. Held sends answer at ReleaseSends; a sender that
// goes away meanwhile (a crashed process) gets no answer, and the DM stays
// stored. HeldSends tells how many sends are waiting.
func (s *Server) HoldSends() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold == nil {
		s.hold = make(chan struct{})
	}
}

// ReleaseSends answers the held sends and stops holding new ones.
func (s *Server) ReleaseSends() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hold != nil {
		close(s.hold)
		s.hold = nil
	}
}

// HeldSends counts the sends held now: stored, not yet answered.
func (s *Server) HeldSends() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// waitHold blocks a stored send while sends are held; it reports whether
// the send should still be answered (false once the caller went away).
func (s *Server) waitHold(ctx context.Context) bool {
	s.mu.Lock()
	release := s.hold
	if release == nil {
		s.mu.Unlock()
		return true
	}
	s.held++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.held--
		s.mu.Unlock()
	}()
	select {
	case <-release:
		return true
	case <-ctx.Done():
		return false
	}
}

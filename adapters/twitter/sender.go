package twitter

import (
	"context"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// Channel is the key the Twitter channel goes by in the engine: a work
// stream's channel, a customer's identity, the outbox's choice of Sender.
const Channel engine.Channel = "twitter"

// HandleAuditName is what the audit log calls a handle: the engine is told
// it (engine.ServiceOptions.EndpointAuditNames) for the changes it makes to
// a handle by itself.
const HandleAuditName = "twitter_handle"

// Records reads the sources a Sender signs with, their credentials in
// clear (the outbox hands over the endpoint); engine.Store is one.
type Records interface {
	Source(ctx context.Context, id engine.SourceID) (engine.Source, error)
}

// Sender is the Twitter channel's engine.Sender: a reply goes out as DMs
// signed with its handle's token, and a reply a crashed sender may have
// sent is looked for by paging back through the handle's DM events.
type Sender struct {
	gateway *Gateway
	records Records
}

var _ engine.Sender = (*Sender)(nil)

// NewSender returns the Sender that sends through gateway with the
// credentials records holds.
func NewSender(gateway *Gateway, records Records) *Sender {
	return &Sender{gateway: gateway, records: records}
}

// credentials reads the application and handle a message goes out through.
func (s *Sender) credentials(ctx context.Context, m engine.OutboundMessage) (Application, Handle, error) {
	src, err := s.records.Source(ctx, m.Source)
	if err != nil {
		return Application{}, Handle{}, err
	}
	return applicationOf(src), handleOf(m.Endpoint), nil
}

// Send sends the parts of the message's text after the first m.SkipParts,
// one DM each.
func (s *Sender) Send(ctx context.Context, m engine.OutboundMessage) ([]string, error) {
	app, handle, err := s.credentials(ctx, m)
	if err != nil {
		return nil, err
	}
	if handle.AccessToken.IsZero() {
		return nil, &engine.ChannelError{Op: "send direct message", Message: "the handle has no access token: sign on again", CredentialsRejected: true}
	}
	return s.gateway.SendDM(ctx, app, handle, m.RecipientID, m.Text, m.SkipParts)
}

// SentLookup starts one outbox run's look-ups: the DM events read of a
// handle serve every message of the run that needs a look.
func (s *Sender) SentLookup() engine.SentLookup {
	return &sentLookup{sender: s, searches: map[engine.EndpointID]*sentSearch{}}
}

// maxSentSearchPages bounds how far back one run pages through a handle's
// DM events looking for messages a crashed sender may have sent.
const maxSentSearchPages = 10

type sentLookup struct {
	sender   *Sender
	searches map[engine.EndpointID]*sentSearch
}

// sentSearch is a handle's DM events read so far in one run, newest first.
type sentSearch struct {
	dms    []engine.ChannelMessage
	cursor string
	pages  int
	done   bool  // no older page
	err    error // a failed page, not asked again in the same run
}

// FindSent looks for a message among the handle's DM events: sent by the
// handle to the recipient, not before the message was written, with (a
// part of) its text. It pages back until the events are older than the
// message, as a busy handle's newest page may be all customers' DMs. It
// returns their event ids, oldest first.
func (l *sentLookup) FindSent(ctx context.Context, m engine.OutboundMessage) ([]string, error) {
	ss := l.searches[m.Endpoint.ID]
	if ss == nil {
		ss = &sentSearch{}
		l.searches[m.Endpoint.ID] = ss
	}
	if ss.err != nil {
		return nil, ss.err
	}
	app, handle, err := l.sender.credentials(ctx, m)
	if err != nil {
		return nil, err
	}
	since := m.WrittenAt.Add(-time.Minute)
	for !ss.done && ss.pages < maxSentSearchPages && (len(ss.dms) == 0 || !ss.dms[len(ss.dms)-1].SentAt.Before(since)) {
		page, err := l.sender.gateway.ListDMEvents(ctx, app, handle, ss.cursor)
		if err != nil {
			ss.err = err
			return nil, err
		}
		ss.pages++
		ss.dms = append(ss.dms, page.DMs...)
		ss.cursor, ss.done = page.NextCursor, page.NextCursor == ""
	}
	var ids []string
	for i := len(ss.dms) - 1; i >= 0; i-- {
		dm := ss.dms[i]
		text := strings.TrimSpace(dm.ExpandedText())
		if dm.SenderExternalID == handle.UserID && dm.RecipientExternalID == m.RecipientID && !dm.SentAt.Before(since) &&
			text != "" && strings.Contains(m.Text, text) {
			ids = append(ids, dm.ExternalID)
		}
	}
	return ids, nil
}

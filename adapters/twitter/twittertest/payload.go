package twittertest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter/internal/wire"
)

// TextDM is a customer's text DM to a handle, for a client that posts
// deliveries itself (a load generator) rather than through a Server.
type TextDM struct {
	// EventID is the DM event's id; Twitter's are unique numbers.
	EventID   int64
	CreatedAt time.Time
	From, To  User
	// Text's links are wrapped in t.co, as Twitter does.
	Text string
}

// DeliveryBody renders the Account Activity POST body that delivers dms to
// the webhook subscribed for forUserID, exactly as the server's own
// deliveries do: the events and the condensed users map. Sign it with
// twitter.Sign and the application's consumer secret.
func DeliveryBody(forUserID string, dms ...TextDM) ([]byte, error) {
	var s Server // text DMs need none of a server's state
	p := wire.Payload{ForUserID: forUserID, Users: map[string]wire.User{}}
	for _, m := range dms {
		text, links := wrapLinks(m.Text)
		d := &dm{id: m.EventID, senderID: m.From.ID, recipientID: m.To.ID, text: text, links: links, created: m.CreatedAt.UTC().Truncate(time.Millisecond)}
		p.DMEvents = append(p.DMEvents, s.dmEventLocked(d))
		p.Users[m.From.ID] = condensedUser(&m.From)
		p.Users[m.To.ID] = condensedUser(&m.To)
	}
	body, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("fake twitter: delivery body: %w", err)
	}
	return body, nil
}

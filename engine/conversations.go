package engine

import (
	"context"
	"errors"
	"time"

	"github.com/switchboardhq/switchboard/rules"
)

type (
	// ContactID identifies a contact (a customer record).
	ContactID string
	// ConversationID identifies a conversation.
	ConversationID string
	// MessageID identifies a message.
	MessageID string
)

// Status is where a conversation stands in its lifecycle:
// open → offered → active ⇄ waiting → wrap_up → closed.
type Status string

// The conversation states of DESIGN.md.
const (
	StatusOpen    Status = "open"    // in a queue, unassigned
	StatusOffered Status = "offered" // waiting for an agent to accept
	StatusActive  Status = "active"  // an agent works it
	StatusWaiting Status = "waiting" // asynchronous pause
	StatusWrapUp  Status = "wrap_up" // the agent finishes the paperwork
	StatusClosed  Status = "closed"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusOpen, StatusOffered, StatusActive, StatusWaiting, StatusWrapUp, StatusClosed:
		return true
	}
	return false
}

// Channel names a way customers reach the business: a key of the channels
// the service is wired with (the Twitter adapter's is "twitter").
type Channel string

// ChannelIdentity names a customer on one channel: the channel, and the id
// the channel knows them by.
type ChannelIdentity struct {
	Channel    Channel
	ExternalID string
}

// CustomerProfile is what a channel tells about a customer. Channel and
// ExternalID identify them; the rest is what the channel shares (a web
// chat knows little more than a name).
type CustomerProfile struct {
	Channel          Channel
	ExternalID       string
	Name             string
	ScreenName       string
	FollowersCount   int
	FriendsCount     int
	Verified         bool
	Protected        bool
	Language         string
	Location         string
	Description      string
	ProfileImageURL  string
	AccountCreatedAt time.Time
}

// Identity is the customer's identity on their channel.
func (p CustomerProfile) Identity() ChannelIdentity {
	return ChannelIdentity{Channel: p.Channel, ExternalID: p.ExternalID}
}

// Contact is the customer record a channel's customer is matched to.
type Contact struct {
	ID      ContactID
	Profile CustomerProfile
	Tags    []string
	// CreatedAt and UpdatedAt are the record's own times.
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Conversation is the asynchronous thread between one customer and one
// business handle.
type Conversation struct {
	ID           ConversationID
	SourceID     SourceID
	EndpointID   EndpointID
	WorkStreamID WorkStreamID
	ContactID    ContactID // empty when the customer is not linked to a contact
	// ContactCandidates are contacts whose name matches the customer's, left
	// for the agent to confirm (work streams that ask); see LinkContact.
	ContactCandidates []ContactID
	Customer          CustomerProfile
	ExternalThreadID  string
	Status            Status
	QueueID           QueueID // the queue it was last routed to
	AgentID           AgentID // the agent working it
	OfferedAgentID    AgentID // the agent it is offered to, while offered
	OfferedAt         *time.Time
	// CapacityUnits is the capacity the conversation takes from its agent
	// while offered or worked (its work stream's capacity at the time).
	CapacityUnits int
	// Priority orders the conversation among those waiting in its queue
	// (higher first; then the longest waiting), unless the queue orders by
	// age only. A matching rule with a priority sets it, so does SetPriority.
	Priority              int
	RequeueCount          int
	IsReturning           bool
	PreviousConversations int
	MessageCount          int
	RoutedAt              *time.Time
	// LastMessageAt, LastCustomerMessageAt and LastAgentMessageAt are when
	// Switchboard received (or wrote) the newest message of each kind, not
	// when the channel says it was sent: the scheduler's timers run from
	// them, so that a message delivered late does not age its conversation.
	LastMessageAt         *time.Time
	LastCustomerMessageAt *time.Time
	LastAgentMessageAt    *time.Time
	StalledAt             *time.Time
	ClosedAt              *time.Time
	CloseReason           string
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// DefaultPriority is the priority of a conversation no rule or person has
// given one.
const DefaultPriority = rules.DefaultPriority

// Direction says who wrote a message.
type Direction string

// Inbound messages come from the customer; outbound ones from the business.
const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
)

// DeliveryStatus is how far an outbound message got on its way to the
// customer's channel.
type DeliveryStatus string

// The delivery states of an outbound message.
const (
	DeliveryQueued  DeliveryStatus = "queued"
	DeliverySending DeliveryStatus = "sending"
	DeliverySent    DeliveryStatus = "sent"
	DeliveryFailed  DeliveryStatus = "failed"
)

// Media is an attachment of a message.
type Media struct {
	Type string `json:"type"`
	// URL is the attachment itself: a photo's image, the best video of a
	// GIF or video.
	URL string `json:"url"`
	ID  string `json:"id,omitempty"`
	// PreviewURL is the still image of a GIF or video, when the channel
	// gives one.
	PreviewURL string `json:"preview_url,omitempty"`
	// Variants are every rendition of a GIF or video the channel offered.
	Variants []MediaVariant `json:"variants,omitempty"`
}

// MediaVariant is one rendition of a GIF or video.
type MediaVariant struct {
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
	// Bitrate is in bits per second; 0 when the channel does not say (GIFs).
	Bitrate int64 `json:"bitrate"`
}

// Initiation says what led the customer to write: a prompt of the
// business on the channel (on Twitter a tweet's "send a message" button,
// Kind "tweet", or a welcome message, Kind "welcome_message") and its id.
type Initiation struct {
	Kind string `json:"kind"`
	ID   string `json:"id"`
}

// Initiation kinds.
const (
	InitiatedByPost           = "tweet"
	InitiatedByWelcomeMessage = "welcome_message"
)

// Link is a link in a message as its channel reported it: the (possibly
// shortened) URL in the text, where it leads, and how to show it.
type Link struct {
	URL      string `json:"url"`
	Expanded string `json:"expanded_url,omitempty"`
	Display  string `json:"display_url,omitempty"`
}

// Target is where the link leads: its expanded URL, else the URL itself.
func (l Link) Target() string {
	if l.Expanded != "" {
		return l.Expanded
	}
	return l.URL
}

// Message is one DM of a conversation.
type Message struct {
	ID               MessageID
	ConversationID   ConversationID
	SourceID         SourceID
	Direction        Direction
	ExternalID       string // the channel's id for it; empty until an outbound message is sent
	SenderExternalID string
	AuthorAgentID    AgentID // the agent who wrote an outbound message
	Text             string
	Media            []Media
	// Links are the links of the text as the channel reported them.
	Links []Link
	// InitiatedVia says what prompt the message answers, when the channel says.
	InitiatedVia []Initiation
	QuickReply   string
	Features     MessageFeatures // inbound only: what routing saw of it
	SentAt       time.Time       // the channel's time for the message; messages are shown in this order
	ReceivedAt   time.Time
	Delivery     DeliveryStatus // outbound only
	Attempts     int
	LastError    string
	// Blocked marks an inbound message from a blocked customer: stored, but
	// neither routed nor offered (blocks.go).
	Blocked bool
	// Automated marks an outbound message Switchboard sent by itself (a
	// work stream's greeting or out-of-hours message, automated.go), not
	// an agent.
	Automated bool
}

// RoutingReason says why a routing decision was made.
type RoutingReason string

// Routing reasons recorded in a conversation's history.
const (
	ReasonMatched  RoutingReason = "matched"  // a rule matched
	ReasonDefault  RoutingReason = "default"  // no rule matched: the default queue
	ReasonError    RoutingReason = "error"    // the rules could not run: the default queue
	ReasonRequeue  RoutingReason = "requeue"  // the scheduler re-evaluated a waiting conversation
	ReasonTransfer RoutingReason = "transfer" // an agent transferred it
	ReasonPriority RoutingReason = "priority" // someone changed its priority
	ReasonOverflow RoutingReason = "overflow" // its queue was full: the queue's overflow queue
)

// RoutingDecision records where a conversation was sent and why.
type RoutingDecision struct {
	ID             string
	ConversationID ConversationID
	At             time.Time
	RuleID         string
	RuleName       string
	RuleSetVersion int
	QueueID        QueueID
	// Priority is the conversation's priority after the decision.
	Priority int
	Reason   RoutingReason
	Error    string
	// OverflowFrom is the queue the decision chose first, when that queue
	// was full and the conversation went to its overflow queue instead.
	OverflowFrom QueueID
}

// ConversationFilter narrows a listing; empty fields match everything.
type ConversationFilter struct {
	Status       Status
	QueueID      QueueID
	AgentID      AgentID // assigned to or offered to
	WorkStreamID WorkStreamID
	// CustomerScreenName matches the customer's screen name, ignoring case.
	CustomerScreenName string
	// VisibleTo limits the listing to what an agent may see: the
	// conversations offered or assigned to it and those waiting in
	// VisibleQueues (its queues), which it may pick.
	VisibleTo     AgentID
	VisibleQueues []QueueID
}

// ConversationStore persists contacts, conversations, messages and routing
// decisions.
type ConversationStore interface {
	CreateContact(ctx context.Context, c Contact) error
	Contact(ctx context.Context, id ContactID) (Contact, error)
	// ContactByIdentity returns the contact linked to a channel's customer.
	ContactByIdentity(ctx context.Context, id ChannelIdentity) (Contact, error)
	UpdateContact(ctx context.Context, c Contact) error

	// ContactsByName returns the contacts not linked to any channel's customer
	// whose screen name (field "screen_name") or display name (field
	// "name") equals name, ignoring case.
	ContactsByName(ctx context.Context, field, name string) ([]Contact, error)

	CreateConversation(ctx context.Context, c Conversation) error
	Conversation(ctx context.Context, id ConversationID) (Conversation, error)
	// ListConversations lists newest first.
	ListConversations(ctx context.Context, f ConversationFilter, p Page) (List[Conversation], error)
	UpdateConversation(ctx context.Context, c Conversation) error
	// ConversationInProgress returns the conversation that is not closed
	// between an endpoint and the customer it knows as customerID, locked
	// until the transaction ends; ErrNotFound when there is none.
	ConversationInProgress(ctx context.Context, endpoint EndpointID, customerID string) (Conversation, error)
	// CountClosedConversations counts the customer's closed conversations
	// with an endpoint.
	CountClosedConversations(ctx context.Context, endpoint EndpointID, customerID string) (int, error)

	// AppendMessage stores a message. A message whose (source, external id)
	// is stored already is ErrConflict: the duplicate of a delivery.
	AppendMessage(ctx context.Context, m Message) error
	// MessageByExternalID returns the message a source (the application or
	// widget that delivered it) stored under the channel's id for it;
	// ErrNotFound when there is none.
	MessageByExternalID(ctx context.Context, source SourceID, externalID string) (Message, error)
	// DeliveredTo lists, oldest first, up to n outbound messages sent (or
	// being sent: their channel's Sender has them) to a customer, by their
	// id on the channel, in any of their conversations with an endpoint,
	// after the message after (all with after empty).
	DeliveredTo(ctx context.Context, endpoint EndpointID, customerID string, after MessageID, n int) ([]Message, error)
	// Messages lists a conversation's messages in the channel's order (sent
	// time, then id).
	Messages(ctx context.Context, id ConversationID) ([]Message, error)

	AppendRoutingDecision(ctx context.Context, d RoutingDecision) error
	// RoutingHistory lists a conversation's decisions, oldest first.
	RoutingHistory(ctx context.Context, id ConversationID) ([]RoutingDecision, error)
}

// ConversationDetail is a conversation with everything a person working it
// needs to see.
type ConversationDetail struct {
	Conversation
	Contact    *Contact
	Candidates []Contact
	Messages   []Message
	Routing    []RoutingDecision
}

// ListConversations lists conversations, newest first. An agent sees only
// the conversations offered or assigned to it and those waiting in its
// queues (which, in pick mode, it takes with Accept).
func (s *Service) ListConversations(ctx context.Context, actor Actor, f ConversationFilter, p Page) (List[Conversation], error) {
	if actor.Role == RoleAgent {
		if f.AgentID != "" && f.AgentID != actor.AgentID {
			return List[Conversation]{}, Errorf(ErrForbidden, "an agent may list only its own conversations")
		}
		a, err := s.store.Agent(ctx, actor.AgentID)
		if err != nil {
			return List[Conversation]{}, err
		}
		f.VisibleTo, f.VisibleQueues = a.ID, a.QueueIDs
	}
	if f.Status != "" && !f.Status.Valid() {
		return List[Conversation]{}, FieldError("status", "%q is not open, offered, active, waiting, wrap_up or closed", f.Status)
	}
	return s.store.ListConversations(ctx, f, p.Normalized())
}

// ConversationDetail returns a conversation with its customer, messages in
// order and routing history. An agent sees only its own conversations.
func (s *Service) ConversationDetail(ctx context.Context, actor Actor, id ConversationID) (ConversationDetail, error) {
	c, err := s.store.Conversation(ctx, id)
	if err != nil {
		return ConversationDetail{}, err
	}
	if actor.Role == RoleAgent && c.AgentID != actor.AgentID && c.OfferedAgentID != actor.AgentID {
		a, err := s.store.Agent(ctx, actor.AgentID)
		if err != nil {
			return ConversationDetail{}, err
		}
		if c.Status != StatusOpen || !a.MemberOf(c.QueueID) {
			// Not found rather than forbidden: an agent learns nothing of others' work.
			return ConversationDetail{}, Errorf(ErrNotFound, "no conversation has the id %q", id)
		}
	}
	d := ConversationDetail{Conversation: c}
	if c.ContactID != "" {
		contact, err := s.store.Contact(ctx, c.ContactID)
		if err != nil {
			return ConversationDetail{}, err
		}
		d.Contact = &contact
	}
	for _, cid := range c.ContactCandidates {
		contact, err := s.store.Contact(ctx, cid)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return ConversationDetail{}, err
		}
		d.Candidates = append(d.Candidates, contact)
	}
	if d.Messages, err = s.store.Messages(ctx, id); err != nil {
		return ConversationDetail{}, err
	}
	if d.Routing, err = s.store.RoutingHistory(ctx, id); err != nil {
		return ConversationDetail{}, err
	}
	return d, nil
}

// LinkContact settles who the customer of a conversation is: it links the
// given contact (which takes the customer's channel identity and profile), or with
// an empty id creates a contact from the profile. It is how an agent answers
// a work stream that asks (ContactCandidates). A contact already linked to
// another customer is ErrConflict.
func (s *Service) LinkContact(ctx context.Context, actor Actor, id ConversationID, contact ContactID) (Conversation, error) {
	return s.act(ctx, id, func(tx workflowTx, fx *effects, c *Conversation, ws WorkStream, now time.Time) error {
		if err := mayWork(actor, *c, "link a contact to"); err != nil {
			return err
		}
		if c.ContactID != "" {
			return Errorf(ErrConflict, "conversation %s is linked to contact %s already", c.ID, c.ContactID)
		}
		if contact == "" {
			ct := Contact{ID: ContactID(NewID(now)), Profile: c.Customer, Tags: []string{}, CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateContact(ctx, ct); err != nil {
				return err
			}
			c.ContactID, c.ContactCandidates = ct.ID, nil
			return nil
		}
		ct, err := tx.Contact(ctx, contact)
		if errors.Is(err, ErrNotFound) {
			return FieldError("contact_id", "no contact has the id %q", contact)
		} else if err != nil {
			return err
		}
		if ct.Profile.ExternalID != "" && ct.Profile.Identity() != c.Customer.Identity() {
			return Errorf(ErrConflict, "contact %s belongs to another customer", contact)
		}
		ct.Profile, ct.UpdatedAt = c.Customer, now
		if err := tx.UpdateContact(ctx, ct); err != nil {
			return err
		}
		c.ContactID, c.ContactCandidates = ct.ID, nil
		return nil
	})
}

package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

type customerResponse struct {
	TwitterID        string   `json:"twitter_id"`
	Name             string   `json:"name"`
	ScreenName       string   `json:"screen_name"`
	FollowersCount   int      `json:"followers_count"`
	FriendsCount     int      `json:"friends_count"`
	Verified         bool     `json:"verified"`
	Protected        bool     `json:"protected"`
	Language         string   `json:"language"`
	Location         string   `json:"location"`
	Description      string   `json:"description"`
	ProfileImageURL  string   `json:"profile_image_url"`
	AccountCreatedAt *string  `json:"account_created_at"`
	ContactID        *string  `json:"contact_id"`
	Tags             []string `json:"tags"`
}

type conversationResponse struct {
	ID             string           `json:"id"`
	Status         string           `json:"status"`
	QueueID        *string          `json:"queue_id"`
	AgentID        *string          `json:"agent_id"`
	OfferedAgentID *string          `json:"offered_agent_id"`
	OfferedAt      *string          `json:"offered_at"`
	WorkStreamID   string           `json:"work_stream_id"`
	ApplicationID  string           `json:"application_id"`
	HandleID       string           `json:"handle_id"`
	Customer       customerResponse `json:"customer"`
	// Priority orders the conversation among those waiting in its queue:
	// higher first, then the longest waiting (unless the queue orders by age).
	Priority              int     `json:"priority"`
	RequeueCount          int     `json:"requeue_count"`
	IsReturning           bool    `json:"is_returning"`
	PreviousConversations int     `json:"previous_conversations"`
	MessageCount          int     `json:"message_count"`
	LastMessageAt         *string `json:"last_message_at"`
	StalledAt             *string `json:"stalled_at"`
	ClosedAt              *string `json:"closed_at"`
	CloseReason           string  `json:"close_reason"`
	CreatedAt             string  `json:"created_at"`
	UpdatedAt             string  `json:"updated_at"`
}

type mediaResponse struct {
	Type string `json:"type"`
	// URL is the attachment: a photo's image, a GIF's or video's best MP4.
	URL string `json:"url"`
	// PreviewURL is a GIF's or video's still image, null for a photo.
	PreviewURL *string `json:"preview_url"`
	// Variants are every rendition of a GIF or video; empty for a photo.
	Variants []mediaVariantResponse `json:"variants"`
}

type mediaVariantResponse struct {
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
	// Bitrate is in bits per second; 0 when the channel does not say.
	Bitrate int64 `json:"bitrate"`
}

// initiatedViaResponse names the tweet or welcome message that led the
// customer to write.
type initiatedViaResponse struct {
	TweetID          *string `json:"tweet_id"`
	WelcomeMessageID *string `json:"welcome_message_id"`
}

func toInitiatedViaResponse(in []engine.Initiation) initiatedViaResponse {
	var r initiatedViaResponse
	for _, i := range in {
		switch i.Kind {
		case engine.InitiatedByPost:
			r.TweetID = optional(i.ID)
		case engine.InitiatedByWelcomeMessage:
			r.WelcomeMessageID = optional(i.ID)
		}
	}
	return r
}

// linkResponse is a link of the text: the URL as it appears there (a t.co
// link on Twitter), where it leads and how to show it.
type linkResponse struct {
	URL         string `json:"url"`
	ExpandedURL string `json:"expanded_url"`
	DisplayURL  string `json:"display_url"`
}

type messageResponse struct {
	ID        string          `json:"id"`
	Direction string          `json:"direction"`
	Text      string          `json:"text"`
	Media     []mediaResponse `json:"media"`
	Links     []linkResponse  `json:"links"`
	// InitiatedVia says what prompt of the business the customer answered
	// (a tweet's message button, a welcome message); both ids are null
	// when none.
	InitiatedVia initiatedViaResponse `json:"initiated_via"`
	QuickReply   string               `json:"quick_reply"`
	// Features are what routing saw of a customer's message; empty on replies.
	Features       featuresResponse `json:"features"`
	TwitterEventID *string          `json:"twitter_event_id"`
	AuthorAgentID  *string          `json:"author_agent_id"`
	SentAt         string           `json:"sent_at"`
	ReceivedAt     string           `json:"received_at"`
	Delivery       *string          `json:"delivery_status"`
	Attempts       int              `json:"attempts"`
	LastError      string           `json:"last_error"`
	// Blocked marks a DM of a blocked customer: stored, neither routed nor
	// offered.
	Blocked bool `json:"blocked"`
	// Automated marks a message Switchboard sent by itself (a work
	// stream's greeting or out-of-hours message), not an agent.
	Automated bool `json:"automated"`
}

type featuresResponse struct {
	Hashtags     []string `json:"hashtags"`
	URLs         []string `json:"urls"`
	MediaKinds   []string `json:"media_kinds"`
	Language     string   `json:"language"`
	KnownContact bool     `json:"known_contact"`
}

func toFeaturesResponse(m engine.Message) featuresResponse {
	f := m.Features
	orEmpty := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	return featuresResponse{Hashtags: orEmpty(f.Hashtags), URLs: orEmpty(f.URLs), MediaKinds: orEmpty(f.MediaKinds),
		Language: f.Language, KnownContact: f.KnownContact}
}

type routingResponse struct {
	At             string  `json:"at"`
	RuleID         *string `json:"rule_id"`
	RuleName       string  `json:"rule_name"`
	RuleSetVersion int     `json:"rule_set_version"`
	QueueID        string  `json:"queue_id"`
	// Priority is the conversation's priority after the decision.
	Priority int    `json:"priority"`
	Reason   string `json:"reason"`
	Error    string `json:"error"`
	// OverflowFrom is the full queue the decision left for its overflow
	// queue; empty when it overflowed from none.
	OverflowFrom string `json:"overflow_from"`
}

type conversationDetailResponse struct {
	conversationResponse
	// ContactCandidates are contacts whose name matches the customer's, for
	// the agent to confirm with POST …/contact (work streams that ask).
	ContactCandidates []candidateResponse `json:"contact_candidates"`
	Messages          []messageResponse   `json:"messages"`
	Routing           []routingResponse   `json:"routing"`
	// QueuePosition is the conversation's place in its queue while it
	// waits there (1 is offered next); null otherwise.
	QueuePosition *int `json:"queue_position"`
	// ExpectedWait is how long it may still wait at the queue's pace over
	// the last 15 minutes; null when it does not wait or no pace is known.
	ExpectedWait *duration `json:"expected_wait"`
}

type candidateResponse struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	ScreenName string `json:"screen_name"`
}

type linkContactRequest struct {
	ContactID *string `json:"contact_id"`
	Create    *bool   `json:"create"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := timestamp(*t)
	return &s
}

func toCustomerResponse(c engine.Conversation, contact *engine.Contact) customerResponse {
	p := c.Customer
	r := customerResponse{TwitterID: p.ExternalID, Name: p.Name, ScreenName: p.ScreenName, FollowersCount: p.FollowersCount, FriendsCount: p.FriendsCount,
		Verified: p.Verified, Protected: p.Protected, Language: p.Language, Location: p.Location, Description: p.Description,
		ProfileImageURL: p.ProfileImageURL, ContactID: optional(string(c.ContactID)), Tags: []string{}}
	if !p.AccountCreatedAt.IsZero() {
		r.AccountCreatedAt = timePtr(&p.AccountCreatedAt)
	}
	if contact != nil {
		r.Tags = append(r.Tags, contact.Tags...)
	}
	return r
}

func toConversationResponse(c engine.Conversation) conversationResponse {
	return conversationResponse{
		ID: string(c.ID), Status: string(c.Status), QueueID: optional(string(c.QueueID)), AgentID: optional(string(c.AgentID)),
		OfferedAgentID: optional(string(c.OfferedAgentID)), OfferedAt: timePtr(c.OfferedAt),
		WorkStreamID: string(c.WorkStreamID), ApplicationID: string(c.SourceID), HandleID: string(c.EndpointID),
		Customer: toCustomerResponse(c, nil), Priority: c.Priority, RequeueCount: c.RequeueCount, IsReturning: c.IsReturning,
		PreviousConversations: c.PreviousConversations, MessageCount: c.MessageCount, LastMessageAt: timePtr(c.LastMessageAt),
		StalledAt: timePtr(c.StalledAt), ClosedAt: timePtr(c.ClosedAt), CloseReason: c.CloseReason,
		CreatedAt: timestamp(c.CreatedAt), UpdatedAt: timestamp(c.UpdatedAt),
	}
}

func toMessageResponse(m engine.Message) messageResponse {
	media := make([]mediaResponse, 0, len(m.Media))
	for _, x := range m.Media {
		mr := mediaResponse{Type: x.Type, URL: x.URL, PreviewURL: optional(x.PreviewURL), Variants: make([]mediaVariantResponse, 0, len(x.Variants))}
		for _, v := range x.Variants {
			mr.Variants = append(mr.Variants, mediaVariantResponse{URL: v.URL, ContentType: v.ContentType, Bitrate: v.Bitrate})
		}
		media = append(media, mr)
	}
	links := make([]linkResponse, 0, len(m.Links))
	for _, l := range m.Links {
		links = append(links, linkResponse{URL: l.URL, ExpandedURL: l.Target(), DisplayURL: l.Display})
	}
	return messageResponse{ID: string(m.ID), Direction: string(m.Direction), Text: m.Text, Media: media, Links: links, InitiatedVia: toInitiatedViaResponse(m.InitiatedVia), QuickReply: m.QuickReply,
		Features: toFeaturesResponse(m), TwitterEventID: optional(m.ExternalID), AuthorAgentID: optional(string(m.AuthorAgentID)),
		SentAt: timestamp(m.SentAt), ReceivedAt: timestamp(m.ReceivedAt), Delivery: optional(string(m.Delivery)),
		Attempts: m.Attempts, LastError: m.LastError, Blocked: m.Blocked, Automated: m.Automated}
}

func toConversationDetailResponse(d engine.ConversationDetail) conversationDetailResponse {
	r := conversationDetailResponse{conversationResponse: toConversationResponse(d.Conversation),
		Messages: make([]messageResponse, 0, len(d.Messages)), Routing: make([]routingResponse, 0, len(d.Routing))}
	r.Customer = toCustomerResponse(d.Conversation, d.Contact)
	r.ContactCandidates = make([]candidateResponse, 0, len(d.Candidates))
	for _, c := range d.Candidates {
		r.ContactCandidates = append(r.ContactCandidates, candidateResponse{ID: string(c.ID), Name: c.Profile.Name, ScreenName: c.Profile.ScreenName})
	}
	for _, m := range d.Messages {
		r.Messages = append(r.Messages, toMessageResponse(m))
	}
	for _, x := range d.Routing {
		r.Routing = append(r.Routing, routingResponse{At: timestamp(x.At), RuleID: optional(x.RuleID), RuleName: x.RuleName,
			RuleSetVersion: x.RuleSetVersion, QueueID: string(x.QueueID), Priority: x.Priority, Reason: string(x.Reason), Error: x.Error, OverflowFrom: string(x.OverflowFrom)})
	}
	return r
}

func (s *Server) conversationRoutes(g *gin.RouterGroup) {
	s.route(g, route{Method: "GET", Path: "/conversations", Summary: "List conversations, newest first (an agent sees its own and those waiting in its queues)", Tag: "conversations", Roles: everyone,
		Response: listResponse[conversationResponse]{}, Status: http.StatusOK,
		Query: append([]queryParam{
			{"status", "open, offered, active, waiting, wrap_up or closed"},
			{"queue_id", "only conversations routed to this queue"},
			{"agent_id", "only conversations assigned or offered to this agent"},
			{"work_stream_id", "only conversations of this work stream"},
			{"customer", "only conversations with this customer screen name"},
		}, pageQuery...)}, listing(s.listConversations, toConversationResponse))
	s.route(g, route{Method: "GET", Path: "/conversations/:id", Summary: "A conversation with its customer, messages in order and routing history", Tag: "conversations", Roles: everyone,
		Response: conversationDetailResponse{}, Status: http.StatusOK}, s.getConversation)
	s.route(g, route{Method: "POST", Path: "/conversations/:id/contact", Summary: "Link the customer to a contact ({contact_id}, e.g. one of contact_candidates) or create one ({create: true})", Tag: "conversations",
		Roles: []engine.Role{engine.RoleAgent}, Request: linkContactRequest{}, Response: conversationResponse{}, Status: http.StatusOK}, withBody(s.linkContact))
}

func (s *Server) linkContact(c *gin.Context, req linkContactRequest) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	create := req.Create != nil && *req.Create
	var contact engine.ContactID
	switch {
	case req.ContactID != nil && create:
		return nil, engine.FieldError("contact_id", "give contact_id or create, not both")
	case req.ContactID != nil:
		if !engine.ValidID(*req.ContactID) {
			return nil, engine.FieldError("contact_id", "%q is not a valid id", *req.ContactID)
		}
		contact = engine.ContactID(*req.ContactID)
	case !create:
		return nil, engine.FieldError("contact_id", "is required (or create: true)")
	}
	conv, err := s.svc.LinkContact(c.Request.Context(), actor(c), engine.ConversationID(id), contact)
	return toConversationResponse(conv), err
}

func (s *Server) listConversations(c *gin.Context, page engine.Page) (engine.List[engine.Conversation], error) {
	f := engine.ConversationFilter{Status: engine.Status(c.Query("status")), CustomerScreenName: c.Query("customer")}
	for _, p := range []struct {
		name string
		dst  *string
	}{{"queue_id", (*string)(&f.QueueID)}, {"agent_id", (*string)(&f.AgentID)}, {"work_stream_id", (*string)(&f.WorkStreamID)}} {
		if v := c.Query(p.name); v != "" {
			if !engine.ValidID(v) {
				return engine.List[engine.Conversation]{}, engine.FieldError(p.name, "%q is not a valid id", v)
			}
			*p.dst = v
		}
	}
	return s.svc.ListConversations(c.Request.Context(), actor(c), f, page)
}

func (s *Server) getConversation(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	d, err := s.svc.ConversationDetail(c.Request.Context(), actor(c), engine.ConversationID(id))
	if err != nil {
		return nil, err
	}
	out := toConversationDetailResponse(d)
	place, waits, err := s.svc.QueuePlace(c.Request.Context(), d.Conversation)
	if err != nil {
		return nil, err
	}
	if waits {
		out.QueuePosition = &place.Position
		if place.ExpectedWait != nil {
			w := duration(*place.ExpectedWait)
			out.ExpectedWait = &w
		}
	}
	return out, nil
}

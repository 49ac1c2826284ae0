package dsl

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// Context is the engagement context a routing rule is evaluated against: the
// customer (the Twitter user), the message, the channel, the conversation and
// the time in the work stream's time zone. Rules name its fields by their Go
// names (Customer.FollowersCount); the same names are the JSON keys of an
// example context given to the rule test endpoint and the CLI.
//
// Rules are compiled against this type and run with a *Context.
type Context struct {
	Customer     Customer
	Message      Message
	Channel      Channel
	Conversation Conversation
	// Now is the time the rule is evaluated.
	Now time.Time
	// Hour is the hour of the day, 0 to 23, in the work stream's time zone.
	Hour int
	// Weekday is the day of the week in English, "Monday" to "Sunday", in
	// the work stream's time zone.
	Weekday string
	// Time is Now with the business's calendars, for rules about operating
	// hours: Time.InBusinessHours("Support EU").
	Time Time `json:"-"`
}

// Customer is who wrote the message, on their channel (a Twitter user, a
// web-chat visitor), and what the contact record knows about them.
type Customer struct {
	// ExternalID is the customer's id on their channel.
	ExternalID string
	// TwitterID is the customer's Twitter user id; empty on other channels.
	// Rules written before there was a second channel name it.
	TwitterID string
	// Name is the customer's display name on Twitter.
	Name string
	// ScreenName is the customer's @handle, without the @.
	ScreenName string
	// FollowersCount: how many accounts follow the customer.
	FollowersCount int
	// FriendsCount: how many accounts the customer follows.
	FriendsCount int
	// Verified: whether the customer's account is verified.
	Verified bool
	// Protected: whether the customer's tweets are protected.
	Protected bool
	// Language is the customer's language as an IETF code.
	Language string
	// Location is the location the customer gives in their profile.
	Location string
	// Description is the customer's profile bio.
	Description string
	// AccountCreatedAt: when the customer's Twitter account was created.
	AccountCreatedAt time.Time
	// IsKnownContact: whether the customer matched an existing contact record.
	IsKnownContact bool
	// ContactID is the id of the matched contact record, empty if none.
	ContactID string
	// Tags are the tags on the customer's contact record.
	Tags []string
}

// Message is the direct message being routed.
type Message struct {
	// Text is the text of the direct message.
	Text string
	// Length is the length of the message text in characters.
	Length int
	// HasMedia: whether the message carries a photo, video or GIF.
	HasMedia bool
	// MediaType is the kind of media attached: "photo", "video", "animated_gif" or empty.
	MediaType string
	// HasURL: whether the message contains a link.
	HasURL bool
	// URLs are where the message's links lead: expanded, not the t.co
	// links of the text.
	URLs []string
	// Domains are the host names of URLs, lower-case, without "www.", in
	// order and without repeats.
	Domains []string
	// Hashtags are the hashtags in the message, without the #.
	Hashtags []string
	// QuickReply is the metadata of the quick reply option the customer chose, empty if none.
	QuickReply string
	// Language is the message's language as an IETF code, when the channel
	// tells it; empty otherwise.
	Language string
}

// Channel is where the message arrived: the Twitter application and the
// business handle.
type Channel struct {
	// Kind is the channel: always "twitter" here.
	Kind string
	// Application is the name of the Twitter application the message came through.
	Application string
	// Handle is the name of the business handle the message was sent to.
	Handle string
	// HandleScreenName is the @name of the business handle, without the @.
	HandleScreenName string
}

// Conversation is the state of the conversation the message belongs to.
type Conversation struct {
	// IsNew: whether this message starts a new conversation.
	IsNew bool
	// IsReturning: whether the customer has had a conversation with this handle before.
	IsReturning bool
	// PreviousConversations: how many earlier conversations the customer had with this handle.
	PreviousConversations int
	// MessageCount: how many messages the conversation has so far.
	MessageCount int
	// WaitMinutes: how many minutes the customer has waited in a queue.
	WaitMinutes int
	// RequeueCount: how many times the conversation has been requeued.
	RequeueCount int
	// Priority: the conversation's priority before this decision (0 to 1000, higher is offered first).
	Priority int
	// QueuePosition: the conversation's place in the queue it waits in now
	// (1 is offered next); 0 when it waits in none, as a new one does.
	QueuePosition int
	// Queue is the name of the queue the conversation is in now, empty if none.
	Queue string
	// Status is the conversation's status: "open", "offered", "active", "waiting", "wrap-up" or "closed".
	Status string
}

// LinkDomains returns the host names of urls, lower-case, without a
// leading "www.", in order and without repeats; a URL without a host name
// gives none.
func LinkDomains(urls []string) []string {
	out := []string{}
	for _, u := range urls {
		pu, err := url.Parse(strings.TrimSpace(u))
		if err != nil {
			continue
		}
		h := strings.TrimPrefix(strings.ToLower(pu.Hostname()), "www.")
		if h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// SetTime sets Now, Time, Hour and Weekday from t as seen in loc (the work
// stream's time zone); a nil loc means UTC.
func (c *Context) SetTime(t time.Time, loc *time.Location) {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	c.Now = t
	c.Time.at = t
	c.Hour = t.Hour()
	c.Weekday = t.Weekday().String()
}

// SetIdentity sets who the customer is on their channel: ExternalID, and
// TwitterID when the channel is Twitter's.
func (c *Customer) SetIdentity(channel, externalID string) {
	c.ExternalID = externalID
	if channel == "twitter" {
		c.TwitterID = externalID
	}
}

package dsl

import "time"

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
}

// Customer is the Twitter user who wrote the message, and what the contact
// record knows about them.
type Customer struct {
	TwitterID        string
	Name             string
	ScreenName       string
	FollowersCount   int
	FriendsCount     int
	Verified         bool
	Protected        bool
	Language         string
	Location         string
	Description      string
	AccountCreatedAt time.Time
	IsKnownContact   bool
	ContactID        string
	Tags             []string
}

// Message is the direct message being routed.
type Message struct {
	Text       string
	Length     int
	HasMedia   bool
	MediaType  string
	HasURL     bool
	Hashtags   []string
	QuickReply string
}

// Channel is where the message arrived: the Twitter application and the
// business handle.
type Channel struct {
	Kind             string
	Application      string
	Handle           string
	HandleScreenName string
}

// Conversation is the state of the conversation the message belongs to.
type Conversation struct {
	IsNew                 bool
	IsReturning           bool
	PreviousConversations int
	MessageCount          int
	WaitMinutes           int
	RequeueCount          int
	Queue                 string
	Status                string
}

// SetTime sets Now, Hour and Weekday from t as seen in loc (the work
// stream's time zone); a nil loc means UTC.
func (c *Context) SetTime(t time.Time, loc *time.Location) {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	c.Now = t
	c.Hour = t.Hour()
	c.Weekday = t.Weekday().String()
}

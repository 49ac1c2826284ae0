package dsl

import (
	"fmt"
	"strings"
	"time"
)

// Kind is the type of a context field, as the closure fast path sees it.
type Kind int

// The kinds of context fields.
const (
	KindText Kind = iota + 1
	KindNumber
	KindBool
	KindTextList
	KindTime
)

// String returns the kind in an analyst's words, as in the catalogue.
func (k Kind) String() string {
	switch k {
	case KindText:
		return "text"
	case KindNumber:
		return "number"
	case KindBool:
		return "yes/no"
	case KindTextList:
		return "list of text"
	case KindTime:
		return "time"
	}
	return "value"
}

// Field describes one field of Context: the catalogue entry analysts read and
// the typed getter the fast path calls. Exactly one getter, the one matching
// Kind, is set.
type Field struct {
	// Path is the field as rules name it, e.g. "Customer.FollowersCount".
	Path string `json:"path"`
	// Type is the field's type in analyst words: "text", "number",
	// "yes/no", "list of text" or "time".
	Type string `json:"type"`
	// Kind is the same type as a value.
	Kind Kind `json:"-"`
	// Description says what the field means, in one line.
	Description string `json:"description"`
	// Example is an example value, written as in a rule.
	Example string `json:"example"`

	// Text, Number, Bool, List and Time are the typed getters; only the one
	// matching Kind is set.
	Text   func(*Context) string    `json:"-"`
	Number func(*Context) int       `json:"-"`
	Bool   func(*Context) bool      `json:"-"`
	List   func(*Context) []string  `json:"-"`
	Time   func(*Context) time.Time `json:"-"`
}

// Value returns the field's value in c as a plain Go value (string, int,
// bool, []string or time.Time).
func (f *Field) Value(c *Context) any {
	switch f.Kind {
	case KindText:
		return f.Text(c)
	case KindNumber:
		return f.Number(c)
	case KindBool:
		return f.Bool(c)
	case KindTextList:
		return f.List(c)
	case KindTime:
		return f.Time(c)
	}
	return nil
}

func text(path, desc, example string, get func(*Context) string) Field {
	return Field{Path: path, Type: KindText.String(), Kind: KindText, Description: desc, Example: example, Text: get}
}

func number(path, desc, example string, get func(*Context) int) Field {
	return Field{Path: path, Type: KindNumber.String(), Kind: KindNumber, Description: desc, Example: example, Number: get}
}

func yesno(path, desc, example string, get func(*Context) bool) Field {
	return Field{Path: path, Type: KindBool.String(), Kind: KindBool, Description: desc, Example: example, Bool: get}
}

func list(path, desc, example string, get func(*Context) []string) Field {
	return Field{Path: path, Type: KindTextList.String(), Kind: KindTextList, Description: desc, Example: example, List: get}
}

func moment(path, desc, example string, get func(*Context) time.Time) Field {
	return Field{Path: path, Type: KindTime.String(), Kind: KindTime, Description: desc, Example: example, Time: get}
}

// fieldTable is the one table of context fields. Built once by newFieldTable
// and never modified.
type fieldTable struct {
	fields []Field
	byPath map[string]int
}

func newFieldTable() *fieldTable {
	fs := []Field{
		text("Customer.ExternalID", "the customer's id on their channel (on Twitter, their user id)", `"1253648712"`, func(c *Context) string { return c.Customer.ExternalID }),
		text("Customer.TwitterID", "the customer's Twitter user id (empty on other channels)", `"1253648712"`, func(c *Context) string { return c.Customer.TwitterID }),
		text("Customer.Name", "the customer's display name on Twitter", `"Ada Lovelace"`, func(c *Context) string { return c.Customer.Name }),
		text("Customer.ScreenName", "the customer's @handle, without the @", `"ada"`, func(c *Context) string { return c.Customer.ScreenName }),
		number("Customer.FollowersCount", "how many accounts follow the customer", "12000", func(c *Context) int { return c.Customer.FollowersCount }),
		number("Customer.FriendsCount", "how many accounts the customer follows", "300", func(c *Context) int { return c.Customer.FriendsCount }),
		yesno("Customer.Verified", "whether the customer's account is verified", "true", func(c *Context) bool { return c.Customer.Verified }),
		yesno("Customer.Protected", "whether the customer's tweets are protected", "false", func(c *Context) bool { return c.Customer.Protected }),
		text("Customer.Language", "the customer's language as an IETF code", `"en"`, func(c *Context) string { return c.Customer.Language }),
		text("Customer.Location", "the location the customer gives in their profile", `"London"`, func(c *Context) string { return c.Customer.Location }),
		text("Customer.Description", "the customer's profile bio", `"Coffee, code, cats"`, func(c *Context) string { return c.Customer.Description }),
		moment("Customer.AccountCreatedAt", "when the customer's Twitter account was created", `"2015-03-01T10:00:00Z"`, func(c *Context) time.Time { return c.Customer.AccountCreatedAt }),
		yesno("Customer.IsKnownContact", "whether the customer matched an existing contact record", "true", func(c *Context) bool { return c.Customer.IsKnownContact }),
		text("Customer.ContactID", "the id of the matched contact record, empty if none", `"c_42"`, func(c *Context) string { return c.Customer.ContactID }),
		list("Customer.Tags", "the tags on the customer's contact record", `["vip", "press"]`, func(c *Context) []string { return c.Customer.Tags }),

		text("Message.Text", "the text of the direct message", `"I want a refund"`, func(c *Context) string { return c.Message.Text }),
		number("Message.Length", "the length of the message text in characters", "15", func(c *Context) int { return c.Message.Length }),
		yesno("Message.HasMedia", "whether the message carries a photo, video or GIF", "false", func(c *Context) bool { return c.Message.HasMedia }),
		text("Message.MediaType", `the kind of media attached: "photo", "video", "animated_gif" or empty`, `"photo"`, func(c *Context) string { return c.Message.MediaType }),
		yesno("Message.HasURL", "whether the message contains a link", "true", func(c *Context) bool { return c.Message.HasURL }),
		list("Message.URLs", "where the message's links lead, expanded (not the t.co links of the text)", `["https://acme.example/orders/17"]`, func(c *Context) []string { return c.Message.URLs }),
		list("Message.Domains", `the host names of the message's links, lower-case, without "www."`, `["acme.example"]`, func(c *Context) []string { return c.Message.Domains }),
		list("Message.Hashtags", "the hashtags in the message, without the #", `["outage"]`, func(c *Context) []string { return c.Message.Hashtags }),
		text("Message.QuickReply", "the metadata of the quick reply option the customer chose, empty if none", `"billing"`, func(c *Context) string { return c.Message.QuickReply }),
		text("Message.Language", "the message's language as an IETF code, when the channel tells it; empty otherwise", `"en"`, func(c *Context) string { return c.Message.Language }),

		text("Channel.Kind", `the channel; always "twitter" here`, `"twitter"`, func(c *Context) string { return c.Channel.Kind }),
		text("Channel.Application", "the name of the Twitter application the message came through", `"Acme Support"`, func(c *Context) string { return c.Channel.Application }),
		text("Channel.Handle", "the name of the business handle the message was sent to", `"Acme Care"`, func(c *Context) string { return c.Channel.Handle }),
		text("Channel.HandleScreenName", "the @name of the business handle, without the @", `"AcmeCare"`, func(c *Context) string { return c.Channel.HandleScreenName }),

		yesno("Conversation.IsNew", "whether this message starts a new conversation", "true", func(c *Context) bool { return c.Conversation.IsNew }),
		yesno("Conversation.IsReturning", "whether the customer has had a conversation with this handle before", "false", func(c *Context) bool { return c.Conversation.IsReturning }),
		number("Conversation.PreviousConversations", "how many earlier conversations the customer had with this handle", "2", func(c *Context) int { return c.Conversation.PreviousConversations }),
		number("Conversation.MessageCount", "how many messages the conversation has so far", "3", func(c *Context) int { return c.Conversation.MessageCount }),
		number("Conversation.WaitMinutes", "how many minutes the customer has waited in a queue", "25", func(c *Context) int { return c.Conversation.WaitMinutes }),
		number("Conversation.RequeueCount", "how many times the conversation has been requeued", "2", func(c *Context) int { return c.Conversation.RequeueCount }),
		number("Conversation.Priority", "the conversation's priority before this decision (0 to 1000, higher is offered first)", "500", func(c *Context) int { return c.Conversation.Priority }),
		number("Conversation.QueuePosition", "the conversation's place in the queue it waits in now (1 is offered next); 0 when it waits in none, as a new one does", "4", func(c *Context) int { return c.Conversation.QueuePosition }),
		text("Conversation.Queue", "the name of the queue the conversation is in now, empty if none", `"General"`, func(c *Context) string { return c.Conversation.Queue }),
		text("Conversation.Status", `the conversation's status: "open", "offered", "active", "waiting", "wrap-up" or "closed"`, `"open"`, func(c *Context) string { return c.Conversation.Status }),

		moment("Now", "the time the rule is evaluated", `"2026-11-24T14:05:00Z"`, func(c *Context) time.Time { return c.Now }),
		number("Hour", "the hour of the day, 0 to 23, in the work stream's time zone", "14", func(c *Context) int { return c.Hour }),
		text("Weekday", `the day of the week in English, "Monday" to "Sunday", in the work stream's time zone`, `"Tuesday"`, func(c *Context) string { return c.Weekday }),
	}
	t := &fieldTable{fields: fs, byPath: make(map[string]int, len(fs))}
	for i, f := range fs {
		t.byPath[f.Path] = i
	}
	return t
}

// catalogue is the immutable table of context fields.
var catalogue = newFieldTable()

// groups are the names of Context's nested parts.
var groups = []string{"Customer", "Message", "Channel", "Conversation"}

// Fields returns the catalogue of context fields, in the order analysts read
// it. The returned slice is a copy; the getters may be called concurrently.
func Fields() []Field {
	return append([]Field(nil), catalogue.fields...)
}

// LookupField returns the catalogue entry for a path such as
// "Customer.FollowersCount".
func LookupField(path string) (Field, bool) {
	i, ok := catalogue.byPath[path]
	if !ok {
		return Field{}, false
	}
	return catalogue.fields[i], true
}

func isGroup(name string) bool {
	for _, g := range groups {
		if g == name {
			return true
		}
	}
	return false
}

// fieldPaths returns every path of the catalogue.
func fieldPaths() []string {
	out := make([]string, len(catalogue.fields))
	for i, f := range catalogue.fields {
		out[i] = f.Path
	}
	return out
}

// fieldsUnder returns the paths under group ("Customer"), or the top-level
// fields and groups when group is "".
func fieldsUnder(group string) []string {
	var out []string
	if group == "" {
		out = append(out, groups...)
	}
	for _, f := range catalogue.fields {
		g, _, ok := strings.Cut(f.Path, ".")
		switch {
		case group == "" && !ok:
			out = append(out, f.Path)
		case ok && g == group:
			out = append(out, f.Path)
		}
	}
	return out
}

// describeField returns "Customer.FollowersCount (a number)".
func describeField(path string) string {
	f, ok := LookupField(path)
	if !ok {
		return path
	}
	return fmt.Sprintf("%s (%s)", path, withArticle(f.Type))
}

func withArticle(typ string) string {
	switch typ {
	case "text":
		return "text"
	case "yes/no":
		return "a yes/no value"
	}
	return "a " + typ
}

package twitter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter/internal/wire"
)

// ErrMalformed marks a webhook body or API answer that is not the JSON
// Twitter sends: not an object, wrong value types, a direct message without
// an id, sender or recipient, an unreadable timestamp. A webhook handler
// answers 400 for it and stores nothing.
var ErrMalformed = errors.New("malformed twitter payload")

// Delivery is one Account Activity POST body, normalized. Activities the
// adapter has no use for (follows, likes, tweets, …) are only named in Other
// and counted in OtherEvents.
type Delivery struct {
	// ForUserID is the subscribed handle the delivery is for (for_user_id,
	// or filter.user_id of an X Activity API envelope). It is empty for a
	// revocation, which names its user itself.
	ForUserID string
	// EventType and EventUUID are set for X Activity API envelopes (§6.10),
	// e.g. "dm.received"; empty for Account Activity deliveries.
	EventType string
	EventUUID string

	DirectMessages []DirectMessage
	Typing         []TypingEvent
	Reads          []ReadEvent
	Revocations    []Revocation
	// ReplayJob is set when the delivery ends a replay job.
	ReplayJob *ReplayJob
	// Other names the other activity keys (or XAA event types) present,
	// sorted, e.g. ["follow_events"]. They are not parsed.
	Other []string
	// OtherEvents counts the events under each key of Other: the length
	// of its array, 1 for any other value.
	OtherEvents map[string]int
}

// Empty reports whether the delivery carries nothing the adapter acts on.
func (d Delivery) Empty() bool {
	return len(d.DirectMessages) == 0 && len(d.Typing) == 0 && len(d.Reads) == 0 &&
		len(d.Revocations) == 0 && d.ReplayJob == nil
}

// DirectMessage is one 1:1 direct message, as delivered by a webhook or read
// back from a DM list endpoint.
//
// Echoes: Twitter delivers every DM the handle sends (through Switchboard, X's
// own apps or any other tool) back to the webhook. A message is an echo when
// its sender is the handle it was delivered for (SenderID == ForUserID,
// IsEcho); its customer is then the recipient. Whether an echo is
// Switchboard's own send is decided by the caller, from the event ids its
// sends returned or with SentByApp and the application's numeric id.
type DirectMessage struct {
	// ID is the DM event id (a decimal snowflake; ids order messages).
	ID string
	// ConversationID is Twitter's conversation id when the source gives one
	// (the v2 DM list does, webhooks do not). Treat it as opaque.
	ConversationID string
	// ForUserID is the handle the message was delivered or listed for.
	ForUserID   string
	CreatedAt   time.Time
	SenderID    string
	RecipientID string
	// Text is the text as sent; it contains the t.co link of attached media
	// (see DisplayText).
	Text     string
	Media    []Media
	URLs     []URL
	Hashtags []string
	// QuickReply is set when the message answers a quick-reply prompt; Text
	// is then the chosen option's label.
	QuickReply *QuickReplyResponse
	// SourceAppID is the numeric id of the app the sender used, when given.
	SourceAppID string
	// SourceApp describes it when the delivery's apps map has it.
	SourceApp    *App
	InitiatedVia *InitiatedVia
	// Sender and Recipient are the profiles from the delivery's users map,
	// nil when absent.
	Sender    *User
	Recipient *User
}

// IsEcho reports whether the handle itself sent the message (an outgoing
// message delivered back to the webhook).
func (m DirectMessage) IsEcho() bool { return m.ForUserID != "" && m.SenderID == m.ForUserID }

// CustomerID returns the id of the other party of the conversation: the
// recipient of an echo, the sender otherwise.
func (m DirectMessage) CustomerID() string {
	if m.IsEcho() {
		return m.RecipientID
	}
	return m.SenderID
}

// Customer returns the customer's profile (see CustomerID), nil if unknown.
func (m DirectMessage) Customer() *User {
	if m.IsEcho() {
		return m.Recipient
	}
	return m.Sender
}

// SentByApp reports whether the message is an echo sent through the app with
// the numeric id appID (source_app_id), i.e. by Switchboard when appID is the
// application's own id.
func (m DirectMessage) SentByApp(appID string) bool {
	return appID != "" && m.IsEcho() && m.SourceAppID == appID
}

// DisplayText returns Text without the t.co links of attached media, trimmed.
func (m DirectMessage) DisplayText() string {
	t := m.Text
	for _, md := range m.Media {
		if md.TCOURL != "" {
			t = strings.ReplaceAll(t, md.TCOURL, "")
		}
	}
	return strings.TrimSpace(t)
}

// Media is an attached photo, GIF or video.
type Media struct {
	ID string
	// Type is "photo", "animated_gif" or "video".
	Type string
	// URL is the image (for GIFs and videos: the preview image). Photo URLs
	// on ton.twitter.com need a GET signed with the handle's token.
	URL string
	// VideoURL is the best MP4 variant of a GIF or video.
	VideoURL string
	// Variants are every variant of a GIF or video (video_info.variants),
	// in the order Twitter gave them.
	Variants []VideoVariant
	// TCOURL is the t.co link of the media inside the text.
	TCOURL string
}

// VideoVariant is one encoding of a GIF or video.
type VideoVariant struct {
	URL         string
	ContentType string // e.g. "video/mp4", "application/x-mpegURL"
	Bitrate     int64  // bits per second; 0 for GIFs
}

// URL is a link found in a message text.
type URL struct {
	TCO      string // the t.co link as it appears in the text
	Expanded string
	Display  string
}

// QuickReplyResponse is the answer to a quick-reply prompt.
type QuickReplyResponse struct {
	Type     string // "options"
	Metadata string // the metadata of the chosen option
}

// InitiatedVia says how the conversation started.
type InitiatedVia struct {
	TweetID          string
	WelcomeMessageID string
}

// App describes the app a message was sent with.
type App struct {
	ID   string
	Name string
	URL  string
}

// User is a Twitter user's profile as deliveries carry it.
type User struct {
	ID              string
	Name            string
	ScreenName      string
	Location        string
	Description     string
	URL             string
	ProfileImageURL string
	FollowersCount  int64
	FriendsCount    int64
	StatusesCount   int64
	Verified        bool
	Protected       bool
	CreatedAt       time.Time
	// Lang is the user's language when the source has it.
	Lang string
}

// TypingEvent says SenderID is typing to RecipientID.
type TypingEvent struct {
	ForUserID   string
	SenderID    string
	RecipientID string
	CreatedAt   time.Time
	Sender      *User
}

// ReadEvent says SenderID has read the conversation with RecipientID up to
// and including LastReadEventID.
type ReadEvent struct {
	ForUserID       string
	SenderID        string
	RecipientID     string
	LastReadEventID string
	CreatedAt       time.Time
	Sender          *User
}

// Revocation says UserID revoked the app AppID: its subscription is already
// gone and its token no longer works.
type Revocation struct {
	UserID string
	AppID  string
	At     time.Time
}

// ReplayJob is the end-of-replay marker.
type ReplayJob struct {
	WebhookID   string
	JobID       string
	State       string // "Complete" or "Incomplete"
	Description string
}

// ParseDelivery decodes and normalizes an Account Activity POST body (every
// shape of the reference's §6, including batches of several events and the
// X Activity API envelope of §6.10). Verify the signature first: ParseDelivery
// trusts its input only to be JSON. Unknown keys are ignored. Errors wrap
// ErrMalformed.
func ParseDelivery(body []byte) (Delivery, error) {
	d, err := parseDelivery(body)
	if err != nil {
		return Delivery{}, fmt.Errorf("parse twitter delivery: %w", err)
	}
	return d, nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

func parseDelivery(body []byte) (Delivery, error) {
	keys, err := checkDuplicateKeys(body, func(k string) bool { return known[k] || k == "data" })
	if err != nil {
		return Delivery{}, err
	}
	if slices.Contains(keys, "data") && isEnvelope(keys) {
		top, err := decodeObject(body)
		if err != nil {
			return Delivery{}, err
		}
		return parseEnvelope(top["data"])
	}
	if slices.ContainsFunc(keys, foldsToKnown) {
		// encoding/json matches a struct's keys ignoring case, so a key
		// that only looks like one Switchboard reads ("For_User_Id") is
		// read key by key, exactly, and lands in Other.
		top, err := decodeObject(body)
		if err != nil {
			return Delivery{}, err
		}
		return parsePayload(top, "")
	}
	// One decoding of the whole body, the usual case.
	var p payloadWire
	if err := json.Unmarshal(body, &p); err != nil {
		return Delivery{}, malformed("%v", err)
	}
	d, err := buildDelivery(p, otherKeys(keys), "")
	if err != nil || len(d.Other) == 0 {
		return d, err
	}
	top, err := decodeObject(body)
	if err != nil {
		return Delivery{}, err
	}
	d.OtherEvents = countEvents(top, d.Other)
	return d, nil
}

// countEvents counts the events under each of keys; only deliveries with
// activities Switchboard does not parse pay for it.
func countEvents(top map[string]json.RawMessage, keys []string) map[string]int {
	n := make(map[string]int, len(keys))
	for _, k := range keys {
		n[k] = 1
		if raw := bytes.TrimSpace(top[k]); len(raw) > 0 && raw[0] == '[' {
			var items []json.RawMessage
			if json.Unmarshal(raw, &items) == nil {
				n[k] = len(items)
			}
		}
	}
	return n
}

// foldsToKnown tells a key that differs from one Switchboard reads only in
// case.
func foldsToKnown(k string) bool {
	if known[k] {
		return false
	}
	for kk := range known {
		if strings.EqualFold(k, kk) {
			return true
		}
	}
	return false
}

func otherKeys(keys []string) []string {
	var other []string
	for _, k := range keys {
		if !known[k] {
			other = append(other, k)
		}
	}
	slices.Sort(other)
	return other
}

// isEnvelope tells an XAA envelope from an Account Activity body, which never
// has a top-level "data" key.
func isEnvelope(keys []string) bool {
	return !slices.Contains(keys, "for_user_id") && !slices.Contains(keys, "direct_message_events")
}

func decodeObject(b []byte) (map[string]json.RawMessage, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil, malformed("body is not a JSON object")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, malformed("%v", err)
	}
	return top, nil
}

func decodeKey(top map[string]json.RawMessage, key string, v any) error {
	raw, ok := top[key]
	if !ok {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return malformed("%s: %v", key, err)
	}
	return nil
}

// known lists the keys parsePayload reads; every other key lands in Other.
var known = map[string]bool{
	"for_user_id": true, "direct_message_events": true, "direct_message_indicate_typing_events": true,
	"direct_message_mark_read_events": true, "users": true, "apps": true, "user_event": true,
	"replay_job_status": true,
}

// payloadWire is what Switchboard reads of an Account Activity body.
type payloadWire struct {
	ForUserID    wire.FlexString       `json:"for_user_id"`
	DMEvents     []wire.DMEvent        `json:"direct_message_events"`
	TypingEvents []wire.IndicatorEvent `json:"direct_message_indicate_typing_events"`
	ReadEvents   []wire.IndicatorEvent `json:"direct_message_mark_read_events"`
	Users        map[string]wire.User  `json:"users"`
	Apps         map[string]wire.App   `json:"apps"`
	UserEvent    *wire.UserEvent       `json:"user_event"`
	ReplayStatus *wire.ReplayJobStatus `json:"replay_job_status"`
}

// parsePayload reads a body's keys one by one, exactly.
func parsePayload(top map[string]json.RawMessage, forUserID string) (Delivery, error) {
	var p payloadWire
	for _, f := range []struct {
		key string
		v   any
	}{
		{"for_user_id", &p.ForUserID}, {"direct_message_events", &p.DMEvents},
		{"direct_message_indicate_typing_events", &p.TypingEvents}, {"direct_message_mark_read_events", &p.ReadEvents},
		{"users", &p.Users}, {"apps", &p.Apps}, {"user_event", &p.UserEvent}, {"replay_job_status", &p.ReplayStatus},
	} {
		if err := decodeKey(top, f.key, f.v); err != nil {
			return Delivery{}, err
		}
	}
	d, err := buildDelivery(p, otherKeys(slices.Collect(maps.Keys(top))), forUserID)
	if err != nil {
		return Delivery{}, err
	}
	if len(d.Other) > 0 {
		d.OtherEvents = countEvents(top, d.Other)
	}
	return d, nil
}

// buildDelivery normalizes a decoded body; forUserID stands in when the
// body names none (an XAA envelope's filter).
func buildDelivery(p payloadWire, other []string, forUserID string) (Delivery, error) {
	d := Delivery{ForUserID: string(p.ForUserID), Other: other}
	if d.ForUserID == "" {
		d.ForUserID = forUserID
	}

	users := make(map[string]*User, len(p.Users))
	for id, u := range p.Users {
		nu, err := userFromWire(id, u)
		if err != nil {
			return Delivery{}, err
		}
		users[id] = nu
	}
	if (len(p.DMEvents) > 0 || len(p.TypingEvents) > 0 || len(p.ReadEvents) > 0) && d.ForUserID == "" {
		return Delivery{}, malformed("events without for_user_id")
	}
	for i, ev := range p.DMEvents {
		m, ok, err := messageFromWire(ev, d.ForUserID, p.Apps, users)
		if err != nil {
			return Delivery{}, fmt.Errorf("direct_message_events[%d]: %w", i, err)
		}
		if ok {
			d.DirectMessages = append(d.DirectMessages, m)
		}
	}
	for i, ev := range p.TypingEvents {
		at, err := parseTime(ev.CreatedTimestamp)
		if err != nil {
			return Delivery{}, fmt.Errorf("direct_message_indicate_typing_events[%d]: %w", i, err)
		}
		if ev.SenderID == "" {
			return Delivery{}, malformed("direct_message_indicate_typing_events[%d]: no sender_id", i)
		}
		d.Typing = append(d.Typing, TypingEvent{
			ForUserID: d.ForUserID, SenderID: string(ev.SenderID), RecipientID: string(ev.Target.RecipientID),
			CreatedAt: at, Sender: users[string(ev.SenderID)],
		})
	}
	for i, ev := range p.ReadEvents {
		at, err := parseTime(ev.CreatedTimestamp)
		if err != nil {
			return Delivery{}, fmt.Errorf("direct_message_mark_read_events[%d]: %w", i, err)
		}
		if ev.SenderID == "" {
			return Delivery{}, malformed("direct_message_mark_read_events[%d]: no sender_id", i)
		}
		d.Reads = append(d.Reads, ReadEvent{
			ForUserID: d.ForUserID, SenderID: string(ev.SenderID), RecipientID: string(ev.Target.RecipientID),
			LastReadEventID: string(ev.LastReadEventID), CreatedAt: at, Sender: users[string(ev.SenderID)],
		})
	}
	if p.UserEvent != nil && p.UserEvent.Revoke != nil {
		r := p.UserEvent.Revoke
		at, err := parseTime(wire.FlexString(r.DateTime))
		if err != nil {
			return Delivery{}, fmt.Errorf("user_event.revoke: %w", err)
		}
		if r.Source.UserID == "" {
			return Delivery{}, malformed("user_event.revoke: no source.user_id")
		}
		d.Revocations = append(d.Revocations, Revocation{UserID: string(r.Source.UserID), AppID: string(r.Target.AppID), At: at})
	}
	if s := p.ReplayStatus; s != nil {
		d.ReplayJob = &ReplayJob{WebhookID: string(s.WebhookID), JobID: string(s.JobID), State: s.JobState, Description: s.JobStateDescription}
	}
	return d, nil
}

func parseEnvelope(raw json.RawMessage) (Delivery, error) {
	var data wire.EnvelopeData
	if err := json.Unmarshal(raw, &data); err != nil {
		return Delivery{}, malformed("data: %v", err)
	}
	if data.EventType == "" {
		return Delivery{}, malformed("data: no event_type")
	}
	var forUser string
	if data.Filter != nil {
		forUser = string(data.Filter.UserID)
	}
	d := Delivery{ForUserID: forUser}
	switch {
	case data.EventType == "oauth.revoke":
		var p wire.OAuthRevokePayload
		if err := json.Unmarshal(data.Payload, &p); err != nil {
			return Delivery{}, malformed("data.payload: %v", err)
		}
		at, err := parseTime(wire.FlexString(p.DateTime))
		if err != nil {
			return Delivery{}, fmt.Errorf("data.payload: %w", err)
		}
		uid := string(p.UserID)
		if uid == "" {
			uid = forUser
		}
		if uid == "" {
			return Delivery{}, malformed("data.payload: no user_id")
		}
		d.Revocations = []Revocation{{UserID: uid, AppID: string(p.AppID), At: at}}
	case strings.HasPrefix(data.EventType, "dm."):
		top, err := decodeObject(data.Payload)
		if err != nil {
			return Delivery{}, fmt.Errorf("data.payload: %w", err)
		}
		d, err = parsePayload(top, forUser)
		if err != nil {
			return Delivery{}, fmt.Errorf("data.payload: %w", err)
		}
	default:
		d.Other = []string{data.EventType}
		d.OtherEvents = map[string]int{data.EventType: 1}
	}
	d.EventType = data.EventType
	d.EventUUID = string(data.EventUUID)
	return d, nil
}

// messageFromWire converts a DM event; ok is false for events that are not
// 1:1 message_create events (ignored, §8.7).
func messageFromWire(ev wire.DMEvent, forUserID string, apps map[string]wire.App, users map[string]*User) (DirectMessage, bool, error) {
	if ev.Type != "" && ev.Type != "message_create" || ev.MessageCreate == nil {
		return DirectMessage{}, false, nil
	}
	mc := ev.MessageCreate
	m := DirectMessage{
		ID:          string(ev.ID),
		ForUserID:   forUserID,
		SenderID:    string(mc.SenderID),
		RecipientID: string(mc.Target.RecipientID),
		Text:        mc.MessageData.Text,
		SourceAppID: string(mc.SourceAppID),
	}
	switch {
	case m.ID == "":
		return m, false, malformed("message without id")
	case m.SenderID == "":
		return m, false, malformed("message %s without sender_id", m.ID)
	case m.RecipientID == "":
		return m, false, malformed("message %s without recipient_id", m.ID)
	}
	at, err := parseTime(ev.CreatedTimestamp)
	if err != nil {
		return m, false, fmt.Errorf("message %s: %w", m.ID, err)
	}
	m.CreatedAt = at
	if e := mc.MessageData.Entities; e != nil {
		for _, u := range e.URLs {
			m.URLs = append(m.URLs, URL{TCO: u.URL, Expanded: u.ExpandedURL, Display: u.DisplayURL})
		}
		for _, h := range e.Hashtags {
			m.Hashtags = append(m.Hashtags, h.Text)
		}
	}
	if q := mc.MessageData.QuickReplyResponse; q != nil {
		m.QuickReply = &QuickReplyResponse{Type: q.Type, Metadata: q.Metadata}
	}
	if a := mc.MessageData.Attachment; a != nil && a.Media != nil {
		m.Media = []Media{mediaFromWire(a.Media)}
	}
	if iv := ev.InitiatedVia; iv != nil {
		m.InitiatedVia = &InitiatedVia{TweetID: string(iv.TweetID), WelcomeMessageID: string(iv.WelcomeMessageID)}
	}
	if app, ok := apps[m.SourceAppID]; ok && m.SourceAppID != "" {
		m.SourceApp = &App{ID: m.SourceAppID, Name: app.Name, URL: app.URL}
	}
	m.Sender = users[m.SenderID]
	m.Recipient = users[m.RecipientID]
	return m, true, nil
}

func mediaFromWire(w *wire.Media) Media {
	md := Media{ID: w.IDStr, Type: w.Type, URL: w.MediaURLHTTPS, TCOURL: w.URL}
	if md.ID == "" {
		md.ID = string(w.ID)
	}
	if md.URL == "" {
		md.URL = w.MediaURL
	}
	if vi := w.VideoInfo; vi != nil {
		best := int64(-1)
		for _, v := range vi.Variants {
			md.Variants = append(md.Variants, VideoVariant{URL: v.URL, ContentType: v.ContentType, Bitrate: v.Bitrate})
			if v.ContentType == "video/mp4" && v.Bitrate > best {
				best, md.VideoURL = v.Bitrate, v.URL
			}
		}
	}
	return md
}

func userFromWire(key string, u wire.User) (*User, error) {
	if v2 := u.Data; v2 != nil {
		nu := userFromV2(*v2)
		if nu.ID == "" {
			nu.ID = key
		}
		if v2.CreatedAt != "" {
			at, err := parseTime(wire.FlexString(v2.CreatedAt))
			if err != nil {
				return nil, fmt.Errorf("users[%s]: %w", key, err)
			}
			nu.CreatedAt = at
		}
		return nu, nil
	}
	at, err := parseTime(u.CreatedTimestamp)
	if err != nil {
		return nil, fmt.Errorf("users[%s]: %w", key, err)
	}
	nu := &User{
		ID: string(u.ID), Name: u.Name, ScreenName: u.ScreenName, Location: u.Location,
		Description: u.Description, URL: u.URL, ProfileImageURL: u.ProfileImageURLHTTPS,
		FollowersCount: u.FollowersCount, FriendsCount: u.FriendsCount, StatusesCount: u.StatusesCount,
		Verified: u.Verified, Protected: u.Protected, CreatedAt: at, Lang: u.Lang,
	}
	if nu.ID == "" {
		nu.ID = key
	}
	if nu.ProfileImageURL == "" && u.ProfileImageURL != "null" {
		nu.ProfileImageURL = u.ProfileImageURL
	}
	return nu, nil
}

func userFromV2(v2 wire.UserV2) *User {
	nu := &User{
		ID: string(v2.ID), Name: v2.Name, ScreenName: v2.Username, Location: v2.Location,
		Description: v2.Description, ProfileImageURL: v2.ProfileImageURL,
		Verified: v2.Verified, Protected: v2.Protected,
	}
	if pm := v2.PublicMetrics; pm != nil {
		nu.FollowersCount, nu.FriendsCount, nu.StatusesCount = pm.FollowersCount, pm.FollowingCount, pm.TweetCount
	}
	return nu
}

// parseTime reads Twitter's timestamps: epoch milliseconds as a string or a
// number (possibly in exponent form), or an ISO-8601 time. Empty is the zero
// time.
func parseTime(f wire.FlexString) (time.Time, error) {
	s := strings.TrimSpace(string(f))
	if s == "" {
		return time.Time{}, nil
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e17 {
			return time.Time{}, malformed("timestamp %q out of range", s)
		}
		return time.UnixMilli(int64(math.Round(v))).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.RubyDate, "2006-01-02 15:04:05 -0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, malformed("unreadable timestamp %q", s)
}

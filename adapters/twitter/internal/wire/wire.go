// Package wire holds the JSON shapes Twitter (X) puts on the wire for
// Account Activity deliveries, DM sends and DM lists.
//
// It is shared by the adapter (which decodes them) and the fake server in
// twittertest (which encodes them), so both speak exactly the same JSON. The
// types follow the reference's §6–§7; they are deliberately tolerant: ids and
// timestamps may be JSON strings or numbers (FlexString), and unknown keys are
// ignored by encoding/json.
package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// FlexString accepts a JSON string or number and keeps its text. null
// decodes to "". Other JSON values (objects, arrays, booleans) are errors.
type FlexString string

// UnmarshalJSON implements json.Unmarshaler.
func (f *FlexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return errors.New("empty value")
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = FlexString(s)
		return nil
	case string(b) == "null":
		*f = ""
		return nil
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*f = FlexString(n.String())
		return nil
	default:
		return errors.New("want a string or a number, got " + strconv.Quote(string(b[:min(len(b), 16)])))
	}
}

// Payload is the body of one Account Activity POST (v1.1 premium,
// enterprise and AAA v2 share it). XAA deliveries wrap it, see Envelope.
type Payload struct {
	ForUserID    string           `json:"for_user_id,omitempty"`
	DMEvents     []DMEvent        `json:"direct_message_events,omitempty"`
	TypingEvents []IndicatorEvent `json:"direct_message_indicate_typing_events,omitempty"`
	ReadEvents   []IndicatorEvent `json:"direct_message_mark_read_events,omitempty"`
	Apps         map[string]App   `json:"apps,omitempty"`
	Users        map[string]User  `json:"users,omitempty"`
	UserEvent    *UserEvent       `json:"user_event,omitempty"`
	ReplayStatus *ReplayJobStatus `json:"replay_job_status,omitempty"`
}

// DMEvent is a direct message event (type "message_create").
type DMEvent struct {
	Type             string         `json:"type"`
	ID               FlexString     `json:"id"`
	CreatedTimestamp FlexString     `json:"created_timestamp"`
	InitiatedVia     *InitiatedVia  `json:"initiated_via,omitempty"`
	MessageCreate    *MessageCreate `json:"message_create,omitempty"`
}

// InitiatedVia says how a conversation started (DM prompt or welcome message).
type InitiatedVia struct {
	TweetID          FlexString `json:"tweet_id,omitempty"`
	WelcomeMessageID FlexString `json:"welcome_message_id,omitempty"`
}

// Target names the other party of a DM, typing or read event.
type Target struct {
	RecipientID FlexString `json:"recipient_id"`
}

// MessageCreate is the body of a message_create event.
type MessageCreate struct {
	Target      Target      `json:"target"`
	SenderID    FlexString  `json:"sender_id,omitempty"`
	SourceAppID FlexString  `json:"source_app_id,omitempty"`
	MessageData MessageData `json:"message_data"`
}

// MessageData is the content of a DM.
type MessageData struct {
	Text               string              `json:"text"`
	Entities           *Entities           `json:"entities,omitempty"`
	QuickReplyResponse *QuickReplyResponse `json:"quick_reply_response,omitempty"`
	QuickReply         *QuickReply         `json:"quick_reply,omitempty"`
	Attachment         *Attachment         `json:"attachment,omitempty"`
	CTAs               []CTA               `json:"ctas,omitempty"`
}

// Entities are the hashtags, symbols, mentions and URLs found in a text.
type Entities struct {
	Hashtags     []Hashtag         `json:"hashtags"`
	Symbols      []json.RawMessage `json:"symbols"`
	UserMentions []json.RawMessage `json:"user_mentions"`
	URLs         []URLEntity       `json:"urls"`
}

// Hashtag is a hashtag entity.
type Hashtag struct {
	Text    string `json:"text"`
	Indices []int  `json:"indices,omitempty"`
}

// URLEntity is a t.co link entity.
type URLEntity struct {
	URL         string `json:"url"`
	ExpandedURL string `json:"expanded_url,omitempty"`
	DisplayURL  string `json:"display_url,omitempty"`
	Indices     []int  `json:"indices,omitempty"`
}

// QuickReplyResponse is what a customer's tap on a quick-reply option carries.
type QuickReplyResponse struct {
	Type     string `json:"type"`
	Metadata string `json:"metadata"`
}

// QuickReply is a quick-reply prompt in an outgoing v1.1 DM.
type QuickReply struct {
	Type    string             `json:"type"`
	Options []QuickReplyOption `json:"options"`
}

// QuickReplyOption is one option of a QuickReply.
type QuickReplyOption struct {
	Label       string `json:"label"`
	Description string `json:"description,omitempty"`
	Metadata    string `json:"metadata,omitempty"`
}

// CTA is a button below a DM.
type CTA struct {
	Type   string `json:"type"`
	Label  string `json:"label"`
	URL    string `json:"url"`
	TCOURL string `json:"tco_url,omitempty"`
}

// Attachment is a DM attachment: media or a location.
type Attachment struct {
	Type     string          `json:"type"`
	Media    *Media          `json:"media,omitempty"`
	Location json.RawMessage `json:"location,omitempty"`
}

// Media is an attached photo, GIF or video.
type Media struct {
	ID            FlexString `json:"id,omitempty"`
	IDStr         string     `json:"id_str,omitempty"`
	Indices       []int      `json:"indices,omitempty"`
	MediaURL      string     `json:"media_url,omitempty"`
	MediaURLHTTPS string     `json:"media_url_https,omitempty"`
	URL           string     `json:"url,omitempty"`
	DisplayURL    string     `json:"display_url,omitempty"`
	ExpandedURL   string     `json:"expanded_url,omitempty"`
	Type          string     `json:"type,omitempty"`
	VideoInfo     *VideoInfo `json:"video_info,omitempty"`
}

// VideoInfo lists the playable variants of a GIF or video.
type VideoInfo struct {
	AspectRatio []int          `json:"aspect_ratio,omitempty"`
	DurationMS  int64          `json:"duration_millis,omitempty"`
	Variants    []VideoVariant `json:"variants,omitempty"`
}

// VideoVariant is one encoding of a video.
type VideoVariant struct {
	Bitrate     int64  `json:"bitrate"`
	ContentType string `json:"content_type"`
	URL         string `json:"url"`
}

// IndicatorEvent is a typing indicator or a read receipt.
type IndicatorEvent struct {
	CreatedTimestamp FlexString `json:"created_timestamp"`
	SenderID         FlexString `json:"sender_id"`
	Target           Target     `json:"target"`
	LastReadEventID  FlexString `json:"last_read_event_id,omitempty"`
}

// App is an entry of the apps map.
type App struct {
	ID   FlexString `json:"id"`
	Name string     `json:"name"`
	URL  string     `json:"url,omitempty"`
}

// User is a condensed user object of the users map. XAA deliveries wrap a
// v2 user object in {"data": …}; Data holds it then.
type User struct {
	ID                   FlexString `json:"id,omitempty"`
	CreatedTimestamp     FlexString `json:"created_timestamp,omitempty"`
	Name                 string     `json:"name,omitempty"`
	ScreenName           string     `json:"screen_name,omitempty"`
	Location             string     `json:"location,omitempty"`
	Description          string     `json:"description,omitempty"`
	URL                  string     `json:"url,omitempty"`
	Protected            bool       `json:"protected"`
	Verified             bool       `json:"verified"`
	FollowersCount       int64      `json:"followers_count"`
	FriendsCount         int64      `json:"friends_count"`
	StatusesCount        int64      `json:"statuses_count"`
	Lang                 string     `json:"lang,omitempty"`
	ProfileImageURL      string     `json:"profile_image_url,omitempty"`
	ProfileImageURLHTTPS string     `json:"profile_image_url_https,omitempty"`
	Data                 *UserV2    `json:"data,omitempty"`
}

// UserV2 is a v2 user object (XAA users map, /2/users/me, /2/dm_events
// includes).
type UserV2 struct {
	ID              FlexString     `json:"id"`
	Name            string         `json:"name,omitempty"`
	Username        string         `json:"username,omitempty"`
	Location        string         `json:"location,omitempty"`
	Description     string         `json:"description,omitempty"`
	ProfileImageURL string         `json:"profile_image_url,omitempty"`
	Protected       bool           `json:"protected"`
	Verified        bool           `json:"verified"`
	CreatedAt       string         `json:"created_at,omitempty"`
	PublicMetrics   *PublicMetrics `json:"public_metrics,omitempty"`
}

// PublicMetrics are a v2 user's counters.
type PublicMetrics struct {
	FollowersCount int64 `json:"followers_count"`
	FollowingCount int64 `json:"following_count"`
	TweetCount     int64 `json:"tweet_count"`
}

// UserEvent carries an authorization revocation.
type UserEvent struct {
	Revoke *Revoke `json:"revoke,omitempty"`
}

// Revoke says a user revoked an app's access.
type Revoke struct {
	DateTime string `json:"date_time"`
	Target   struct {
		AppID FlexString `json:"app_id"`
	} `json:"target"`
	Source struct {
		UserID FlexString `json:"user_id"`
	} `json:"source"`
}

// ReplayJobStatus ends a replay job.
type ReplayJobStatus struct {
	WebhookID           FlexString `json:"webhook_id"`
	JobState            string     `json:"job_state"`
	JobStateDescription string     `json:"job_state_description,omitempty"`
	JobID               FlexString `json:"job_id"`
}

// Envelope is an X Activity API delivery.
type Envelope struct {
	Data *EnvelopeData `json:"data"`
}

// EnvelopeData is the content of an Envelope.
type EnvelopeData struct {
	EventUUID FlexString      `json:"event_uuid,omitempty"`
	EventType string          `json:"event_type"`
	Tag       string          `json:"tag,omitempty"`
	Filter    *EnvelopeFilter `json:"filter,omitempty"`
	Payload   json.RawMessage `json:"payload"`
}

// EnvelopeFilter names the subscribed user.
type EnvelopeFilter struct {
	UserID FlexString `json:"user_id,omitempty"`
}

// OAuthRevokePayload is the payload of an XAA oauth.revoke event.
type OAuthRevokePayload struct {
	DateTime string     `json:"date_time"`
	UserID   FlexString `json:"user_id"`
	AppID    FlexString `json:"app_id"`
}

// NewDMRequest is the body of POST /1.1/direct_messages/events/new.json.
type NewDMRequest struct {
	Event DMEvent `json:"event"`
}

// NewDMResponse is the answer of POST /1.1/direct_messages/events/new.json.
type NewDMResponse struct {
	Event DMEvent `json:"event"`
}

// SendV2Request is the body of POST /2/dm_conversations/with/:id/messages.
type SendV2Request struct {
	Text        string         `json:"text,omitempty"`
	Attachments []AttachmentV2 `json:"attachments,omitempty"`
}

// AttachmentV2 references uploaded media in a v2 send.
type AttachmentV2 struct {
	MediaID string `json:"media_id"`
}

// SendV2Response is the answer of a v2 DM send.
type SendV2Response struct {
	Data struct {
		DMConversationID string `json:"dm_conversation_id"`
		DMEventID        string `json:"dm_event_id"`
	} `json:"data"`
}

// DMEventV2 is an entry of GET /2/dm_events.
type DMEventV2 struct {
	ID               FlexString `json:"id"`
	EventType        string     `json:"event_type"`
	Text             string     `json:"text,omitempty"`
	SenderID         FlexString `json:"sender_id,omitempty"`
	DMConversationID string     `json:"dm_conversation_id,omitempty"`
	CreatedAt        string     `json:"created_at,omitempty"`
	ParticipantIDs   []string   `json:"participant_ids,omitempty"`
	Attachments      *struct {
		MediaKeys []string `json:"media_keys,omitempty"`
	} `json:"attachments,omitempty"`
	Entities *EntitiesV2 `json:"entities,omitempty"`
}

// EntitiesV2 are a v2 DM event's links and hashtags.
type EntitiesV2 struct {
	URLs     []URLEntity `json:"urls,omitempty"`
	Hashtags []HashtagV2 `json:"hashtags,omitempty"`
}

// HashtagV2 is a v2 hashtag entity.
type HashtagV2 struct {
	Tag string `json:"tag"`
}

// MediaV2 is an entry of includes.media.
type MediaV2 struct {
	MediaKey        string `json:"media_key"`
	Type            string `json:"type"`
	URL             string `json:"url,omitempty"`
	PreviewImageURL string `json:"preview_image_url,omitempty"`
}

// DMEventsV2Response is the answer of GET /2/dm_events.
type DMEventsV2Response struct {
	Data     []DMEventV2 `json:"data"`
	Includes *struct {
		Users []UserV2  `json:"users,omitempty"`
		Media []MediaV2 `json:"media,omitempty"`
	} `json:"includes,omitempty"`
	Meta struct {
		ResultCount   int    `json:"result_count"`
		NextToken     string `json:"next_token,omitempty"`
		PreviousToken string `json:"previous_token,omitempty"`
	} `json:"meta"`
}

// DMEventsV1Response is the answer of GET /1.1/direct_messages/events/list.json.
type DMEventsV1Response struct {
	Events     []DMEvent      `json:"events"`
	Apps       map[string]App `json:"apps,omitempty"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// ErrorsBody is Twitter's error body: v1.1 {"errors":[{code,message}]} and
// v2 problems {"title","detail","type","status","reason"} in one struct.
type ErrorsBody struct {
	Errors []ErrorItem `json:"errors,omitempty"`
	Title  string      `json:"title,omitempty"`
	Detail string      `json:"detail,omitempty"`
	Type   string      `json:"type,omitempty"`
	Status int         `json:"status,omitempty"`
	Reason string      `json:"reason,omitempty"`
}

// ErrorItem is one entry of ErrorsBody.Errors.
type ErrorItem struct {
	Code    int    `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	Title   string `json:"title,omitempty"`
	Detail  string `json:"detail,omitempty"`
	Type    string `json:"type,omitempty"`
}

// Webhook is a registered webhook (v2 data entry and v1.1 object).
type Webhook struct {
	ID               FlexString `json:"id"`
	URL              string     `json:"url"`
	Valid            bool       `json:"valid"`
	CreatedAt        string     `json:"created_at,omitempty"`
	CreatedTimestamp string     `json:"created_timestamp,omitempty"`
}

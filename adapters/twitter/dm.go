package twitter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/adapters/twitter/internal/wire"
)

// MaxTextLength is the longest DM text Twitter accepts, in characters.
const MaxTextLength = 10000

// OutgoingDM is a direct message to send.
type OutgoingDM struct {
	RecipientID string
	Text        string
	// MediaID attaches media uploaded by the same user (to the first part).
	MediaID string
	// QuickReply offers options (v1.1 only; ignored by v2; on the last part).
	QuickReply []QuickReplyOption
}

// QuickReplyOption is an option of a quick-reply prompt.
type QuickReplyOption struct {
	Label       string
	Description string
	Metadata    string
}

// SentDM is one message Twitter accepted.
type SentDM struct {
	// ID is the DM event id: its webhook echo carries the same id.
	ID string
	// ConversationID is set by the v2 endpoint.
	ConversationID string
	// CreatedAt is set by the v1.1 endpoint.
	CreatedAt time.Time
	// RateLimit is the state the answer reported, to pace further sends.
	RateLimit RateLimit
}

// SendDM sends dm with the handle's token: v2 POST
// /2/dm_conversations/with/:id/messages, or v1.1 POST
// /1.1/direct_messages/events/new.json for the premium dialect. A text over
// MaxTextLength characters is split (SplitText) and sent as several
// messages, in order. It returns the messages Twitter accepted; on an error
// after the first part, those already sent are returned with it, so a retry
// must resend only the rest. The client never retries by itself: a transport
// error may hide a message that was delivered (§9.6).
func (c *Client) SendDM(ctx context.Context, tok Token, dm OutgoingDM) ([]SentDM, error) {
	if dm.RecipientID == "" {
		return nil, errors.New("twitter: send direct message: no recipient")
	}
	parts := SplitText(dm.Text, MaxTextLength)
	if len(parts) == 0 {
		if dm.MediaID == "" {
			return nil, errors.New("twitter: send direct message: no text and no media")
		}
		parts = []string{""}
	}
	sent := make([]SentDM, 0, len(parts))
	for i, text := range parts {
		part := OutgoingDM{RecipientID: dm.RecipientID, Text: text}
		if i == 0 {
			part.MediaID = dm.MediaID
		}
		if i == len(parts)-1 {
			part.QuickReply = dm.QuickReply
		}
		var s SentDM
		var err error
		if c.cfg.Dialect == DialectPremium {
			s, err = c.sendV1(ctx, tok, part)
		} else {
			s, err = c.sendV2(ctx, tok, part)
		}
		if err != nil {
			return sent, err
		}
		sent = append(sent, s)
	}
	return sent, nil
}

func (c *Client) sendV2(ctx context.Context, tok Token, dm OutgoingDM) (SentDM, error) {
	const op = "send direct message"
	body := wire.SendV2Request{Text: dm.Text}
	if dm.MediaID != "" {
		body.Attachments = []wire.AttachmentV2{{MediaID: dm.MediaID}}
	}
	var out wire.SendV2Response
	res, err := c.do(ctx, request{op: op, method: http.MethodPost,
		path: "/2/dm_conversations/with/" + url.PathEscape(dm.RecipientID) + "/messages",
		json: body, auth: auth{user: &tok}, out: &out})
	if err != nil {
		return SentDM{}, err
	}
	if out.Data.DMEventID == "" {
		return SentDM{}, fmt.Errorf("twitter: %s: %w: no dm_event_id", op, ErrMalformed)
	}
	return SentDM{ID: out.Data.DMEventID, ConversationID: out.Data.DMConversationID, RateLimit: parseRateLimit(res.header)}, nil
}

func (c *Client) sendV1(ctx context.Context, tok Token, dm OutgoingDM) (SentDM, error) {
	const op = "send direct message"
	md := wire.MessageData{Text: dm.Text}
	if dm.MediaID != "" {
		md.Attachment = &wire.Attachment{Type: "media", Media: &wire.Media{ID: wire.FlexString(dm.MediaID)}}
	}
	if len(dm.QuickReply) > 0 {
		qr := &wire.QuickReply{Type: "options"}
		for _, o := range dm.QuickReply {
			qr.Options = append(qr.Options, wire.QuickReplyOption{Label: o.Label, Description: o.Description, Metadata: o.Metadata})
		}
		md.QuickReply = qr
	}
	body := wire.NewDMRequest{Event: wire.DMEvent{Type: "message_create", MessageCreate: &wire.MessageCreate{
		Target: wire.Target{RecipientID: wire.FlexString(dm.RecipientID)}, MessageData: md,
	}}}
	var out wire.NewDMResponse
	res, err := c.do(ctx, request{op: op, method: http.MethodPost, path: "/1.1/direct_messages/events/new.json",
		json: body, auth: auth{user: &tok}, out: &out})
	if err != nil {
		return SentDM{}, err
	}
	if out.Event.ID == "" {
		return SentDM{}, fmt.Errorf("twitter: %s: %w: no event.id", op, ErrMalformed)
	}
	at, _ := parseTime(out.Event.CreatedTimestamp)
	return SentDM{ID: string(out.Event.ID), CreatedAt: at, RateLimit: parseRateLimit(res.header)}, nil
}

// SplitText cuts text into parts of at most limit characters (runes),
// preferring to cut after a line break, else after a space, else anywhere.
// Parts are trimmed of the whitespace at the cut; empty text gives no parts.
func SplitText(text string, limit int) []string {
	if limit <= 0 {
		limit = MaxTextLength
	}
	text = strings.TrimSpace(text)
	var parts []string
	for text != "" {
		if utf8.RuneCountInString(text) <= limit {
			parts = append(parts, text)
			break
		}
		// byte offset of the rune after the first max runes
		end := 0
		for i := 0; i < limit; i++ {
			_, n := utf8.DecodeRuneInString(text[end:])
			end += n
		}
		cut := end
		if i := strings.LastIndexByte(text[:end], '\n'); i > end/2 {
			cut = i
		} else if i := strings.LastIndexFunc(text[:end], unicode.IsSpace); i > end/2 {
			cut = i
		}
		part := strings.TrimRightFunc(text[:cut], unicode.IsSpace)
		if part == "" {
			part, cut = text[:end], end
		}
		parts = append(parts, part)
		text = strings.TrimLeftFunc(text[cut:], unicode.IsSpace)
	}
	return parts
}

// ListOptions pages through DM events.
type ListOptions struct {
	// ForUserID is the handle whose token lists (its user id): it fills
	// DirectMessage.ForUserID, so that echoes are recognized.
	ForUserID string
	// Cursor continues after a previous page (DMPage.NextCursor).
	Cursor string
	// Max is the page size: 1–100 for v2 (default 100), 1–50 for v1.1
	// (default 50).
	Max int
}

// DMPage is one page of DM events, newest first.
type DMPage struct {
	Messages []DirectMessage
	// NextCursor continues with older events; empty on the last page.
	NextCursor string
	RateLimit  RateLimit
}

// ListDMEvents reads the handle's recent DM events (about 30 days), newest
// first, for backfill: GET /2/dm_events, or GET
// /1.1/direct_messages/events/list.json for the premium dialect. Only 1:1
// message events are returned. Both endpoints allow about 15 calls per 15
// minutes per user: a 429 is an *APIError with ResetAt.
func (c *Client) ListDMEvents(ctx context.Context, tok Token, opts ListOptions) (DMPage, error) {
	if c.cfg.Dialect == DialectPremium {
		return c.listV1(ctx, tok, opts)
	}
	return c.listV2(ctx, tok, opts)
}

func (c *Client) listV2(ctx context.Context, tok Token, opts ListOptions) (DMPage, error) {
	const op = "list direct messages"
	q := url.Values{
		"dm_event.fields": {"id,text,event_type,dm_conversation_id,created_at,sender_id,participant_ids,attachments,entities"},
		"event_types":     {"MessageCreate"},
		"expansions":      {"sender_id,participant_ids,attachments.media_keys"},
		"user.fields":     {userFields},
		"media.fields":    {"media_key,type,url,preview_image_url"},
		"max_results":     {strconv.Itoa(clampPage(opts.Max, 100))},
	}
	if opts.Cursor != "" {
		q.Set("pagination_token", opts.Cursor)
	}
	var out wire.DMEventsV2Response
	res, err := c.do(ctx, request{op: op, method: http.MethodGet, path: "/2/dm_events", query: q, auth: auth{user: &tok}, out: &out})
	if err != nil {
		return DMPage{}, err
	}
	users := map[string]*User{}
	media := map[string]wire.MediaV2{}
	if inc := out.Includes; inc != nil {
		for _, u := range inc.Users {
			nu := userFromV2(u)
			nu.CreatedAt, _ = parseTime(wire.FlexString(u.CreatedAt))
			users[nu.ID] = nu
		}
		for _, m := range inc.Media {
			media[m.MediaKey] = m
		}
	}
	page := DMPage{NextCursor: out.Meta.NextToken, RateLimit: parseRateLimit(res.header)}
	for _, ev := range out.Data {
		if ev.EventType != "" && ev.EventType != "MessageCreate" {
			continue
		}
		m := DirectMessage{
			ID: string(ev.ID), ConversationID: ev.DMConversationID, ForUserID: opts.ForUserID,
			SenderID: string(ev.SenderID), Text: ev.Text,
		}
		m.RecipientID = otherParticipant(m.SenderID, ev.ParticipantIDs, ev.DMConversationID, opts.ForUserID)
		if m.ID == "" || m.SenderID == "" || m.RecipientID == "" {
			continue // not a 1:1 message this adapter can route
		}
		at, err := parseTime(wire.FlexString(ev.CreatedAt))
		if err != nil {
			return DMPage{}, fmt.Errorf("twitter: %s: event %s: %w", op, m.ID, err)
		}
		m.CreatedAt = at
		if ev.Attachments != nil {
			for _, k := range ev.Attachments.MediaKeys {
				mv := media[k]
				md := Media{ID: mediaIDFromKey(k), Type: mv.Type, URL: firstNonEmpty(mv.URL, mv.PreviewImageURL)}
				m.Media = append(m.Media, md)
			}
		}
		if e := ev.Entities; e != nil {
			for _, u := range e.URLs {
				m.URLs = append(m.URLs, URL{TCO: u.URL, Expanded: u.ExpandedURL, Display: u.DisplayURL})
			}
			for _, h := range e.Hashtags {
				m.Hashtags = append(m.Hashtags, h.Tag)
			}
		}
		m.Sender, m.Recipient = users[m.SenderID], users[m.RecipientID]
		page.Messages = append(page.Messages, m)
	}
	return page, nil
}

// otherParticipant finds the recipient of a v2 DM event.
func otherParticipant(sender string, participants []string, conversationID, forUser string) string {
	ids := participants
	if len(ids) == 0 && conversationID != "" {
		ids = strings.Split(conversationID, "-")
	}
	if len(ids) == 2 && slices.Contains(ids, sender) {
		if ids[0] == sender {
			return ids[1]
		}
		return ids[0]
	}
	if len(ids) == 0 && sender != forUser {
		return forUser
	}
	return ""
}

// mediaIDFromKey turns a v2 media key ("3_1218168684226711552") into the id.
func mediaIDFromKey(k string) string {
	if _, id, ok := strings.Cut(k, "_"); ok {
		return id
	}
	return k
}

func (c *Client) listV1(ctx context.Context, tok Token, opts ListOptions) (DMPage, error) {
	const op = "list direct messages"
	q := url.Values{"count": {strconv.Itoa(clampPage(opts.Max, 50))}}
	if opts.Cursor != "" {
		q.Set("cursor", opts.Cursor)
	}
	var out wire.DMEventsV1Response
	res, err := c.do(ctx, request{op: op, method: http.MethodGet, path: "/1.1/direct_messages/events/list.json",
		query: q, auth: auth{user: &tok}, out: &out})
	if err != nil {
		return DMPage{}, err
	}
	page := DMPage{NextCursor: out.NextCursor, RateLimit: parseRateLimit(res.header)}
	for _, ev := range out.Events {
		m, ok, err := messageFromWire(ev, opts.ForUserID, out.Apps, nil)
		if err != nil {
			return DMPage{}, fmt.Errorf("twitter: %s: %w", op, err)
		}
		if ok {
			page.Messages = append(page.Messages, m)
		}
	}
	return page, nil
}

func clampPage(n, limit int) int {
	if n <= 0 || n > limit {
		return limit
	}
	return n
}

// DownloadMedia fetches a DM attachment with a GET signed with the handle's
// token (ton.twitter.com requires it). The caller closes the body.
func (c *Client) DownloadMedia(ctx context.Context, tok Token, mediaURL string) (io.ReadCloser, string, error) {
	const op = "download media"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, mediaURL, nil)
	if err != nil {
		return nil, "", &APIError{Op: op, Err: err}
	}
	resp, err := c.httpClientFor(ctx, auth{user: &tok}).Do(req)
	if err != nil {
		return nil, "", &APIError{Op: op, Err: scrubURLError(err)}
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		return nil, "", newAPIError(op, resp.StatusCode, resp.Header, b, c.cfg.Now(), false)
	}
	return resp.Body, resp.Header.Get("Content-Type"), nil
}

// IndicateTyping shows the typing animation to recipientID for about 3 s
// (v1.1; throttle it to once per few seconds).
func (c *Client) IndicateTyping(ctx context.Context, tok Token, recipientID string) error {
	_, err := c.do(ctx, request{op: "indicate typing", method: http.MethodPost, path: "/1.1/direct_messages/indicate_typing.json",
		form: url.Values{"recipient_id": {recipientID}}, auth: auth{user: &tok}})
	return err
}

// MarkRead marks the conversation with recipientID read up to lastReadEventID
// (v1.1).
func (c *Client) MarkRead(ctx context.Context, tok Token, recipientID, lastReadEventID string) error {
	_, err := c.do(ctx, request{op: "mark read", method: http.MethodPost, path: "/1.1/direct_messages/mark_read.json",
		form: url.Values{"recipient_id": {recipientID}, "last_read_event_id": {lastReadEventID}}, auth: auth{user: &tok}})
	return err
}

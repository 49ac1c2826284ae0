package twittertest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/internal/wire"
)

// Media describes an attachment of an injected DM.
type Media struct {
	// Type is "photo" (default), "animated_gif" or "video".
	Type string
	// ID is generated when empty.
	ID string
}

// Message is a DM stored by the fake server.
type Message struct {
	ID          string
	SenderID    string
	RecipientID string
	Text        string
	CreatedAt   time.Time
	// SourceAppID is the app a send went through ("" for injected DMs).
	SourceAppID string
	// MediaURL is the attachment's URL, if any.
	MediaURL string
}

// Messages returns the stored DMs in id order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, 0, len(s.dms))
	for _, d := range s.dms {
		m := Message{ID: strconv.FormatInt(d.id, 10), SenderID: d.senderID, RecipientID: d.recipientID,
			Text: d.text, CreatedAt: d.created, SourceAppID: d.sourceAppID}
		if d.media != nil {
			m.MediaURL = s.mediaURL(d)
		}
		out = append(out, m)
	}
	return out
}

func conversationID(a, b string) string {
	if lessID(b, a) {
		a, b = b, a
	}
	return a + "-" + b
}

func (s *Server) mediaURL(d *dm) string {
	base := s.URL
	if base == "" {
		base = "https://ton.twitter.com"
	}
	return base + "/1.1/ton/data/dm/" + strconv.FormatInt(d.id, 10) + "/" + d.media.ID + "/media.jpg"
}

// storeLocked stores a DM and returns it.
func (s *Server) storeLocked(sender, recipient, text, sourceApp string, media *Media, quickReply string) *dm {
	text, links := wrapLinks(text)
	d := &dm{id: s.nextIDLocked(), senderID: sender, recipientID: recipient, text: text,
		created: s.now().UTC().Truncate(time.Millisecond), sourceAppID: sourceApp, quickReply: quickReply, links: links}
	if media != nil {
		m := *media
		if m.Type == "" {
			m.Type = "photo"
		}
		if m.ID == "" {
			m.ID = strconv.FormatInt(s.nextIDLocked(), 10)
		}
		d.media = &m
		tco := "https://t.co/" + randHex(5)
		if d.text == "" {
			d.text = tco
		} else {
			d.text += " " + tco
		}
		d.entitiesURL = []string{tco}
	}
	s.dms = append(s.dms, d)
	return d
}

// dmEventLocked renders a stored DM as an Account Activity event.
func (s *Server) dmEventLocked(d *dm) wire.DMEvent {
	md := wire.MessageData{Text: d.text, Entities: &wire.Entities{Hashtags: []wire.Hashtag{}, Symbols: []json.RawMessage{},
		UserMentions: []json.RawMessage{}, URLs: []wire.URLEntity{}}}
	for _, word := range strings.Fields(d.text) {
		if tag, ok := strings.CutPrefix(word, "#"); ok && tag != "" {
			md.Entities.Hashtags = append(md.Entities.Hashtags, wire.Hashtag{Text: tag})
		}
	}
	for _, l := range d.links {
		md.Entities.URLs = append(md.Entities.URLs, wire.URLEntity{URL: l.tco, ExpandedURL: l.expanded, DisplayURL: l.display,
			Indices: runeSpan(d.text, l.tco)})
	}
	if d.media != nil {
		tco := d.entitiesURL[0]
		id := strconv.FormatInt(d.id, 10)
		expanded := "https://twitter.com/messages/media/" + id
		display := "pic.twitter.com/" + tco[len("https://t.co/"):]
		span := runeSpan(d.text, tco)
		md.Entities.URLs = append(md.Entities.URLs, wire.URLEntity{URL: tco, ExpandedURL: expanded, DisplayURL: display, Indices: span})
		media := &wire.Media{ID: wire.FlexString(d.media.ID), IDStr: d.media.ID, Indices: span,
			URL: tco, DisplayURL: display, ExpandedURL: expanded, Type: d.media.Type}
		media.MediaURL, media.VideoInfo = mediaFiles(d.media, s.mediaURL(d))
		media.MediaURLHTTPS = media.MediaURL
		md.Attachment = &wire.Attachment{Type: "media", Media: media}
	}
	if d.quickReply != "" {
		md.QuickReplyResponse = &wire.QuickReplyResponse{Type: "options", Metadata: d.quickReply}
	}
	return wire.DMEvent{
		Type: "message_create", ID: wire.FlexString(strconv.FormatInt(d.id, 10)),
		CreatedTimestamp: wire.FlexString(strconv.FormatInt(d.created.UnixMilli(), 10)),
		MessageCreate: &wire.MessageCreate{Target: wire.Target{RecipientID: wire.FlexString(d.recipientID)},
			SenderID: wire.FlexString(d.senderID), SourceAppID: wire.FlexString(d.sourceAppID), MessageData: md},
	}
}

// entitiesV2 renders a DM's links and hashtags for /2/dm_events; nil when
// it has none.
func entitiesV2(d *dm) *wire.EntitiesV2 {
	var e wire.EntitiesV2
	for _, l := range d.links {
		e.URLs = append(e.URLs, wire.URLEntity{URL: l.tco, ExpandedURL: l.expanded, DisplayURL: l.display})
	}
	for _, word := range strings.Fields(d.text) {
		if tag, ok := strings.CutPrefix(word, "#"); ok && tag != "" {
			e.Hashtags = append(e.Hashtags, wire.HashtagV2{Tag: tag})
		}
	}
	if len(e.URLs) == 0 && len(e.Hashtags) == 0 {
		return nil
	}
	return &e
}

// mediaFiles returns where an attachment's image is (for GIFs and videos
// the preview image on pbs.twimg.com) and, for GIFs and videos, their
// variants on video.twimg.com, as §6.4 shows them: a GIF has one MP4 of
// bitrate 0; a video an HLS playlist and MP4s of three bitrates.
func mediaFiles(m *Media, photoURL string) (string, *wire.VideoInfo) {
	switch m.Type {
	case "animated_gif":
		return "https://pbs.twimg.com/dm_gif_preview/" + m.ID + "/gif.jpg", &wire.VideoInfo{AspectRatio: []int{1, 1},
			Variants: []wire.VideoVariant{{Bitrate: 0, ContentType: "video/mp4", URL: "https://video.twimg.com/dm_gif/" + m.ID + "/gif.mp4"}}}
	case "video":
		base := "https://video.twimg.com/dm_video/" + m.ID
		return "https://pbs.twimg.com/dm_video_preview/" + m.ID + "/img/preview.jpg", &wire.VideoInfo{AspectRatio: []int{1, 1}, DurationMS: 10000,
			Variants: []wire.VideoVariant{
				{ContentType: "application/x-mpegURL", URL: base + "/pl/playlist.m3u8"},
				{Bitrate: 256000, ContentType: "video/mp4", URL: base + "/vid/320x320/vid.mp4"},
				{Bitrate: 832000, ContentType: "video/mp4", URL: base + "/vid/640x640/vid.mp4"},
				{Bitrate: 2176000, ContentType: "video/mp4", URL: base + "/vid/1280x1280/vid.mp4"},
			}}
	}
	return photoURL, nil
}

// tcoLink is a link of a DM's text as Twitter keeps it: the t.co link
// that replaced it in the text, where it leads and how it shows.
type tcoLink struct{ tco, expanded, display string }

// wrapLinks replaces every http(s) link of text by a t.co link, as Twitter
// does with every DM it stores (§6.3); brackets and punctuation around a
// link stay out of it.
func wrapLinks(text string) (string, []tcoLink) {
	var (
		b     strings.Builder
		links []tcoLink
	)
	for len(text) > 0 {
		i := strings.IndexFunc(text, func(r rune) bool { return !unicode.IsSpace(r) })
		if i < 0 {
			b.WriteString(text)
			break
		}
		b.WriteString(text[:i])
		text = text[i:]
		j := strings.IndexFunc(text, unicode.IsSpace)
		if j < 0 {
			j = len(text)
		}
		word := text[:j]
		text = text[j:]
		lead := word[:len(word)-len(strings.TrimLeft(word, "([<'\""))]
		u := strings.TrimRight(word[len(lead):], ".,;:!?)]>'\"")
		if rest, ok := cutScheme(u); !ok || rest == "" || strings.HasPrefix(u, "https://t.co/") {
			b.WriteString(word)
			continue
		}
		l := tcoLink{tco: "https://t.co/" + randHex(5), expanded: u, display: displayURL(u)}
		links = append(links, l)
		b.WriteString(lead + l.tco + word[len(lead)+len(u):])
	}
	return b.String(), links
}

func cutScheme(u string) (string, bool) {
	if rest, ok := strings.CutPrefix(u, "https://"); ok {
		return rest, true
	}
	return strings.CutPrefix(u, "http://")
}

// displayURL is how Twitter shows a link: without its scheme and "www.",
// cut after 25 characters with an ellipsis.
func displayURL(u string) string {
	d, _ := cutScheme(u)
	d = strings.TrimPrefix(d, "www.")
	if r := []rune(d); len(r) > 25 {
		d = string(r[:25]) + "…"
	}
	return d
}

// runeSpan returns the [start, end) character offsets of sub in text, as
// entity indices count them.
func runeSpan(text, sub string) []int {
	i := strings.Index(text, sub)
	if i < 0 {
		return nil
	}
	start := utf8.RuneCountInString(text[:i])
	return []int{start, start + utf8.RuneCountInString(sub)}
}

func condensedUser(u *User) wire.User {
	return wire.User{
		ID: wire.FlexString(u.ID), CreatedTimestamp: wire.FlexString(strconv.FormatInt(u.CreatedAt.UnixMilli(), 10)),
		Name: u.Name, ScreenName: u.ScreenName, Location: u.Location, Description: u.Description,
		Protected: u.Protected, Verified: u.Verified, FollowersCount: u.FollowersCount, FriendsCount: u.FriendsCount,
		StatusesCount: u.StatusesCount, Lang: u.Lang, ProfileImageURL: "null",
		ProfileImageURLHTTPS: "https://pbs.twimg.com/profile_images/" + u.ID + "/avatar_normal.jpg",
	}
}

func userV2(u *User) wire.UserV2 {
	return wire.UserV2{ID: wire.FlexString(u.ID), Name: u.Name, Username: u.ScreenName, Location: u.Location,
		Description: u.Description, Protected: u.Protected, Verified: u.Verified,
		ProfileImageURL: "https://pbs.twimg.com/profile_images/" + u.ID + "/avatar_normal.jpg",
		CreatedAt:       u.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		PublicMetrics:   &wire.PublicMetrics{FollowersCount: u.FollowersCount, FollowingCount: u.FriendsCount, TweetCount: u.StatusesCount}}
}

// checkRecipient applies the recipient's DM settings; it answers the error
// and reports false when the DM may not be sent.
func checkRecipient(w http.ResponseWriter, r *http.Request, sender, recipient *User) bool {
	switch {
	case recipient == nil:
		writeError(w, r, http.StatusNotFound, 50, "User not found.")
	case recipient.ID == sender.ID:
		writeError(w, r, http.StatusForbidden, 151, "There was an error sending your message: you cannot send messages to yourself.")
	case recipient.ClosedDMs:
		writeError(w, r, http.StatusForbidden, 349, "You cannot send messages to this user.")
	case recipient.RequiresFollow:
		writeError(w, r, http.StatusForbidden, 150, "You cannot send messages to users who are not following you.")
	default:
		return true
	}
	return false
}

func checkText(w http.ResponseWriter, r *http.Request, text string) bool {
	if utf8.RuneCountInString(text) > twitter.MaxTextLength {
		writeError(w, r, http.StatusForbidden, 354, "The text of your direct message is over the max character limit.")
		return false
	}
	return true
}

func isJSON(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
}

func (s *Server) handleSendDM(w http.ResponseWriter, r *http.Request) {
	app, sender := s.userAuth(w, r)
	if sender == nil {
		return
	}
	if !isJSON(r) {
		writeProblem(w, http.StatusBadRequest, "invalid-request", "", "Content-Type must be application/json")
		return
	}
	var body wire.SendV2Request
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-request", "", "invalid body: "+err.Error())
		return
	}
	if body.Text == "" && len(body.Attachments) == 0 {
		writeProblem(w, http.StatusBadRequest, "invalid-request", "", "one of text or attachments is required")
		return
	}
	if len(body.Attachments) > 1 {
		writeProblem(w, http.StatusBadRequest, "invalid-request", "", "at most one attachment")
		return
	}
	if !checkText(w, r, body.Text) {
		return
	}
	s.mu.Lock()
	recipient := s.users[r.PathValue("participant_id")]
	if !checkRecipient(w, r, sender, recipient) {
		s.mu.Unlock()
		return
	}
	var media *Media
	if len(body.Attachments) == 1 {
		media = &Media{ID: body.Attachments[0].MediaID}
	}
	d := s.storeLocked(sender.ID, recipient.ID, body.Text, app.ID, media, "")
	id := strconv.FormatInt(d.id, 10)
	s.mu.Unlock()
	s.deliverEchoAsync(d)
	if !s.waitHold(r.Context()) {
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"data": map[string]string{
		"dm_conversation_id": conversationID(sender.ID, recipient.ID), "dm_event_id": id}})
}

func (s *Server) handleSendDMv1(w http.ResponseWriter, r *http.Request) {
	app, sender := s.userAuth(w, r)
	if sender == nil {
		return
	}
	if !isJSON(r) {
		writeV1Error(w, http.StatusUnsupportedMediaType, 415, "Content-Type must be application/json")
		return
	}
	var body wire.NewDMRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil ||
		body.Event.Type != "message_create" || body.Event.MessageCreate == nil || body.Event.MessageCreate.Target.RecipientID == "" {
		writeV1Error(w, http.StatusBadRequest, 214, "event.type, message_create.target.recipient_id and message_data are required.")
		return
	}
	md := body.Event.MessageCreate.MessageData
	if md.Text == "" && md.Attachment == nil {
		writeV1Error(w, http.StatusBadRequest, 214, "message_data.text is required.")
		return
	}
	if !checkText(w, r, md.Text) {
		return
	}
	if qr := md.QuickReply; qr != nil && (len(qr.Options) == 0 || len(qr.Options) > 20) {
		writeV1Error(w, http.StatusBadRequest, 214, "quick_reply must have 1 to 20 options.")
		return
	}
	s.mu.Lock()
	recipient := s.users[string(body.Event.MessageCreate.Target.RecipientID)]
	if !checkRecipient(w, r, sender, recipient) {
		s.mu.Unlock()
		return
	}
	var media *Media
	if md.Attachment != nil && md.Attachment.Media != nil {
		media = &Media{ID: string(md.Attachment.Media.ID)}
	}
	d := s.storeLocked(sender.ID, recipient.ID, md.Text, app.ID, media, "")
	ev := s.dmEventLocked(d)
	s.mu.Unlock()
	s.deliverEchoAsync(d)
	if !s.waitHold(r.Context()) {
		return
	}
	ev.MessageCreate.SourceAppID = "" // not returned on POST
	writeJSON(w, http.StatusOK, wire.NewDMResponse{Event: ev})
}

// userDMsLocked returns the DMs userID sent or received, newest first,
// older than the cursor (an event id), and the next cursor.
func (s *Server) userDMsLocked(userID, cursor string, n int) ([]*dm, string) {
	before := int64(-1)
	if cursor != "" {
		v, err := strconv.ParseInt(cursor, 10, 64)
		if err == nil {
			before = v
		}
	}
	var all []*dm
	for _, d := range s.dms {
		if (d.senderID == userID || d.recipientID == userID) && (before < 0 || d.id < before) {
			all = append(all, d)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].id > all[j].id })
	if len(all) <= n {
		return all, ""
	}
	page := all[:n]
	return page, strconv.FormatInt(page[n-1].id, 10)
}

func pageSize(raw string, def, limit int) (int, bool) {
	if raw == "" {
		return def, true
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > limit {
		return 0, false
	}
	return n, true
}

func (s *Server) handleListDMEvents(w http.ResponseWriter, r *http.Request) {
	_, u := s.userAuth(w, r)
	if u == nil {
		return
	}
	q := r.URL.Query()
	n, ok := pageSize(q.Get("max_results"), 100, 100)
	if !ok {
		writeProblem(w, http.StatusBadRequest, "invalid-request", "", "max_results must be between 1 and 100")
		return
	}
	s.mu.Lock()
	page, next := s.userDMsLocked(u.ID, q.Get("pagination_token"), n)
	out := wire.DMEventsV2Response{Data: []wire.DMEventV2{}}
	seen := map[string]bool{}
	var users []wire.UserV2
	var media []wire.MediaV2
	for _, d := range page {
		ev := wire.DMEventV2{ID: wire.FlexString(strconv.FormatInt(d.id, 10)), EventType: "MessageCreate", Text: d.text,
			SenderID: wire.FlexString(d.senderID), DMConversationID: conversationID(d.senderID, d.recipientID),
			CreatedAt: d.created.UTC().Format("2006-01-02T15:04:05.000Z"), ParticipantIDs: []string{d.senderID, d.recipientID}}
		ev.Entities = entitiesV2(d)
		if d.media != nil {
			key := "3_" + d.media.ID
			ev.Attachments = &struct {
				MediaKeys []string `json:"media_keys,omitempty"`
			}{MediaKeys: []string{key}}
			media = append(media, wire.MediaV2{MediaKey: key, Type: d.media.Type, URL: s.mediaURL(d)})
		}
		out.Data = append(out.Data, ev)
		for _, id := range []string{d.senderID, d.recipientID} {
			if pu := s.users[id]; pu != nil && !seen[id] {
				seen[id] = true
				users = append(users, userV2(pu))
			}
		}
	}
	s.mu.Unlock()
	if strings.Contains(q.Get("expansions"), "sender_id") && (len(users) > 0 || len(media) > 0) {
		out.Includes = &struct {
			Users []wire.UserV2  `json:"users,omitempty"`
			Media []wire.MediaV2 `json:"media,omitempty"`
		}{Users: users, Media: media}
	}
	out.Meta.ResultCount = len(out.Data)
	out.Meta.NextToken = next
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleListDMv1(w http.ResponseWriter, r *http.Request) {
	_, u := s.userAuth(w, r)
	if u == nil {
		return
	}
	q := r.URL.Query()
	n, ok := pageSize(q.Get("count"), 20, 50)
	if !ok {
		writeV1Error(w, http.StatusBadRequest, 44, "count parameter is invalid.")
		return
	}
	s.mu.Lock()
	page, next := s.userDMsLocked(u.ID, q.Get("cursor"), n)
	out := wire.DMEventsV1Response{Events: []wire.DMEvent{}, NextCursor: next}
	for _, d := range page {
		out.Events = append(out.Events, s.dmEventLocked(d))
		if d.sourceAppID != "" {
			if out.Apps == nil {
				out.Apps = map[string]wire.App{}
			}
			out.Apps[d.sourceAppID] = s.appWireLocked(d.sourceAppID)
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) appWireLocked(id string) wire.App {
	for _, a := range s.apps {
		if a.ID == id {
			return wire.App{ID: wire.FlexString(a.ID), Name: a.Name, URL: a.URL}
		}
	}
	if id == TwitterWebAppID {
		return wire.App{ID: wire.FlexString(id), Name: "Twitter Web App", URL: "https://mobile.twitter.com"}
	}
	return wire.App{ID: wire.FlexString(id)}
}

func (s *Server) handleTyping(w http.ResponseWriter, r *http.Request) {
	_, u := s.userAuth(w, r)
	if u == nil {
		return
	}
	s.mu.Lock()
	ok := s.users[r.FormValue("recipient_id")] != nil
	s.mu.Unlock()
	if !ok {
		writeV1Error(w, http.StatusNotFound, 50, "User not found.")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleMarkRead(w http.ResponseWriter, r *http.Request) {
	_, u := s.userAuth(w, r)
	if u == nil {
		return
	}
	s.mu.Lock()
	ok := s.users[r.FormValue("recipient_id")] != nil && r.FormValue("last_read_event_id") != ""
	s.mu.Unlock()
	if !ok {
		writeV1Error(w, http.StatusBadRequest, 214, "recipient_id and last_read_event_id are required.")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// fakeJPEG is served for media downloads.
var fakeJPEG = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00fake twitter media\xff\xd9")

// handleMedia serves a DM attachment only to a participant's signed GET.
func (s *Server) handleMedia(w http.ResponseWriter, r *http.Request) {
	_, u := s.userAuth(w, r)
	if u == nil {
		return
	}
	id, _ := strconv.ParseInt(r.PathValue("dm_id"), 10, 64)
	s.mu.Lock()
	var found *dm
	for _, d := range s.dms {
		if d.id == id && d.media != nil && d.media.ID == r.PathValue("media_id") {
			found = d
		}
	}
	allowed := found != nil && (found.senderID == u.ID || found.recipientID == u.ID)
	s.mu.Unlock()
	if !allowed {
		writeV1Error(w, http.StatusNotFound, 34, "Sorry, that page does not exist.")
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	_, _ = io.Copy(w, bytes.NewReader(fakeJPEG))
}

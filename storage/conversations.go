package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

type contactRow struct {
	ID               string `gorm:"primaryKey"`
	Channel          string
	ExternalID       *string
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
	AccountCreatedAt *time.Time
	Tags             string
	CreatedAt        time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt        time.Time `gorm:"autoUpdateTime:false"`
}

func (contactRow) TableName() string { return "contacts" }

func toContactRow(c engine.Contact) contactRow {
	p := c.Profile
	row := contactRow{ID: string(c.ID), Name: p.Name, ScreenName: p.ScreenName, FollowersCount: p.FollowersCount, FriendsCount: p.FriendsCount,
		Verified: p.Verified, Protected: p.Protected, Language: p.Language, Location: p.Location, Description: p.Description,
		ProfileImageURL: p.ProfileImageURL, AccountCreatedAt: optionalTime(p.AccountCreatedAt), Tags: jsonText(c.Tags, "[]"),
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
	if p.ExternalID != "" {
		id := p.ExternalID
		row.Channel, row.ExternalID = string(p.Channel), &id
	}
	return row
}

func toEngineContact(r contactRow) engine.Contact {
	c := engine.Contact{ID: engine.ContactID(r.ID), Profile: engine.CustomerProfile{
		Name: r.Name, ScreenName: r.ScreenName, FollowersCount: r.FollowersCount, FriendsCount: r.FriendsCount,
		Verified: r.Verified, Protected: r.Protected, Language: r.Language, Location: r.Location, Description: r.Description,
		ProfileImageURL: r.ProfileImageURL,
	}, Tags: []string{}, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.ExternalID != nil {
		c.Profile.Channel, c.Profile.ExternalID = engine.Channel(r.Channel), *r.ExternalID
	}
	if r.AccountCreatedAt != nil {
		c.Profile.AccountCreatedAt = r.AccountCreatedAt.UTC()
	}
	_ = json.Unmarshal([]byte(r.Tags), &c.Tags)
	return c
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func jsonText(v any, empty string) string {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return empty
	}
	return string(b)
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// The inserts of the ingest's hot path are plain statements: gorm's struct
// inserts cost more than the database's work (see engine's package doc).

// CreateContact stores a new contact; a channel identity already linked to
// a contact is ErrConflict.
func (r *repo) CreateContact(ctx context.Context, c engine.Contact) error {
	row := toContactRow(c)
	err := r.db(ctx).Exec(`INSERT INTO contacts (id, channel, external_id, name, screen_name, followers_count, friends_count, verified,
		protected, language, location, description, profile_image_url, account_created_at, tags, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		row.ID, row.Channel, row.ExternalID, row.Name, row.ScreenName, row.FollowersCount, row.FriendsCount, row.Verified,
		row.Protected, row.Language, row.Location, row.Description, row.ProfileImageURL, row.AccountCreatedAt, row.Tags, row.CreatedAt, row.UpdatedAt).Error
	if err != nil {
		return translate(err, "create contact", "a contact for %s customer %s already exists", c.Profile.Channel, c.Profile.ExternalID)
	}
	return nil
}

// Contact returns one contact.
func (r *repo) Contact(ctx context.Context, id engine.ContactID) (engine.Contact, error) {
	return r.findContact(ctx, "id = ?", string(id))
}

// ContactByIdentity returns the contact linked to a channel's customer.
func (r *repo) ContactByIdentity(ctx context.Context, id engine.ChannelIdentity) (engine.Contact, error) {
	var row contactRow
	err := r.rawRow(ctx, `SELECT `+contactColumns+` FROM contacts WHERE channel = ? AND external_id = ?`,
		string(id.Channel), id.ExternalID).Scan(row.fields()...)
	if err != nil {
		return engine.Contact{}, rawNotFound(err, "get contact", "contact not found")
	}
	return toEngineContact(row), nil
}

// contactColumns are the columns fields scans, in its order.
const contactColumns = `id, channel, external_id, name, screen_name, followers_count, friends_count, verified, protected, language,
	location, description, profile_image_url, account_created_at, tags, created_at, updated_at`

func (r *contactRow) fields() []any {
	return []any{&r.ID, &r.Channel, &r.ExternalID, &r.Name, &r.ScreenName, &r.FollowersCount, &r.FriendsCount, &r.Verified, &r.Protected, &r.Language,
		&r.Location, &r.Description, &r.ProfileImageURL, &r.AccountCreatedAt, &r.Tags, &r.CreatedAt, &r.UpdatedAt}
}

func (r *repo) findContact(ctx context.Context, cond string, arg any) (engine.Contact, error) {
	row, err := take[contactRow](r.db(ctx).Where(cond, arg), "get contact", "contact not found")
	if err != nil {
		return engine.Contact{}, err
	}
	return toEngineContact(row), nil
}

// ContactsByName returns the contacts not linked to a channel's customer whose
// screen_name or name equals name, ignoring case.
func (r *repo) ContactsByName(ctx context.Context, field, name string) ([]engine.Contact, error) {
	if field != "screen_name" && field != "name" {
		return nil, fmt.Errorf("contacts by name: unknown field %q", field)
	}
	rows, err := r.raw(ctx, `SELECT `+contactColumns+` FROM contacts
		WHERE external_id IS NULL AND lower(`+field+`) = ? ORDER BY id LIMIT 10`).QueryContext(ctx, strings.ToLower(strings.TrimPrefix(name, "@")))
	if err != nil {
		return nil, fmt.Errorf("contacts by name: %w", err)
	}
	defer rows.Close()
	var out []engine.Contact
	for rows.Next() {
		var row contactRow
		if err := rows.Scan(row.fields()...); err != nil {
			return nil, fmt.Errorf("contacts by name: %w", err)
		}
		out = append(out, toEngineContact(row))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("contacts by name: %w", err)
	}
	return out, nil
}

// UpdateContact saves a changed contact.
func (r *repo) UpdateContact(ctx context.Context, c engine.Contact) error {
	row := toContactRow(c)
	res := r.db(ctx).Model(&contactRow{}).Where("id = ?", row.ID).Select("*").Omit("id", "created_at").Updates(&row)
	if res.Error != nil {
		return translate(res.Error, "update contact", "a contact for %s customer %s already exists", c.Profile.Channel, c.Profile.ExternalID)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrNotFound, "no contact has the id %q", c.ID)
	}
	return nil
}

type conversationRow struct {
	ID                    string `gorm:"primaryKey"`
	ApplicationID         string
	HandleID              string
	WorkStreamID          string
	ContactID             *string
	ContactCandidates     string
	CustomerChannel       string
	CustomerExternalID    string
	CustomerScreenName    string
	Customer              string
	ExternalThreadID      string
	Status                string
	QueueID               *string
	AgentID               *string
	OfferedAgentID        *string
	OfferedAt             *time.Time
	CapacityUnits         int
	Priority              int
	RequeueCount          int
	IsReturning           bool
	PreviousConversations int
	MessageCount          int
	RoutedAt              *time.Time
	LastMessageAt         *time.Time
	LastCustomerMessageAt *time.Time
	LastAgentMessageAt    *time.Time
	StalledAt             *time.Time
	ClosedAt              *time.Time
	CloseReason           string
	CreatedAt             time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt             time.Time `gorm:"autoUpdateTime:false"`
}

func (conversationRow) TableName() string { return "conversations" }

func toConversationRow(c engine.Conversation) conversationRow {
	return conversationRow{
		ID: string(c.ID), ApplicationID: string(c.SourceID), HandleID: string(c.EndpointID), WorkStreamID: string(c.WorkStreamID),
		ContactID: nullable(string(c.ContactID)), ContactCandidates: jsonText(c.ContactCandidates, "[]"),
		CustomerChannel: string(c.Customer.Channel), CustomerExternalID: c.Customer.ExternalID, CustomerScreenName: c.Customer.ScreenName,
		Customer: jsonText(c.Customer, "{}"), ExternalThreadID: c.ExternalThreadID, Status: string(c.Status),
		QueueID: nullable(string(c.QueueID)), AgentID: nullable(string(c.AgentID)), OfferedAgentID: nullable(string(c.OfferedAgentID)),
		OfferedAt: utcPtr(c.OfferedAt), CapacityUnits: c.CapacityUnits, Priority: c.Priority, RequeueCount: c.RequeueCount, IsReturning: c.IsReturning, PreviousConversations: c.PreviousConversations,
		MessageCount: c.MessageCount, RoutedAt: utcPtr(c.RoutedAt), LastMessageAt: utcPtr(c.LastMessageAt),
		LastCustomerMessageAt: utcPtr(c.LastCustomerMessageAt), LastAgentMessageAt: utcPtr(c.LastAgentMessageAt),
		StalledAt: utcPtr(c.StalledAt), ClosedAt: utcPtr(c.ClosedAt), CloseReason: c.CloseReason,
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
	}
}

func toEngineConversation(r conversationRow) engine.Conversation {
	c := engine.Conversation{
		ID: engine.ConversationID(r.ID), SourceID: engine.SourceID(r.ApplicationID), EndpointID: engine.EndpointID(r.HandleID),
		WorkStreamID: engine.WorkStreamID(r.WorkStreamID), ContactID: engine.ContactID(deref(r.ContactID)),
		ExternalThreadID: r.ExternalThreadID, Status: engine.Status(r.Status),
		QueueID: engine.QueueID(deref(r.QueueID)), AgentID: engine.AgentID(deref(r.AgentID)), OfferedAgentID: engine.AgentID(deref(r.OfferedAgentID)),
		OfferedAt: utcPtr(r.OfferedAt), CapacityUnits: r.CapacityUnits, Priority: r.Priority, RequeueCount: r.RequeueCount, IsReturning: r.IsReturning, PreviousConversations: r.PreviousConversations,
		MessageCount: r.MessageCount, RoutedAt: utcPtr(r.RoutedAt), LastMessageAt: utcPtr(r.LastMessageAt),
		LastCustomerMessageAt: utcPtr(r.LastCustomerMessageAt), LastAgentMessageAt: utcPtr(r.LastAgentMessageAt),
		StalledAt: utcPtr(r.StalledAt), ClosedAt: utcPtr(r.ClosedAt), CloseReason: r.CloseReason,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	_ = json.Unmarshal([]byte(r.Customer), &c.Customer)
	_ = json.Unmarshal([]byte(r.ContactCandidates), &c.ContactCandidates)
	c.Customer.Channel, c.Customer.ExternalID = engine.Channel(r.CustomerChannel), r.CustomerExternalID
	if !c.Customer.AccountCreatedAt.IsZero() {
		c.Customer.AccountCreatedAt = c.Customer.AccountCreatedAt.UTC()
	}
	return c
}

// CreateConversation stores a new conversation; a second conversation in
// progress for the same customer and handle is ErrConflict.
func (r *repo) CreateConversation(ctx context.Context, c engine.Conversation) error {
	row := toConversationRow(c)
	err := r.rawExec(ctx, `INSERT INTO conversations (`+conversationColumns+`) VALUES `+rowsOf(1, conversationColumnCount), row.values()...)
	if err != nil {
		return translate(err, "create conversation", "customer %s already has a conversation in progress with this handle", c.Customer.ExternalID)
	}
	return nil
}

// Conversation returns one conversation.
func (r *repo) Conversation(ctx context.Context, id engine.ConversationID) (engine.Conversation, error) {
	row, err := take[conversationRow](r.db(ctx).Where("id = ?", string(id)), "get conversation", "no conversation has the id %q", id)
	if err != nil {
		return engine.Conversation{}, err
	}
	return toEngineConversation(row), nil
}

// ListConversations lists conversations newest first.
func (r *repo) ListConversations(ctx context.Context, f engine.ConversationFilter, p engine.Page) (engine.List[engine.Conversation], error) {
	q := r.db(ctx).Model(&conversationRow{})
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.QueueID != "" {
		q = q.Where("queue_id = ?", string(f.QueueID))
	}
	if f.AgentID != "" {
		q = q.Where("(agent_id = ? OR offered_agent_id = ?)", string(f.AgentID), string(f.AgentID))
	}
	if f.WorkStreamID != "" {
		q = q.Where("work_stream_id = ?", string(f.WorkStreamID))
	}
	if f.VisibleTo != "" {
		queues := make([]string, 0, len(f.VisibleQueues))
		for _, id := range f.VisibleQueues {
			queues = append(queues, string(id))
		}
		if len(queues) == 0 {
			queues = append(queues, "") // IN () is not valid SQL; no queue has the empty id
		}
		q = q.Where("(agent_id = ? OR offered_agent_id = ? OR (status = ? AND queue_id IN ?))",
			string(f.VisibleTo), string(f.VisibleTo), string(engine.StatusOpen), queues)
	}
	if f.CustomerScreenName != "" {
		q = q.Where("lower(customer_screen_name) = ?", strings.ToLower(strings.TrimPrefix(f.CustomerScreenName, "@")))
	}
	var rows []conversationRow
	if err := paged(q, p, true).Find(&rows).Error; err != nil {
		return engine.List[engine.Conversation]{}, fmt.Errorf("list conversations: %w", err)
	}
	return pageOf(rows, p, toEngineConversation, func(r conversationRow) string { return r.ID }), nil
}

// ConversationInProgress returns the customer's conversation with a handle
// that is not closed, locked until the transaction ends: the caller is about
// to change it. (SQLite drops the FOR UPDATE; its transactions begin
// IMMEDIATE, so one writer at a time holds everything.)
func (r *repo) ConversationInProgress(ctx context.Context, handle engine.EndpointID, customerID string) (engine.Conversation, error) {
	var row conversationRow
	// 'closed' is a literal, as in the unique index's predicate: SQLite
	// plans a statement for that partial index only when it can see the
	// value, and compiles one with a bound value again at every binding.
	err := r.rawRow(ctx, `SELECT `+conversationColumns+` FROM conversations WHERE handle_id = ? AND customer_external_id = ? AND status <> 'closed'`+r.forUpdate(false),
		string(handle), customerID).Scan(row.fields()...)
	if err != nil {
		return engine.Conversation{}, rawNotFound(err, "conversation in progress", "no conversation in progress")
	}
	return toEngineConversation(row), nil
}

// conversationColumns are the columns fields scans, in its order.
const conversationColumns = `id, application_id, handle_id, work_stream_id, contact_id, contact_candidates, customer_channel,
	customer_external_id, customer_screen_name, customer, external_thread_id, status, queue_id, agent_id, offered_agent_id, offered_at, capacity_units,
	priority, requeue_count, is_returning, previous_conversations, message_count, routed_at, last_message_at, last_customer_message_at,
	last_agent_message_at, stalled_at, closed_at, close_reason, created_at, updated_at`

// conversationColumnCount is how many columns conversationColumns names.
const conversationColumnCount = 31

// values are the row's values in conversationColumns' order.
func (r conversationRow) values() []any {
	return []any{r.ID, r.ApplicationID, r.HandleID, r.WorkStreamID, r.ContactID, r.ContactCandidates, r.CustomerChannel, r.CustomerExternalID,
		r.CustomerScreenName, r.Customer, r.ExternalThreadID, r.Status, r.QueueID, r.AgentID, r.OfferedAgentID, r.OfferedAt, r.CapacityUnits,
		r.Priority, r.RequeueCount, r.IsReturning, r.PreviousConversations, r.MessageCount, r.RoutedAt, r.LastMessageAt, r.LastCustomerMessageAt,
		r.LastAgentMessageAt, r.StalledAt, r.ClosedAt, r.CloseReason, r.CreatedAt, r.UpdatedAt}
}

func (r *conversationRow) fields() []any {
	return []any{&r.ID, &r.ApplicationID, &r.HandleID, &r.WorkStreamID, &r.ContactID, &r.ContactCandidates, &r.CustomerChannel, &r.CustomerExternalID,
		&r.CustomerScreenName, &r.Customer, &r.ExternalThreadID, &r.Status, &r.QueueID, &r.AgentID, &r.OfferedAgentID, &r.OfferedAt, &r.CapacityUnits,
		&r.Priority, &r.RequeueCount, &r.IsReturning, &r.PreviousConversations, &r.MessageCount, &r.RoutedAt, &r.LastMessageAt, &r.LastCustomerMessageAt,
		&r.LastAgentMessageAt, &r.StalledAt, &r.ClosedAt, &r.CloseReason, &r.CreatedAt, &r.UpdatedAt}
}

// CountClosedConversations counts the customer's closed conversations with a handle.
func (r *repo) CountClosedConversations(ctx context.Context, handle engine.EndpointID, customerID string) (int, error) {
	var n int64
	err := r.rawRow(ctx, `SELECT count(*) FROM conversations WHERE handle_id = ? AND customer_external_id = ? AND status = ?`,
		string(handle), customerID, string(engine.StatusClosed)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count closed conversations: %w", err)
	}
	return int(n), nil
}

// updateConversationSQL writes every mutable column of a conversation; a
// plain statement, because it runs for every DM and gorm's struct updates
// cost more than the database does.
const updateConversationSQL = `UPDATE conversations SET application_id = ?, handle_id = ?, work_stream_id = ?, contact_id = ?, contact_candidates = ?,
	customer_channel = ?, customer_external_id = ?, customer_screen_name = ?, customer = ?, external_thread_id = ?, status = ?, queue_id = ?,
	agent_id = ?, offered_agent_id = ?, offered_at = ?, capacity_units = ?, priority = ?, requeue_count = ?, is_returning = ?,
	previous_conversations = ?, message_count = ?, routed_at = ?, last_message_at = ?, last_customer_message_at = ?,
	last_agent_message_at = ?, stalled_at = ?, closed_at = ?, close_reason = ?, updated_at = ? WHERE id = ?`

// UpdateConversation saves a changed conversation.
func (r *repo) UpdateConversation(ctx context.Context, c engine.Conversation) error {
	row := toConversationRow(c)
	n, err := r.rawExecCount(ctx, updateConversationSQL, row.ApplicationID, row.HandleID, row.WorkStreamID, row.ContactID, row.ContactCandidates,
		row.CustomerChannel, row.CustomerExternalID, row.CustomerScreenName, row.Customer, row.ExternalThreadID, row.Status, row.QueueID,
		row.AgentID, row.OfferedAgentID, row.OfferedAt, row.CapacityUnits, row.Priority, row.RequeueCount, row.IsReturning,
		row.PreviousConversations, row.MessageCount, row.RoutedAt, row.LastMessageAt, row.LastCustomerMessageAt,
		row.LastAgentMessageAt, row.StalledAt, row.ClosedAt, row.CloseReason, row.UpdatedAt, row.ID)
	if err != nil {
		return translate(err, "update conversation", "customer %s already has a conversation in progress with this handle", c.Customer.ExternalID)
	}
	if n == 0 {
		return engine.Errorf(engine.ErrNotFound, "no conversation has the id %q", c.ID)
	}
	return nil
}

type messageRow struct {
	ID               string `gorm:"primaryKey"`
	ConversationID   string
	ApplicationID    string
	Direction        string
	ExternalID       *string
	SenderExternalID string
	AuthorAgentID    *string
	Text             string
	Media            string
	Links            string
	InitiatedVia     string
	QuickReply       string
	Features         string
	SentAt           time.Time
	ReceivedAt       time.Time
	DeliveryStatus   string
	Attempts         int
	LastError        string
	Blocked          bool
	Automated        bool
}

func (messageRow) TableName() string { return "messages" }

func toMessageRow(m engine.Message) messageRow {
	return messageRow{ID: string(m.ID), ConversationID: string(m.ConversationID), ApplicationID: string(m.SourceID),
		Direction: string(m.Direction), ExternalID: nullable(m.ExternalID), SenderExternalID: m.SenderExternalID,
		AuthorAgentID: nullable(string(m.AuthorAgentID)), Text: m.Text, Media: jsonText(m.Media, "[]"), Links: jsonText(m.Links, "[]"), InitiatedVia: jsonText(m.InitiatedVia, "[]"), QuickReply: m.QuickReply,
		Features: jsonText(m.Features, "{}"), SentAt: m.SentAt.UTC(), ReceivedAt: m.ReceivedAt.UTC(), DeliveryStatus: string(m.Delivery), Attempts: m.Attempts, LastError: m.LastError, Blocked: m.Blocked, Automated: m.Automated}
}

func toEngineMessage(r messageRow) engine.Message {
	m := engine.Message{ID: engine.MessageID(r.ID), ConversationID: engine.ConversationID(r.ConversationID), SourceID: engine.SourceID(r.ApplicationID),
		Direction: engine.Direction(r.Direction), ExternalID: deref(r.ExternalID), SenderExternalID: r.SenderExternalID,
		AuthorAgentID: engine.AgentID(deref(r.AuthorAgentID)), Text: r.Text, Media: []engine.Media{}, QuickReply: r.QuickReply,
		SentAt: r.SentAt.UTC(), ReceivedAt: r.ReceivedAt.UTC(), Delivery: engine.DeliveryStatus(r.DeliveryStatus), Attempts: r.Attempts, LastError: r.LastError, Blocked: r.Blocked, Automated: r.Automated}
	_ = json.Unmarshal([]byte(r.Media), &m.Media)
	if r.Links != "" && r.Links != "[]" {
		_ = json.Unmarshal([]byte(r.Links), &m.Links)
	}
	if r.InitiatedVia != "" && r.InitiatedVia != "[]" {
		_ = json.Unmarshal([]byte(r.InitiatedVia), &m.InitiatedVia)
	}
	_ = json.Unmarshal([]byte(r.Features), &m.Features)
	return m
}

// AppendMessage stores a message; a stored (application, event id) is
// ErrConflict.
func (r *repo) AppendMessage(ctx context.Context, m engine.Message) error {
	row := toMessageRow(m)
	err := r.rawExec(ctx, `INSERT INTO messages (id, conversation_id, application_id, direction, external_id, sender_external_id,
		author_agent_id, text, media, links, initiated_via, quick_reply, features, sent_at, received_at, delivery_status, attempts, last_error, blocked, automated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		row.ID, row.ConversationID, row.ApplicationID, row.Direction, row.ExternalID, row.SenderExternalID,
		row.AuthorAgentID, row.Text, row.Media, row.Links, row.InitiatedVia, row.QuickReply, row.Features, row.SentAt, row.ReceivedAt, row.DeliveryStatus, row.Attempts, row.LastError, row.Blocked, row.Automated)
	if err != nil {
		return translate(err, "store message", "Twitter event %s is stored already", m.ExternalID)
	}
	return nil
}

// MessageByExternalID returns the message stored for an event.
func (r *repo) MessageByExternalID(ctx context.Context, app engine.SourceID, eventID string) (engine.Message, error) {
	var row messageRow
	err := r.rawRow(ctx, `SELECT id, conversation_id, application_id, direction, external_id, sender_external_id, author_agent_id,
		text, media, links, initiated_via, quick_reply, features, sent_at, received_at, delivery_status, attempts, last_error
		FROM messages WHERE application_id = ? AND external_id = ?`, string(app), eventID).Scan(&row.ID, &row.ConversationID,
		&row.ApplicationID, &row.Direction, &row.ExternalID, &row.SenderExternalID, &row.AuthorAgentID, &row.Text, &row.Media,
		&row.Links, &row.InitiatedVia, &row.QuickReply, &row.Features, &row.SentAt, &row.ReceivedAt, &row.DeliveryStatus, &row.Attempts, &row.LastError)
	if err != nil {
		return engine.Message{}, rawNotFound(err, "message by event", "no message for event %s", eventID)
	}
	return toEngineMessage(row), nil
}

// Messages lists a conversation's messages in Twitter's order.
func (r *repo) Messages(ctx context.Context, id engine.ConversationID) ([]engine.Message, error) {
	var rows []messageRow
	if err := r.db(ctx).Where("conversation_id = ?", string(id)).Order("sent_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	out := make([]engine.Message, 0, len(rows))
	for _, row := range rows {
		out = append(out, toEngineMessage(row))
	}
	return out, nil
}

// DeliveredTo lists the sent outbound messages to a customer of an
// endpoint after a message, oldest first. Message ids grow with time, so
// "after" is a cursor a stream can resume from.
func (r *repo) DeliveredTo(ctx context.Context, endpoint engine.EndpointID, customerID string, after engine.MessageID, n int) ([]engine.Message, error) {
	var rows []messageRow
	err := r.db(ctx).Where(`direction = 'outbound' AND delivery_status IN ('sending', 'sent') AND id > ? AND conversation_id IN
		(SELECT id FROM conversations WHERE handle_id = ? AND customer_external_id = ?)`, string(after), string(endpoint), customerID).
		Order("id").Limit(n).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list delivered messages: %w", err)
	}
	out := make([]engine.Message, 0, len(rows))
	for _, row := range rows {
		out = append(out, toEngineMessage(row))
	}
	return out, nil
}

type routingDecisionRow struct {
	ID             string `gorm:"primaryKey"`
	ConversationID string
	At             time.Time
	RuleID         *string
	RuleName       string
	RuleSetVersion int
	QueueID        string
	Priority       int
	Reason         string
	Error          string
	OverflowFrom   string
}

func (routingDecisionRow) TableName() string { return "routing_decisions" }

// AppendRoutingDecision records a routing decision.
func (r *repo) AppendRoutingDecision(ctx context.Context, d engine.RoutingDecision) error {
	return r.AppendRoutingDecisions(ctx, []engine.RoutingDecision{d})
}

// RoutingHistory lists a conversation's routing decisions, oldest first.
func (r *repo) RoutingHistory(ctx context.Context, id engine.ConversationID) ([]engine.RoutingDecision, error) {
	var rows []routingDecisionRow
	if err := r.db(ctx).Where("conversation_id = ?", string(id)).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("routing history: %w", err)
	}
	out := make([]engine.RoutingDecision, 0, len(rows))
	for _, row := range rows {
		out = append(out, engine.RoutingDecision{ID: row.ID, ConversationID: engine.ConversationID(row.ConversationID), At: row.At.UTC(),
			RuleID: deref(row.RuleID), RuleName: row.RuleName, RuleSetVersion: row.RuleSetVersion, QueueID: engine.QueueID(row.QueueID),
			Priority: row.Priority, Reason: engine.RoutingReason(row.Reason), Error: row.Error, OverflowFrom: engine.QueueID(row.OverflowFrom)})
	}
	return out, nil
}

// inProgress counts conversations not closed that match cond.
func (r *repo) inProgress(ctx context.Context, cond string, args ...any) (int64, error) {
	var n int64
	err := r.db(ctx).Model(&conversationRow{}).Where("status <> ?", string(engine.StatusClosed)).Where(cond, args...).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count conversations in progress: %w", err)
	}
	return n, nil
}

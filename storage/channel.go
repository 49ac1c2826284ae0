package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/switchboardhq/switchboard/engine"
)

// colRequestSecret is the sealed column of a sign-on in progress.
const colRequestSecret = "twitter_sign_ons.request_secret"

// outboxRow is the part of a messages row the outbox reads.
type outboxRow struct {
	ID                  string `gorm:"primaryKey"`
	ConversationID      string
	ApplicationID       string
	Direction           string
	ExternalID          *string
	SenderExternalID    string
	AuthorAgentID       *string
	Text                string
	SentAt              time.Time
	ReceivedAt          time.Time
	DeliveryStatus      string
	Attempts            int
	LastError           string
	HandleID            *string
	RecipientExternalID string
	NextAttemptAt       *time.Time
	SentParts           int
	Channel             string // the conversation's customer's
}

func (outboxRow) TableName() string { return "messages" }

const outboxColumns = "id, conversation_id, application_id, direction, external_id, sender_external_id, author_agent_id, text, sent_at, received_at, delivery_status, attempts, last_error, handle_id, recipient_external_id, next_attempt_at, sent_parts, " +
	"(SELECT customer_channel FROM conversations c WHERE c.id = messages.conversation_id) AS channel"

func toOutboxItem(r outboxRow) engine.OutboxItem {
	return engine.OutboxItem{
		Message: engine.Message{
			ID: engine.MessageID(r.ID), ConversationID: engine.ConversationID(r.ConversationID), SourceID: engine.SourceID(r.ApplicationID),
			Direction: engine.Direction(r.Direction), ExternalID: deref(r.ExternalID), SenderExternalID: r.SenderExternalID,
			AuthorAgentID: engine.AgentID(deref(r.AuthorAgentID)), Text: r.Text, Media: []engine.Media{},
			SentAt: r.SentAt.UTC(), ReceivedAt: r.ReceivedAt.UTC(), Delivery: engine.DeliveryStatus(r.DeliveryStatus),
			Attempts: r.Attempts, LastError: r.LastError,
		},
		Channel: engine.Channel(r.Channel), EndpointID: engine.EndpointID(deref(r.HandleID)), RecipientID: r.RecipientExternalID, SentParts: r.SentParts,
	}
}

// ScheduleOutbound puts a stored outbound message in the outbox.
func (r *repo) ScheduleOutbound(ctx context.Context, id engine.MessageID, handle engine.EndpointID, recipientID string, next time.Time) error {
	res := r.db(ctx).Model(&outboxRow{}).Where("id = ?", string(id)).Updates(map[string]any{
		"handle_id": string(handle), "recipient_external_id": recipientID, "next_attempt_at": next.UTC(),
		"delivery_status": string(engine.DeliveryQueued),
	})
	if res.Error != nil {
		return fmt.Errorf("schedule outbound message: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrNotFound, "no message has the id %q", id)
	}
	return nil
}

// dueCondition selects outbox messages due at a time: queued ones whose
// attempt is due, and sending ones whose lease ended; of those, only the
// first unsent message to each customer of a handle, so that one that
// waits (a retry's backoff, a rate limit, a send in flight on another
// replica) holds back the replies written after it, and the customer
// reads them in the agent's order.
const dueCondition = `direction = 'outbound' AND delivery_status IN ('queued', 'sending') AND next_attempt_at <= ?
    AND NOT EXISTS (SELECT 1 FROM messages e WHERE e.handle_id = messages.handle_id
        AND e.recipient_external_id = messages.recipient_external_id AND e.direction = 'outbound'
        AND e.delivery_status IN ('queued', 'sending')
        AND (e.sent_at < messages.sent_at OR (e.sent_at = messages.sent_at AND e.id < messages.id)))`

// claimed is one row a claim took, with its status before.
type claimed struct {
	ID             string
	PreviousStatus string
}

// ClaimOutbox takes up to n due outbox messages for one sender: they become
// "sending" until leaseUntil, with one more attempt counted. They come in
// due order, then in the order they were written (sent_at), so that replies
// held back together (a rate-limit pause) go out in the agent's order.
//
// On PostgreSQL this is one statement, as river claims jobs: a CTE selects
// the due rows in due order with FOR UPDATE SKIP LOCKED, so concurrent
// senders (several replicas) skip each other's rows instead of waiting or
// taking them twice, and UPDATE … FROM the CTE marks them and RETURNs them.
// A sender that crashes before committing its claim loses it; the rows
// come back due.
//
// SQLite has no SKIP LOCKED and needs none: its transactions begin
// IMMEDIATE (see sqliteDSN), so the claim's transaction is the only writer
// from the select to the update and no other sender can see the rows in
// between.
func (r *repo) ClaimOutbox(ctx context.Context, now, leaseUntil time.Time, n int) ([]engine.OutboxItem, error) {
	db := r.db(ctx)
	var got []claimed
	if db.Dialector.Name() == "postgres" {
		err := db.Raw(`WITH due AS (
    SELECT id, delivery_status AS previous_status FROM messages
    WHERE `+dueCondition+`
    ORDER BY next_attempt_at, sent_at, id
    LIMIT ?
    FOR UPDATE SKIP LOCKED
)
UPDATE messages AS m SET delivery_status = 'sending', next_attempt_at = ?, attempts = m.attempts + 1
FROM due WHERE m.id = due.id
RETURNING m.id, due.previous_status`, now.UTC(), n, leaseUntil.UTC()).Scan(&got).Error
		if err != nil {
			return nil, fmt.Errorf("claim outbox: %w", err)
		}
	} else {
		// The single writer: see the doc comment.
		err := db.Raw(`SELECT id, delivery_status AS previous_status FROM messages WHERE `+dueCondition+` ORDER BY next_attempt_at, sent_at, id LIMIT ?`,
			now.UTC(), n).Scan(&got).Error
		if err != nil {
			return nil, fmt.Errorf("claim outbox: %w", err)
		}
		if len(got) > 0 {
			ids := make([]string, len(got))
			for i, c := range got {
				ids[i] = c.ID
			}
			err = db.Exec(`UPDATE messages SET delivery_status = 'sending', next_attempt_at = ?, attempts = attempts + 1 WHERE id IN ?`,
				leaseUntil.UTC(), ids).Error
			if err != nil {
				return nil, fmt.Errorf("claim outbox: %w", err)
			}
		}
	}
	if len(got) == 0 {
		return nil, nil
	}
	ids := make([]string, len(got))
	prev := make(map[string]string, len(got))
	for i, c := range got {
		ids[i], prev[c.ID] = c.ID, c.PreviousStatus
	}
	var rows []outboxRow
	if err := db.Select(outboxColumns).Where("id IN ?", ids).Order("next_attempt_at, sent_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	out := make([]engine.OutboxItem, 0, len(rows))
	for _, row := range rows {
		it := toOutboxItem(row)
		it.PreviousStatus = engine.DeliveryStatus(prev[row.ID])
		out = append(out, it)
	}
	return out, nil
}

// UpdateDelivery records the outcome of a send attempt.
func (r *repo) UpdateDelivery(ctx context.Context, u engine.DeliveryUpdate) error {
	set := map[string]any{
		"delivery_status": string(u.Status), "attempts": u.Attempts, "last_error": u.LastError,
		"sent_parts": u.SentParts, "external_id": nullable(u.ExternalID), "next_attempt_at": nil,
	}
	if u.Status == engine.DeliveryQueued || u.Status == engine.DeliverySending {
		set["next_attempt_at"] = u.NextAttemptAt.UTC()
	}
	res := r.db(ctx).Model(&outboxRow{}).Where("id = ?", string(u.ID)).Updates(set)
	if res.Error != nil {
		return translate(res.Error, "update delivery", "Twitter event %s is stored already", u.ExternalID)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrNotFound, "no message has the id %q", u.ID)
	}
	return nil
}

// OutboxMessage returns an outbound message with its outbox state.
func (r *repo) OutboxMessage(ctx context.Context, id engine.MessageID) (engine.OutboxItem, error) {
	var row outboxRow
	err := r.db(ctx).Select(outboxColumns).Where("id = ?", string(id)).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return engine.OutboxItem{}, engine.Errorf(engine.ErrNotFound, "no message has the id %q", id)
	}
	if err != nil {
		return engine.OutboxItem{}, fmt.Errorf("get outbox message: %w", err)
	}
	it := toOutboxItem(row)
	it.PreviousStatus = it.Delivery
	return it, nil
}

// DelayOutbox moves queued messages of a handle or application to until.
func (r *repo) DelayOutbox(ctx context.Context, app engine.SourceID, handle engine.EndpointID, until time.Time) (int, error) {
	q := r.db(ctx).Model(&outboxRow{}).Where("delivery_status = 'queued' AND application_id = ? AND next_attempt_at < ?", string(app), until.UTC())
	if handle != "" {
		q = q.Where("handle_id = ?", string(handle))
	}
	res := q.Update("next_attempt_at", until.UTC())
	if res.Error != nil {
		return 0, fmt.Errorf("delay outbox: %w", res.Error)
	}
	return int(res.RowsAffected), nil
}

// OutboxDepth counts outbox messages by status.
func (r *repo) OutboxDepth(ctx context.Context) (map[engine.DeliveryStatus]int, error) {
	var rows []struct {
		DeliveryStatus string
		N              int
	}
	err := r.db(ctx).Model(&outboxRow{}).Select("delivery_status, count(*) AS n").
		Where("direction = 'outbound' AND delivery_status IN ('queued', 'sending')").Group("delivery_status").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("outbox depth: %w", err)
	}
	out := map[engine.DeliveryStatus]int{engine.DeliveryQueued: 0, engine.DeliverySending: 0}
	for _, row := range rows {
		out[engine.DeliveryStatus(row.DeliveryStatus)] = row.N
	}
	return out, nil
}

type sentEventRow struct {
	ApplicationID string `gorm:"primaryKey"`
	EventID       string `gorm:"primaryKey"`
	MessageID     string
}

func (sentEventRow) TableName() string { return "sent_events" }

// RecordSentEvents remembers the event ids of a sent message.
func (r *repo) RecordSentEvents(ctx context.Context, app engine.SourceID, id engine.MessageID, eventIDs []string) error {
	if len(eventIDs) == 0 {
		return nil
	}
	rows := make([]sentEventRow, 0, len(eventIDs))
	for _, e := range eventIDs {
		rows = append(rows, sentEventRow{ApplicationID: string(app), EventID: e, MessageID: string(id)})
	}
	if err := r.db(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
		return fmt.Errorf("record sent events: %w", err)
	}
	return nil
}

// SentEventMessage returns the message whose send produced the event.
func (r *repo) SentEventMessage(ctx context.Context, app engine.SourceID, eventID string) (engine.MessageID, error) {
	var row sentEventRow
	err := r.db(ctx).Where("application_id = ? AND event_id = ?", string(app), eventID).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", engine.Errorf(engine.ErrNotFound, "no message sent event %s", eventID)
	}
	if err != nil {
		return "", fmt.Errorf("sent event: %w", err)
	}
	return engine.MessageID(row.MessageID), nil
}

type signOnRow struct {
	RequestToken  string `gorm:"primaryKey"`
	ApplicationID string
	HandleID      string
	RequestSecret string    // sealed
	CreatedAt     time.Time `gorm:"autoCreateTime:false"`
	ExpiresAt     time.Time
}

func (signOnRow) TableName() string { return "twitter_sign_ons" }

// CreateSignOn stores a sign-on in progress, its request secret sealed.
func (r *repo) CreateSignOn(ctx context.Context, s engine.SignOn) error {
	if s.RequestSecret.IsZero() {
		return engine.FieldError("request_secret", "is required")
	}
	sealed, err := r.sealField(s.RequestSecret, colRequestSecret, s.RequestToken)
	if err != nil {
		return err
	}
	row := signOnRow{RequestToken: s.RequestToken, ApplicationID: string(s.SourceID), HandleID: string(s.EndpointID),
		RequestSecret: sealed, CreatedAt: s.CreatedAt.UTC(), ExpiresAt: s.ExpiresAt.UTC()}
	if err := r.db(ctx).Create(&row).Error; err != nil {
		return translate(err, "store sign-on", "the request token is in use already")
	}
	return nil
}

// TakeSignOn deletes and returns the sign-on of a request token. The row is
// locked by the delete, so two callbacks with one token cannot both take it.
func (r *repo) TakeSignOn(ctx context.Context, requestToken string) (engine.SignOn, error) {
	var row signOnRow
	err := r.db(ctx).Where("request_token = ?", requestToken).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return engine.SignOn{}, engine.Errorf(engine.ErrNotFound, "no sign-on has this request token")
	}
	if err != nil {
		return engine.SignOn{}, fmt.Errorf("take sign-on: %w", err)
	}
	res := r.db(ctx).Where("request_token = ?", requestToken).Delete(&signOnRow{})
	if res.Error != nil {
		return engine.SignOn{}, fmt.Errorf("take sign-on: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return engine.SignOn{}, engine.Errorf(engine.ErrNotFound, "no sign-on has this request token")
	}
	secret, err := r.openField(row.RequestSecret, colRequestSecret, row.RequestToken)
	if err != nil {
		return engine.SignOn{}, err
	}
	return engine.SignOn{RequestToken: row.RequestToken, RequestSecret: secret, SourceID: engine.SourceID(row.ApplicationID),
		EndpointID: engine.EndpointID(row.HandleID), CreatedAt: row.CreatedAt.UTC(), ExpiresAt: row.ExpiresAt.UTC()}, nil
}

type handleHealthRow struct {
	HandleID          string `gorm:"primaryKey"`
	LastEventAt       *time.Time
	LastEventID       string
	Subscription      string
	SubscriptionError string
	CheckedAt         *time.Time
	PausedUntil       *time.Time
}

func (handleHealthRow) TableName() string { return "twitter_handle_health" }

// EndpointHealth returns a handle's health (state unknown when never checked).
func (r *repo) EndpointHealth(ctx context.Context, id engine.EndpointID) (engine.EndpointHealth, error) {
	var row handleHealthRow
	err := r.db(ctx).Where("handle_id = ?", string(id)).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return engine.EndpointHealth{EndpointID: id, Subscription: engine.SubscriptionUnknown}, nil
	}
	if err != nil {
		return engine.EndpointHealth{}, fmt.Errorf("get handle health: %w", err)
	}
	return engine.EndpointHealth{EndpointID: id, LastEventAt: utcPtr(row.LastEventAt), LastEventID: row.LastEventID,
		Subscription: row.Subscription, SubscriptionError: row.SubscriptionError, CheckedAt: utcPtr(row.CheckedAt), PausedUntil: utcPtr(row.PausedUntil)}, nil
}

// SaveEndpointHealth stores a handle's health.
func (r *repo) SaveEndpointHealth(ctx context.Context, h engine.EndpointHealth) error {
	if h.Subscription == "" {
		h.Subscription = engine.SubscriptionUnknown
	}
	row := handleHealthRow{HandleID: string(h.EndpointID), LastEventAt: utcPtr(h.LastEventAt), LastEventID: h.LastEventID,
		Subscription: h.Subscription, SubscriptionError: h.SubscriptionError, CheckedAt: utcPtr(h.CheckedAt), PausedUntil: utcPtr(h.PausedUntil)}
	if err := r.db(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
		return translate(err, "save handle health", "handle health exists")
	}
	return nil
}

type applicationHealthRow struct {
	ApplicationID string `gorm:"primaryKey"`
	WebhookID     string
	WebhookURL    string
	Webhook       string
	WebhookError  string
	TwitterAppID  string
	CheckedAt     *time.Time
	PausedUntil   *time.Time
}

func (applicationHealthRow) TableName() string { return "twitter_application_health" }

// SourceHealth returns an application's webhook state.
func (r *repo) SourceHealth(ctx context.Context, id engine.SourceID) (engine.SourceHealth, error) {
	var row applicationHealthRow
	err := r.db(ctx).Where("application_id = ?", string(id)).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return engine.SourceHealth{SourceID: id, Webhook: engine.WebhookUnknown}, nil
	}
	if err != nil {
		return engine.SourceHealth{}, fmt.Errorf("get application health: %w", err)
	}
	return engine.SourceHealth{SourceID: id, WebhookID: row.WebhookID, WebhookURL: row.WebhookURL, Webhook: row.Webhook,
		WebhookError: row.WebhookError, ClientID: row.TwitterAppID, CheckedAt: utcPtr(row.CheckedAt), PausedUntil: utcPtr(row.PausedUntil)}, nil
}

// SaveSourceHealth stores an application's webhook state.
func (r *repo) SaveSourceHealth(ctx context.Context, a engine.SourceHealth) error {
	if a.Webhook == "" {
		a.Webhook = engine.WebhookUnknown
	}
	row := applicationHealthRow{ApplicationID: string(a.SourceID), WebhookID: a.WebhookID, WebhookURL: a.WebhookURL, Webhook: a.Webhook,
		WebhookError: a.WebhookError, TwitterAppID: a.ClientID, CheckedAt: utcPtr(a.CheckedAt), PausedUntil: utcPtr(a.PausedUntil)}
	if err := r.db(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
		return translate(err, "save application health", "application health exists")
	}
	return nil
}

// CountInboundSince counts a handle's customer messages sent after since.
func (r *repo) CountInboundSince(ctx context.Context, handle engine.EndpointID, since time.Time) (int, error) {
	var n int64
	err := r.db(ctx).Table("messages").Joins("JOIN conversations ON conversations.id = messages.conversation_id").
		Where("conversations.handle_id = ? AND messages.direction = 'inbound' AND messages.sent_at > ?", string(handle), since.UTC()).
		Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count inbound messages: %w", err)
	}
	return int(n), nil
}

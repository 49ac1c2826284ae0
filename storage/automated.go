package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

type automatedMessageRow struct {
	WorkStreamID string `gorm:"primaryKey"`
	Kind         string `gorm:"primaryKey"`
	Body         string
	UpdatedBy    string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (automatedMessageRow) TableName() string { return "automated_messages" }

func toAutomatedMessageRow(m engine.AutomatedMessage) automatedMessageRow {
	return automatedMessageRow{WorkStreamID: string(m.WorkStreamID), Kind: string(m.Kind), Body: m.Body, UpdatedBy: m.UpdatedBy,
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC()}
}

func toEngineAutomatedMessage(r automatedMessageRow) engine.AutomatedMessage {
	return engine.AutomatedMessage{WorkStreamID: engine.WorkStreamID(r.WorkStreamID), Kind: engine.AutomatedKind(r.Kind), Body: r.Body,
		UpdatedBy: r.UpdatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

type automatedSendRow struct {
	MessageID      string `gorm:"primaryKey"`
	ConversationID string
	Kind           string
	SentAt         time.Time
}

func (automatedSendRow) TableName() string { return "automated_message_sends" }

// AutomatedMessage returns a work stream's template of a kind.
func (r *repo) AutomatedMessage(ctx context.Context, ws engine.WorkStreamID, kind engine.AutomatedKind) (engine.AutomatedMessage, error) {
	row, err := take[automatedMessageRow](r.db(ctx).Where("work_stream_id = ? AND kind = ?", string(ws), string(kind)),
		"get automated message", "work stream %s has no %s message", ws, kind)
	if err != nil {
		return engine.AutomatedMessage{}, err
	}
	return toEngineAutomatedMessage(row), nil
}

// ListAutomatedMessages lists a work stream's templates by kind.
func (r *repo) ListAutomatedMessages(ctx context.Context, ws engine.WorkStreamID) ([]engine.AutomatedMessage, error) {
	var rows []automatedMessageRow
	if err := r.db(ctx).Where("work_stream_id = ?", string(ws)).Order("kind").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list automated messages: %w", err)
	}
	out := make([]engine.AutomatedMessage, 0, len(rows))
	for _, row := range rows {
		out = append(out, toEngineAutomatedMessage(row))
	}
	return out, nil
}

// SaveAutomatedMessage stores a template, replacing the work stream's one
// of its kind. The engine calls it in a transaction, after reading the
// one there was.
func (r *repo) SaveAutomatedMessage(ctx context.Context, m engine.AutomatedMessage) error {
	row := toAutomatedMessageRow(m)
	res := r.db(ctx).Model(&automatedMessageRow{}).Where("work_stream_id = ? AND kind = ?", row.WorkStreamID, row.Kind).
		Updates(map[string]any{"body": row.Body, "updated_by": row.UpdatedBy, "updated_at": row.UpdatedAt})
	if res.Error != nil {
		return fmt.Errorf("save automated message: %w", res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	if err := r.db(ctx).Create(&row).Error; err != nil {
		return translate(err, "save automated message", "work stream %s has a %s message already", m.WorkStreamID, m.Kind)
	}
	return nil
}

// DeleteAutomatedMessage deletes a template.
func (r *repo) DeleteAutomatedMessage(ctx context.Context, ws engine.WorkStreamID, kind engine.AutomatedKind) error {
	res := r.db(ctx).Where("work_stream_id = ? AND kind = ?", string(ws), string(kind)).Delete(&automatedMessageRow{})
	if res.Error != nil {
		return fmt.Errorf("delete automated message: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return engine.Errorf(engine.ErrNotFound, "work stream %s has no %s message", ws, kind)
	}
	return nil
}

// RecordAutomatedSend remembers an automated message queued.
func (r *repo) RecordAutomatedSend(ctx context.Context, s engine.AutomatedSend) error {
	row := automatedSendRow{MessageID: string(s.MessageID), ConversationID: string(s.ConversationID), Kind: string(s.Kind), SentAt: s.SentAt.UTC()}
	if err := r.db(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("record automated send: %w", err)
	}
	return nil
}

// LastAutomatedSend returns when a conversation was last sent an automated
// message of a kind.
func (r *repo) LastAutomatedSend(ctx context.Context, conv engine.ConversationID, kind engine.AutomatedKind) (time.Time, bool, error) {
	var rows []automatedSendRow
	err := r.db(ctx).Where("conversation_id = ? AND kind = ?", string(conv), string(kind)).Order("sent_at DESC").Limit(1).Find(&rows).Error
	if err != nil {
		return time.Time{}, false, fmt.Errorf("last automated send: %w", err)
	}
	if len(rows) == 0 {
		return time.Time{}, false, nil
	}
	return rows[0].SentAt.UTC(), true, nil
}

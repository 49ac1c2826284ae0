package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// AutomatedKind says when a work stream's automated message is sent.
type AutomatedKind string

// Kinds of automated messages. Still waiting and closing messages are to
// come; until then those kinds are refused.
const (
	// AutomatedGreeting is sent when a customer's DM starts a new
	// conversation.
	AutomatedGreeting AutomatedKind = "greeting"
	// AutomatedOutOfHours is sent when a customer writes while the
	// conversation's queue is closed (its calendar, else its work stream's):
	// the conversation waits and is offered when the queue opens.
	AutomatedOutOfHours AutomatedKind = "out_of_hours"
)

// AutomatedKinds lists the kinds of automated messages, in the order they
// are sent when one DM calls for several.
func AutomatedKinds() []AutomatedKind {
	return []AutomatedKind{AutomatedGreeting, AutomatedOutOfHours}
}

// AutomatedInterval is the least time between two automated messages of one
// kind in one conversation. Twelve hours: a customer who writes three times
// in one closed evening hears the out-of-hours message once, yet one who
// writes again the next evening (another closed spell, another opening
// time) is told again; and at most two a day leave room in Twitter's
// customer-service allowance (five messages per customer message within 24
// hours) for the agents' replies.
const AutomatedInterval = 12 * time.Hour

// maxAutomatedBody bounds a template, as a canned response's body: a
// Twitter DM's limit.
const maxAutomatedBody = maxCannedBody

// AutomatedMessage is a work stream's template for one kind of automated
// message; its placeholders (AutomatedPlaceholders) are filled for the
// conversation when it is sent. A work stream without one of a kind sends
// none of that kind.
type AutomatedMessage struct {
	WorkStreamID WorkStreamID
	Kind         AutomatedKind
	Body         string
	// UpdatedBy is the name of the API key that saved it last.
	UpdatedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// AutomatedSend records that an automated message was queued for a
// conversation, so that the next of its kind waits AutomatedInterval.
type AutomatedSend struct {
	MessageID      MessageID
	ConversationID ConversationID
	Kind           AutomatedKind
	SentAt         time.Time
}

// AutomatedMessageStore persists the automated message templates and what
// was sent.
type AutomatedMessageStore interface {
	// AutomatedMessage returns a work stream's template of a kind;
	// ErrNotFound when it has none.
	AutomatedMessage(ctx context.Context, ws WorkStreamID, kind AutomatedKind) (AutomatedMessage, error)
	// ListAutomatedMessages lists a work stream's templates by kind.
	ListAutomatedMessages(ctx context.Context, ws WorkStreamID) ([]AutomatedMessage, error)
	// SaveAutomatedMessage stores a template, replacing the work stream's
	// one of that kind.
	SaveAutomatedMessage(ctx context.Context, m AutomatedMessage) error
	// DeleteAutomatedMessage deletes a template; ErrNotFound when there is
	// none.
	DeleteAutomatedMessage(ctx context.Context, ws WorkStreamID, kind AutomatedKind) error
	// RecordAutomatedSend remembers an automated message queued.
	RecordAutomatedSend(ctx context.Context, s AutomatedSend) error
	// LastAutomatedSend returns when the conversation was last sent an
	// automated message of the kind; false when never.
	LastAutomatedSend(ctx context.Context, conv ConversationID, kind AutomatedKind) (time.Time, bool, error)
}

// automatedTx is what sending automated messages from an ingest reads and
// writes.
type automatedTx interface {
	ReplyStore
	AutomatedMessageStore
	QueueStore
	CalendarStore
}

// automatedPlaceholders are those of canned responses, without the agent
// (nobody writes an automated message), and with the next opening time.
var automatedPlaceholders = func() []Placeholder {
	var out []Placeholder
	for _, p := range placeholders {
		if !strings.HasPrefix(p.Name, "agent.") {
			out = append(out, p)
		}
	}
	return append(out, Placeholder{"calendar.next_opening",
		"when the conversation's queue opens next, in its calendar's time zone (empty while it is open)",
		"Monday 09:00 (Europe/Berlin)", func(v placeholderValues) string { return v.nextOpening }})
}()

// AutomatedPlaceholders lists the placeholders an automated message may use.
func AutomatedPlaceholders() []Placeholder {
	return append([]Placeholder(nil), automatedPlaceholders...)
}

func checkAutomatedKind(kind AutomatedKind) error {
	for _, k := range AutomatedKinds() {
		if k == kind {
			return nil
		}
	}
	return FieldError("kind", "%q is not a kind of automated message: greeting or out_of_hours", kind)
}

func automatedAudit(action, verb string, m AutomatedMessage) AuditEntry {
	return AuditEntry{Action: action, Resource: "automated_message", ResourceID: string(m.WorkStreamID) + "/" + string(m.Kind),
		Summary: fmt.Sprintf("%s the %s message of work stream %s", verb, strings.ReplaceAll(string(m.Kind), "_", "-"), m.WorkStreamID)}
}

// AutomatedMessages lists a work stream's automated message templates.
func (s *Service) AutomatedMessages(ctx context.Context, ws WorkStreamID) ([]AutomatedMessage, error) {
	if _, err := s.store.WorkStream(ctx, ws); err != nil {
		return nil, err
	}
	return s.store.ListAutomatedMessages(ctx, ws)
}

// AutomatedMessage returns a work stream's template of a kind; ErrNotFound
// when it sends none of that kind.
func (s *Service) AutomatedMessage(ctx context.Context, ws WorkStreamID, kind AutomatedKind) (AutomatedMessage, error) {
	if err := checkAutomatedKind(kind); err != nil {
		return AutomatedMessage{}, err
	}
	if _, err := s.store.WorkStream(ctx, ws); err != nil {
		return AutomatedMessage{}, err
	}
	m, err := s.store.AutomatedMessage(ctx, ws, kind)
	if errors.Is(err, ErrNotFound) {
		return AutomatedMessage{}, Errorf(ErrNotFound, "work stream %s sends no %s message", ws, kind)
	}
	return m, err
}

// SetAutomatedMessage saves a work stream's template of a kind, replacing
// the one it had. A placeholder that does not exist, or one left unclosed
// or empty, is a *TemplateError with its line, column and a hint; an empty
// body is refused (DeleteAutomatedMessage sends none).
func (s *Service) SetAutomatedMessage(ctx context.Context, actor Actor, ws WorkStreamID, kind AutomatedKind, body string) (AutomatedMessage, error) {
	if err := checkAutomatedKind(kind); err != nil {
		return AutomatedMessage{}, err
	}
	switch {
	case strings.TrimSpace(body) == "":
		return AutomatedMessage{}, FieldError("body", "is required: the text the customer gets; delete the message to send none")
	case utf8.RuneCountInString(body) > maxAutomatedBody:
		return AutomatedMessage{}, FieldError("body", "is longer than %d characters", maxAutomatedBody)
	}
	if _, err := parseTemplateWith(automatedPlaceholders, "body", body); err != nil {
		return AutomatedMessage{}, err
	}
	now := s.clock.Now()
	m := AutomatedMessage{WorkStreamID: ws, Kind: kind, Body: body, UpdatedBy: actor.Name, CreatedAt: now, UpdatedAt: now}
	err := s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		if _, err := tx.WorkStream(ctx, ws); err != nil {
			return AuditEntry{}, err
		}
		action, verb := "create", "set"
		switch old, err := tx.AutomatedMessage(ctx, ws, kind); {
		case err == nil:
			m.CreatedAt, action, verb = old.CreatedAt, "update", "changed"
		case !errors.Is(err, ErrNotFound):
			return AuditEntry{}, err
		}
		if err := tx.SaveAutomatedMessage(ctx, m); err != nil {
			return AuditEntry{}, err
		}
		return automatedAudit(action, verb, m), nil
	})
	return m, err
}

// DeleteAutomatedMessage deletes a work stream's template of a kind: it
// sends none of that kind from then on.
func (s *Service) DeleteAutomatedMessage(ctx context.Context, actor Actor, ws WorkStreamID, kind AutomatedKind) error {
	if err := checkAutomatedKind(kind); err != nil {
		return err
	}
	return s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		if _, err := tx.WorkStream(ctx, ws); err != nil {
			return AuditEntry{}, err
		}
		if err := tx.DeleteAutomatedMessage(ctx, ws, kind); errors.Is(err, ErrNotFound) {
			return AuditEntry{}, Errorf(ErrNotFound, "work stream %s sends no %s message", ws, kind)
		} else if err != nil {
			return AuditEntry{}, err
		}
		return automatedAudit("delete", "deleted", AutomatedMessage{WorkStreamID: ws, Kind: kind}), nil
	})
}

// sendAutomated queues, inside an ingest's transaction, the automated
// messages a customer's DM calls for: the greeting when it started the
// conversation, and the out-of-hours message when the conversation waits in
// a queue that is closed. Each goes through the outbox as an agent's reply
// does, marked automated; its echo is recognised as ours by its event id
// (recordEcho), so it never reaches routing, and only a customer's message
// calls for one, so an automated message never causes another. It reports
// whether it changed conv (its message counters), which the caller saves.
func (s *Service) sendAutomated(ctx context.Context, tx automatedTx, conv *Conversation, ws WorkStream, started bool, now time.Time) (bool, error) {
	var kinds []AutomatedKind
	if started {
		kinds = append(kinds, AutomatedGreeting)
	}
	cal, closed := Calendar{}, false
	if conv.Status == StatusOpen && conv.QueueID != "" {
		var err error
		if cal, closed, err = closedCalendar(ctx, tx, conv.QueueID, ws, now); err != nil {
			return false, err
		}
		if closed {
			kinds = append(kinds, AutomatedOutOfHours)
		}
	}
	changed := false
	for _, kind := range kinds {
		tmpl, err := tx.AutomatedMessage(ctx, ws.ID, kind)
		if errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return changed, err
		}
		if last, ok, err := tx.LastAutomatedSend(ctx, conv.ID, kind); err != nil {
			return changed, err
		} else if ok && now.Sub(last) < AutomatedInterval {
			continue
		}
		text, err := s.renderAutomated(ctx, tx, *conv, tmpl, cal, closed, now)
		if err != nil {
			return changed, err
		}
		if strings.TrimSpace(text) == "" {
			continue // every placeholder empty: nothing worth sending
		}
		m, err := s.enqueueOutbound(ctx, tx, *conv, "", text, true, now)
		if err != nil {
			return changed, err
		}
		if err := tx.RecordAutomatedSend(ctx, AutomatedSend{MessageID: m.ID, ConversationID: conv.ID, Kind: kind, SentAt: now}); err != nil {
			return changed, err
		}
		// Not an agent's message: the agent timers (LastAgentMessageAt)
		// stay as they were.
		conv.MessageCount++
		conv.LastMessageAt = laterOf(conv.LastMessageAt, m.SentAt)
		conv.UpdatedAt = now
		changed = true
	}
	return changed, nil
}

// closedCalendar returns the calendar that decides whether a queue is open
// for a work stream's conversations (the queue's own, else the work
// stream's, as queueOpen decides) and whether it is closed at now.
func closedCalendar(ctx context.Context, tx automatedTx, id QueueID, ws WorkStream, now time.Time) (Calendar, bool, error) {
	q, err := tx.Queue(ctx, id)
	if err != nil {
		return Calendar{}, false, err
	}
	calID := q.CalendarID
	if calID == "" {
		calID = ws.CalendarID
	}
	if calID == "" {
		return Calendar{}, false, nil
	}
	c, err := tx.Calendar(ctx, calID)
	if err != nil {
		return Calendar{}, false, err
	}
	return c, !c.IsOpen(now), nil
}

// renderAutomated fills a template for a conversation.
func (s *Service) renderAutomated(ctx context.Context, tx automatedTx, c Conversation, m AutomatedMessage, cal Calendar, closed bool, now time.Time) (string, error) {
	parts, err := parseTemplateWith(automatedPlaceholders, "body", m.Body)
	if err != nil {
		return "", err // saved templates check
	}
	v := placeholderValues{conv: c, customer: c.Customer}
	if c.ContactID != "" {
		contact, err := tx.Contact(ctx, c.ContactID)
		switch {
		case err == nil && contact.Profile.Name != "":
			v.customer.Name = contact.Profile.Name
		case err != nil && !errors.Is(err, ErrNotFound):
			return "", err
		}
	}
	if c.QueueID != "" {
		q, err := tx.Queue(ctx, c.QueueID)
		switch {
		case err == nil:
			v.queue = q.Name
		case !errors.Is(err, ErrNotFound):
			return "", err
		}
	}
	if closed {
		if at, ok := cal.NextOpening(now); ok {
			v.nextOpening = formatOpening(cal, now, at)
		}
	}
	text, _ := fillTemplate(automatedPlaceholders, parts, v)
	return text, nil
}

// formatOpening writes an opening time in the calendar's zone: the weekday
// and time within the coming week ("Monday 09:00 (Europe/Berlin)"), the
// date too when it is further ("Monday 4 January 09:00 (Europe/Berlin)").
func formatOpening(cal Calendar, now, at time.Time) string {
	local := at.In(cal.Location())
	layout := "Monday 15:04"
	if at.Sub(now) >= 6*24*time.Hour {
		layout = "Monday 2 January 15:04"
	}
	return local.Format(layout) + " (" + cal.Location().String() + ")"
}

package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Notification is an event for one agent: an offer, a withdrawn offer, a new
// customer message, a change of a conversation's state. Notifications are
// stored in the same transaction as the change they announce, numbered per
// agent in the order they commit, so that an agent's stream can resume
// after the last number it saw (SSE's Last-Event-ID) and lose nothing.
type Notification struct {
	// ID is the notification's number in its agent's sequence.
	ID        int64
	AgentID   AgentID
	Kind      string
	Payload   []byte // JSON, snake_case: the wire format of the agent's stream
	CreatedAt time.Time
}

// Notification kinds.
const (
	NoticeOffer          = "offer"
	NoticeOfferWithdrawn = "offer_withdrawn"
	NoticeMessage        = "message"
	NoticeStatus         = "status"
)

// NotificationStore keeps agents' notifications.
type NotificationStore interface {
	// AppendNotification stores n under the next number of its agent's
	// sequence and returns it; the agent's next number waits until the
	// transaction ends, so that numbers follow commit order.
	AppendNotification(ctx context.Context, n Notification) (int64, error)
	// NotificationsAfter lists an agent's notifications with an id above
	// after, oldest first, at most limit.
	NotificationsAfter(ctx context.Context, agent AgentID, after int64, limit int) ([]Notification, error)
}

// NotificationsAfter lists an agent's notifications after an id. An agent
// may read only its own.
func (s *Service) NotificationsAfter(ctx context.Context, actor Actor, agent AgentID, after int64, limit int) ([]Notification, error) {
	if actor.Role == RoleAgent && actor.AgentID != agent {
		return nil, Errorf(ErrForbidden, "an agent may read only its own notifications")
	}
	if actor.Role == RoleAnalyst {
		return nil, Errorf(ErrForbidden, "analysts do not receive agents' notifications")
	}
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	return s.store.NotificationsAfter(ctx, agent, after, limit)
}

// Subscribe returns a channel that receives a value whenever new
// notifications for agent have been committed on this replica (or, through
// WakeAgent, on another), and a function that ends the subscription.
// Readers fetch them with NotificationsAfter, and poll as a safety net.
func (s *Service) Subscribe(agent AgentID) (<-chan struct{}, func()) {
	return s.broker.subscribe(agent)
}

// WakeAgent wakes this replica's streams of agent: notifications of it
// were committed, by another replica perhaps (the storage's Listen).
func (s *Service) WakeAgent(agent AgentID) { s.broker.wake(agent) }

// WakeAllAgents wakes every stream of this replica, to read what they may
// have missed (after Listen reconnected).
func (s *Service) WakeAllAgents() { s.broker.wakeAll() }

// broker wakes the streams of agents when their notifications commit.
type broker struct {
	mu   sync.Mutex
	subs map[AgentID]map[chan struct{}]struct{}
}

func (b *broker) subscribe(agent AgentID) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	if b.subs == nil {
		b.subs = map[AgentID]map[chan struct{}]struct{}{}
	}
	if b.subs[agent] == nil {
		b.subs[agent] = map[chan struct{}]struct{}{}
	}
	b.subs[agent][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs[agent], ch)
		if len(b.subs[agent]) == 0 {
			delete(b.subs, agent)
		}
		b.mu.Unlock()
	}
}

func (b *broker) wake(agent AgentID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[agent] {
		signal(ch)
	}
}

func (b *broker) wakeAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, subs := range b.subs {
		for ch := range subs {
			signal(ch)
		}
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default: // already woken; the reader fetches everything new
	}
}

// effects collects the notifications a transaction makes, stored at its
// end, and the agents whose streams to wake once it has committed.
type effects struct {
	notices []Notification
	wake    map[AgentID]struct{}
}

// change runs fn in one transaction and, once it has committed, wakes the
// streams of the agents it notified. The notifications fn makes are stored
// last, in agent order: each takes a lock on its agent's sequence until
// the commit, and taking them last and in one order keeps two changes from
// waiting on each other.
func (s *Service) change(ctx context.Context, fn func(tx Tx, fx *effects) error) error {
	var fx *effects
	err := s.store.InTx(ctx, func(tx Tx) error {
		fx = &effects{wake: map[AgentID]struct{}{}}
		if err := fn(tx, fx); err != nil {
			return err
		}
		slices.SortStableFunc(fx.notices, func(a, b Notification) int { return cmp.Compare(a.AgentID, b.AgentID) })
		for _, n := range fx.notices {
			if _, err := tx.AppendNotification(ctx, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for a := range fx.wake {
		s.broker.wake(a)
	}
	return nil
}

// notify makes a notification for agent, stored at the end of the
// transaction of fx (change).
func (fx *effects) notify(agent AgentID, kind string, payload any, now time.Time) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("notify %s: %w", kind, err)
	}
	fx.notices = append(fx.notices, Notification{AgentID: agent, Kind: kind, Payload: b, CreatedAt: now})
	fx.wake[agent] = struct{}{}
	return nil
}

// Payloads of the notifications, as agents' desktops receive them.
type (
	// OfferNotice tells an agent a conversation is offered to it.
	OfferNotice struct {
		ConversationID string          `json:"conversation_id"`
		WorkStreamID   string          `json:"work_stream_id"`
		QueueID        string          `json:"queue_id"`
		QueueName      string          `json:"queue_name"`
		OfferedAt      time.Time       `json:"offered_at"`
		ExpiresAt      time.Time       `json:"expires_at"`
		Customer       CustomerNotice  `json:"customer"`
		Routing        *RoutingNotice  `json:"routing"`
		LastMessages   []MessageNotice `json:"last_messages"`
	}
	// CustomerNotice is what an agent is told about a customer.
	CustomerNotice struct {
		Channel               string   `json:"channel"`
		ExternalID            string   `json:"external_id"` // the customer's id on their channel
		Name                  string   `json:"name"`
		ScreenName            string   `json:"screen_name"`
		FollowersCount        int      `json:"followers_count"`
		Verified              bool     `json:"verified"`
		ContactID             string   `json:"contact_id,omitempty"`
		Tags                  []string `json:"tags"`
		IsReturning           bool     `json:"is_returning"`
		PreviousConversations int      `json:"previous_conversations"`
	}
	// RoutingNotice names the rule that routed a conversation.
	RoutingNotice struct {
		RuleID         string `json:"rule_id,omitempty"`
		RuleName       string `json:"rule_name,omitempty"`
		RuleSetVersion int    `json:"rule_set_version"`
		Reason         string `json:"reason"`
	}
	// MessageNotice is one message shown with a notification.
	MessageNotice struct {
		ConversationID string    `json:"conversation_id"`
		MessageID      string    `json:"message_id"`
		Direction      string    `json:"direction"`
		Text           string    `json:"text"`
		SentAt         time.Time `json:"sent_at"`
	}
	// StatusNotice tells an agent a conversation changed state or left it.
	StatusNotice struct {
		ConversationID string `json:"conversation_id"`
		Status         string `json:"status"`
		Reason         string `json:"reason,omitempty"`
	}
)

package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// fakeClock is a clock that tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// testChannel is the channel the engine's tests receive on: the engine
// knows channels only by the names their adapters give them.
const testChannel engine.Channel = "sms"

// world is an engine on a real database with one channel set up: a default
// queue, a work stream and an endpoint (with a source of its own).
type world struct {
	t        *testing.T
	db       *storage.DB
	svc      *engine.Service
	clock    *fakeClock
	admin    engine.Actor
	queue    engine.Queue
	ws       engine.WorkStream
	endpoint engine.Endpoint
}

func ptr[T any](v T) *T { return &v }

func newWorld(t *testing.T, db *storage.DB, wsIn engine.WorkStreamInput) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{t: t, db: db, clock: newFakeClock(), admin: engine.Actor{Name: "test admin", Role: engine.RoleAdmin}}
	w.svc = engine.NewService(db, engine.ServiceOptions{Clock: w.clock, Channels: []engine.Channel{testChannel}})
	var err error
	if w.queue, err = w.svc.CreateQueue(ctx, w.admin, engine.QueueInput{Name: ptr("General")}); err != nil {
		t.Fatal(err)
	}
	wsIn.Name, wsIn.DefaultQueueID = ptr("Care"), &w.queue.ID
	if w.ws, err = w.svc.CreateWorkStream(ctx, w.admin, wsIn); err != nil {
		t.Fatal(err)
	}
	if w.endpoint, err = w.svc.CreateEndpoint(ctx, w.admin, testChannel, engine.EndpointInput{Name: ptr("Acme Care"), WorkStreamID: &w.ws.ID}); err != nil {
		t.Fatal(err)
	}
	return w
}

// forEachWorld runs fn on SQLite and PostgreSQL.
func forEachWorld(t *testing.T, wsIn engine.WorkStreamInput, fn func(t *testing.T, w *world)) {
	t.Helper()
	storagetest.ForEach(t, func(t *testing.T, db *storage.DB) { fn(t, newWorld(t, db, wsIn)) })
}

// dm builds an inbound DM of a customer.
func (w *world) dm(event, customer, text string) engine.InboundMessage {
	return engine.InboundMessage{
		SourceID: w.endpoint.SourceID, EndpointID: w.endpoint.ID, ExternalID: event, SentAt: w.clock.Now(),
		Customer: engine.CustomerProfile{ExternalID: "tw-" + customer, Name: customer + " Doe", ScreenName: customer, FollowersCount: 10},
		Text:     text,
	}
}

func (w *world) ingest(in engine.InboundMessage) engine.IngestResult {
	w.t.Helper()
	res, err := w.svc.Ingest(context.Background(), in)
	if err != nil {
		w.t.Fatalf("ingest %s: %v", in.ExternalID, err)
	}
	return res
}

func (w *world) detail(id engine.ConversationID) engine.ConversationDetail {
	w.t.Helper()
	d, err := w.svc.ConversationDetail(context.Background(), w.admin, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return d
}

func (w *world) queueNamed(name string) engine.Queue {
	w.t.Helper()
	q, err := w.svc.CreateQueue(context.Background(), w.admin, engine.QueueInput{Name: ptr(name)})
	if err != nil {
		w.t.Fatal(err)
	}
	return q
}

func (w *world) rule(name, condition string, q engine.QueueID) engine.Rule {
	w.t.Helper()
	ch, err := w.svc.CreateRule(context.Background(), w.admin, w.ws.ID, engine.RuleInput{Name: ptr(name), Condition: ptr(condition), QueueID: &q})
	if err != nil {
		w.t.Fatalf("create rule %s: %v", name, err)
	}
	return ch.Rule
}

// agent creates an agent in the world's default queue (and others) with a
// capacity and presence, returning the actor its key stands for.
func (w *world) agent(name string, capacity int, presence engine.Presence, queues ...engine.QueueID) engine.Actor {
	w.t.Helper()
	ctx := context.Background()
	if len(queues) == 0 {
		queues = []engine.QueueID{w.queue.ID}
	}
	a, _, err := w.svc.CreateAgent(ctx, w.admin, engine.AgentInput{Name: ptr(name), Capacity: ptr(capacity), QueueIDs: &queues})
	if err != nil {
		w.t.Fatal(err)
	}
	actor := engine.Actor{Name: name, Role: engine.RoleAgent, AgentID: a.ID}
	if presence != engine.PresenceOffline {
		if _, err := w.svc.SetPresence(ctx, actor, a.ID, presence); err != nil {
			w.t.Fatal(err)
		}
	}
	return actor
}

func (w *world) conversation(id engine.ConversationID) engine.Conversation {
	w.t.Helper()
	c, err := w.db.Conversation(context.Background(), id)
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// notices returns the kinds of an agent's notifications so far.
func (w *world) notices(agent engine.Actor) []engine.Notification {
	w.t.Helper()
	n, err := w.svc.NotificationsAfter(context.Background(), agent, agent.AgentID, 0, 500)
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

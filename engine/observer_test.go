package engine_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
)

// recordingObserver counts what it is told, by event and label.
type recordingObserver struct {
	mu     sync.Mutex
	counts map[string]int
}

func (r *recordingObserver) add(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counts[key]++
}

func (r *recordingObserver) snapshot() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.counts)
}

func (r *recordingObserver) MessageIngested(ch engine.Channel) { r.add("ingested " + string(ch)) }
func (r *recordingObserver) Routed(d engine.RoutingDecision) {
	r.add(fmt.Sprintf("routed %s %s", d.QueueID, d.Reason))
}
func (r *recordingObserver) OfferDecided(o engine.OfferOutcome)     { r.add("offer " + string(o)) }
func (r *recordingObserver) ReplyDelivered(s engine.DeliveryStatus) { r.add("reply " + string(s)) }
func (r *recordingObserver) Requeued()                              { r.add("requeued") }

// rollingBackStore is a real database that, while refuse names a write,
// rolls back every transaction that made it, after the whole transaction
// ran: the write happened, and is undone.
type rollingBackStore struct {
	*storage.DB
	mu     sync.Mutex
	refuse string
}

var errRolledBack = errors.New("rolled back by the test")

func (s *rollingBackStore) arm(write string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuse = write
}

func (s *rollingBackStore) InTx(ctx context.Context, fn func(tx engine.Tx) error) error {
	return s.DB.InTx(ctx, func(tx engine.Tx) error {
		wt := &writesTx{Tx: tx, made: map[string]bool{}}
		if err := fn(wt); err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if wt.made[s.refuse] {
			return errRolledBack
		}
		return nil
	})
}

// writesTx remembers which of the observed writes a transaction made.
type writesTx struct {
	engine.Tx
	made map[string]bool
}

func (t *writesTx) AppendMessage(ctx context.Context, m engine.Message) error {
	t.made["AppendMessage"] = true
	return t.Tx.AppendMessage(ctx, m)
}

func (t *writesTx) AppendRoutingDecision(ctx context.Context, d engine.RoutingDecision) error {
	t.made["routing"] = true
	return t.Tx.AppendRoutingDecision(ctx, d)
}

func (t *writesTx) AppendRoutingDecisions(ctx context.Context, ds []engine.RoutingDecision) error {
	t.made["routing"] = true
	return t.Tx.AppendRoutingDecisions(ctx, ds)
}

func (t *writesTx) DecideOffer(ctx context.Context, id string, o engine.OfferOutcome, at time.Time) error {
	t.made["DecideOffer"] = true
	return t.Tx.DecideOffer(ctx, id, o, at)
}

func (t *writesTx) UpdateDelivery(ctx context.Context, u engine.DeliveryUpdate) error {
	t.made["UpdateDelivery"] = true
	return t.Tx.UpdateDelivery(ctx, u)
}

// sendsAll is a Sender that delivers every message, and finds none sent
// before a crash.
type sendsAll struct{}

func (sendsAll) Send(_ context.Context, m engine.OutboundMessage) ([]string, error) {
	return []string{"sent-" + string(m.ID)}, nil
}
func (s sendsAll) SentLookup() engine.SentLookup { return s }
func (sendsAll) FindSent(context.Context, engine.OutboundMessage) ([]string, error) {
	return nil, nil
}

// TestObserverCountsOnlyCommittedChanges runs a conversation through
// ingest, a rejection, a timeout, a requeue, an acceptance and a reply;
// each step first runs with its transaction rolled back after it made its
// write, which the observer must not hear of, then for real.
func TestObserverCountsOnlyCommittedChanges(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{OfferTimeout: ptr(2 * time.Minute), RequeueAfter: ptr(15 * time.Minute)}, func(t *testing.T, w *world) {
		ctx := context.Background()
		agents := map[engine.AgentID]engine.Actor{}
		for _, name := range []string{"Ann", "Bob"} {
			a := w.agent(name, 1, engine.PresenceAvailable)
			agents[a.AgentID] = a
		}
		rec := &recordingObserver{counts: map[string]int{}}
		store := &rollingBackStore{DB: w.db}
		w.svc = engine.NewService(store, engine.ServiceOptions{Clock: w.clock, Channels: []engine.Channel{testChannel},
			Senders: map[engine.Channel]engine.Sender{testChannel: sendsAll{}}, Observer: rec})
		want := map[string]int{}
		// step runs do rolled back, then committed, checking the counts
		// stay, then become want with add.
		step := func(name, write string, do func() error, add ...string) {
			t.Helper()
			store.arm(write)
			if err := do(); err == nil {
				t.Fatalf("%s: rolled back, it did not fail", name)
			}
			if got := rec.snapshot(); !maps.Equal(got, want) {
				t.Fatalf("%s rolled back: observed %v, want %v", name, got, want)
			}
			store.arm("")
			if err := do(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, k := range add {
				want[k]++
			}
			if got := rec.snapshot(); !maps.Equal(got, want) {
				t.Fatalf("%s: observed %v, want %v", name, got, want)
			}
		}
		offered := func(id engine.ConversationID) engine.Actor {
			t.Helper()
			c := w.conversation(id)
			if c.Status != engine.StatusOffered {
				t.Fatalf("conversation is %s, want offered", c.Status)
			}
			return agents[c.OfferedAgentID]
		}
		sweep := func(f func(context.Context, time.Time, int) (engine.SweepStats, error)) func() error {
			return func() error { _, err := f(ctx, w.clock.Now(), 100); return err }
		}

		var conv engine.ConversationID
		general := string(w.queue.ID)
		step("ingest", "AppendMessage", func() error {
			res, err := w.svc.Ingest(ctx, w.dm("ev-1", "carol", "my order is late"))
			conv = res.ConversationID
			return err
		}, "ingested "+string(testChannel), "routed "+general+" default")

		first := offered(conv)
		step("reject", "DecideOffer", func() error { _, err := w.svc.Reject(ctx, first, conv); return err }, "offer rejected")

		offered(conv)
		w.clock.Advance(3 * time.Minute)
		step("timeout", "DecideOffer", sweep(w.svc.TimeOutOffers), "offer timed_out")
		if c := w.conversation(conv); c.Status != engine.StatusOpen {
			t.Fatalf("after both agents declined it the conversation is %s, want open", c.Status)
		}

		w.clock.Advance(15 * time.Minute)
		step("requeue", "routing", sweep(w.svc.RequeueWaiting), "requeued", "routed "+general+" requeue")

		taker := offered(conv)
		step("accept", "DecideOffer", func() error { _, err := w.svc.Accept(ctx, taker, conv); return err }, "offer accepted")

		if _, err := w.svc.Reply(ctx, taker, conv, "on its way"); err != nil {
			t.Fatal(err)
		}
		step("send", "UpdateDelivery", func() error {
			w.clock.Advance(3 * time.Minute) // past the lease of the claim rolled back
			run, err := w.svc.SendDue(ctx, engine.OutboxOptions{Observe: func(string) {}})
			if err == nil && run.Sent+run.Recovered != 1 {
				return fmt.Errorf("send run %+v, want one sent", run)
			}
			return err
		}, "reply sent")
	})
}

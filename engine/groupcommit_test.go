package engine_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
)

// countingStore is a real database that counts its transactions and
// refuses to store one message: it writes the row with a NUL in its text,
// which PostgreSQL rejects (aborting the transaction, as any failed
// statement does) and SQLite takes (so the transaction holds a write that
// must be rolled back), and fails either way.
type countingStore struct {
	*storage.DB
	txs    atomic.Int64
	refuse string // the external id of the message refused
}

func (s *countingStore) InTx(ctx context.Context, fn func(tx engine.Tx) error) error {
	s.txs.Add(1)
	return s.DB.InTx(ctx, func(tx engine.Tx) error { return fn(refusingTx{Tx: tx, refuse: s.refuse}) })
}

type refusingTx struct {
	engine.Tx
	refuse string
}

func (t refusingTx) AppendMessage(ctx context.Context, m engine.Message) error {
	if t.refuse == "" || m.ExternalID != t.refuse {
		return t.Tx.AppendMessage(ctx, m)
	}
	m.Text += "\x00"
	if err := t.Tx.AppendMessage(ctx, m); err != nil {
		return err
	}
	return errors.New("the database refused the row")
}

// countedWorld is a world whose service runs on a countingStore.
func countedWorld(t *testing.T, w *world, refuse string) *countingStore {
	store := &countingStore{DB: w.db, refuse: refuse}
	w.svc = engine.NewService(store, engine.ServiceOptions{Clock: w.clock, Channels: []engine.Channel{testChannel}})
	return store
}

func TestIngestAllWritesADeliveryInOneTransaction(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		agent := w.agent("Ann", 2, engine.PresenceAvailable)
		before := w.ingest(w.dm("ev0", "alice", "earlier"))
		store := countedWorld(t, w, "")

		delivery := []engine.InboundMessage{
			w.dm("ev0", "alice", "earlier"), // delivered before
			w.dm("ev1", "bob", "hello"),
			w.dm("ev2", "bob", "are you there?"),
			w.dm("ev3", "carol", "hi"),
			w.dm("ev2", "bob", "are you there?"), // twice in one delivery
			w.dm("ev4", "dave", "hey"),
			w.dm("ev5", "alice", "later"),
		}
		res, err := w.svc.IngestAll(ctx, delivery)
		if err != nil {
			t.Fatal(err)
		}
		if n := store.txs.Load(); n != 1 {
			t.Errorf("a delivery of %d DMs took %d transactions; want 1", len(delivery), n)
		}
		type want struct {
			duplicate, isNew bool
			sameAs           int // the index of the result whose conversation it joins, or -1
		}
		wants := []want{{true, false, -1}, {false, true, -1}, {false, false, 1}, {false, true, -1}, {true, false, 1}, {false, true, -1}, {false, false, 0}}
		for i, wt := range wants {
			r := res[i]
			if r.Duplicate != wt.duplicate || r.NewConversation != wt.isNew {
				t.Errorf("DM %d (%s): duplicate %v, new conversation %v; want %v, %v", i, delivery[i].ExternalID, r.Duplicate, r.NewConversation, wt.duplicate, wt.isNew)
			}
			if wt.sameAs >= 0 && r.ConversationID != res[wt.sameAs].ConversationID {
				t.Errorf("DM %d (%s) went to another conversation than DM %d", i, delivery[i].ExternalID, wt.sameAs)
			}
		}
		if res[0].ConversationID != before.ConversationID {
			t.Errorf("alice's redelivered DM is in %s, not her conversation %s", res[0].ConversationID, before.ConversationID)
		}
		if d := w.detail(res[1].ConversationID); d.MessageCount != 2 || len(d.Messages) != 2 || d.Messages[0].Text != "hello" || len(d.Routing) != 1 {
			t.Errorf("bob's conversation: %d messages (count %d), %d routings; want 2 and routed once", len(d.Messages), d.MessageCount, len(d.Routing))
		}
		if d := w.detail(before.ConversationID); d.MessageCount != 2 {
			t.Errorf("alice's conversation has %d messages, want 2", d.MessageCount)
		}
		// Ann had room for two: alice's conversation, offered before the
		// delivery, and bob's, the first new one in it.
		offers := 0
		for _, n := range w.notices(agent) {
			if n.Kind == engine.NoticeOffer {
				offers++
			}
		}
		if offers != 2 {
			t.Errorf("Ann got %d offers; want 2, one per unit of her capacity", offers)
		}
	})
}

func TestIngestAllAnswersAFailingDMAlone(t *testing.T) {
	tests := []struct {
		name    string
		refuse  string // the event id the database refuses
		invalid string // the event id sent with another source's id
		wantErr func(error) bool
	}{
		{name: "the database refuses its row", refuse: "ev3", wantErr: func(err error) bool { return err != nil }},
		{name: "it names another source", invalid: "ev3", wantErr: func(err error) bool { return errors.Is(err, engine.ErrInvalid) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
				ctx := context.Background()
				store := countedWorld(t, w, tc.refuse)
				var delivery []engine.InboundMessage
				for i, c := range []string{"alice", "bob", "alice", "carol", "bob", "dave"} {
					in := w.dm(fmt.Sprintf("ev%d", i), c, fmt.Sprintf("message %d", i))
					if in.ExternalID == tc.invalid {
						in.SourceID = "some-other-source"
					}
					delivery = append(delivery, in)
				}
				res, err := w.svc.IngestAll(ctx, delivery)
				if !tc.wantErr(err) {
					t.Fatalf("IngestAll = %v; want the failing DM's error", err)
				}
				if res[3].MessageID != "" {
					t.Errorf("the failing DM was answered as stored: %+v", res[3])
				}
				if _, err := w.db.ConversationInProgress(ctx, w.endpoint.ID, "tw-carol"); !errors.Is(err, engine.ErrNotFound) {
					t.Errorf("carol's conversation, started by the failing DM, was left behind (%v)", err)
				}
				for i, r := range res {
					if i == 3 {
						continue
					}
					if r.MessageID == "" {
						t.Errorf("DM %d was not stored beside the failing one: %+v", i, r)
					}
				}
				for _, who := range []struct {
					i     int
					texts []string
				}{{0, []string{"message 0", "message 2"}}, {1, []string{"message 1", "message 4"}}, {5, []string{"message 5"}}} {
					d := w.detail(res[who.i].ConversationID)
					var got []string
					for _, m := range d.Messages {
						got = append(got, m.Text)
					}
					if fmt.Sprint(got) != fmt.Sprint(who.texts) || d.MessageCount != len(who.texts) {
						t.Errorf("conversation of DM %d holds %q (count %d); want %q", who.i, got, d.MessageCount, who.texts)
					}
				}
				// The group, rolled back; the DMs before the failing one
				// together; it alone; the ones after it together.
				if n := store.txs.Load(); n != 4 {
					t.Errorf("%d transactions; want 4", n)
				}
			})
		})
	}
}

func TestConcurrentIngestsAreStoredExactlyOnce(t *testing.T) {
	forEachWorld(t, engine.WorkStreamInput{}, func(t *testing.T, w *world) {
		ctx := context.Background()
		store := countedWorld(t, w, "")
		const callers, each = 16, 10
		var wg sync.WaitGroup
		errs := make(chan error, callers*each*2)
		for c := range callers {
			wg.Go(func() {
				for i := range each {
					// Every DM twice, as a redelivery racing the first.
					in := w.dm(fmt.Sprintf("c%d-%d", c, i), fmt.Sprintf("customer%d", c%4), fmt.Sprintf("%d-%d", c, i))
					for range 2 {
						if _, err := w.svc.Ingest(ctx, in); err != nil {
							errs <- err
						}
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		total := 0
		for c := range 4 {
			conv, err := w.db.ConversationInProgress(ctx, w.endpoint.ID, fmt.Sprintf("tw-customer%d", c))
			if err != nil {
				t.Fatal(err)
			}
			d := w.detail(conv.ID)
			seen := map[string]bool{}
			for _, m := range d.Messages {
				if seen[m.ExternalID] {
					t.Errorf("%s stored twice", m.ExternalID)
				}
				seen[m.ExternalID] = true
			}
			if d.MessageCount != len(d.Messages) || len(d.Messages) != callers/4*each {
				t.Errorf("customer%d: %d messages, count %d; want %d", c, len(d.Messages), d.MessageCount, callers/4*each)
			}
			total += len(d.Messages)
		}
		t.Logf("%d DMs and as many redeliveries in %d transactions", total, store.txs.Load())
	})
}

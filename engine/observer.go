package engine

import (
	"context"
	"time"
)

// Observer is told what the engine did for customers, for business metrics.
// Every call comes after the transaction that did it has committed: a
// change that was rolled back (a failed group of DMs, a scheduler batch
// retried row by row, a conflict) is never told. Calls come from the
// goroutines that commit, concurrently; an Observer must not block. None
// carries a message's text.
type Observer interface {
	// MessageIngested is a customer's message stored (a redelivered one
	// is not stored again and not told).
	MessageIngested(ch Channel)
	// Routed is a decision that put a conversation in a queue: by the
	// rules (reason matched, default or error), again by them when it was
	// requeued (requeue), or by a transfer. A change of priority alone is
	// not told.
	Routed(d RoutingDecision)
	// OfferDecided is an offer that ended: accepted, rejected, timed out or
	// withdrawn.
	OfferDecided(outcome OfferOutcome)
	// ReplyDelivered is an outbound message's final send outcome: sent
	// (or found sent after a crash) or failed.
	ReplyDelivered(status DeliveryStatus)
	// Requeued is a conversation taken back to be routed again: by the
	// requeue sweep or because its customer wrote while its agent was away.
	Requeued()
}

// NopObserver ignores everything; embed it to observe only some events.
type NopObserver struct{}

func (NopObserver) MessageIngested(Channel)       {}
func (NopObserver) Routed(RoutingDecision)        {}
func (NopObserver) OfferDecided(OfferOutcome)     {}
func (NopObserver) ReplyDelivered(DeliveryStatus) {}
func (NopObserver) Requeued()                     {}

// observingStore defers what each transaction tells the Observer until it
// has committed. It sits between the engine and its Store, so that every
// transaction (change, write, the outbox's own) is covered without each
// flow keeping its own after-commit list.
type observingStore struct {
	Store
	observer Observer
}

// observeStore wraps store when there is an observer; without one the
// engine runs on store itself, at no cost.
func observeStore(store Store, o Observer) Store {
	if o == nil {
		return store
	}
	return observingStore{Store: store, observer: o}
}

// InTx runs fn in a transaction and, once it committed, tells the observer
// what fn did.
func (s observingStore) InTx(ctx context.Context, fn func(tx Tx) error) error {
	var tx *observingTx
	err := s.Store.InTx(ctx, func(inner Tx) error {
		tx = &observingTx{Tx: inner} // afresh each run of fn
		return fn(tx)
	})
	if err != nil {
		return err
	}
	for _, e := range tx.events {
		e(s.observer)
	}
	return nil
}

// observingTx is a transaction that notes the events its writes make. The
// events that only the flow knows (a message ingested, a requeue) are noted
// by the flow with noteIngested and noteRequeued. A transaction is used by
// one goroutine at a time, so events needs no lock.
type observingTx struct {
	Tx
	events []func(Observer)
}

func (t *observingTx) note(e func(Observer)) { t.events = append(t.events, e) }

// AppendRoutingDecision records a decision and notes it.
func (t *observingTx) AppendRoutingDecision(ctx context.Context, d RoutingDecision) error {
	if err := t.Tx.AppendRoutingDecision(ctx, d); err != nil {
		return err
	}
	t.noteRouted(d)
	return nil
}

// AppendRoutingDecisions records decisions and notes them.
func (t *observingTx) AppendRoutingDecisions(ctx context.Context, ds []RoutingDecision) error {
	if err := t.Tx.AppendRoutingDecisions(ctx, ds); err != nil {
		return err
	}
	for _, d := range ds { // copied: the caller reuses ds (batchTx.flush)
		t.noteRouted(d)
	}
	return nil
}

func (t *observingTx) noteRouted(d RoutingDecision) {
	if d.Reason == ReasonPriority { // the conversation stays in its queue
		return
	}
	t.note(func(o Observer) { o.Routed(d) })
}

// DecideOffer ends an offer and notes its outcome.
func (t *observingTx) DecideOffer(ctx context.Context, id string, outcome OfferOutcome, at time.Time) error {
	if err := t.Tx.DecideOffer(ctx, id, outcome, at); err != nil {
		return err
	}
	t.note(func(o Observer) { o.OfferDecided(outcome) })
	return nil
}

// UpdateDelivery records a send attempt's outcome and notes a final one
// (a retry, a pause or a release is not).
func (t *observingTx) UpdateDelivery(ctx context.Context, u DeliveryUpdate) error {
	if err := t.Tx.UpdateDelivery(ctx, u); err != nil {
		return err
	}
	if u.Status == DeliverySent || u.Status == DeliveryFailed {
		t.note(func(o Observer) { o.ReplyDelivered(u.Status) })
	}
	return nil
}

// observingTxOf finds the observingTx under the wrappers a flow puts around
// its transaction (a scheduler batch, an ingest group); nil when there is
// no observer or tx is not a transaction.
func observingTxOf(tx any) *observingTx {
	for {
		switch t := tx.(type) {
		case *observingTx:
			return t
		case *batchTx:
			tx = t.Tx
		case *groupTx:
			tx = t.Tx
		case rememberingTx:
			tx = t.Tx
		default:
			return nil
		}
	}
}

// noteIngested notes, in tx, that a customer's message was stored.
func noteIngested(tx any, ch Channel) {
	if t := observingTxOf(tx); t != nil {
		t.note(func(o Observer) { o.MessageIngested(ch) })
	}
}

// noteRequeued notes, in tx, that a conversation was requeued.
func noteRequeued(tx any) {
	if t := observingTxOf(tx); t != nil {
		t.note(func(o Observer) { o.Requeued() })
	}
}

// Package engine is Switchboard's domain core: the customer-service workflow
// (queues, work streams, agents, conversations, their routing and
// assignment, the scheduler's sweeps, the outbox of replies and the agents'
// notifications) and the interfaces it needs from the outside world.
//
// The engine owns those interfaces: a [Store] (the storage package
// implements it on SQLite and PostgreSQL), a [Clock], and the ports a
// channel's adapter implements (ports.go): it hands messages in through
// [Service.ReceiveChannelMessages] (a delivery's, together) or
// [Service.Ingest], and delivers replies
// as a [Sender]. The engine knows a channel only by the name its adapter
// gives it; adapters/twitter and adapters/webchat are two. It imports no
// HTTP framework and no ORM, so that every rule of the workflow is tested
// against a real store and reused by any transport.
//
// Its files follow the flows:
//
//   - ingest.go stores an arriving message exactly once, identifies the
//     customer's contact, and continues or starts the conversation;
//     groupcommit.go writes the messages that arrive together in one
//     transaction; features.go fixes what a rule may see of the message.
//   - routing.go decides a conversation's queue and builds the engagement
//     context, the one every evaluation sees (ingest, requeue, rule test,
//     explain); routingrules.go keeps the rule sets and their versions.
//   - assignment.go offers conversations to agents with room for them;
//     workflow.go is what agents do with them (accept, reply, wait,
//     transfer, close).
//   - scheduler.go and sweeps.go are the scheduler's sweeps: offer
//     timeouts, requeues, stalls, agents gone, auto-close.
//   - outbox.go sends replies, in order, with retries; notifications.go
//     tells agents' streams what changed.
//   - endpoints.go and endpoint_admin.go keep channels' sources and
//     endpoints; channel.go takes what a channel reports (a customer's
//     message, an echo of the endpoint's own) and keeps channels' health;
//     channel_admin.go is the audited transaction an adapter administers
//     its own records in (a Twitter application's sign-on, its webhook).
//
// Errors that callers act on carry a Kind (see [ErrNotFound], [ErrConflict],
// [ErrInvalid] …); the api package maps kinds to HTTP statuses in one place.
package engine

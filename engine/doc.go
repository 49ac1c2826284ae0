// Package engine is Switchboard's domain core: the types of the customer-service
// workflow (queues, work streams, API keys, and — as the workflow grows —
// conversations, agents and their assignment), the rules that govern them, and
// the interfaces the core needs from the outside world.
//
// The engine owns those interfaces (a store, a clock, and later a message
// sender and a notifier); the storage package implements the store on SQLite
// and PostgreSQL, and channel adapters implement the sender. The engine itself
// imports no HTTP framework, no ORM and no Twitter type, so that every rule
// of the workflow can be tested against any store and reused by any transport.
//
// Errors that callers act on carry a Kind (see [ErrNotFound], [ErrConflict],
// [ErrInvalid] …); the api package maps kinds to HTTP statuses in one place.
package engine

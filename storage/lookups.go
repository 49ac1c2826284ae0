package storage

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/switchboardhq/switchboard/engine"
)

// LookupTTL is how long a source or endpoint read outside a transaction is
// kept while the process does not hear the other replicas' writes (on
// SQLite, always): a change made through another replica shows here
// within it. One made through this process shows at once.
const LookupTTL = time.Second

// ListeningLookupTTL is how long one is kept while Listen hears the
// other replicas' writes on PostgreSQL. Each write announces itself
// (NOTIFY) when it commits and empties every listening replica's cache,
// so the time bounds only how stale an entry can be should a notification
// be lost without the connection failing: long enough that a busy handle
// is read about once in it, short enough to be a bound.
const ListeningLookupTTL = 30 * time.Second

// lookupCache keeps, for a moment (LookupTTL, or ListeningLookupTTL while
// listening), the sources and endpoints that every webhook delivery reads
// before it stores anything: its source (the secret that checks the
// signature) and the endpoint its events are for. Reads in a transaction
// never use it; every write of a source or an endpoint empties it, and
// again once its transaction has ended, so that a read that raced the
// write cannot keep what it saw. On PostgreSQL the write also notifies
// channel in its transaction, and every replica listening (Listen)
// empties its own cache when the write commits.
type lookupCache struct {
	now func() time.Time
	// channel is the PostgreSQL channel that announces writes of sources
	// and endpoints to every replica; empty on SQLite. Set by Open.
	channel string

	mu         sync.Mutex
	generation uint64 // counts the emptyings, so that a read started before one keeps nothing
	listeners  int    // the Listen calls hearing channel; while none does, entries last LookupTTL
	sources    map[engine.SourceID]cached[engine.Source]
	byExternal map[externalKey]cached[engine.Endpoint]
}

type externalKey struct {
	source     engine.SourceID
	externalID string
}

type cached[V any] struct {
	v      V
	readAt time.Time // the entry lasts a TTL from here, the one that applies when it is looked up
}

func newLookupCache(now func() time.Time) *lookupCache {
	if now == nil {
		now = time.Now
	}
	return &lookupCache{now: now, sources: map[engine.SourceID]cached[engine.Source]{}, byExternal: map[externalKey]cached[engine.Endpoint]{}}
}

// empty forgets everything.
func (c *lookupCache) empty() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.emptyLocked()
}

func (c *lookupCache) emptyLocked() {
	c.generation++
	clear(c.sources)
	clear(c.byExternal)
}

// startListening lets entries last ListeningLookupTTL, once Listen hears
// the channel. It empties the cache: what was written while nobody
// listened was announced to no one.
func (c *lookupCache) startListening() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.listeners++
	c.emptyLocked()
}

// stopListening is called when a Listen stops hearing the channel: with
// no listener left, every entry, also one read while listening, lasts
// LookupTTL from when it was read, as a write may now go unheard.
func (c *lookupCache) stopListening() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.listeners--
}

// ttlLocked is how long an entry lasts now.
func (c *lookupCache) ttlLocked() time.Duration {
	if c.listeners > 0 {
		return ListeningLookupTTL
	}
	return LookupTTL
}

// lookedUp returns the value kept for k, or reads it with read and keeps
// it, unless the cache was emptied meanwhile.
func lookedUp[K comparable, V any](c *lookupCache, m map[K]cached[V], k K, read func() (V, error), clone func(V) V) (V, error) {
	c.mu.Lock()
	e, ok := m[k]
	gen := c.generation
	now := c.now()
	fresh := ok && now.Before(e.readAt.Add(c.ttlLocked()))
	c.mu.Unlock()
	if fresh {
		return clone(e.v), nil
	}
	v, err := read()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.generation == gen {
		m[k] = cached[V]{v: clone(v), readAt: now}
	}
	c.mu.Unlock()
	return v, nil
}

func cloneSource(s engine.Source) engine.Source {
	s.Settings = maps.Clone(s.Settings)
	return s
}

func sameEndpoint(e engine.Endpoint) engine.Endpoint { return e }

// cachedSource reads a source through the cache when r is the pool.
func (r *repo) cachedSource(id engine.SourceID, read func() (engine.Source, error)) (engine.Source, error) {
	if r.lookups == nil || r.inTx {
		return read()
	}
	return lookedUp(r.lookups, r.lookups.sources, id, read, cloneSource)
}

// cachedEndpointByExternalID reads an endpoint through the cache when r
// is the pool.
func (r *repo) cachedEndpointByExternalID(k externalKey, read func() (engine.Endpoint, error)) (engine.Endpoint, error) {
	if r.lookups == nil || r.inTx {
		return read()
	}
	return lookedUp(r.lookups, r.lookups.byExternal, k, read, sameEndpoint)
}

// writeLookups runs write, a write of a source or an endpoint, so that
// every replica forgets what it keeps of them: this one at once, and, on
// PostgreSQL, every listening one when the write commits, by a
// notification sent in the write's transaction (rolled back, it tells
// nobody). A write on the pool gets a transaction of its own, so that a
// committed write is never left unannounced.
func (r *repo) writeLookups(ctx context.Context, write func(r *repo) error) error {
	if r.lookups != nil && r.lookups.channel != "" && !r.inTx {
		return r.writeLookupsInTx(ctx, write)
	}
	err := write(r)
	r.changedLookups()
	if err != nil {
		return err
	}
	return r.announceLookups(ctx)
}

// writeLookupsInTx runs writeLookups in a transaction of the pool r.
func (r *repo) writeLookupsInTx(ctx context.Context, write func(r *repo) error) error {
	wrote := false
	err := r.g.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		tx := *r
		tx.g, tx.inTx, tx.wroteLookups = g, true, &wrote
		return tx.writeLookups(ctx, write)
	})
	r.lookups.empty() // what was read while it ran is gone too
	return err
}

// announceLookups notifies the other replicas, in r's transaction, that
// a source or an endpoint changed. PostgreSQL delivers it at commit (and
// folds repeats in one transaction into one).
func (r *repo) announceLookups(ctx context.Context) error {
	if r.lookups == nil || r.lookups.channel == "" {
		return nil
	}
	if err := r.rawExec(ctx, "SELECT pg_notify(?, '')", r.lookups.channel); err != nil {
		return fmt.Errorf("notify the other replicas of a changed source or endpoint: %w", err)
	}
	return nil
}

// changedLookups empties the cache after a write of a source or an
// endpoint, and marks r's transaction to empty it again when it ends.
func (r *repo) changedLookups() {
	if r.lookups == nil {
		return
	}
	r.lookups.empty()
	if r.wroteLookups != nil {
		*r.wroteLookups = true
	}
}

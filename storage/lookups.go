package storage

import (
	"maps"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// LookupTTL is how long a source or endpoint read outside a transaction is
// kept: a change made through another replica shows here within it. One
// made through this process shows at once.
const LookupTTL = time.Second

// lookupCache keeps, for up to LookupTTL, the sources and endpoints that
// every webhook delivery reads before it stores anything: its source (the
// secret that checks the signature) and the endpoint its events are for.
// Reads in a transaction never use it; every write of a source or an
// endpoint empties it, and again once its transaction has ended, so that a
// read that raced the write cannot keep what it saw.
type lookupCache struct {
	now func() time.Time

	mu         sync.Mutex
	generation uint64 // counts the emptyings, so that a read started before one keeps nothing
	sources    map[engine.SourceID]cached[engine.Source]
	byExternal map[externalKey]cached[engine.Endpoint]
}

type externalKey struct {
	source     engine.SourceID
	externalID string
}

type cached[V any] struct {
	v     V
	until time.Time
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
	c.generation++
	clear(c.sources)
	clear(c.byExternal)
}

// lookedUp returns the value kept for k, or reads it with read and keeps
// it, unless the cache was emptied meanwhile.
func lookedUp[K comparable, V any](c *lookupCache, m map[K]cached[V], k K, read func() (V, error), clone func(V) V) (V, error) {
	c.mu.Lock()
	e, ok := m[k]
	gen := c.generation
	now := c.now()
	c.mu.Unlock()
	if ok && now.Before(e.until) {
		return clone(e.v), nil
	}
	v, err := read()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.generation == gen {
		m[k] = cached[V]{v: clone(v), until: now.Add(LookupTTL)}
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

package main

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
)

// groupCommitMetrics counts what group commit does: how many DMs each
// ingest transaction held, and how many were retried alone after failing
// in their group.
type groupCommitMetrics struct {
	messages prometheus.Histogram
	retried  prometheus.Counter
}

func newGroupCommitMetrics(reg prometheus.Registerer) (*groupCommitMetrics, error) {
	m := &groupCommitMetrics{
		messages: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "switchboard_ingest_group_messages",
			Help:    "How many inbound messages each ingest transaction held (group commit).",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11)}),
		retried: prometheus.NewCounter(prometheus.CounterOpts{Name: "switchboard_ingest_retried_alone_total",
			Help: "Inbound messages that failed in a group and were ingested in a transaction of their own."}),
	}
	for _, c := range []prometheus.Collector{m.messages, m.retried} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register group commit metrics: %w", err)
		}
	}
	return m, nil
}

func (m *groupCommitMetrics) observe(g engine.GroupStats) {
	m.messages.Observe(float64(g.Messages))
	m.retried.Add(float64(g.Retried))
}

// groupCommit is the engine's group commit as cfg sets it. Unset, the
// groups committing at once are one on SQLite, whose single writer takes
// one at a time anyway, and four on PostgreSQL: one group at a time would
// queue every DM behind one connection's round trips.
func (c *config) groupCommit() engine.GroupCommit {
	groups := c.GroupCommitGroups
	if groups == 0 {
		groups = 1
		if c.database.Dialect == storage.Postgres {
			groups = 4
		}
	}
	return engine.GroupCommit{MaxBatch: c.GroupCommitMaxBatch, Groups: groups, MaxWait: c.GroupCommitMaxWait}
}

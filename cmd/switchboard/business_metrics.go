package main

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboardhq/switchboard/engine"
)

// businessMetrics counts what the engine does for customers (the engine's
// Observer): DMs in, routing decisions, offers' outcomes, replies' final
// deliveries and requeues, each once its transaction has committed. Every
// label is bounded: channels are the configured ones, reasons, outcomes and
// statuses are the engine's fixed sets, queue and rule ids are
// administrators' configuration (never a customer's or a message's data).
type businessMetrics struct {
	ingested *prometheus.CounterVec
	routed   *prometheus.CounterVec
	rules    *prometheus.CounterVec
	offers   *prometheus.CounterVec
	replies  *prometheus.CounterVec
	requeues prometheus.Counter
}

func newBusinessMetrics(reg prometheus.Registerer, channels []engine.Channel) (*businessMetrics, error) {
	m := &businessMetrics{
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_messages_ingested_total",
			Help: "Customers' messages stored, by channel; a redelivered message is counted once."}, []string{"channel"}),
		routed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_routing_decisions_total",
			Help: "Routing decisions that put a conversation in a queue, by queue id and reason (matched, default, error, requeue, transfer); one series per queue that received one since start."},
			[]string{"queue_id", "reason"}),
		rules: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_routing_rule_decisions_total",
			Help: fmt.Sprintf("Routing decisions made by a rule (reason matched or requeue), by rule id; a work stream has at most %d rules, and a deleted rule's series stays until restart.", engine.MaxRulesPerWorkStream)},
			[]string{"rule_id"}),
		offers: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_offers_total",
			Help: "Offers to agents that ended, by outcome (accepted, rejected, timed_out, withdrawn)."}, []string{"outcome"}),
		replies: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_replies_total",
			Help: "Outbound messages whose delivery ended, by status: sent (or found sent after a crash) or failed (permanently, or after the outbox's attempts). switchboard_twitter_sends_total counts Twitter's attempts."},
			[]string{"status"}),
		requeues: prometheus.NewCounter(prometheus.CounterOpts{Name: "switchboard_requeues_total",
			Help: "Conversations taken back to be routed again: waiting longer than requeue_after, or their customer wrote while the agent was away."}),
	}
	// The fixed label values start at 0, so that a rate is defined before
	// the first event.
	for _, ch := range channels {
		m.ingested.WithLabelValues(string(ch))
	}
	for _, o := range []engine.OfferOutcome{engine.OfferAccepted, engine.OfferRejected, engine.OfferTimedOut, engine.OfferWithdrawn} {
		m.offers.WithLabelValues(string(o))
	}
	for _, s := range []engine.DeliveryStatus{engine.DeliverySent, engine.DeliveryFailed} {
		m.replies.WithLabelValues(string(s))
	}
	for _, c := range []prometheus.Collector{m.ingested, m.routed, m.rules, m.offers, m.replies, m.requeues} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register business metrics: %w", err)
		}
	}
	return m, nil
}

func (m *businessMetrics) MessageIngested(ch engine.Channel) {
	m.ingested.WithLabelValues(string(ch)).Inc()
}

func (m *businessMetrics) Routed(d engine.RoutingDecision) {
	m.routed.WithLabelValues(string(d.QueueID), string(d.Reason)).Inc()
	if d.RuleID != "" {
		m.rules.WithLabelValues(d.RuleID).Inc()
	}
}

func (m *businessMetrics) OfferDecided(o engine.OfferOutcome) {
	m.offers.WithLabelValues(string(o)).Inc()
}

func (m *businessMetrics) ReplyDelivered(s engine.DeliveryStatus) {
	m.replies.WithLabelValues(string(s)).Inc()
}

func (m *businessMetrics) Requeued() { m.requeues.Inc() }

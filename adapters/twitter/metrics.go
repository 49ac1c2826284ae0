package twitter

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboardhq/switchboard/engine"
)

// OutboxSource is the outbox whose depth the health collector reads;
// *engine.Service is one.
type OutboxSource interface {
	OutboxDepth(ctx context.Context) (map[engine.DeliveryStatus]int, error)
}

var _ OutboxSource = (*engine.Service)(nil)

// healthCollector exports the outbox depth and the channel's health at
// each scrape.
type healthCollector struct {
	outbox       OutboxSource
	accounts     *Accounts
	depth        *prometheus.Desc
	lastEvent    *prometheus.Desc
	subscribed   *prometheus.Desc
	active       *prometheus.Desc
	webhookValid *prometheus.Desc
}

// RegisterHealthCollector registers, with reg, gauges read from outbox and
// accounts at each scrape: switchboard_twitter_outbox_messages{status},
// switchboard_twitter_handle_last_event_timestamp_seconds,
// switchboard_twitter_handle_subscribed, switchboard_twitter_handle_active
// (per handle) and switchboard_twitter_webhook_valid (per application).
func RegisterHealthCollector(reg prometheus.Registerer, outbox OutboxSource, accounts *Accounts) {
	handle := []string{"handle_id", "screen_name"}
	reg.MustRegister(&healthCollector{
		outbox:       outbox,
		accounts:     accounts,
		depth:        prometheus.NewDesc("switchboard_twitter_outbox_messages", "Outbound messages waiting in the outbox, by delivery status (queued, sending).", []string{"status"}, nil),
		lastEvent:    prometheus.NewDesc("switchboard_twitter_handle_last_event_timestamp_seconds", "Time of the newest DM event stored for the handle.", handle, nil),
		subscribed:   prometheus.NewDesc("switchboard_twitter_handle_subscribed", "1 when the handle is subscribed to its application's webhook, as last checked.", handle, nil),
		active:       prometheus.NewDesc("switchboard_twitter_handle_active", "1 when the handle is active (not pending or disconnected).", handle, nil),
		webhookValid: prometheus.NewDesc("switchboard_twitter_webhook_valid", "1 when the application's webhook is registered and valid, as last checked.", []string{"application_id"}, nil),
	})
}

// Describe sends the descriptors.
func (c *healthCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.depth, c.lastEvent, c.subscribed, c.active, c.webhookValid} {
		ch <- d
	}
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Collect reads the current state (bounded to a few seconds).
func (c *healthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if depth, err := c.outbox.OutboxDepth(ctx); err == nil {
		for status, n := range depth {
			ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(n), string(status))
		}
	}
	reports, err := c.accounts.ChannelHealth(ctx)
	if err != nil {
		return
	}
	apps := map[engine.SourceID]bool{}
	for _, r := range reports {
		id, name := string(r.Handle.ID), r.Handle.ScreenName
		if r.Health.LastEventAt != nil {
			ch <- prometheus.MustNewConstMetric(c.lastEvent, prometheus.GaugeValue, float64(r.Health.LastEventAt.Unix()), id, name)
		}
		ch <- prometheus.MustNewConstMetric(c.subscribed, prometheus.GaugeValue, boolGauge(r.Health.Subscription == engine.SubscriptionSubscribed), id, name)
		ch <- prometheus.MustNewConstMetric(c.active, prometheus.GaugeValue, boolGauge(r.Handle.Status == engine.EndpointActive), id, name)
		if !apps[r.Application.SourceID] {
			apps[r.Application.SourceID] = true
			ch <- prometheus.MustNewConstMetric(c.webhookValid, prometheus.GaugeValue, boolGauge(r.Application.Webhook == engine.WebhookValid), string(r.Application.SourceID))
		}
	}
}

package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/api"
	"github.com/switchboardhq/switchboard/engine"
)

// Twitter channel background work: how often the webhook and
// subscriptions are re-checked (re-validating an invalid webhook and
// backfilling after it), and how busy a handle must have been for its
// silence to be worth a warning.
const (
	twitterCheckEvery = 15 * time.Minute
	twitterBusyMin    = 5 // customer messages in the week before the silence
)

// twitterChannel wires the Twitter adapter: the gateway the engine calls,
// the webhook and sign-on endpoints, the outbox sender, backfill at start
// and the periodic health checks.
type twitterChannel struct {
	gateway     *twitter.Gateway
	metrics     *twitter.Metrics
	outboxLease time.Duration
	silence     twitter.SilenceRule
}

// newTwitterChannel builds the gateway (over SWITCHBOARD_TWITTER_API_URL)
// and registers the channel's metrics.
func newTwitterChannel(cfg *config, reg prometheus.Registerer) *twitterChannel {
	return &twitterChannel{
		gateway:     twitter.NewGateway(twitter.GatewayOptions{BaseURL: cfg.TwitterAPIURL}),
		metrics:     twitter.NewMetrics(reg),
		outboxLease: cfg.OutboxLease,
		silence:     twitter.SilenceRule{After: cfg.TwitterSilentAfter, BusyMin: twitterBusyMin},
	}
}

// accounts is the channel's administration over svc, calling Twitter
// through the gateway.
func (t *twitterChannel) accounts(svc *engine.Service, publicURL string, log *slog.Logger) *twitter.Accounts {
	return twitter.NewAccounts(svc, twitter.AccountsOptions{API: t.gateway, PublicURL: publicURL, Silence: t.silence, Logger: log.With("component", "twitter")})
}

// mounts are the webhook (GET: CRC, POST: events) and the sign-on callback
// page, served by the router without a token.
func (t *twitterChannel) mounts(acc *twitter.Accounts, log *slog.Logger) []api.Mount {
	webhook := twitter.NewWebhookHandler(acc, log.With("component", "twitter_webhook"), t.metrics)
	path := twitter.WebhookPathPrefix + ":application_id"
	return []api.Mount{
		{Method: "GET", Path: path, Summary: "Twitter's challenge-response check (crc_token) for an application's webhook", Tag: "twitter", Handler: webhook},
		{Method: "POST", Path: path, Summary: "Account Activity events from Twitter, signed with the application's consumer secret", Tag: "twitter", Handler: webhook, ContentType: "text/plain",
			MaxBodyBytes: twitter.MaxDeliveryBytes}, // Twitter's deliveries may exceed the API's limit; refused, they would be retried and lost
		{Method: "GET", Path: twitter.SignOnCallbackPath, Summary: "Sign on to Twitter: the OAuth callback page", Tag: "twitter",
			Handler: twitter.NewSignOnHandler(acc, log.With("component", "twitter_sign_on")), ContentType: "text/html"},
	}
}

// start runs the outbox sender, a backfill of every active handle, and the
// periodic checks, until the returned stop is called (it waits for them).
func (t *twitterChannel) start(svc *engine.Service, acc *twitter.Accounts, reg prometheus.Registerer, log *slog.Logger) (stop func()) {
	twitter.RegisterHealthCollector(reg, svc, acc)
	log = log.With("component", "twitter")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		svc.RunOutbox(ctx, engine.OutboxOptions{Lease: t.outboxLease, Observe: t.metrics.ObserveSend})
	}()
	go func() {
		defer wg.Done()
		// DMs sent while the service was down past Twitter's retries.
		for _, r := range acc.BackfillAll(ctx) {
			if r.Ingested > 0 || r.Error != "" {
				log.Info("backfill at start", "handle_id", r.EndpointID, "ingested", r.Ingested, "complete", r.Complete, "error", r.Error)
			}
		}
		tick := time.NewTicker(twitterCheckEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			t.check(ctx, acc, log)
		}
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}

// check re-verifies every application with handles (re-validating an
// invalid webhook, which backfills its handles) and warns about handles
// silent for longer than usual.
func (t *twitterChannel) check(ctx context.Context, acc *twitter.Accounts, log *slog.Logger) {
	reports, err := acc.ChannelHealth(ctx)
	if err != nil {
		log.Warn("channel health check failed", "error", err)
		return
	}
	seen := map[engine.SourceID]bool{}
	for _, r := range reports {
		if r.Handle.Status != engine.EndpointActive || seen[r.Handle.ApplicationID] {
			continue
		}
		seen[r.Handle.ApplicationID] = true
		if _, err := acc.Verify(ctx, r.Handle.ApplicationID); err != nil {
			log.Warn("verifying a Twitter application failed", "application_id", r.Handle.ApplicationID, "error", err)
		}
	}
	if _, err := acc.CheckSilentHandles(ctx); err != nil {
		log.Warn("silent-handle check failed", "error", err)
	}
}

package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
)

// newFakeTwitterCmd builds "switchboard fake-twitter": the fake Twitter API
// of package twittertest, served standalone until the process is stopped.
func newFakeTwitterCmd(stdout, stderr io.Writer) *cobra.Command {
	var (
		listen, consumerKey, consumerSecret, appID, appName, environment string
		handle, customer                                                 string
		callbacks                                                        []string
		localURLs, strictURLs, verbose                                   bool
		webhookTimeout                                                   time.Duration
	)
	cmd := &cobra.Command{
		Use:   "fake-twitter",
		Short: "Run a fake Twitter API for local testing",
		Long: `Run a fake Twitter (X) API on a local port, for trying Switchboard and for
end-to-end tests without reaching Twitter. Point Switchboard's Twitter API base
URL at the address it prints.

It knows one Twitter application (the consumer key and secret given here), a
business handle and a customer. It implements OAuth 1.0a sign-on with real
signature checks (the authorize page approves at once, as the handle), the
v2 and premium webhook and subscription calls (registering a webhook makes a
real, signed CRC request to it), DM send with echo deliveries to the webhook,
the DM event lists used by backfill, and rate-limit headers.

Webhook URLs must be https without a port, as on Twitter; with
--local-webhook-urls, a Switchboard on this machine (http://localhost:8080/…)
may register its webhook too.

Its control API (no authentication: keep it on a test machine) injects
customer activity and faults:

  POST /_fake/dm              {"from": "jane_customer", "to": "switchboard_demo", "text": "hi"}
  POST /_fake/typing          {"from": ..., "to": ...}
  POST /_fake/read            {"from": ..., "to": ..., "last_read_event_id": ...}
  POST /_fake/revoke          {"consumer_key": ..., "user": ...}
  POST /_fake/users           {"screen_name": ..., "followers_count": ...}
  POST /_fake/tokens          {"consumer_key": ..., "user": ...}
  POST /_fake/authorize-as    {"user": ...}
  POST /_fake/crc             {"webhook_id": ...}
  POST /_fake/faults          {"endpoint": "POST /2/dm_conversations/with/{participant_id}/messages", "status": 403, "code": 349}
  POST /_fake/delivery-faults {"duplicate": true, "reorder": false, "batch": false, "tamper": false, "drop": false}
  GET  /_fake/deliveries, /_fake/messages, /_fake/webhooks`,
		Example: `  switchboard fake-twitter --listen 127.0.0.1:9090 --consumer-key demo-key --consumer-secret demo-secret --local-webhook-urls
  curl -d '{"from":"jane_customer","to":"switchboard_demo","text":"Where is my order?"}' http://127.0.0.1:9090/_fake/dm`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if consumerKey == "" || consumerSecret == "" {
				return errors.New("fake-twitter: --consumer-key and --consumer-secret are required")
			}
			level := slog.LevelWarn
			if verbose {
				level = slog.LevelInfo
			}
			opts := []twittertest.Option{
				twittertest.WithApp(twittertest.App{ID: appID, Name: appName, ConsumerKey: consumerKey,
					ConsumerSecret: consumerSecret, Environment: environment, Callbacks: callbacks}),
				twittertest.WithUser(twittertest.User{ScreenName: handle, Name: handle, Verified: true, FollowersCount: 1200}),
				twittertest.WithUser(twittertest.User{ScreenName: customer, Name: customer, FollowersCount: 150, Lang: "en"}),
				twittertest.WithWebhookTimeout(webhookTimeout),
				twittertest.WithLogger(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))),
			}
			if localURLs && !strictURLs {
				opts = append(opts, twittertest.WithLocalWebhookURLs())
			}
			fake := twittertest.New(opts...)
			fake.AuthorizeAs(handle)
			h, _ := fake.User(handle)
			c, _ := fake.User(customer)
			tok, err := fake.IssueToken(consumerKey, h.ID)
			if err != nil {
				return fmt.Errorf("fake-twitter: %w", err)
			}
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("fake-twitter: listen: %w", err)
			}
			fmt.Fprintf(stdout, "fake Twitter API on http://%s\n", ln.Addr())
			app, _ := fake.App(consumerKey)
			fmt.Fprintf(stdout, "  application: consumer key %s, app id %s\n", consumerKey, app.ID)
			fmt.Fprintf(stdout, "  handle:      @%s (id %s); a portal access token for it: %s / %s\n", h.ScreenName, h.ID, tok.Token, tok.Secret)
			fmt.Fprintf(stdout, "  customer:    @%s (id %s)\n", c.ScreenName, c.ID)
			return fake.Serve(cmd.Context(), ln)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:9090", "address to serve on")
	f.StringVar(&consumerKey, "consumer-key", "", "the fake application's consumer (API) key (required)")
	f.StringVar(&consumerSecret, "consumer-secret", "", "the fake application's consumer secret (required)")
	f.StringVar(&appID, "app-id", "", "the application's numeric id, as in source_app_id (generated when empty)")
	f.StringVar(&appName, "app-name", "Switchboard", "the application's name")
	f.StringVar(&environment, "environment", "", "the premium dialect's environment name (any name when empty)")
	f.StringSliceVar(&callbacks, "callback", nil, "an allow-listed OAuth callback URL (repeatable; any when none)")
	f.StringVar(&handle, "handle", "switchboard_demo", "screen name of the business handle")
	f.StringVar(&customer, "customer", "jane_customer", "screen name of the customer")
	f.BoolVar(&localURLs, "local-webhook-urls", false, "also accept http webhook URLs and ports on this machine (localhost, loopback), as for a local Switchboard; Twitter requires https without a port")
	f.BoolVar(&strictURLs, "strict-webhook-urls", false, "require https webhook URLs without a port (the default; overrides --local-webhook-urls)")
	_ = f.MarkDeprecated("strict-webhook-urls", "strict webhook URLs are the default")
	f.DurationVar(&webhookTimeout, "webhook-timeout", 3*time.Second, "timeout of CRC checks and deliveries")
	f.BoolVar(&verbose, "verbose", false, "log requests, CRC checks and deliveries")
	return cmd
}

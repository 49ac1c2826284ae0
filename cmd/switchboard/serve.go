package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"time"
	_ "time/tzdata" // work streams name IANA time zones; carry the database in the binary

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/webchat"
	"github.com/switchboardhq/switchboard/api"
	"github.com/switchboardhq/switchboard/api/console"
	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
)

func newServeCmd(env map[string]string, stdout, stderr io.Writer) *cobra.Command {
	var listen, databaseURL string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the service",
		Long: `Run the Switchboard service: migrate the database, then serve the API, the
Twitter webhook, /healthz, /readyz and /metrics until SIGINT or SIGTERM.

With nothing configured it serves on 127.0.0.1:8080 and keeps its data in
switchboard.db in the working directory. Set SWITCHBOARD_DATABASE_URL to a
postgres:// URL (and SWITCHBOARD_SECRET_KEY) for PostgreSQL.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(env)
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("listen") {
				cfg.Listen = listen
			}
			if cmd.Flags().Changed("database-url") {
				cfg.DatabaseURL = databaseURL
			}
			if err := cfg.validate(); err != nil {
				return err
			}
			return serve(cmd.Context(), &cfg, stderr)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "", "address to serve on (overrides SWITCHBOARD_LISTEN)")
	cmd.Flags().StringVar(&databaseURL, "database-url", "", "database URL (overrides SWITCHBOARD_DATABASE_URL)")
	return cmd
}

// serve wires the service together on the system clock and runs it until
// ctx is cancelled.
func serve(ctx context.Context, cfg *config, stderr io.Writer) error {
	return serveWith(ctx, cfg, stderr, serveDeps{clock: engine.SystemClock{}})
}

// serveDeps are what serve takes from outside the configuration: the clock
// the engine and the scheduler tell the time by (tests move it forward to
// reach timers measured in minutes).
type serveDeps struct {
	clock engine.Clock
}

// serveWith wires the service together with deps and runs it until ctx is
// cancelled.
func serveWith(ctx context.Context, cfg *config, stderr io.Writer, deps serveDeps) error {
	log := newLogger(cfg, stderr)
	secret, secretSource, err := resolveSecretKey(cfg)
	if err != nil {
		return err
	}
	log.Info("configuration", cfg.logAttrs(secretSource)...)

	db, err := storage.Open(ctx, storage.Options{URL: cfg.DatabaseURL, SecretKey: secret, Logger: log})
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.MigrateUp(ctx)
	if err != nil {
		return err
	}
	for _, m := range applied {
		log.Info("migration applied", "version", m.Version, "name", m.Name, "duration", m.Duration)
	}

	clock := deps.clock
	generated, err := engine.EnsureAdminKey(ctx, db, clock, cfg.AdminToken)
	if err != nil {
		return err
	}
	if generated != "" {
		fmt.Fprintf(stderr, "No admin API key existed, so one was generated. It is shown only this once; keep it safe:\n\n    %s\n\n", generated)
	}

	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.Pool(), string(db.Dialect())), buildInfo())
	groupMetrics, err := newGroupCommitMetrics(registry)
	if err != nil {
		return err
	}
	business, err := newBusinessMetrics(registry, []engine.Channel{twitter.Channel, webchat.Channel})
	if err != nil {
		return err
	}
	tw := newTwitterChannel(cfg, registry)                                                         // the Twitter channel (twitter.go)
	chat := webchat.New(webchat.Options{Logger: log.With("component", "webchat"), Now: clock.Now}) // the web-chat channel
	svc := engine.NewService(db, engine.ServiceOptions{Clock: clock, Logger: log,
		Channels:           []engine.Channel{twitter.Channel, webchat.Channel},
		EndpointAuditNames: map[engine.Channel]string{twitter.Channel: twitter.HandleAuditName},
		Senders:            map[engine.Channel]engine.Sender{twitter.Channel: twitter.NewSender(tw.gateway, db), webchat.Channel: chat.Sender()},
		GroupCommit:        cfg.groupCommit(), OnGroupCommit: groupMetrics.observe, Observer: business})
	accounts := tw.accounts(svc, cfg.PublicURL, log)
	defer startScheduler(cfg, svc, clock, log, registry)() // stops after HTTP has drained, before the database closes
	defer startNotificationListener(db, svc, log)()        // the same
	consoleMounts, err := console.Mounts()                 // the browser console at /
	if err != nil {
		return err
	}
	handler, err := api.New(api.Options{
		Logger:         log,
		Keys:           db,
		Service:        svc,
		Twitter:        twitter.NewAdmin(accounts),
		Ready:          db.Ping,
		Registry:       registry,
		MaxBodyBytes:   cfg.MaxBodyBytes,
		TrustedProxies: cfg.TrustedProxies,
		Version:        buildVersion(),
		StreamPoll:     cfg.StreamPoll,
		Mounts:         slices.Concat(tw.mounts(accounts, log), webchatMounts(chat.Handler(svc)), consoleMounts),
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("SWITCHBOARD_LISTEN: %w", err)
	}
	if cfg.PprofListen != "" {
		stopProfiler, err := startProfiler(cfg.PprofListen, log)
		if err != nil {
			_ = ln.Close()
			return err
		}
		defer stopProfiler()
	}
	log.Info("listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL)
	// The outbox sender, backfill and health checks; stopped after HTTP has
	// drained, before the database closes.
	defer tw.start(svc, accounts, registry, log)()
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Agents' notification streams never go idle: end them when shutdown
	// begins, so that it waits only for ordinary requests.
	srv.RegisterOnShutdown(handler.Drain)
	return serveHTTP(ctx, log, srv, ln, cfg.ShutdownTimeout)
}

// webchatMounts are the web-chat widgets' endpoints, served without a
// token: the widget's secret signs what they take.
func webchatMounts(h http.Handler) []api.Mount {
	const widget = "/webchat/widgets/:widget_id"
	return []api.Mount{
		{Method: "POST", Path: widget + "/messages", Summary: "A visitor's message, relayed and signed by the business's site (X-Switchboard-Timestamp, X-Switchboard-Signature)", Tag: "webchat", Handler: h},
		{Method: "GET", Path: widget + "/visitors/:visitor_id/events", Summary: "A visitor's replies as server-sent events (expires and token signed by the site)", Tag: "webchat", Handler: h, ContentType: "text/event-stream"},
	}
}

// serveHTTP serves on ln until ctx is cancelled, then stops accepting,
// lets in-flight requests finish within timeout, and returns nil.
func serveHTTP(ctx context.Context, log *slog.Logger, srv *http.Server, ln net.Listener, timeout time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "deadline", timeout)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("in-flight requests did not finish before the deadline; closing them", "error", err)
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

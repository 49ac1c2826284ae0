package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
	"github.com/switchboardhq/switchboard/cmd/switchboard/loadgen"
)

// loadgenOptions are the flags of "switchboard loadgen".
type loadgenOptions struct {
	target    string // service, baseline or both
	load      loadgen.Options
	warmupSet bool // --warmup was given
	keep      bool // keep the in-process service's directory
	handles   int
	noCheck   bool
	pgbench   bool
	// pgbenchBatch: with --pgbench, also run pgbench with this many
	// deliveries per transaction (what group commit can reach).
	pgbenchBatch int
	database     string // in-process service's database URL; empty: temporary SQLite
	profile      string // write a CPU profile of the run here
	rounds       int    // repeat the measurement, for medians on a busy machine
	secretKey    string // its SWITCHBOARD_SECRET_KEY; empty: a new one

	// A running service, instead of one started in-process.
	webhookURL, consumerSecret, apiURL, adminToken, workStream string
	handleIDs                                                  []string
}

// newLoadgenCmd builds "switchboard loadgen".
func newLoadgenCmd(env map[string]string, stdout, stderr io.Writer) *cobra.Command {
	var o loadgenOptions
	cmd := &cobra.Command{
		Use:   "loadgen",
		Short: "Drive the webhook with signed DM deliveries and measure it",
		Long: `Send signed Account Activity DM deliveries, as Twitter does, to a Switchboard
webhook at a target rate (open loop: latency counts from each delivery's
scheduled send time) or as fast as possible, after a --warmup that is sent
but not measured, then report deliveries sent,
acknowledged and failed, throughput and latency percentiles, and check through
the API that every acknowledged DM was stored exactly once and routed, and
nothing else.

Without --webhook-url, the service is started in-process on a temporary SQLite
database (or --database-url) together with the fake Twitter server, with a
Twitter application, --handles handles signed on through OAuth, queues and a
work stream with rules, as "switchboard demo" does.

--target baseline sends the same deliveries to an in-process webhook that only
verifies signatures; --target both runs the baseline first and reports the
service's throughput as a ratio of it. --pgbench (PostgreSQL only) also runs
pgbench with ingest's SQL statements (loadgen/ingest.pgbench.sql) at
--concurrency clients on the same database, and reports the ratio.`,
		Example: `  switchboard loadgen --count 2000 --concurrency 4 --target both
  switchboard loadgen --rate 1000 --duration 10s --concurrency 32
  switchboard loadgen --database-url 'postgres://postgres@127.0.0.1:5432/test?search_path=load' --duration 10s --concurrency 4 --target both --pgbench
  switchboard loadgen --webhook-url https://sb.example.com/webhooks/twitter/01J… --consumer-secret "$SECRET" \
      --handle-id 1234567 --api-url https://sb.example.com --admin-token "$TOKEN" --rate 200 --duration 1m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.warmupSet = cmd.Flags().Changed("warmup")
			if err := o.validate(env); err != nil {
				return fmt.Errorf("loadgen: %w", err)
			}
			return runLoadgen(cmd.Context(), env, o, stdout, stderr)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	f := cmd.Flags()
	f.StringVar(&o.target, "target", "service", "service, baseline (a webhook that only verifies signatures) or both, one after the other")
	f.Float64Var(&o.load.Rate, "rate", 0, "deliveries per second, paced open loop (0: as fast as possible)")
	f.IntVar(&o.load.Concurrency, "concurrency", 4, "deliveries in flight at once")
	f.IntVar(&o.load.Customers, "customers", 200, "distinct customers sending DMs")
	f.IntVar(&o.handles, "handles", 1, "handles to set up in-process (with --webhook-url: give --handle-id for each)")
	f.IntVar(&o.load.Count, "count", 0, "deliveries to send (0: for --duration)")
	f.DurationVar(&o.load.Duration, "duration", 10*time.Second, "how long to send when --count is 0")
	f.DurationVar(&o.load.Warmup, "warmup", 2*time.Second, "send this long first, stored and checked but not measured, so that the figures are the steady state's (default 0 with --count)")
	f.IntVar(&o.load.Redeliver, "redeliver", 0, "send a delivery that was not acknowledged again up to this many times, as Twitter does")
	f.DurationVar(&o.load.RedeliverAfter, "redeliver-after", 200*time.Millisecond, "wait between redeliveries")
	f.BoolVar(&o.keep, "keep", false, "keep the in-process service's temporary directory (its log, and its SQLite database)")
	f.BoolVar(&o.noCheck, "no-check", false, "skip checking the stored DMs through the API")
	f.BoolVar(&o.pgbench, "pgbench", false, "also run pgbench with ingest's SQL at --concurrency clients (in-process PostgreSQL only)")
	f.IntVar(&o.pgbenchBatch, "pgbench-batch", 10, "with --pgbench, also run pgbench with this many deliveries per transaction, the form group commit reaches (0 or 1: not)")
	f.IntVar(&o.rounds, "rounds", 1, "repeat baseline, service and pgbench in turn this many times and report the medians of the ratios (a busy machine's load varies)")
	f.StringVar(&o.profile, "cpuprofile", "", "write a CPU profile of the service's run (in-process service included) to this file, for go tool pprof")
	f.StringVar(&o.database, "database-url", "", "database of the in-process service (default: a temporary SQLite file)")
	f.StringVar(&o.webhookURL, "webhook-url", "", "webhook URL of a running service (an application's callback_url)")
	f.StringVar(&o.consumerSecret, "consumer-secret", "", "the application's consumer secret, to sign deliveries (or SWITCHBOARD_LOADGEN_CONSUMER_SECRET)")
	f.StringSliceVar(&o.handleIDs, "handle-id", nil, "Twitter user id of a handle of a running service (repeatable)")
	f.StringVar(&o.apiURL, "api-url", "", "base URL of the running service's API, for the check")
	f.StringVar(&o.adminToken, "admin-token", "", "admin API token of the running service, for the check (or SWITCHBOARD_LOADGEN_ADMIN_TOKEN)")
	f.StringVar(&o.workStream, "work-stream-id", "", "check only this work stream's conversations (running service)")
	return cmd
}

func (o *loadgenOptions) validate(env map[string]string) error {
	if o.consumerSecret == "" {
		o.consumerSecret = env["SWITCHBOARD_LOADGEN_CONSUMER_SECRET"]
	}
	o.secretKey = env["SWITCHBOARD_SECRET_KEY"]
	if o.adminToken == "" {
		o.adminToken = env["SWITCHBOARD_LOADGEN_ADMIN_TOKEN"]
	}
	switch {
	case o.target != "service" && o.target != "baseline" && o.target != "both":
		return fmt.Errorf("--target is %q; want service, baseline or both", o.target)
	case o.rounds < 1:
		return errors.New("--rounds must be at least 1")
	case o.handles < 1:
		return errors.New("--handles must be at least 1")
	case o.load.Count < 0 || o.load.Duration < 0 || o.load.Count == 0 && o.load.Duration == 0:
		return errors.New("give a positive --count or --duration")
	case o.load.Warmup < 0:
		return errors.New("--warmup must not be negative")
	case o.load.Count > 0:
		o.load.Duration = 0
		if !o.warmupSet {
			o.load.Warmup = 0
		}
	}
	if o.webhookURL != "" {
		switch {
		case o.consumerSecret == "" || len(o.handleIDs) == 0:
			return errors.New("--webhook-url needs --consumer-secret and --handle-id")
		case o.database != "" || o.pgbench:
			return errors.New("--database-url and --pgbench are for the in-process service, not with --webhook-url")
		case !o.noCheck && (o.apiURL == "" || o.adminToken == ""):
			return errors.New("the check needs --api-url and --admin-token (or give --no-check)")
		}
	}
	if o.pgbench && !strings.HasPrefix(o.database, "postgres") {
		return errors.New("--pgbench needs --database-url postgres://…")
	}
	return nil
}

// runLoadgen runs the rounds, each the baseline and/or the service (and
// pgbench), then checks what the service stored, and reports.
func runLoadgen(ctx context.Context, env map[string]string, o loadgenOptions, stdout, stderr io.Writer) error {
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		// A progress bar redraws itself: in a log file it would be noise.
		o.load.Progress = stderr
	}
	var (
		target  loadgen.Target
		checker loadgen.Checker
		stop    = func() error { return nil }
	)
	switch {
	case o.target == "baseline":
	case o.webhookURL != "":
		target = loadgen.Target{URL: o.webhookURL, ConsumerSecret: o.consumerSecret, Handles: o.handleIDs}
		checker = loadgen.Checker{APIURL: o.apiURL, Token: o.adminToken, WorkStreamID: o.workStream}
	default:
		svc, err := startLoadService(ctx, env, o.database, o.secretKey, o.handles)
		if err != nil {
			return err
		}
		svc.keep = o.keep
		defer func() { _ = svc.stop() }()
		kept := "removed at the end; --keep keeps it"
		if o.keep {
			kept = "kept"
		}
		fmt.Fprintf(stdout, "Switchboard runs in-process on %s; its log: %s (%s)\n", svc.dbLabel, svc.logPath, kept)
		target, checker, stop = svc.target, svc.checker, svc.stop
	}
	if o.profile != "" {
		f, err := os.Create(o.profile)
		if err != nil {
			return fmt.Errorf("loadgen: CPU profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("loadgen: CPU profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	var (
		events            []loadgen.Event
		failed            bool
		vsBase, vsPgbench []float64
		vsBatched         []float64
	)
	for round := 1; round <= o.rounds; round++ {
		if o.rounds > 1 {
			fmt.Fprintf(stdout, "\nRound %d of %d\n", round, o.rounds)
		}
		var base loadgen.Result
		if o.target != "service" {
			r, err := runBaseline(ctx, o)
			if err != nil {
				return err
			}
			r.Report(stdout, "Baseline: a webhook that only verifies signatures")
			base = r
			if o.target == "baseline" {
				continue
			}
		}
		if strings.HasPrefix(o.database, "postgres") {
			if err := loadgen.Vacuum(ctx, o.database); err != nil {
				return fmt.Errorf("loadgen: %w", err)
			}
		}
		res, err := loadgen.Run(ctx, target, o.load)
		if err != nil {
			return err
		}
		res.Report(stdout, "Switchboard: "+target.URL)
		events = append(events, res.Events...)
		failed = failed || res.Failed > 0
		if o.target == "both" && base.Throughput() > 0 {
			vsBase = append(vsBase, res.Throughput()/base.Throughput())
			fmt.Fprintf(stdout, "  vs baseline:  %.0f%% of its throughput; p99 %.1f× its p99\n",
				100*res.Throughput()/base.Throughput(), float64(res.Percentile(99))/float64(max(base.Percentile(99), time.Microsecond)))
		}
		if o.pgbench {
			if err := loadgen.Vacuum(ctx, o.database); err != nil {
				return fmt.Errorf("loadgen: %w", err)
			}
			pg, err := loadgen.Pgbench(ctx, loadgen.PgbenchOptions{DatabaseURL: o.database, Clients: o.load.Concurrency,
				Duration: max(res.Elapsed.Round(time.Second), time.Second), Customers: o.load.Customers})
			if err != nil {
				return err
			}
			pg.Report(stdout)
			vsPgbench = append(vsPgbench, res.Throughput()/pg.TPS)
			fmt.Fprintf(stdout, "  Switchboard:  %.0f%% of pgbench's rate\n", 100*res.Throughput()/pg.TPS)
			if o.pgbenchBatch > 1 {
				if err := loadgen.Vacuum(ctx, o.database); err != nil {
					return fmt.Errorf("loadgen: %w", err)
				}
				pg, err := loadgen.Pgbench(ctx, loadgen.PgbenchOptions{DatabaseURL: o.database, Clients: o.load.Concurrency,
					Duration: max(res.Elapsed.Round(time.Second), time.Second), Customers: o.load.Customers, Batch: o.pgbenchBatch})
				if err != nil {
					return err
				}
				pg.Report(stdout)
				vsBatched = append(vsBatched, res.Throughput()/pg.DeliveriesPerSecond())
				fmt.Fprintf(stdout, "  Switchboard:  %.0f%% of batched pgbench's rate\n", 100*res.Throughput()/pg.DeliveriesPerSecond())
			}
		}
	}
	if o.rounds > 1 && (len(vsBase) > 0 || len(vsPgbench) > 0) {
		fmt.Fprintf(stdout, "\nMedians of %d rounds:", o.rounds)
		if len(vsBase) > 0 {
			fmt.Fprintf(stdout, " %.0f%% of the baseline's throughput;", 100*median(vsBase))
		}
		if len(vsPgbench) > 0 {
			fmt.Fprintf(stdout, " %.0f%% of pgbench's rate", 100*median(vsPgbench))
		}
		if len(vsBatched) > 0 {
			fmt.Fprintf(stdout, "; %.0f%% of batched pgbench's", 100*median(vsBatched))
		}
		fmt.Fprintln(stdout)
	}
	if o.target != "baseline" && !o.noCheck {
		check, err := checker.Check(ctx, events)
		if err != nil {
			return err
		}
		check.Report(stdout)
		failed = failed || !check.OK()
	}
	if err := stop(); err != nil {
		return fmt.Errorf("loadgen: the service: %w", err)
	}
	if failed {
		return errors.New("loadgen: deliveries failed or the check found problems (see above)")
	}
	return nil
}

// median of xs, which it sorts.
func median(xs []float64) float64 {
	slices.Sort(xs)
	if n := len(xs); n%2 == 0 {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
	return xs[len(xs)/2]
}

// runBaseline sends the load to the signature-only webhook, served here.
func runBaseline(ctx context.Context, o loadgenOptions) (loadgen.Result, error) {
	const secret = "baseline-consumer-secret"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return loadgen.Result{}, fmt.Errorf("loadgen: baseline: listen: %w", err)
	}
	srv := &http.Server{Handler: loadgen.SignatureOnly(secret), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	handles := make([]string, max(o.handles, len(o.handleIDs)))
	for i := range handles {
		handles[i] = strconv.Itoa(1000 + i)
	}
	return loadgen.Run(ctx, loadgen.Target{URL: "http://" + ln.Addr().String() + "/webhook", ConsumerSecret: secret, Handles: handles}, o.load)
}

// loadService is Switchboard and the fake Twitter server, in-process.
type loadService struct {
	target  loadgen.Target
	checker loadgen.Checker
	dbLabel string
	logPath string
	keep    bool // stop leaves the temporary directory
	stop    func() error
}

// startLoadService starts the fake Twitter server and the service on
// databaseURL (a temporary SQLite file when empty), and sets up an
// application, a work stream with rules and queues, and handles signed on
// through OAuth.
func startLoadService(ctx context.Context, env map[string]string, databaseURL, secretKey string, handles int) (*loadService, error) {
	dir, err := os.MkdirTemp("", "switchboard-loadgen-")
	if err != nil {
		return nil, fmt.Errorf("loadgen: temporary directory: %w", err)
	}
	svc := &loadService{logPath: filepath.Join(dir, "switchboard.log"), dbLabel: "PostgreSQL"}
	if databaseURL == "" {
		databaseURL = filepath.Join(dir, "switchboard.db")
		svc.dbLabel = "a temporary SQLite database"
	}
	logFile, err := os.Create(svc.logPath)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("loadgen: log file: %w", err)
	}
	logs := &lockedWriter{w: logFile}

	// Names and keys of this run's own, so that runs can share a database.
	run := demoToken()[len("demo-"):][:8]
	consumerKey, consumerSecret := "loadgen-key-"+run, "loadgen-secret-"+demoToken()
	fake := twittertest.New(
		twittertest.WithApp(twittertest.App{Name: "Switchboard load", ConsumerKey: consumerKey, ConsumerSecret: consumerSecret}),
		twittertest.WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))),
		twittertest.WithLocalWebhookURLs(), // the service under load is on this machine, over http
	)
	bg, stopAll := context.WithCancel(context.WithoutCancel(ctx))
	fakeLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		stopAll()
		return nil, fmt.Errorf("loadgen: fake Twitter: listen: %w", err)
	}
	fakeDone := make(chan error, 1)
	go func() { fakeDone <- fake.Serve(bg, fakeLn) }()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		stopAll()
		return nil, fmt.Errorf("loadgen: pick a port: %w", err)
	}
	listen := ln.Addr().String()
	_ = ln.Close()
	adminToken := demoToken()
	if secretKey == "" {
		// A scratch database: a key of its own is enough.
		b := make([]byte, 32)
		_, _ = rand.Read(b) // crypto/rand.Read does not fail
		secretKey = hex.EncodeToString(b)
	}
	// The service takes the other SWITCHBOARD_* settings (log level,
	// scheduler, …) from the environment.
	settings := map[string]string{"SWITCHBOARD_SHUTDOWN_TIMEOUT": "2s"}
	for k, v := range env {
		if strings.HasPrefix(k, "SWITCHBOARD_") {
			settings[k] = v
		}
	}
	for k, v := range map[string]string{
		"SWITCHBOARD_SECRET_KEY":      secretKey,
		"SWITCHBOARD_LISTEN":          listen,
		"SWITCHBOARD_PUBLIC_URL":      "",
		"SWITCHBOARD_DATABASE_URL":    databaseURL,
		"SWITCHBOARD_ADMIN_TOKEN":     adminToken,
		"SWITCHBOARD_TWITTER_API_URL": "http://" + fakeLn.Addr().String(),
	} {
		settings[k] = v
	}
	cfg, err := loadConfig(settings)
	if err == nil {
		err = cfg.validate()
	}
	if err != nil {
		stopAll()
		return nil, fmt.Errorf("loadgen: configuration: %w", err)
	}
	// serveDone tells waitReady of an early stop; served, closed after
	// serveErr is set, tells stop.
	serveDone, served := make(chan error, 1), make(chan struct{})
	var serveErr error
	go func() {
		serveErr = serve(bg, &cfg, logs)
		close(served)
		serveDone <- serveErr
	}()
	svc.stop = sync.OnceValue(func() error {
		stopAll()
		<-served
		<-fakeDone
		logFile.Close()
		if serveErr != nil {
			return serveErr
		}
		if svc.keep {
			return nil
		}
		return os.RemoveAll(dir)
	})
	api := &demoClient{base: cfg.PublicURL, http: &http.Client{Timeout: 30 * time.Second}}
	if err := api.waitReady(ctx, serveDone); err != nil {
		_ = svc.stop()
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	if err := setUpLoad(ctx, api, adminToken, fake, run, consumerKey, consumerSecret, handles, svc); err != nil {
		_ = svc.stop()
		return nil, err
	}
	svc.checker.APIURL, svc.checker.Token = cfg.PublicURL, adminToken
	return svc, nil
}

// setUpLoad creates the queues, a work stream with rules like the demo's,
// the application and the handles, each signed on through OAuth as its own
// business account of the fake.
func setUpLoad(ctx context.Context, api *demoClient, admin string, fake *twittertest.Server, run, consumerKey, consumerSecret string, handles int, svc *loadService) error {
	var idOf struct {
		ID string `json:"id"`
	}
	queues := map[string]string{}
	for _, name := range []string{"General", "VIP", "Billing"} {
		if err := api.do(ctx, "POST", "/queues", admin, map[string]any{"name": name + " " + run}, &idOf); err != nil {
			return fmt.Errorf("loadgen: create queue %s: %w", name, err)
		}
		queues[name] = idOf.ID
	}
	if err := api.do(ctx, "POST", "/workstreams", admin, map[string]any{"name": "Load " + run, "default_queue_id": queues["General"]}, &idOf); err != nil {
		return fmt.Errorf("loadgen: create work stream: %w", err)
	}
	ws := idOf.ID
	for _, r := range []struct{ name, condition, queue string }{
		{"VIP customers", "Customer.FollowersCount > 10000", "VIP"},
		{"Refunds", `textHasAny(["refund", "money back", "chargeback"])`, "Billing"},
	} {
		if err := api.do(ctx, "POST", "/workstreams/"+ws+"/rules", admin, map[string]any{"name": r.name, "condition": r.condition, "queue_id": queues[r.queue]}, nil); err != nil {
			return fmt.Errorf("loadgen: create rule %q: %w", r.name, err)
		}
	}
	var app struct {
		ID          string `json:"id"`
		CallbackURL string `json:"callback_url"`
	}
	if err := api.do(ctx, "POST", "/twitter/applications", admin, map[string]any{"name": "Load " + run, "consumer_key": consumerKey, "consumer_secret": consumerSecret}, &app); err != nil {
		return fmt.Errorf("loadgen: create Twitter application: %w", err)
	}
	svc.target = loadgen.Target{URL: app.CallbackURL, ConsumerSecret: consumerSecret}
	svc.checker.WorkStreamID = ws
	for i := range handles {
		business := fake.AddUser(twittertest.User{ScreenName: fmt.Sprintf("LoadHelp%d", i+1), Name: fmt.Sprintf("Load Help %d", i+1)})
		fake.AuthorizeAs(business.ID)
		if _, _, err := signOnHandle(ctx, api, admin, app.ID, ws, business.Name); err != nil {
			return fmt.Errorf("loadgen: %w", err)
		}
		svc.target.Handles = append(svc.target.Handles, business.ID)
	}
	return nil
}

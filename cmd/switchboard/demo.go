package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
)

// demoOptions are the flags of "switchboard demo".
type demoOptions struct {
	duration time.Duration // how long customers and agents run; 0: until interrupted
	every    time.Duration // how often the summary is printed
	pace     time.Duration // the interval between customers' DMs
	listen   string        // the service's address; empty: a free local port
	keep     bool          // keep the temporary directory (database and logs)
}

// newDemoCmd builds "switchboard demo": the whole channel on a temporary
// SQLite database against the in-process fake Twitter server, with
// simulated customers and agents and a live summary.
func newDemoCmd(stdout, stderr io.Writer) *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole channel with simulated customers and agents",
		Long: `Run Switchboard on a temporary SQLite database together with a fake Twitter
server, nothing else needed. The demo creates a Twitter application, signs on a
handle through the OAuth flow against the fake server, creates queues, a work
stream with readable rules (VIP customers by followers, refunds by keyword, an
escalation of conversations requeued twice) and three simulated agents, plus one for you. Simulated
customers then send DMs and simulated agents accept them and reply, while a
live summary is printed. The admin token and URLs are printed at the start, so
that the API can be explored while the demo runs. Ctrl-C stops it.`,
		Example: `  switchboard demo
  switchboard demo --duration 1m       # stop by itself after a minute
  switchboard demo --duration 2m --keep`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.duration < 0 || o.every <= 0 || o.pace <= 0 {
				return errors.New("demo: --duration must not be negative; --every and --pace must be positive")
			}
			return runDemo(cmd.Context(), o, stdout)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	f := cmd.Flags()
	f.DurationVar(&o.duration, "duration", 0, "how long the simulation runs (0: until Ctrl-C)")
	f.DurationVar(&o.every, "every", 2*time.Second, "how often the summary is printed")
	f.DurationVar(&o.pace, "pace", 400*time.Millisecond, "interval between the simulated customers' DMs")
	f.StringVar(&o.listen, "listen", "", "address of the service (default: a free port on 127.0.0.1)")
	f.BoolVar(&o.keep, "keep", false, "keep the temporary directory with the database and the service's log")
	return cmd
}

// demoCustomer is a simulated customer.
type demoCustomer struct {
	screenName string
	name       string
	followers  int64
	texts      []string
}

// demoCustomers are the simulated customers: they vary in followers (VIPs
// above 10,000) and in what they write (some ask for refunds).
func demoCustomers() []demoCustomer {
	return []demoCustomer{
		{"bigstar", "Big Star", 52000, []string{"My order #1042 never arrived", "Any news on my parcel?"}},
		{"celebchef", "Celeb Chef", 25000, []string{"The mixer I bought is broken", "Can someone call me?"}},
		{"jane_customer", "Jane", 150, []string{"Where is my order?", "It says delivered but it is not here"}},
		{"tom_buyer", "Tom", 40, []string{"I want a refund for my last order", "Still waiting for the refund"}},
		{"ana_s", "Ana", 310, []string{"How do I change my address?", "Thanks!"}},
		{"moneyback_mo", "Mo", 15, []string{"Charged twice, I want my money back", "Please refund the second charge"}},
		{"lee_k", "Lee", 900, []string{"Do you ship to Canada?", "And how long does it take?"}},
		{"pat_q", "Pat", 60, []string{"My discount code does not work", "Code is SPRING10"}},
	}
}

// demoCounters are what the demo's customers and agents did.
type demoCounters struct {
	dms, offers, accepted, rejected, replies, closed, errs atomic.Int64
	lastErr                                                atomic.Value // string
}

func (c *demoCounters) fail(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return // stopping: requests are cut short
	}
	c.errs.Add(1)
	c.lastErr.Store(err.Error())
}

// demoWorld is what the set-up created.
type demoWorld struct {
	api        *demoClient
	adminToken string
	handleID   string
	queueNames map[string]string // queue id → name
	queueOrder []string          // queue names in the order shown
	agents     []demoAgent
	// closed caches the closed conversations, which change no more, so
	// that each summary reads only the others' details.
	closed map[string]demoConversation
}

// demoAgent is a simulated agent.
type demoAgent struct {
	id, name, token string
	rejectEvery     int           // reject every n-th offer (0: never)
	awayFor         time.Duration // stay away this long before becoming available
	availableFor    time.Duration // then available this long before going away again (0: for good)
}

// runDemo runs the demo until o.duration passes or ctx is cancelled,
// printing to stdout; the service and the fake log to a file.
func runDemo(ctx context.Context, o demoOptions, stdout io.Writer) error {
	dir, err := os.MkdirTemp("", "switchboard-demo-")
	if err != nil {
		return fmt.Errorf("demo: temporary directory: %w", err)
	}
	if !o.keep {
		defer os.RemoveAll(dir)
	}
	logFile, err := os.Create(filepath.Join(dir, "switchboard.log"))
	if err != nil {
		return fmt.Errorf("demo: log file: %w", err)
	}
	defer logFile.Close()
	logs := &lockedWriter{w: logFile}

	// The fake Twitter server, with the business's account and the customers.
	const consumerKey, consumerSecret = "demo-consumer-key", "demo-consumer-secret-0123456789"
	fake := twittertest.New(
		twittertest.WithApp(twittertest.App{Name: "Switchboard demo", ConsumerKey: consumerKey, ConsumerSecret: consumerSecret}),
		twittertest.WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))),
		twittertest.WithLocalWebhookURLs(), // the demo's webhook is on this machine, over http
	)
	business := fake.AddUser(twittertest.User{ScreenName: "AcmeHelp", Name: "Acme Help", Verified: true, FollowersCount: 1200})
	fake.AuthorizeAs(business.ID) // the OAuth authorize page approves as the business
	profiles := demoCustomers()
	customers := make([]twittertest.User, len(profiles))
	for i, c := range profiles {
		customers[i] = fake.AddUser(twittertest.User{ScreenName: c.screenName, Name: c.name, FollowersCount: c.followers, Lang: "en"})
	}
	fakeLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: fake Twitter: listen: %w", err)
	}
	// The service and the fake stop after the simulation, not at once on
	// Ctrl-C, so that the final summary can still be read.
	bg, stopAll := context.WithCancel(context.WithoutCancel(ctx))
	defer stopAll()
	fakeDone := make(chan error, 1)
	go func() { fakeDone <- fake.Serve(bg, fakeLn) }()
	fakeURL := "http://" + fakeLn.Addr().String()

	listen := o.listen
	if listen == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("demo: pick a port: %w", err)
		}
		listen = ln.Addr().String()
		_ = ln.Close()
	}
	adminToken := demoToken()
	cfg, err := loadConfig(map[string]string{
		"SWITCHBOARD_LISTEN":           listen,
		"SWITCHBOARD_DATABASE_URL":     filepath.Join(dir, "switchboard.db"),
		"SWITCHBOARD_ADMIN_TOKEN":      adminToken,
		"SWITCHBOARD_TWITTER_API_URL":  fakeURL,
		"SWITCHBOARD_SCHEDULE_SWEEP":   "@every 1s",
		"SWITCHBOARD_SHUTDOWN_TIMEOUT": "2s",
	})
	if err != nil {
		return fmt.Errorf("demo: configuration: %w", err)
	}
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("demo: configuration: %w", err)
	}
	serveDone := make(chan error, 1)
	go func() { serveDone <- serve(bg, &cfg, logs) }()
	stopService := func() error {
		stopAll()
		err := <-serveDone
		<-fakeDone
		return err
	}

	api := &demoClient{base: cfg.PublicURL, http: &http.Client{Timeout: 10 * time.Second}}
	if err := api.waitReady(ctx, serveDone); err != nil {
		_ = stopService()
		if ctx.Err() != nil {
			return nil // interrupted while starting
		}
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(stdout, "Switchboard demo: the service runs on a temporary SQLite database in %s\n", dir)
	fmt.Fprintf(stdout, "  console:      %s/  open it in a browser and sign in with a token printed here:\n", cfg.PublicURL)
	fmt.Fprintln(stdout, "                the admin token to write rules and see where DMs go, You's token to work")
	fmt.Fprintln(stdout, "                conversations yourself, Ann's, Ben's or Cat's to watch a simulated agent's inbox")
	fmt.Fprintf(stdout, "  API:          %s/api/v1\n", cfg.PublicURL)
	fmt.Fprintf(stdout, "  OpenAPI:      %s/openapi.json\n", cfg.PublicURL)
	fmt.Fprintf(stdout, "  fake Twitter: %s\n", fakeURL)
	fmt.Fprintf(stdout, "  admin token:  %s\n", adminToken)
	fmt.Fprintf(stdout, "  service log:  %s\n", filepath.Join(dir, "switchboard.log"))
	fmt.Fprintf(stdout, "  try:          curl -H 'Authorization: Bearer %s' %s/api/v1/conversations\n\n", adminToken, cfg.PublicURL)

	world, err := setUpDemo(ctx, api, adminToken, consumerKey, consumerSecret, stdout)
	if err != nil {
		_ = stopService()
		if ctx.Err() != nil {
			fmt.Fprintln(stdout, "Demo stopped while setting up.")
			return nil
		}
		return err
	}

	runCtx, stopRun := context.WithCancel(ctx)
	if o.duration > 0 {
		runCtx, stopRun = context.WithTimeout(ctx, o.duration)
	}
	defer stopRun()
	if o.duration > 0 {
		fmt.Fprintf(stdout, "\nSimulating customers and agents for %s (Ctrl-C stops earlier).\n", o.duration)
	} else {
		fmt.Fprintln(stdout, "\nSimulating customers and agents until Ctrl-C.")
	}

	var counts demoCounters
	var wg sync.WaitGroup
	for _, a := range world.agents {
		wg.Go(func() { runDemoAgent(runCtx, api, a, &counts) })
	}
	wg.Go(func() { runDemoCustomers(runCtx, fake, business, customers, profiles, o.pace, &counts) })
	start := time.Now()
	tick := time.NewTicker(o.every)
loop:
	for {
		select {
		case <-runCtx.Done():
			break loop
		case err := <-serveDone:
			tick.Stop()
			stopRun()
			wg.Wait()
			stopAll()
			<-fakeDone
			return fmt.Errorf("demo: the service stopped: %w", err)
		case <-tick.C:
			printDemoSummary(runCtx, stdout, world, fake, business.ID, &counts, time.Since(start), false)
		}
	}
	tick.Stop()
	wg.Wait()
	summaryCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	printDemoSummary(summaryCtx, stdout, world, fake, business.ID, &counts, time.Since(start), true)
	cancel()
	if err := stopService(); err != nil {
		return fmt.Errorf("demo: service: %w", err)
	}
	if o.keep {
		fmt.Fprintf(stdout, "The database and the service's log are kept in %s\n", dir)
	}
	fmt.Fprintln(stdout, "Demo stopped.")
	return nil
}

// demoToken is a random admin token.
func demoToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail
	return "demo-" + hex.EncodeToString(b)
}

// setUpDemo creates the queues, the work stream and its rules, the Twitter
// application, the handle (signed on through OAuth) and the agents.
func setUpDemo(ctx context.Context, api *demoClient, admin, consumerKey, consumerSecret string, stdout io.Writer) (*demoWorld, error) {
	w := &demoWorld{api: api, adminToken: admin, queueNames: map[string]string{}, closed: map[string]demoConversation{}}
	var idOf struct {
		ID string `json:"id"`
	}
	queues := map[string]string{}
	for _, name := range []string{"General", "VIP", "Billing", "Escalations"} {
		if err := api.do(ctx, "POST", "/queues", admin, map[string]any{"name": name}, &idOf); err != nil {
			return nil, fmt.Errorf("demo: create queue %s: %w", name, err)
		}
		queues[name] = idOf.ID
		w.queueNames[idOf.ID] = name
		w.queueOrder = append(w.queueOrder, name)
	}
	if err := api.do(ctx, "POST", "/workstreams", admin, map[string]any{"name": "Acme Care", "default_queue_id": queues["General"],
		"offer_timeout": "20s", "requeue_after": "3s"}, &idOf); err != nil {
		return nil, fmt.Errorf("demo: create work stream: %w", err)
	}
	ws := idOf.ID
	fmt.Fprintln(stdout, "Work stream Acme Care (offers wait 20s for an answer, requeue_after 3s), rules in order:")
	for _, r := range []struct{ name, condition, queue string }{
		{"Escalate conversations requeued twice", "Conversation.RequeueCount >= 2", "Escalations"},
		{"VIP customers", "Customer.FollowersCount > 10000", "VIP"},
		{"Refunds", `textHasAny(["refund", "money back", "chargeback"])`, "Billing"},
	} {
		if err := api.do(ctx, "POST", "/workstreams/"+ws+"/rules", admin, map[string]any{"name": r.name, "condition": r.condition, "queue_id": queues[r.queue]}, nil); err != nil {
			return nil, fmt.Errorf("demo: create rule %q: %w", r.name, err)
		}
		fmt.Fprintf(stdout, "  %-40s %-45s → %s\n", r.name, r.condition, r.queue)
	}
	fmt.Fprintln(stdout, "  (anything else)                                                                        → General")

	if err := api.do(ctx, "POST", "/twitter/applications", admin, map[string]any{"name": "Acme", "consumer_key": consumerKey, "consumer_secret": consumerSecret}, &idOf); err != nil {
		return nil, fmt.Errorf("demo: create Twitter application: %w", err)
	}
	handleID, screenName, err := signOnHandle(ctx, api, admin, idOf.ID, ws, "Acme Help")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	w.handleID = handleID
	fmt.Fprintf(stdout, "Handle @%s signed on through OAuth with the fake Twitter server: active\n", screenName)

	fmt.Fprintln(stdout, "Agents (capacity 2):")
	for _, a := range []struct {
		name        string
		queues      []string
		rejectEvery int
		awayFor     time.Duration
		availFor    time.Duration
		note        string
	}{
		{"Ann", []string{"General", "Billing"}, 0, 0, 0, ""},
		{"Ben", []string{"General", "Escalations"}, 4, 0, 0, "rejects every 4th offer"},
		{"Cat", []string{"VIP", "Escalations"}, 0, 15 * time.Second, 30 * time.Second, "away 15s and available 30s in turn: VIP customers wait, are requeued, escalated"},
		{"You", []string{"General", "Billing"}, 0, 0, 0, "not simulated: sign in to the console with this token, go available and take conversations"},
	} {
		ids := make([]string, len(a.queues))
		for i, q := range a.queues {
			ids[i] = queues[q]
		}
		var agent struct {
			ID    string `json:"id"`
			Token string `json:"token"`
		}
		if err := api.do(ctx, "POST", "/agents", admin, map[string]any{"name": a.name, "capacity": 2, "queue_ids": ids}, &agent); err != nil {
			return nil, fmt.Errorf("demo: create agent %s: %w", a.name, err)
		}
		if a.name != "You" {
			w.agents = append(w.agents, demoAgent{id: agent.ID, name: a.name, token: agent.Token, rejectEvery: a.rejectEvery, awayFor: a.awayFor, availableFor: a.availFor})
		}
		fmt.Fprintf(stdout, "  %-4s %-22s token %s  %s\n", a.name, strings.Join(a.queues, ", "), agent.Token, a.note)
	}
	return w, nil
}

// runDemoCustomers sends the customers' DMs, one every pace, round the
// customers in turn, until ctx is done.
func runDemoCustomers(ctx context.Context, fake *twittertest.Server, business twittertest.User, customers []twittertest.User, profiles []demoCustomer, pace time.Duration, counts *demoCounters) {
	tick := time.NewTicker(pace)
	defer tick.Stop()
	for n := 0; ; n++ {
		c := n % len(customers)
		texts := profiles[c].texts
		text := texts[(n/len(customers))%len(texts)]
		inj, err := fake.InjectDM(ctx, twittertest.InboundDM{From: customers[c].ID, To: business.ID, Text: text})
		switch {
		case err != nil:
			counts.fail(ctx, fmt.Errorf("inject a DM: %w", err))
		case len(inj.Deliveries) == 0 || !inj.Deliveries[0].OK():
			counts.fail(ctx, fmt.Errorf("a DM's delivery to the webhook failed: %+v", inj.Deliveries))
		default:
			counts.dms.Add(1)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// runDemoAgent plays one agent: available, or away and available in turn;
// it accepts offers from its notification stream (rejecting some), replies,
// and ends and closes each conversation a moment later.
func runDemoAgent(ctx context.Context, api *demoClient, a demoAgent, counts *demoCounters) {
	presence := func(p string) {
		if err := api.do(ctx, "PUT", "/agents/"+a.id+"/presence", a.token, map[string]any{"presence": p}, nil); err != nil {
			counts.fail(ctx, fmt.Errorf("agent %s: presence %s: %w", a.name, p, err))
		}
	}
	if a.awayFor > 0 {
		presence("away")
	}
	events, err := api.stream(ctx, "/agents/"+a.id+"/notifications", a.token)
	if err != nil {
		counts.fail(ctx, fmt.Errorf("agent %s: %w", a.name, err))
		return
	}
	var work sync.WaitGroup
	if a.awayFor > 0 {
		// Away for awayFor, then available for availableFor, and so on.
		work.Go(func() {
			for demoSleep(ctx, a.awayFor) {
				presence("available")
				if a.availableFor <= 0 || !demoSleep(ctx, a.availableFor) {
					return
				}
				presence("away")
			}
		})
	} else {
		presence("available")
	}
	defer work.Wait()
	offers := 0
	for ev := range events {
		if ev.kind != "offer" {
			continue
		}
		var offer struct {
			ConversationID string `json:"conversation_id"`
		}
		if err := json.Unmarshal([]byte(ev.data), &offer); err != nil {
			counts.fail(ctx, fmt.Errorf("agent %s: an offer: %w", a.name, err))
			continue
		}
		counts.offers.Add(1)
		offers++
		reject := a.rejectEvery > 0 && offers%a.rejectEvery == 0
		conv := "/conversations/" + offer.ConversationID
		work.Go(func() {
			// A moment to read the offer, as a person would, so that a
			// console watching this agent's inbox shows it and its countdown.
			if !demoSleep(ctx, demoReadOffer) {
				return
			}
			if reject {
				if err := api.do(ctx, "POST", conv+"/reject", a.token, nil, nil); err != nil {
					counts.fail(ctx, fmt.Errorf("agent %s: reject: %w", a.name, err))
				} else {
					counts.rejected.Add(1)
				}
				return
			}
			if err := api.do(ctx, "POST", conv+"/accept", a.token, nil, nil); err != nil {
				counts.fail(ctx, fmt.Errorf("agent %s: accept: %w", a.name, err))
				return
			}
			counts.accepted.Add(1)
			demoHandle(ctx, api, a, conv, counts)
		})
	}
}

// demoReadOffer is how long a simulated agent looks at an offer before
// answering it.
const demoReadOffer = 1500 * time.Millisecond

// demoHandle is an agent's work on an accepted conversation: a reply after
// a moment, then end and close.
func demoHandle(ctx context.Context, api *demoClient, a demoAgent, conv string, counts *demoCounters) {
	if !demoSleep(ctx, time.Second) {
		return
	}
	reply := fmt.Sprintf("Hi, %s here from Acme. Sorry about that, let me sort it out for you.", a.name)
	if err := api.do(ctx, "POST", conv+"/messages", a.token, map[string]any{"text": reply}, nil); err != nil {
		counts.fail(ctx, fmt.Errorf("agent %s: reply: %w", a.name, err))
		return
	}
	counts.replies.Add(1)
	if !demoSleep(ctx, 3*time.Second) {
		return
	}
	for _, step := range []string{"end", "close"} {
		if err := api.do(ctx, "POST", conv+"/"+step, a.token, nil, nil); err != nil {
			counts.fail(ctx, fmt.Errorf("agent %s: %s: %w", a.name, step, err))
			return
		}
	}
	counts.closed.Add(1)
}

// demoSleep waits d, or less if ctx is done; it reports whether ctx is
// still live.
func demoSleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// demoConversation is a conversation of GET /conversations/{id}, as far as
// the summary needs it.
type demoConversation struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	RequeueCount int    `json:"requeue_count"`
	Routing      []struct {
		RuleName string `json:"rule_name"`
		QueueID  string `json:"queue_id"`
		Reason   string `json:"reason"`
	} `json:"routing"`
}

// printDemoSummary prints the counters and, from the API, the conversations
// by status and the routing decisions by queue and rule.
func printDemoSummary(ctx context.Context, w io.Writer, world *demoWorld, fake *twittertest.Server, businessID string, c *demoCounters, elapsed time.Duration, final bool) {
	convs, err := world.conversations(ctx)
	if err != nil && ctx.Err() != nil {
		return
	}
	byStatus := map[string]int{}
	byQueue := map[string]int{}
	byRule := map[string]int{}
	requeues := 0
	for _, cv := range convs {
		byStatus[cv.Status]++
		for _, r := range cv.Routing {
			byQueue[world.queueNames[r.QueueID]]++
			rule := r.RuleName
			if rule == "" {
				rule = "(default)"
			}
			byRule[rule]++
			if r.Reason == "requeue" {
				requeues++
			}
		}
	}
	sent := 0
	for _, m := range fake.Messages() {
		if m.SenderID == businessID {
			sent++
		}
	}
	label := fmt.Sprintf("[%3.0fs]", elapsed.Seconds())
	if final {
		label = "Final:"
	}
	fmt.Fprintf(w, "%s DMs in %d · conversations %d: %s · requeues %d\n",
		label, c.dms.Load(), len(convs), demoCounts(byStatus, []string{"open", "offered", "active", "waiting", "wrap_up", "closed"}), requeues)
	fmt.Fprintf(w, "       agents:           offers %d · accepted %d · rejected %d · replies %d, sent to Twitter %d · closed %d\n",
		c.offers.Load(), c.accepted.Load(), c.rejected.Load(), c.replies.Load(), sent, c.closed.Load())
	fmt.Fprintf(w, "       routed to queues: %s\n", demoCounts(byQueue, world.queueOrder))
	rules := make([]string, 0, len(byRule))
	for r := range byRule {
		rules = append(rules, r)
	}
	sort.Strings(rules)
	fmt.Fprintf(w, "       by rule:          %s\n", demoCounts(byRule, rules))
	if err != nil {
		fmt.Fprintf(w, "       (listing conversations failed: %v)\n", err)
	}
	if n := c.errs.Load(); n > 0 {
		last, _ := c.lastErr.Load().(string)
		fmt.Fprintf(w, "       errors: %d, the last: %s\n", n, last)
	}
}

// demoCounts formats counts in the given order: "a 1 · b 2".
func demoCounts(m map[string]int, order []string) string {
	parts := make([]string, 0, len(order))
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, " · ")
}

// conversations lists every conversation with its routing history.
func (w *demoWorld) conversations(ctx context.Context) ([]demoConversation, error) {
	var out []demoConversation
	cursor := ""
	for {
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		path := "/conversations?limit=500"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		if err := w.api.do(ctx, "GET", path, w.adminToken, nil, &page); err != nil {
			return out, fmt.Errorf("list conversations: %w", err)
		}
		for _, it := range page.Items {
			if d, ok := w.closed[it.ID]; ok {
				out = append(out, d)
				continue
			}
			var d demoConversation
			if err := w.api.do(ctx, "GET", "/conversations/"+it.ID, w.adminToken, nil, &d); err != nil {
				return out, fmt.Errorf("read conversation %s: %w", it.ID, err)
			}
			if d.Status == "closed" {
				w.closed[d.ID] = d
			}
			out = append(out, d)
		}
		if page.NextCursor == nil || *page.NextCursor == "" {
			return out, nil
		}
		cursor = *page.NextCursor
	}
}

// demoClient calls the service's API as a client would.
type demoClient struct {
	base string // the service's public URL
	http *http.Client
}

// do calls /api/v1 + path with token and a JSON body, and decodes a 2xx
// answer into out (when not nil); other answers are errors.
func (c *demoClient) do(ctx context.Context, method, path, token string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/api/v1"+path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, res.Status, bytes.TrimSpace(raw))
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decode the answer: %w", method, path, err)
		}
	}
	return nil
}

// visit GETs url as a browser would, following redirects, and wants 200 at
// the end.
func (c *demoClient) visit(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s ended at %s: %s: %.200s", url, res.Request.URL, res.Status, body)
	}
	return nil
}

// waitReady polls /readyz until the service answers 200, it stops, or
// ctx is done or 30 seconds pass.
func (c *demoClient) waitReady(ctx context.Context, serveDone <-chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/readyz", nil)
		if err != nil {
			return fmt.Errorf("readiness: %w", err)
		}
		if res, err := c.http.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-serveDone:
			return fmt.Errorf("the service did not start: %w", err)
		case <-ctx.Done():
			return fmt.Errorf("waiting for the service: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New("the service was not ready within 30 seconds")
		}
	}
}

// demoEvent is one server-sent event.
type demoEvent struct{ kind, data string }

// stream opens an agent's notification stream; its events arrive on the
// channel, which is closed when the stream ends (ctx done or the service
// stopping).
func (c *demoClient) stream(ctx context.Context, path, token string) (<-chan demoEvent, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/api/v1"+path, nil)
	if err != nil {
		return nil, fmt.Errorf("open notification stream: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := (&http.Client{}).Do(req) // no timeout: the stream stays open
	if err != nil {
		return nil, fmt.Errorf("open notification stream: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		res.Body.Close()
		return nil, fmt.Errorf("open notification stream: %s", res.Status)
	}
	events := make(chan demoEvent)
	go func() {
		defer close(events)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		var ev demoEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				ev.kind = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			case line == "" && ev.kind != "":
				select {
				case events <- ev:
				case <-ctx.Done():
					return
				}
				ev = demoEvent{}
			}
		}
	}()
	return events, nil
}

// lockedWriter serialises writes of the service's and the fake's loggers
// to one file.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

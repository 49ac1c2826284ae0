package main

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// Sizes of the crash test: conversations an agent replies in, replies per
// conversation, customers of the load, DMs per customer, and concurrent
// deliveries.
const (
	crashAssigned     = 6
	crashRepliesEach  = 4
	crashCustomers    = 40
	crashDMsEach      = 12
	crashWorkers      = 8
	crashKillAfterAck = 120 // of the first half, delivered before the kill
)

// process is a switchboard serve running as a child process.
type process struct {
	cmd    *exec.Cmd
	logs   *syncBuffer
	exited chan struct{} // closed once the process is gone
}

// startProcess starts `switchboard serve` as a separate OS process and waits
// until it listens.
func startProcess(t *testing.T, env []string) *process {
	t.Helper()
	cmd, logs := child(t, env, "serve")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, logs: logs, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	waitForAddr(t, logs)
	return p
}

// kill ends the process with SIGKILL: no shutdown, no drain.
func (p *process) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the process still runs ten seconds after SIGKILL")
	}
}

// injected is what the load learnt of one customer DM.
type injected struct {
	eventID      string
	acknowledged bool // some delivery of it was answered 200
	retried      bool // acknowledged after a failed attempt
}

// TestCrashLosesNothing runs the real binary on PostgreSQL under a load of
// customer DMs that the fake Twitter server redelivers until acknowledged
// (as Twitter retries), with agents' replies queued in the outbox and one
// of them held by Twitter after it was stored (its answer lost), and kills
// the process with SIGKILL mid-load. Restarted on the same database and
// address, the service ends up with every DM stored exactly once and every
// reply sent exactly once.
func TestCrashLosesNothing(t *testing.T) {
	fake := twittertest.NewServer(twittertest.WithLocalWebhookURLs(), twittertest.WithRetrySchedule(
		50*time.Millisecond, 100*time.Millisecond, 200*time.Millisecond, 400*time.Millisecond, 800*time.Millisecond,
		1600*time.Millisecond, 3*time.Second, 5*time.Second, 5*time.Second, 5*time.Second, 5*time.Second))
	t.Cleanup(fake.Close)
	t.Cleanup(fake.ReleaseSends) // before Close, which waits for held sends
	ch := &fakeChannel{Server: fake}
	ch.app = fake.AddApp(twittertest.App{Name: "Switchboard", ConsumerKey: "ck-crash", ConsumerSecret: "cs-crash-secret"})
	ch.business = fake.AddUser(twittertest.User{ScreenName: "AcmeHelp", Name: "Acme"})
	var err error
	if ch.tok, err = fake.IssueToken(ch.app.ConsumerKey, ch.business.ID); err != nil {
		t.Fatal(err)
	}
	const admin = "crash-admin-token-0123456789"
	env := ch.serviceEnv(t, "SWITCHBOARD_DATABASE_URL="+storagetest.PostgresURL(t), "SWITCHBOARD_SECRET_KEY="+strings.Repeat("c3", 32),
		"SWITCHBOARD_ADMIN_TOKEN="+admin, "SWITCHBOARD_SCHEDULER=off", "SWITCHBOARD_OUTBOX_LEASE=1s")
	first := startProcess(t, env)
	var addr string
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "SWITCHBOARD_LISTEN="); ok {
			addr = v
		}
	}
	base := "http://" + addr + "/api/v1"

	var queue, ws struct {
		ID string `json:"id"`
	}
	apiCall(t, "POST", base+"/queues", admin, map[string]any{"name": "General"}, &queue)
	apiCall(t, "POST", base+"/workstreams", admin, map[string]any{"name": "Care", "default_queue_id": queue.ID}, &ws)
	ch.connectHandle(t, base, admin, ws.ID)
	agentTokens := map[string]string{}
	for _, name := range []string{"Ann", "Bob"} {
		var agent struct {
			ID    string `json:"id"`
			Token string `json:"token"`
		}
		apiCall(t, "POST", base+"/agents", admin, map[string]any{"name": name, "queue_ids": []string{queue.ID}, "capacity": crashAssigned / 2}, &agent)
		apiCall(t, "PUT", base+"/agents/"+agent.ID+"/presence", agent.Token, map[string]any{"presence": "available"}, nil)
		agentTokens[agent.ID] = agent.Token
	}

	// Conversations the agents take before the load, to reply in.
	var (
		mu     sync.Mutex
		events []injected
	)
	inject := func(ctx context.Context, from, text string) error {
		inj, err := fake.InjectDM(ctx, twittertest.InboundDM{From: from, To: ch.business.ID, Text: text})
		if err != nil {
			return err
		}
		ev := injected{eventID: inj.EventIDs[0]}
		failed := false
		for _, d := range inj.Deliveries {
			if d.OK() {
				ev.acknowledged, ev.retried = true, failed
			} else {
				failed = true
			}
		}
		mu.Lock()
		events = append(events, ev)
		mu.Unlock()
		return nil
	}
	for i := range crashAssigned {
		c := fake.AddUser(twittertest.User{ScreenName: fmt.Sprintf("early%02d", i)})
		if err := inject(t.Context(), c.ID, "hello, I need help"); err != nil {
			t.Fatal(err)
		}
	}
	type convItem struct {
		ID             string `json:"id"`
		OfferedAgentID string `json:"offered_agent_id"`
	}
	var offered struct {
		Items []convItem `json:"items"`
	}
	waitFor(t, "every early conversation offered", func() bool {
		apiCall(t, "GET", base+"/conversations?status=offered&limit=100", admin, nil, &offered)
		return len(offered.Items) == crashAssigned
	})
	for _, c := range offered.Items {
		apiCall(t, "POST", base+"/conversations/"+c.ID+"/accept", agentTokens[c.OfferedAgentID], nil, nil)
	}

	// The load: customers' DMs, delivered concurrently and redelivered
	// until acknowledged.
	loadCtx, stopLoad := context.WithCancel(t.Context())
	defer stopLoad()
	jobs := make(chan [2]string)
	var acked atomic.Int64
	var loadWG sync.WaitGroup
	loadErrs := make(chan error, crashWorkers)
	for range crashWorkers {
		loadWG.Add(1)
		go func() {
			defer loadWG.Done()
			for j := range jobs {
				if err := inject(loadCtx, j[0], j[1]); err != nil {
					loadErrs <- err
					return
				}
				acked.Add(1) // answered, after any retries
			}
		}()
	}
	customers := make([]string, crashCustomers)
	for i := range customers {
		customers[i] = fake.AddUser(twittertest.User{ScreenName: fmt.Sprintf("load%03d", i)}).ID
	}
	killed := make(chan struct{})
	go func() {
		defer close(jobs)
		for n := range crashDMsEach {
			if n == crashDMsEach/2 {
				// The second half waits for the kill, so that the load
				// certainly goes on while the process is down.
				select {
				case <-killed:
				case <-loadCtx.Done():
					return
				}
			}
			for i, c := range customers {
				select {
				case jobs <- [2]string{c, fmt.Sprintf("message %02d from customer %03d", n, i)}:
				case <-loadCtx.Done():
					return
				}
			}
		}
	}()

	// Replies, while Twitter holds the first send it receives: it stores
	// that DM but its answer never reaches this process.
	fake.HoldSends()
	var replies []string
	replyTo := map[string]string{} // text → conversation id
	for r := range crashRepliesEach {
		for i, c := range offered.Items {
			text := fmt.Sprintf("Reply %d-%d: we are on it.", i, r)
			apiCall(t, "POST", base+"/conversations/"+c.ID+"/messages", agentTokens[c.OfferedAgentID], map[string]any{"text": text}, nil)
			replies = append(replies, text)
			replyTo[text] = c.ID
		}
	}
	waitWithin(t, time.Minute, "a reply held by Twitter and load acknowledged", func() bool {
		return fake.HeldSends() == 1 && acked.Load() >= crashKillAfterAck
	})
	// Group commit is at work: DMs that arrive while a transaction commits
	// share the next one, so the kill lands among groups, not single DMs.
	_, before := get(t, "http://"+addr+"/metrics", "")
	if sum, count := metricValue(before, "switchboard_ingest_group_messages_sum"), metricValue(before, "switchboard_ingest_group_messages_count"); sum <= count {
		t.Errorf("before the kill, %v DMs went in %v ingest transactions: no transaction held more than one", sum, count)
	} else {
		t.Logf("before the kill, %v DMs went in %v ingest transactions", sum, count)
	}
	first.kill(t)
	close(killed)
	sentAtKill := countSent(fake.Messages(), ch.business.ID, replies)
	ackedAtKill := acked.Load()
	fake.ReleaseSends()
	if total := sumCounts(sentAtKill); total != 1 {
		t.Fatalf("at the kill Twitter had %d of the %d replies, want only the held one", total, len(replies))
	}

	second := startProcess(t, env)
	loadWG.Wait()
	close(loadErrs)
	for err := range loadErrs {
		t.Fatalf("load: %v", err)
	}

	var failedDeliveries, retried int
	for _, d := range fake.Deliveries() {
		if !d.OK() {
			failedDeliveries++
		}
	}
	want := map[string]bool{}
	for _, ev := range events {
		if want[ev.eventID] {
			t.Fatalf("the fake server gave event id %s twice", ev.eventID)
		}
		want[ev.eventID] = true
		if ev.retried {
			retried++
		}
	}
	if failedDeliveries == 0 || retried == 0 {
		t.Fatalf("no delivery failed (%d) or was acknowledged on a retry (%d): the kill did not land mid-load", failedDeliveries, retried)
	}
	t.Logf("%d DMs, %d delivered before the kill, %d failed deliveries, %d DMs acknowledged on a retry", len(events), ackedAtKill, failedDeliveries, retried)

	// What users see through the API once the restarted service caught up.
	var view channelView
	waitWithin(t, time.Minute, "every DM stored and every reply sent", func() bool {
		view = readChannel(t, base, admin)
		sent := 0
		for _, text := range replies {
			if view.replyStatus[text] == "sent" {
				sent++
			}
		}
		return len(view.inbound) >= len(want) && sent == len(replies)
	})
	fake.WaitDeliveries()

	stored := map[string]int{}
	for _, id := range view.inbound {
		stored[id]++
	}
	for id, n := range stored {
		if n > 1 {
			t.Errorf("DM event %s is stored %d times", id, n)
		}
		if !want[id] {
			t.Errorf("DM event %s is stored but was never sent by a customer", id)
		}
	}
	for _, ev := range events {
		if stored[ev.eventID] == 0 {
			t.Errorf("DM event %s (acknowledged: %v) is missing", ev.eventID, ev.acknowledged)
		}
	}
	if len(view.inbound) != len(want) {
		t.Errorf("%d customer DMs stored, want %d (one per distinct event)", len(view.inbound), len(want))
	}

	onTwitter := countSent(fake.Messages(), ch.business.ID, replies)
	for _, text := range replies {
		if n := onTwitter[text]; n != 1 {
			t.Errorf("reply %q reached Twitter %d times, want once", text, n)
		}
		if got := view.replyConv[text]; got != replyTo[text] {
			t.Errorf("reply %q is in conversation %q, want %q", text, got, replyTo[text])
		}
	}
	if view.outbound != len(replies) {
		t.Errorf("%d outbound messages stored, want the %d replies (echoes not stored again)", view.outbound, len(replies))
	}
	_, metrics := get(t, "http://"+addr+"/metrics", "")
	if n := metricValue(metrics, `switchboard_twitter_sends_total{result="recovered"}`); n != 1 {
		t.Errorf("after the restart the held reply was recovered %v times, want once (found on Twitter, not sent again); logs:\n%s", n, second.logs)
	}
}

// countSent counts the DMs the handle sent with each reply text.
func countSent(msgs []twittertest.Message, handleID string, replies []string) map[string]int {
	want := map[string]bool{}
	for _, r := range replies {
		want[r] = true
	}
	out := map[string]int{}
	for _, m := range msgs {
		if m.SenderID == handleID && want[m.Text] {
			out[m.Text]++
		}
	}
	return out
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// channelView is the stored messages as the API shows them.
type channelView struct {
	inbound     []string          // customer DMs' Twitter event ids
	outbound    int               // outbound messages
	replyStatus map[string]string // outbound text → delivery status
	replyConv   map[string]string // outbound text → conversation id
}

// readChannel reads every conversation and its messages through the API.
func readChannel(t *testing.T, base, token string) channelView {
	t.Helper()
	v := channelView{replyStatus: map[string]string{}, replyConv: map[string]string{}}
	cursor := ""
	for {
		var page struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		apiCall(t, "GET", base+"/conversations?limit=500&cursor="+cursor, token, nil, &page)
		for _, c := range page.Items {
			var d struct {
				Messages []struct {
					Direction      string  `json:"direction"`
					Text           string  `json:"text"`
					TwitterEventID *string `json:"twitter_event_id"`
					Delivery       *string `json:"delivery_status"`
				} `json:"messages"`
			}
			apiCall(t, "GET", base+"/conversations/"+c.ID, token, nil, &d)
			for _, m := range d.Messages {
				switch {
				case m.Direction == "inbound" && m.TwitterEventID != nil:
					v.inbound = append(v.inbound, *m.TwitterEventID)
				case m.Direction == "inbound":
					v.inbound = append(v.inbound, "(no event id)")
				default:
					v.outbound++
					if m.Delivery != nil {
						v.replyStatus[m.Text] = *m.Delivery
					}
					v.replyConv[m.Text] = c.ID
				}
			}
		}
		if page.NextCursor == nil {
			return v
		}
		cursor = *page.NextCursor
	}
}

// metricValue reads one sample of a Prometheus text exposition (0 when
// absent).
func metricValue(exposition, series string) float64 {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(exposition)
	if m == nil {
		return 0
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	return f
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
)

// TestWholeChannel runs the whole channel over real HTTP, on SQLite and on
// PostgreSQL, with the fake Twitter server and the service sharing a clock
// the test moves forward:
//
//   - an admin adds a Twitter application and signs its handle on through
//     OAuth (Switchboard's API and callback page against the fake server);
//   - a customer's DM arrives signed at the served webhook, a rule routes
//     it to VIP and the offer reaches the agent's stream;
//   - the agent accepts and replies: the reply reaches Twitter once, and its
//     echo is stored once, not as a new customer message;
//   - the customer's answer reaches the agent's stream; the agent sets the
//     conversation to wait and leaves the answer unanswered;
//   - the clock passes the work stream's stall time, then the stall requeue
//     time: the scheduler's sweep (on its cron schedule) marks the
//     conversation stalled, then takes it from the agent and re-routes it,
//     an escalation rule sends it to another queue, and its agent gets the
//     offer; the routing history shows the requeue;
//   - that agent accepts, ends and closes it, and the customer's next DM
//     starts a new, returning conversation.
func TestWholeChannel(t *testing.T) {
	forEachServeDB(t, wholeChannel)
}

func wholeChannel(t *testing.T, dbEnv []string) {
	const (
		admin     = "e2e-admin-token-0123456789"
		stallTime = 10 * time.Minute // the work stream's stall_after
		// How long a stalled conversation stays with its agent before the
		// scheduler requeues it (SWITCHBOARD_STALL_REQUEUE_AFTER).
		stallRequeue = 5 * time.Minute
	)
	clock := &shiftedClock{}
	fake := twittertest.NewServer(twittertest.WithLocalWebhookURLs(), twittertest.WithClock(clock.Now))
	t.Cleanup(fake.Close)
	app := fake.AddApp(twittertest.App{Name: "Switchboard", ConsumerKey: "ck-e2e", ConsumerSecret: "cs-e2e-secret"})
	business := fake.AddUser(twittertest.User{ScreenName: "AcmeHelp", Name: "Acme"})
	fake.AuthorizeAs(business.ID) // the business's admin approves the sign-on
	customer := fake.AddUser(twittertest.User{ScreenName: "bigfan", Name: "Big Fan", FollowersCount: 50000})

	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	svc := startServiceWithClock(t, clock, append(dbEnv,
		"SWITCHBOARD_LISTEN="+addr, "SWITCHBOARD_PUBLIC_URL=http://"+addr, "SWITCHBOARD_LOG_FORMAT=json",
		"SWITCHBOARD_TWITTER_API_URL="+fake.URL, "SWITCHBOARD_ADMIN_TOKEN="+admin,
		"SWITCHBOARD_SCHEDULE_SWEEP=@every 1s",
		"SWITCHBOARD_STALL_REQUEUE_AFTER="+stallRequeue.String(),
		// Streams are seen at their heartbeats, which follow the real
		// clock; the clock's jumps must not look like gone agents.
		"SWITCHBOARD_AGENT_STREAM_GRACE=1h",
	))
	api := &apiClient{base: "http://" + svc.addr + "/api/v1"}

	// Set-up: queues, a work stream whose rules escalate requeued
	// conversations and send big accounts to VIP, the handle, two agents.
	var general, vip, escalations, ws, escalate, bigAccounts, twApp idBody
	api.call(t, "POST", "/queues", admin, map[string]any{"name": "General"}, 201, &general)
	api.call(t, "POST", "/queues", admin, map[string]any{"name": "VIP"}, 201, &vip)
	api.call(t, "POST", "/queues", admin, map[string]any{"name": "Escalations"}, 201, &escalations)
	api.call(t, "POST", "/workstreams", admin, map[string]any{"name": "Care", "default_queue_id": general.ID,
		"stall_after": stallTime.String()}, 201, &ws)
	api.call(t, "POST", "/workstreams/"+ws.ID+"/rules", admin, map[string]any{"name": "Escalate requeued",
		"condition": "Conversation.RequeueCount >= 1", "queue_id": escalations.ID}, 201, &escalate)
	api.call(t, "POST", "/workstreams/"+ws.ID+"/rules", admin, map[string]any{"name": "Big accounts",
		"condition": "Customer.FollowersCount > 10000", "queue_id": vip.ID}, 201, &bigAccounts)
	api.call(t, "POST", "/twitter/applications", admin, map[string]any{"name": "Acme", "consumer_key": app.ConsumerKey,
		"consumer_secret": app.ConsumerSecret}, 201, &twApp)

	var pending struct {
		ID               string `json:"id"`
		Status           string `json:"status"`
		AuthorizationURL string `json:"authorization_url"`
	}
	api.call(t, "POST", "/twitter/applications/"+twApp.ID+"/handles", admin, map[string]any{"name": "Acme Help", "work_stream_id": ws.ID}, 201, &pending)
	if pending.Status != "pending" || !strings.HasPrefix(pending.AuthorizationURL, fake.URL+"/") {
		t.Fatalf("starting the sign-on answered %+v; want a pending handle and the fake server's authorization URL", pending)
	}
	visitSignOn(t, pending.AuthorizationURL)
	var handle struct {
		Status     string `json:"status"`
		UserID     string `json:"user_id"`
		ScreenName string `json:"screen_name"`
	}
	api.call(t, "GET", "/twitter/handles/"+pending.ID, admin, nil, 200, &handle)
	if handle.Status != "active" || handle.UserID != business.ID || handle.ScreenName != business.ScreenName {
		t.Fatalf("after signing on the handle is %+v; want active as @%s (%s)", handle, business.ScreenName, business.ID)
	}

	ann := api.newAgent(t, admin, "Ann", general.ID, vip.ID)
	ben := api.newAgent(t, admin, "Ben", escalations.ID)

	// A DM is routed by a rule and offered on the agent's stream.
	inject := func(text string) {
		t.Helper()
		inj, err := fake.InjectDM(t.Context(), twittertest.InboundDM{From: customer.ID, To: business.ID, Text: text})
		if err != nil || len(inj.Deliveries) != 1 || !inj.Deliveries[0].OK() {
			t.Fatalf("inject %q: %+v %v", text, inj, err)
		}
	}
	inject("my parcel never came")
	offer := decodeOffer(t, ann.stream.expect(t, "offer"))
	if offer.Customer.ScreenName != "bigfan" || offer.QueueName != "VIP" || offer.Routing.RuleID != bigAccounts.ID || offer.Routing.Reason != "matched" {
		t.Fatalf("Ann's offer = %+v; want bigfan matched to VIP by rule %s", offer, bigAccounts.ID)
	}
	conv := "/conversations/" + offer.ConversationID

	// Accept and reply: the reply reaches Twitter once; its echo, delivered
	// back to the webhook, is not a new message.
	api.call(t, "POST", conv+"/accept", ann.token, nil, 200, nil)
	const reply = "Sorry! A new one ships today."
	api.call(t, "POST", conv+"/messages", ann.token, map[string]any{"text": reply}, 201, nil)
	waitFor(t, "the reply is sent", func() bool {
		d := api.conversation(t, conv, admin)
		return slices.ContainsFunc(d.Messages, func(m message) bool { return m.Text == reply && m.Delivery == "sent" })
	})
	fake.WaitDeliveries() // the reply's echo has reached the webhook
	sent := 0
	for _, m := range fake.Messages() {
		if m.SenderID == business.ID && m.RecipientID == customer.ID && m.Text == reply {
			sent++
		}
	}
	if sent != 1 {
		t.Errorf("the reply reached Twitter %d times, want once", sent)
	}

	// The customer answers; it reaches the stream. Ann sets the
	// conversation to wait without answering.
	inject("thanks, which carrier?")
	if msg := ann.stream.expect(t, "message"); !strings.Contains(msg, "which carrier?") {
		t.Errorf("Ann's message event = %s; want the customer's answer", msg)
	}
	d := api.conversation(t, conv, admin)
	if got, want := d.transcript(), "in:my parcel never came out:"+reply+" in:thanks, which carrier?"; got != want || d.MessageCount != 3 {
		t.Errorf("messages = %s (count %d); want %s (count 3): the reply once, its echo not stored again", got, d.MessageCount, want)
	}
	var waiting conversation
	api.call(t, "POST", conv+"/wait", ann.token, nil, 200, &waiting)
	if waiting.Status != "waiting" {
		t.Fatalf("wait: status %s, want waiting", waiting.Status)
	}

	// Past the stall time the scheduler marks the conversation stalled and
	// tells Ann; past the stall requeue time it takes the conversation from
	// her and re-routes it: the escalation rule sends it to Ben.
	clock.Advance(stallTime + time.Second)
	if st := decodeStatus(t, ann.stream.expect(t, "status")); st.ConversationID != offer.ConversationID || !strings.HasPrefix(st.Reason, "stalled:") {
		t.Fatalf("Ann's status event after the stall time = %+v; want this conversation stalled", st)
	}
	if d := api.conversation(t, conv, admin); d.Status != "waiting" || d.StalledAt == nil {
		t.Fatalf("after the stall time the conversation is %s, stalled at %v; want waiting and stalled", d.Status, d.StalledAt)
	}
	// Short of the stall requeue time a whole sweep leaves it with Ann.
	clock.Advance(stallRequeue - time.Minute)
	svc.waitForSweep(t)
	if d := api.conversation(t, conv, admin); d.Status != "waiting" || d.AgentID != ann.id {
		t.Fatalf("a minute before the stall requeue time the conversation is %s with agent %q; want waiting with Ann", d.Status, d.AgentID)
	}
	ann.stream.noMore(t)
	clock.Advance(time.Minute + time.Second)
	if st := decodeStatus(t, ann.stream.expect(t, "status")); st.ConversationID != offer.ConversationID || st.Status != "open" ||
		st.Reason != "requeued: the customer's message stayed unanswered" {
		t.Fatalf("Ann's status event after the stall requeue time = %+v; want the conversation requeued", st)
	}
	again := decodeOffer(t, ben.stream.expect(t, "offer"))
	if again.ConversationID != offer.ConversationID || again.QueueName != "Escalations" || again.Routing.RuleID != escalate.ID || again.Routing.Reason != "requeue" {
		t.Fatalf("Ben's offer = %+v; want conversation %s requeued to Escalations by rule %s", again, offer.ConversationID, escalate.ID)
	}
	d = api.conversation(t, conv, admin)
	if got, want := d.routing(map[string]string{vip.ID: "VIP", escalations.ID: "Escalations"}), "matched:VIP requeue:Escalations"; got != want ||
		d.RequeueCount != 1 || d.Status != "offered" || d.OfferedAgentID != ben.id || d.AgentID != "" {
		t.Errorf("after the requeue: routing %s, requeue count %d, %s to %q (agent %q); want %s, 1, offered to Ben (%s) and no agent",
			got, d.RequeueCount, d.Status, d.OfferedAgentID, d.AgentID, want, ben.id)
	}

	// Ben accepts, ends and closes it.
	api.call(t, "POST", conv+"/accept", ben.token, nil, 200, nil)
	for _, step := range []struct{ action, status string }{{"end", "wrap_up"}, {"close", "closed"}} {
		var got conversation
		api.call(t, "POST", conv+"/"+step.action, ben.token, nil, 200, &got)
		if got.Status != step.status {
			t.Fatalf("%s: status %s, want %s", step.action, got.Status, step.status)
		}
	}

	// The customer returns: a new, returning conversation, offered to Ann
	// again (the requeue gave her capacity back).
	inject("me again")
	back := decodeOffer(t, ann.stream.expect(t, "offer"))
	if back.ConversationID == offer.ConversationID || !back.Customer.IsReturning || back.Customer.PreviousConversations != 1 || back.QueueName != "VIP" {
		t.Errorf("after close the customer's DM gave Ann the offer %+v; want a new, returning conversation in VIP", back)
	}
	var list struct {
		Items []conversation `json:"items"`
	}
	api.call(t, "GET", "/conversations?customer=bigfan", admin, nil, 200, &list)
	var states []string
	for _, c := range list.Items {
		states = append(states, fmt.Sprintf("%s returning=%t previous=%d", c.Status, c.IsReturning, c.PreviousConversations))
	}
	if got, want := strings.Join(states, "; "), "offered returning=true previous=1; closed returning=false previous=0"; got != want {
		t.Errorf("bigfan's conversations, newest first: %s; want %s", got, want)
	}

	ann.stream.noMore(t)
	ben.stream.noMore(t)
	if err := svc.stop(); err != nil {
		t.Fatal(err)
	}
}

// shiftedClock is the wall clock moved forward by what a test has
// advanced it: timers of minutes pass at once, and everything between the
// jumps keeps the real order and spacing.
type shiftedClock struct {
	mu    sync.Mutex
	shift time.Duration
}

func (c *shiftedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().UTC().Add(c.shift)
}

// Advance moves the clock forward by d.
func (c *shiftedClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shift += d
}

// startServiceWithClock runs the service in-process, as `switchboard serve`
// with env would, but telling the time by clock.
func startServiceWithClock(t *testing.T, clock *shiftedClock, env []string) *service {
	t.Helper()
	cfg, err := loadConfig(environ(env))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- serveWith(ctx, &cfg, logs, serveDeps{clock: clock}) }()
	addr := waitForAddr(t, logs)
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(10 * time.Second):
				stopErr = fmt.Errorf("serve did not return within 10 seconds of being stopped")
			}
		})
		return stopErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("stop the service: %v", err)
		}
		if t.Failed() {
			t.Logf("service logs:\n%s", logs)
		}
	})
	return &service{logs: logs, addr: addr, stop: stop}
}

// waitForSweep waits until a whole run of the scheduler's stall job has
// started and ended since it was called: the run that may be under way
// then, and the next.
func (s *service) waitForSweep(t *testing.T) {
	t.Helper()
	runs := func() int {
		_, metrics := get(t, "http://"+s.addr+"/metrics", "")
		for line := range strings.Lines(metrics) {
			if rest, ok := strings.CutPrefix(line, `switchboard_scheduler_runs_total{job="stall",result="ok"} `); ok {
				n, _ := strconv.Atoi(strings.TrimSpace(rest))
				return n
			}
		}
		return 0
	}
	from := runs()
	waitFor(t, "two runs of the stall job", func() bool { return runs() >= from+2 })
}

// visitSignOn follows an authorization URL as the admin's browser would:
// the fake server approves and redirects to Switchboard's callback page.
func visitSignOn(t *testing.T, url string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("sign on: %v", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sign on ended at %s with %s: %.300s", res.Request.URL, res.Status, body)
	}
}

// apiClient calls the service's API.
type apiClient struct{ base string }

// idBody is an answer of which only the id matters.
type idBody struct {
	ID string `json:"id"`
}

// call sends body as JSON with a bearer token, wants the status want and
// decodes the answer into out (when not nil).
func (c *apiClient) call(t *testing.T, method, path, token string, body any, want int, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s = %d %s; want %d", method, path, res.StatusCode, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// testAgent is an agent at work: available, its notification stream open.
type testAgent struct {
	id, token string
	stream    *agentStream
}

// newAgent creates an agent in the given queues, makes it available and
// opens its notification stream.
func (c *apiClient) newAgent(t *testing.T, admin, name string, queues ...string) testAgent {
	t.Helper()
	var a struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	c.call(t, "POST", "/agents", admin, map[string]any{"name": name, "queue_ids": queues}, 201, &a)
	c.call(t, "PUT", "/agents/"+a.ID+"/presence", a.Token, map[string]any{"presence": "available"}, 200, nil)
	return testAgent{id: a.ID, token: a.Token, stream: openAgentStream(t, c.base+"/agents/"+a.ID+"/notifications", a.Token)}
}

// conversation is a conversation as the API shows it.
type conversation struct {
	ID                    string  `json:"id"`
	Status                string  `json:"status"`
	AgentID               string  `json:"agent_id"`
	OfferedAgentID        string  `json:"offered_agent_id"`
	RequeueCount          int     `json:"requeue_count"`
	IsReturning           bool    `json:"is_returning"`
	PreviousConversations int     `json:"previous_conversations"`
	MessageCount          int     `json:"message_count"`
	StalledAt             *string `json:"stalled_at"`
}

type message struct {
	Direction string `json:"direction"`
	Text      string `json:"text"`
	Delivery  string `json:"delivery_status"`
}

// conversationDetail is a conversation with its messages and routing
// history.
type conversationDetail struct {
	conversation
	Messages []message `json:"messages"`
	Routing  []struct {
		QueueID string `json:"queue_id"`
		Reason  string `json:"reason"`
	} `json:"routing"`
}

func (c *apiClient) conversation(t *testing.T, path, token string) conversationDetail {
	t.Helper()
	var d conversationDetail
	c.call(t, "GET", path, token, nil, 200, &d)
	return d
}

// transcript is the messages in order, "in:" or "out:" and the text.
func (d conversationDetail) transcript() string {
	var s []string
	for _, m := range d.Messages {
		s = append(s, strings.TrimSuffix(m.Direction, "bound")+":"+m.Text)
	}
	return strings.Join(s, " ")
}

// routing is the routing history, reason and queue name in order.
func (d conversationDetail) routing(queueNames map[string]string) string {
	var s []string
	for _, r := range d.Routing {
		s = append(s, r.Reason+":"+queueNames[r.QueueID])
	}
	return strings.Join(s, " ")
}

// offerEvent is the data of an offer event.
type offerEvent struct {
	ConversationID string `json:"conversation_id"`
	QueueName      string `json:"queue_name"`
	Customer       struct {
		Name                  string `json:"name"`
		ScreenName            string `json:"screen_name"`
		IsReturning           bool   `json:"is_returning"`
		PreviousConversations int    `json:"previous_conversations"`
	} `json:"customer"`
	Routing struct {
		RuleID string `json:"rule_id"`
		Reason string `json:"reason"`
	} `json:"routing"`
}

func decodeOffer(t *testing.T, data string) offerEvent {
	t.Helper()
	var o offerEvent
	if err := json.Unmarshal([]byte(data), &o); err != nil {
		t.Fatalf("offer event %s: %v", data, err)
	}
	return o
}

// statusEvent is the data of a status event.
type statusEvent struct {
	ConversationID string `json:"conversation_id"`
	Status         string `json:"status"`
	Reason         string `json:"reason"`
}

func decodeStatus(t *testing.T, data string) statusEvent {
	t.Helper()
	var s statusEvent
	if err := json.Unmarshal([]byte(data), &s); err != nil {
		t.Fatalf("status event %s: %v", data, err)
	}
	return s
}

// agentStream reads an agent's server-sent events.
type agentStream struct {
	events chan [2]string // kind, data
}

func openAgentStream(t testing.TB, url, token string) *agentStream {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return openEventStream(t, req)
}

// openEventStream reads the server-sent events that req opens.
func openEventStream(t testing.TB, req *http.Request) *agentStream {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("open stream: %v %v", res, err)
	}
	s := &agentStream{events: make(chan [2]string, 64)}
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var kind, data string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				kind = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			case line == "" && kind != "":
				s.events <- [2]string{kind, data}
				kind, data = "", ""
			}
		}
	}()
	return s
}

// expect returns the data of the next event, which must be of kind: an
// agent is told each thing once, and nothing else.
func (s *agentStream) expect(t *testing.T, kind string) string {
	t.Helper()
	select {
	case e := <-s.events:
		if e[0] != kind {
			t.Fatalf("the next event is %s %s; want %s", e[0], e[1], kind)
		}
		return e[1]
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s event within ten seconds", kind)
		return ""
	}
}

// noMore fails if an event has arrived that the test did not expect.
func (s *agentStream) noMore(t *testing.T) {
	t.Helper()
	select {
	case e := <-s.events:
		t.Errorf("unexpected %s event %s", e[0], e[1])
	default:
	}
}

// waitFor polls cond until it holds, failing after ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitWithin(t, 10*time.Second, what, cond)
}

// waitWithin polls cond until it holds, failing after limit.
func waitWithin(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

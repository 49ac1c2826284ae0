package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// TestAgentJourneyThroughTheWebhook runs the whole service against the fake
// Twitter server, on SQLite and PostgreSQL: a customer's DM arrives signed
// at the webhook, a rule routes it, the offer reaches the agent's stream
// with the customer's name, the agent accepts and replies (sent to Twitter
// once, its echo ignored), the customer's answer reaches the stream, the
// agent pauses, ends and closes it, and the customer's next DM starts a
// returning conversation.
func TestAgentJourneyThroughTheWebhook(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  func(t *testing.T) []string
	}{
		{"sqlite", func(t *testing.T) []string {
			return []string{"SWITCHBOARD_DATABASE_URL=" + filepath.Join(t.TempDir(), "sb.db")}
		}},
		{"postgres", func(t *testing.T) []string {
			return []string{"SWITCHBOARD_DATABASE_URL=" + storagetest.PostgresURL(t), "SWITCHBOARD_SECRET_KEY=" + strings.Repeat("ef", 32)}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { journey(t, tc.env(t)) })
	}
}

func journey(t *testing.T, dbEnv []string) {
	fake := newFakeChannel(t, "journey")
	app, business, tok := fake.app, fake.business, fake.tok
	customer := fake.AddUser(twittertest.User{ScreenName: "bigfan", Name: "Big Fan", FollowersCount: 50000})
	const admin = "journey-admin-token-0123456789"
	svc := startService(t, fake.serviceEnv(t, append(dbEnv, "SWITCHBOARD_ADMIN_TOKEN="+admin, "SWITCHBOARD_SCHEDULER=off")...))
	base := "http://" + svc.addr + "/api/v1"
	call := func(method, path, token string, body any, want int) map[string]any {
		t.Helper()
		var rd *bytes.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		} else {
			rd = bytes.NewReader(nil)
		}
		req, _ := http.NewRequest(method, base+path, rd)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode != want {
			t.Fatalf("%s %s = %d %v, want %d", method, path, res.StatusCode, out, want)
		}
		return out
	}
	id := func(m map[string]any) string { s, _ := m["id"].(string); return s }

	general := id(call("POST", "/queues", admin, map[string]any{"name": "General"}, 201))
	vip := id(call("POST", "/queues", admin, map[string]any{"name": "VIP"}, 201))
	ws := id(call("POST", "/workstreams", admin, map[string]any{"name": "Care", "default_queue_id": general}, 201))
	rule := id(call("POST", "/workstreams/"+ws+"/rules", admin, map[string]any{"name": "Big accounts", "condition": "Customer.FollowersCount > 10000", "queue_id": vip}, 201))
	application := id(call("POST", "/twitter/applications", admin, map[string]any{"name": "Acme", "consumer_key": app.ConsumerKey, "consumer_secret": app.ConsumerSecret}, 201))
	call("POST", "/twitter/applications/"+application+"/handles", admin, map[string]any{"name": "Acme Help", "work_stream_id": ws,
		"user_id": business.ID, "screen_name": business.ScreenName, "access_token": tok.Token, "access_token_secret": tok.Secret}, 201)
	agent := call("POST", "/agents", admin, map[string]any{"name": "Ann", "queue_ids": []string{general, vip}}, 201)
	agentToken, _ := agent["token"].(string)
	call("PUT", "/agents/"+id(agent)+"/presence", agentToken, map[string]any{"presence": "available"}, 200)

	stream := openAgentStream(t, base+"/agents/"+id(agent)+"/notifications", agentToken)
	inject := func(text string) {
		t.Helper()
		inj, err := fake.InjectDM(t.Context(), twittertest.InboundDM{From: customer.ID, To: business.ID, Text: text})
		if err != nil || len(inj.Deliveries) != 1 || !inj.Deliveries[0].OK() {
			t.Fatalf("inject %q: %+v %v", text, inj, err)
		}
	}
	inject("my parcel never came")
	offer := stream.expect(t, "offer")
	var notice struct {
		ConversationID string `json:"conversation_id"`
		QueueName      string `json:"queue_name"`
		Customer       struct {
			ScreenName string `json:"screen_name"`
		} `json:"customer"`
		Routing struct {
			RuleID string `json:"rule_id"`
		} `json:"routing"`
	}
	if err := json.Unmarshal([]byte(offer), &notice); err != nil {
		t.Fatal(err)
	}
	if notice.Customer.ScreenName != "bigfan" || notice.QueueName != "VIP" || notice.Routing.RuleID != rule {
		t.Fatalf("offer = %s; want bigfan routed to VIP by rule %s", offer, rule)
	}
	conv := "/conversations/" + notice.ConversationID
	call("POST", conv+"/accept", agentToken, nil, 200)
	call("POST", conv+"/messages", agentToken, map[string]any{"text": "Sorry! A new one ships today."}, 201)
	waitFor(t, "the reply is sent", func() bool {
		d := call("GET", conv, admin, nil, 200)
		return strings.Contains(fmt.Sprint(d["messages"]), "delivery_status:sent")
	})
	fake.WaitDeliveries() // the echo of the reply has reached the webhook
	sent := 0
	for _, m := range fake.Messages() {
		if m.SenderID == business.ID && m.Text == "Sorry! A new one ships today." {
			sent++
		}
	}
	if sent != 1 {
		t.Errorf("the reply reached Twitter %d times, want once", sent)
	}

	inject("thanks, which carrier?")
	if msg := stream.expect(t, "message"); !strings.Contains(msg, "which carrier?") {
		t.Errorf("message event = %s", msg)
	}
	d := call("GET", conv, admin, nil, 200)
	if n := strings.Count(fmt.Sprint(d["messages"]), "direction:outbound"); n != 1 || d["message_count"] != float64(3) {
		t.Errorf("conversation holds %d outbound messages and %v in all; want the reply once (its echo ignored) and 3", n, d["message_count"])
	}
	for _, step := range []struct{ action, status string }{{"wait", "waiting"}, {"end", "wrap_up"}, {"close", "closed"}} {
		if got := call("POST", conv+"/"+step.action, agentToken, nil, 200); got["status"] != step.status {
			t.Fatalf("%s: status %v, want %s", step.action, got["status"], step.status)
		}
	}

	inject("me again")
	var back map[string]any
	waitFor(t, "the returning customer's conversation", func() bool {
		l := call("GET", "/conversations?customer=bigfan&status=offered", admin, nil, 200)
		items, _ := l["items"].([]any)
		if len(items) == 1 {
			back, _ = items[0].(map[string]any)
		}
		return back != nil
	})
	if back["id"] == notice.ConversationID || back["is_returning"] != true || back["previous_conversations"] != float64(1) {
		t.Errorf("after close the customer's DM gave %v; want a new, returning conversation", back)
	}
}

// agentStream reads an agent's server-sent events.
type agentStream struct {
	events chan [2]string // kind, data
}

func openAgentStream(t *testing.T, url, token string) *agentStream {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
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

// expect returns the data of the next event of kind, skipping others.
func (s *agentStream) expect(t *testing.T, kind string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e := <-s.events:
			if e[0] == kind {
				return e[1]
			}
		case <-deadline:
			t.Fatalf("no %s event within ten seconds", kind)
			return ""
		}
	}
}

// waitFor polls cond until it holds, failing after ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

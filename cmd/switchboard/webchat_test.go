package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/webchat"
)

// TestWebChat runs the web-chat channel over real HTTP, on SQLite and on
// PostgreSQL, as TestWholeChannel runs Twitter's:
//
//   - an admin adds a widget to a web-chat work stream and gets its secret;
//   - the business's site relays a visitor's message, signed: a rule routes
//     it and the offer reaches the agent's stream; relayed again it is
//     stored once; a wrong signature, a replayed timestamp or an unknown
//     widget is refused and stores nothing;
//   - the agent accepts and replies: the reply reaches the visitor's
//     stream once, and a stream reopened with Last-Event-ID does not repeat
//     it;
//   - the visitor answers; the agent waits; past the stall and stall
//     requeue times the scheduler requeues the conversation, an escalation
//     rule sends it to another agent, whose reply reaches the visitor too.
func TestWebChat(t *testing.T) {
	forEachServeDB(t, webChat)
}

func webChat(t *testing.T, dbEnv []string) {
	const (
		admin        = "e2e-admin-token-0123456789"
		stallTime    = 10 * time.Minute
		stallRequeue = 5 * time.Minute
	)
	clock := &shiftedClock{}
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	svc := startServiceWithClock(t, clock, append(dbEnv,
		"SWITCHBOARD_LISTEN="+addr, "SWITCHBOARD_PUBLIC_URL=http://"+addr, "SWITCHBOARD_LOG_FORMAT=json",
		"SWITCHBOARD_ADMIN_TOKEN="+admin, "SWITCHBOARD_SCHEDULE_SWEEP=@every 1s",
		"SWITCHBOARD_STALL_REQUEUE_AFTER="+stallRequeue.String(), "SWITCHBOARD_AGENT_STREAM_GRACE=1h",
	))
	base := "http://" + svc.addr
	api := &apiClient{base: base + "/api/v1"}

	var general, billing, escalations, ws, refunds, escalate idBody
	api.call(t, "POST", "/queues", admin, map[string]any{"name": "General"}, 201, &general)
	api.call(t, "POST", "/queues", admin, map[string]any{"name": "Billing"}, 201, &billing)
	api.call(t, "POST", "/queues", admin, map[string]any{"name": "Escalations"}, 201, &escalations)
	api.call(t, "POST", "/workstreams", admin, map[string]any{"name": "Site chat", "channel": "webchat", "default_queue_id": general.ID,
		"stall_after": stallTime.String()}, 201, &ws)
	api.call(t, "POST", "/workstreams/"+ws.ID+"/rules", admin, map[string]any{"name": "Escalate requeued",
		"condition": "Conversation.RequeueCount >= 1", "queue_id": escalations.ID}, 201, &escalate)
	api.call(t, "POST", "/workstreams/"+ws.ID+"/rules", admin, map[string]any{"name": "Refunds",
		"condition": `Channel.Kind == "webchat" && Message.Text contains "refund"`, "queue_id": billing.ID}, 201, &refunds)

	var widget struct {
		ID           string `json:"id"`
		Secret       string `json:"secret"`
		Status       string `json:"status"`
		MessagesPath string `json:"messages_path"`
	}
	api.call(t, "POST", "/webchat/widgets", admin, map[string]any{"name": "Acme site", "work_stream_id": ws.ID}, 201, &widget)
	if widget.Secret == "" || widget.Status != "active" || widget.MessagesPath != "/webchat/widgets/"+widget.ID+"/messages" {
		t.Fatalf("the new widget is %+v; want it active with its secret and its messages path", widget)
	}
	var again map[string]any
	api.call(t, "GET", "/webchat/widgets/"+widget.ID, admin, nil, 200, &again)
	if _, shown := again["secret"]; shown {
		t.Errorf("reading the widget shows its secret: %v", again)
	}
	// A Twitter work stream does not take a widget.
	var twitterWS idBody
	api.call(t, "POST", "/workstreams", admin, map[string]any{"name": "Twitter care", "default_queue_id": general.ID}, 201, &twitterWS)
	api.call(t, "POST", "/webchat/widgets", admin, map[string]any{"name": "Wrong", "work_stream_id": twitterWS.ID}, 400, nil)

	ann := api.newAgent(t, admin, "Ann", billing.ID, general.ID)
	ben := api.newAgent(t, admin, "Ben", escalations.ID)

	type relayed struct {
		ConversationID string `json:"conversation_id"`
		MessageID      string `json:"message_id"`
		Duplicate      bool   `json:"duplicate"`
	}
	// relay posts a visitor's message as the business's site would.
	relay := func(id, text string, sign func(body []byte) (ts, sig string), want int) relayed {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"id": id, "visitor": map[string]any{"id": "v-42", "name": "Jane Doe"}, "text": text})
		ts, sig := sign(body)
		req, _ := http.NewRequest("POST", base+widget.MessagesPath, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Switchboard-Timestamp", ts)
		req.Header.Set("X-Switchboard-Signature", sig)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out relayed
		_ = json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode != want {
			t.Fatalf("relaying %q answered %d, want %d", text, res.StatusCode, want)
		}
		return out
	}
	signed := func(body []byte) (string, string) {
		now := clock.Now().Unix()
		return fmt.Sprint(now), webchat.SignMessage(widget.Secret, now, body)
	}

	// Refused: a wrong secret, a replayed timestamp. Nothing is stored.
	relay("m-0", "hello?", func(body []byte) (string, string) {
		now := clock.Now().Unix()
		return fmt.Sprint(now), webchat.SignMessage("not-the-secret", now, body)
	}, 401)
	relay("m-0", "hello?", func(body []byte) (string, string) {
		old := clock.Now().Add(-time.Hour).Unix()
		return fmt.Sprint(old), webchat.SignMessage(widget.Secret, old, body)
	}, 401)
	res, err := http.Post(base+"/webchat/widgets/01ZZZZZZZZZZZZZZZZZZZZZZZZ/messages", "application/json", strings.NewReader("{}"))
	if err != nil || res.StatusCode != 404 {
		t.Fatalf("a message to an unknown widget: %v %v; want 404", res, err)
	}
	res.Body.Close()

	first := relay("m-1", "I want a refund for order 17", signed, 200)
	if dup := relay("m-1", "I want a refund for order 17", signed, 200); !dup.Duplicate || dup.ConversationID != first.ConversationID || dup.MessageID != first.MessageID {
		t.Errorf("the same message relayed again answered %+v; want the duplicate of %+v", dup, first)
	}
	offer := decodeOffer(t, ann.stream.expect(t, "offer"))
	if offer.ConversationID != first.ConversationID || offer.QueueName != "Billing" || offer.Routing.RuleID != refunds.ID || offer.Customer.Name != "Jane Doe" {
		t.Fatalf("Ann's offer = %+v; want Jane's conversation matched to Billing by rule %s", offer, refunds.ID)
	}
	conv := "/conversations/" + offer.ConversationID

	// The visitor's browser opens its reply stream with a token the site signed.
	visitorStream := func(lastEventID string) *agentStream {
		t.Helper()
		expires := clock.Now().Add(time.Hour).Unix()
		q := url.Values{"expires": {fmt.Sprint(expires)}, "token": {webchat.VisitorToken(widget.Secret, "v-42", expires)}}
		req, _ := http.NewRequestWithContext(t.Context(), "GET", base+"/webchat/widgets/"+widget.ID+"/visitors/v-42/events?"+q.Encode(), nil)
		if lastEventID != "" {
			req.Header.Set("Last-Event-ID", lastEventID)
		}
		return openEventStream(t, req)
	}
	badToken, _ := http.Get(base + "/webchat/widgets/" + widget.ID + "/visitors/v-42/events?expires=9999999999&token=forged")
	if badToken == nil || badToken.StatusCode != 401 {
		t.Fatalf("a stream with a forged token: %v; want 401", badToken)
	}
	badToken.Body.Close()
	visitor := visitorStream("")

	type replyEvent struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	}
	expectReply := func(s *agentStream, text string) replyEvent {
		t.Helper()
		var r replyEvent
		if err := json.Unmarshal([]byte(s.expect(t, "message")), &r); err != nil || r.Text != text {
			t.Fatalf("the visitor's next reply is %+v (%v); want %q", r, err, text)
		}
		return r
	}

	api.call(t, "POST", conv+"/accept", ann.token, nil, 200, nil)
	const sorry = "Sorry Jane, the refund is on its way."
	api.call(t, "POST", conv+"/messages", ann.token, map[string]any{"text": sorry}, 201, nil)
	got := expectReply(visitor, sorry)
	waitFor(t, "the reply is sent", func() bool {
		d := api.conversation(t, conv, admin)
		return slices.ContainsFunc(d.Messages, func(m message) bool { return m.Text == sorry && m.Delivery == "sent" })
	})

	// The visitor answers; Ann sees it and waits.
	relay("m-2", "thanks! how long will it take?", signed, 200)
	if msg := ann.stream.expect(t, "message"); !strings.Contains(msg, "how long will it take?") {
		t.Errorf("Ann's message event = %s; want the visitor's answer", msg)
	}
	if d := api.conversation(t, conv, admin); d.transcript() != "in:I want a refund for order 17 out:"+sorry+" in:thanks! how long will it take?" {
		t.Errorf("messages = %s; want each message once", d.transcript())
	}
	api.call(t, "POST", conv+"/wait", ann.token, nil, 200, nil)

	// Past the stall and stall requeue times the conversation goes to Ben.
	clock.Advance(stallTime + time.Second)
	if st := decodeStatus(t, ann.stream.expect(t, "status")); !strings.HasPrefix(st.Reason, "stalled:") {
		t.Fatalf("Ann's status event after the stall time = %+v; want the conversation stalled", st)
	}
	clock.Advance(stallRequeue + time.Second)
	if st := decodeStatus(t, ann.stream.expect(t, "status")); st.Status != "open" {
		t.Fatalf("Ann's status event after the stall requeue time = %+v; want the conversation requeued", st)
	}
	escalated := decodeOffer(t, ben.stream.expect(t, "offer"))
	if escalated.ConversationID != offer.ConversationID || escalated.QueueName != "Escalations" || escalated.Routing.Reason != "requeue" {
		t.Fatalf("Ben's offer = %+v; want the conversation requeued to Escalations", escalated)
	}
	api.call(t, "POST", conv+"/accept", ben.token, nil, 200, nil)
	const days = "Three to five days. Anything else?"
	api.call(t, "POST", conv+"/messages", ben.token, map[string]any{"text": days}, 201, nil)
	expectReply(visitor, days)

	// A browser that reconnects after the first reply gets only the second.
	resumed := visitorStream(got.ID)
	expectReply(resumed, days)
	time.Sleep(100 * time.Millisecond)
	resumed.noMore(t)
	visitor.noMore(t)
	ann.stream.noMore(t)
	ben.stream.noMore(t)
	if err := svc.stop(); err != nil {
		t.Fatal(err)
	}
}

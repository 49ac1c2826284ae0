package api

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// dm is a customer's DM to the seeded handle.
func dm(handle twitter.Handle, event, customer, text string) engine.InboundMessage {
	return engine.InboundMessage{SourceID: handle.ApplicationID, EndpointID: handle.ID, ExternalID: event, SentAt: time.Now(),
		Customer: engine.CustomerProfile{ExternalID: "tw-" + customer, Name: customer + " Doe", ScreenName: customer, FollowersCount: 42}, Text: text}
}

func TestWorkflowOverHTTP(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		q, _, handle := seedChannel(t, h)
		var ada createdAgentResponse
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada", "capacity": 2, "queue_ids": []string{string(q)}}).decode(t, &ada)
		bob := h.create("/api/v1/agents", map[string]any{"name": "Bob", "queue_ids": []string{string(q)}})
		if res := h.call("PUT", "/api/v1/agents/"+ada.ID+"/presence", ada.Token, `{"presence":"available"}`); res.Code != 200 {
			t.Fatalf("presence = %d %s", res.Code, res.Body)
		}
		in, err := h.svc.Ingest(context.Background(), dm(handle, "ev1", "alice", "hi"))
		if err != nil {
			t.Fatal(err)
		}
		conv := "/api/v1/conversations/" + string(in.ConversationID)
		analyst := h.key("analyst", "")

		tests := []struct {
			name       string
			path       string
			token      string
			body       any
			wantCode   int
			wantStatus string
		}{
			{"an admin cannot accept for the agent", "/accept", h.admin, nil, 403, ""},
			{"an analyst cannot accept", "/accept", analyst, nil, 403, ""},
			{"wait before accept", "/wait", ada.Token, nil, 409, ""},
			{"accept", "/accept", ada.Token, nil, 200, "active"},
			{"accept again", "/accept", ada.Token, nil, 409, ""},
			{"transfer without a target", "/transfer", ada.Token, `{}`, 400, ""},
			{"transfer with a bad id", "/transfer", ada.Token, `{"queue_id":"q"}`, 400, ""},
			{"transfer to an unavailable agent", "/transfer", ada.Token, `{"agent_id":"` + bob + `"}`, 409, ""},
			{"wait", "/wait", ada.Token, nil, 200, "waiting"},
			{"end", "/end", ada.Token, nil, 200, "wrap_up"},
			{"close with a reason", "/close", ada.Token, `{"reason":"resolved"}`, 200, "closed"},
			{"close again", "/close", ada.Token, nil, 409, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := h.call("POST", conv+tt.path, tt.token, tt.body)
				if res.Code != tt.wantCode {
					t.Fatalf("POST %s = %d %s, want %d", tt.path, res.Code, res.Body, tt.wantCode)
				}
				if tt.wantStatus != "" {
					var c conversationResponse
					res.decode(t, &c)
					if c.Status != tt.wantStatus {
						t.Errorf("status = %s, want %s", c.Status, tt.wantStatus)
					}
				}
				if tt.wantCode == 409 && tt.path != "/transfer" && !strings.Contains(string(res.Body), `"field":"status"`) {
					t.Errorf("a refused move does not name the current state: %s", res.Body)
				}
			})
		}
		var closed conversationDetailResponse
		h.call("GET", conv, h.admin, nil).decode(t, &closed)
		if closed.CloseReason != "resolved" || closed.ClosedAt == nil {
			t.Errorf("closed conversation = %+v", closed.conversationResponse)
		}
	})
}

// newStreamServer serves h over real HTTP; at cleanup it drains the
// notification streams first, as serve does, so that Close does not wait on
// them.
func newStreamServer(t *testing.T, h *harness) *httptest.Server {
	srv := httptest.NewServer(h.srv)
	t.Cleanup(func() {
		h.srv.Drain()
		srv.Close()
	})
	return srv
}

// sseReader reads events from a notification stream.
type sseReader struct {
	t    *testing.T
	resp *http.Response
	sc   *bufio.Scanner
}

type sseEvent struct {
	id, event, data string
	heartbeat       bool
}

func openStream(t *testing.T, url, token, lastID string) *sseReader {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return &sseReader{t: t, resp: resp, sc: bufio.NewScanner(resp.Body)}
}

// next returns the next event (or heartbeat), failing after ten seconds.
func (r *sseReader) next() sseEvent {
	r.t.Helper()
	got := make(chan sseEvent, 1)
	go func() {
		var e sseEvent
		for r.sc.Scan() {
			line := r.sc.Text()
			switch {
			case line == "" && (e.event != "" || e.heartbeat):
				got <- e
				return
			case strings.HasPrefix(line, ": heartbeat"):
				e.heartbeat = true
			case strings.HasPrefix(line, "id: "):
				e.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "event: "):
				e.event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				e.data = strings.TrimPrefix(line, "data: ")
			}
		}
		close(got)
	}()
	select {
	case e, ok := <-got:
		if !ok {
			r.t.Fatal("the stream ended")
		}
		return e
	case <-time.After(10 * time.Second):
		r.t.Fatal("no event within ten seconds")
	}
	return sseEvent{}
}

func TestNotificationStream(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		q, _, handle := seedChannel(t, h)
		var ada, bob createdAgentResponse
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada", "queue_ids": []string{string(q)}}).decode(t, &ada)
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Bob"}).decode(t, &bob)
		h.call("PUT", "/api/v1/agents/"+ada.ID+"/presence", ada.Token, `{"presence":"available"}`)
		srv := newStreamServer(t, h)
		url := srv.URL + "/api/v1/agents/" + ada.ID + "/notifications"

		for _, tc := range []struct {
			name  string
			token string
			want  int
		}{{"another agent", bob.Token, 403}, {"an analyst", h.key("analyst", ""), 403}, {"no token", "", 401}} {
			req, _ := http.NewRequest("GET", url, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("%s opening Ada's stream = %d, want %d", tc.name, resp.StatusCode, tc.want)
			}
		}

		stream := openStream(t, url, ada.Token, "")
		if ct := stream.resp.Header.Get("Content-Type"); ct != "text/event-stream" {
			t.Fatalf("Content-Type = %q", ct)
		}
		in, err := h.svc.Ingest(context.Background(), dm(handle, "ev1", "alice", "where is my parcel?"))
		if err != nil {
			t.Fatal(err)
		}
		offer := stream.next()
		if offer.event != "offer" || !strings.Contains(offer.data, `"screen_name":"alice"`) || !strings.Contains(offer.data, string(in.ConversationID)) ||
			!strings.Contains(offer.data, "where is my parcel?") {
			t.Fatalf("first event = %+v; want the offer with alice's details and message", offer)
		}
		if res := h.call("POST", "/api/v1/conversations/"+string(in.ConversationID)+"/accept", ada.Token, nil); res.Code != 200 {
			t.Fatalf("accept = %d %s", res.Code, res.Body)
		}
		if _, err := h.svc.Ingest(context.Background(), dm(handle, "ev2", "alice", "hello?")); err != nil {
			t.Fatal(err)
		}
		msg := stream.next()
		if msg.event != "message" || !strings.Contains(msg.data, "hello?") {
			t.Fatalf("second event = %+v; want alice's new message", msg)
		}

		// A client that reconnects after the offer gets only what followed.
		again := openStream(t, url, ada.Token, offer.id)
		if e := again.next(); e.id != msg.id || e.event != "message" {
			t.Errorf("after Last-Event-ID %s the stream replays %+v, want event %s", offer.id, e, msg.id)
		}
		if res := h.call("GET", "/api/v1/agents/"+ada.ID+"/notifications?last_event_id=x", ada.Token, nil); res.Code != 400 {
			t.Errorf("a malformed last_event_id = %d, want 400", res.Code)
		}
	})
}

func TestStreamHeartbeatAndDrain(t *testing.T) {
	h := newHarness(t, storagetest.SQLite(t))
	h.srv.heartbeat = 20 * time.Millisecond
	var ada createdAgentResponse
	h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada"}).decode(t, &ada)
	srv := newStreamServer(t, h)
	stream := openStream(t, fmt.Sprintf("%s/api/v1/agents/%s/notifications", srv.URL, ada.ID), ada.Token, "")
	if e := stream.next(); !e.heartbeat {
		t.Fatalf("an idle stream sent %+v, want a heartbeat", e)
	}
	h.srv.Drain()
	done := make(chan struct{})
	go func() {
		for stream.sc.Scan() {
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Drain did not end the stream")
	}
}

// TestAgentJourney is the agent's side of the channel over real HTTP: a DM
// arrives, the offer reaches the agent's stream with the customer's name,
// the agent accepts, replies (queued in the outbox) and closes.
func TestAgentJourney(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		q, _, handle := seedChannel(t, h)
		var ada createdAgentResponse
		h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada", "queue_ids": []string{string(q)}}).decode(t, &ada)
		h.call("PUT", "/api/v1/agents/"+ada.ID+"/presence", ada.Token, `{"presence":"available"}`)
		srv := newStreamServer(t, h)
		stream := openStream(t, srv.URL+"/api/v1/agents/"+ada.ID+"/notifications", ada.Token, "")

		in, err := h.svc.Ingest(context.Background(), dm(handle, "ev1", "alice", "my parcel is lost"))
		if err != nil {
			t.Fatal(err)
		}
		conv := "/api/v1/conversations/" + string(in.ConversationID)
		if e := stream.next(); e.event != "offer" || !strings.Contains(e.data, `"name":"alice Doe"`) {
			t.Fatalf("stream = %+v; want the offer naming alice", e)
		}
		if res := h.call("POST", conv+"/messages", ada.Token, `{"text":"hello"}`); res.Code != 409 {
			t.Errorf("replying before accepting = %d, want 409", res.Code)
		}
		if res := h.call("POST", conv+"/accept", ada.Token, nil); res.Code != 200 {
			t.Fatalf("accept = %d %s", res.Code, res.Body)
		}
		for _, bad := range []struct {
			body  string
			field string
		}{{`{}`, "text"}, {`{"text":"  "}`, "text"}, {`{"text":5}`, "text"}} {
			if res := h.call("POST", conv+"/messages", ada.Token, bad.body); res.Code != 400 || res.errorField(t) != bad.field {
				t.Errorf("reply %s = %d %s, want 400 naming %s", bad.body, res.Code, res.Body, bad.field)
			}
		}
		res := h.call("POST", conv+"/messages", ada.Token, `{"text":"We found it: it arrives tomorrow."}`)
		if res.Code != 201 {
			t.Fatalf("reply = %d %s", res.Code, res.Body)
		}
		var sent messageResponse
		res.decode(t, &sent)
		if sent.Direction != "outbound" || sent.Delivery == nil || *sent.Delivery != "queued" || sent.AuthorAgentID == nil || *sent.AuthorAgentID != ada.ID {
			t.Errorf("reply = %+v; want an outbound message queued, by Ada", sent)
		}
		if res := h.call("POST", conv+"/close", ada.Token, nil); res.Code != 200 {
			t.Fatalf("close = %d %s", res.Code, res.Body)
		}
		var d conversationDetailResponse
		h.call("GET", conv, h.admin, nil).decode(t, &d)
		if d.Status != "closed" || len(d.Messages) != 2 || d.Messages[1].Text != "We found it: it arrives tomorrow." || d.MessageCount != 2 {
			t.Errorf("conversation after the journey = %+v", d)
		}
	})
}

package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
)

// TestServeWiresTheTwitterChannel runs `switchboard serve` against the fake
// Twitter server: a handle connected with portal tokens gets the webhook
// registered (the fake's CRC reaches the served webhook), a DM the fake
// injects becomes a conversation offered to an agent, whose reply the
// outbox sender delivers, and the channel's metrics are served.
func TestServeWiresTheTwitterChannel(t *testing.T) {
	fake := newFakeChannel(t, "serve")
	app, business, tok := fake.app, fake.business, fake.tok
	customer := fake.AddUser(twittertest.User{ScreenName: "janedoe", Name: "Jane"})
	const token = "serve-twitter-admin-token-0123456789"
	svc := startService(t, fake.serviceEnv(t, "SWITCHBOARD_DATABASE_URL="+filepath.Join(t.TempDir(), "sb.db"), "SWITCHBOARD_ADMIN_TOKEN="+token,
		"SWITCHBOARD_SCHEDULER=off"))
	do := func(method, path, tok string, body any, want int) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, "http://"+svc.addr+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
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
	post := func(path string, body any) map[string]any {
		t.Helper()
		return do("POST", path, token, body, http.StatusCreated)
	}
	q := post("/api/v1/queues", map[string]any{"name": "General"})
	ws := post("/api/v1/workstreams", map[string]any{"name": "Care", "default_queue_id": q["id"]})
	a := post("/api/v1/twitter/applications", map[string]any{"name": "Acme", "consumer_key": app.ConsumerKey, "consumer_secret": app.ConsumerSecret})
	h := post("/api/v1/twitter/applications/"+a["id"].(string)+"/handles", map[string]any{"name": "Acme Help", "work_stream_id": ws["id"],
		"user_id": business.ID, "screen_name": business.ScreenName, "access_token": tok.Token, "access_token_secret": tok.Secret})
	if health, _ := h["health"].(map[string]any); health["subscription"] != "subscribed" {
		t.Fatalf("handle = %v", h)
	}
	if hooks := fake.Webhooks(); len(hooks) != 1 || !hooks[0].Valid || hooks[0].URL != a["callback_url"] {
		t.Fatalf("webhooks = %+v, callback %v", hooks, a["callback_url"])
	}
	agent := post("/api/v1/agents", map[string]any{"name": "Ann", "capacity": 2, "queue_ids": []any{q["id"]}})
	agentToken, _ := agent["token"].(string)
	do("PUT", "/api/v1/agents/"+agent["id"].(string)+"/presence", agentToken, map[string]any{"presence": "available"}, http.StatusOK)
	inj, err := fake.InjectDM(t.Context(), twittertest.InboundDM{From: customer.ID, To: business.ID, Text: "hello through serve"})
	if err != nil || len(inj.Deliveries) != 1 || !inj.Deliveries[0].OK() {
		t.Fatalf("inject: %+v %v", inj, err)
	}
	if code, body := get(t, "http://"+svc.addr+"/api/v1/conversations", token); code != 200 || !strings.Contains(body, "janedoe") {
		t.Errorf("conversations: %d %s", code, body)
	}
	// The agent accepts the offer and replies through the API; the outbox
	// sender delivers the reply and its echo is recognised.
	var convs struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	_, body := get(t, "http://"+svc.addr+"/api/v1/conversations", token)
	if err := json.Unmarshal([]byte(body), &convs); err != nil || len(convs.Items) != 1 {
		t.Fatalf("conversations: %s %v", body, err)
	}
	do("POST", "/api/v1/conversations/"+convs.Items[0].ID+"/accept", agentToken, nil, http.StatusOK)
	do("POST", "/api/v1/conversations/"+convs.Items[0].ID+"/messages", agentToken, map[string]any{"text": "On it!"}, http.StatusCreated)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, detail := get(t, "http://"+svc.addr+"/api/v1/conversations/"+convs.Items[0].ID, token)
		if strings.Contains(detail, `"delivery_status":"sent"`) {
			if n := strings.Count(detail, `"direction":"outbound"`); n != 1 {
				t.Errorf("%d outbound messages after the echo, want 1: %s", n, detail)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reply was not sent: %s", detail)
		}
		time.Sleep(50 * time.Millisecond)
	}
	fake.WaitDeliveries()
	sent := 0
	for _, m := range fake.Messages() {
		if m.SenderID == business.ID && m.Text == "On it!" {
			sent++
		}
	}
	if sent != 1 {
		t.Errorf("%d replies on Twitter, want 1", sent)
	}
	_, metrics := get(t, "http://"+svc.addr+"/metrics", "")
	for _, m := range []string{`switchboard_twitter_webhook_deliveries_total{result="ok"} 2`, `switchboard_twitter_webhook_events_total{action="echo_ours"} 1`, "switchboard_twitter_handle_subscribed", "switchboard_twitter_outbox_messages",
		`switchboard_twitter_sends_total{result="sent"} 1`} {
		if !strings.Contains(metrics, m) {
			t.Errorf("metrics lack %s", m)
		}
	}
	for _, secret := range []string{app.ConsumerSecret, tok.Secret, tok.Token} {
		if strings.Contains(svc.logs.String(), secret) {
			t.Errorf("the logs show a secret")
		}
	}
}

// TestServeBackfillsAtStart: a DM sent while Switchboard was down (Twitter's
// delivery failed and was not retried) is stored when it starts again.
func TestServeBackfillsAtStart(t *testing.T) {
	fake := newFakeChannel(t, "backfill")
	app, business, tok := fake.app, fake.business, fake.tok
	customer := fake.AddUser(twittertest.User{ScreenName: "janedoe", Name: "Jane"})
	const token = "serve-backfill-admin-token-0123456789"
	env := fake.serviceEnv(t, "SWITCHBOARD_DATABASE_URL="+filepath.Join(t.TempDir(), "sb.db"), "SWITCHBOARD_ADMIN_TOKEN="+token,
		"SWITCHBOARD_SCHEDULER=off")
	svc := startService(t, env)
	post := func(path string, body any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", "http://"+svc.addr+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("POST %s = %d %v", path, res.StatusCode, out)
		}
		return out
	}
	q := post("/api/v1/queues", map[string]any{"name": "General"})
	ws := post("/api/v1/workstreams", map[string]any{"name": "Care", "default_queue_id": q["id"]})
	a := post("/api/v1/twitter/applications", map[string]any{"name": "Acme", "consumer_key": app.ConsumerKey, "consumer_secret": app.ConsumerSecret})
	post("/api/v1/twitter/applications/"+a["id"].(string)+"/handles", map[string]any{"name": "Acme Help", "work_stream_id": ws["id"],
		"user_id": business.ID, "screen_name": business.ScreenName, "access_token": tok.Token, "access_token_secret": tok.Secret})
	if err := svc.stop(); err != nil {
		t.Fatal(err)
	}
	// Down: Twitter's delivery fails.
	inj, err := fake.InjectDM(t.Context(), twittertest.InboundDM{From: customer.ID, To: business.ID, Text: "anyone there?"})
	if err != nil || len(inj.Deliveries) != 1 || inj.Deliveries[0].OK() {
		t.Fatalf("inject while down: %+v %v", inj, err)
	}
	svc = startService(t, env)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body := get(t, "http://"+svc.addr+"/api/v1/conversations", token)
		if strings.Contains(body, "janedoe") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the DM sent while down was not backfilled: %s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

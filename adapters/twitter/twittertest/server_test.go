package twittertest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
)

const (
	key    = "ck"
	secret = "cs-secret"
)

// recorder is a webhook that answers the CRC, checks signatures and keeps
// what it accepted. fail makes the next POSTs answer 500.
type recorder struct {
	srv  *httptest.Server
	fail atomic.Int32

	mu       sync.Mutex
	accepted []twitter.Delivery
	rejected int
}

func newRecorder(t *testing.T) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{"response_token": twitter.CRCResponse(secret, r.URL.Query().Get("crc_token"))})
			return
		}
		body, _ := io.ReadAll(r.Body)
		if rec.fail.Load() > 0 {
			rec.fail.Add(-1)
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if !twitter.VerifySignature(secret, body, r.Header.Get(twitter.SignatureHeader)) {
			rec.rejected++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		d, err := twitter.ParseDelivery(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rec.accepted = append(rec.accepted, d)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (r *recorder) got() ([]twitter.Delivery, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]twitter.Delivery(nil), r.accepted...), r.rejected
}

type fixture struct {
	fake             *twittertest.Server
	app              twittertest.App
	handle, customer twittertest.User
	handleToken      twitter.Token
	client           *twitter.Client
	hook             *recorder
	webhook          twitter.Webhook
}

// newFixture starts a fake server with the handle subscribed to a webhook.
func newFixture(t *testing.T, opts ...twittertest.Option) *fixture {
	t.Helper()
	f := &fixture{fake: twittertest.NewServer(append([]twittertest.Option{twittertest.WithLocalWebhookURLs()}, opts...)...)}
	t.Cleanup(f.fake.Close)
	f.app = f.fake.AddApp(twittertest.App{Name: "Switchboard", ConsumerKey: key, ConsumerSecret: secret})
	f.handle = f.fake.AddUser(twittertest.User{ScreenName: "AcmeHelp"})
	f.customer = f.fake.AddUser(twittertest.User{ScreenName: "janedoe", Name: "Jane Doe", FollowersCount: 12})
	var err error
	if f.handleToken, err = f.fake.IssueToken(key, f.handle.ID); err != nil {
		t.Fatal(err)
	}
	if f.client, err = twitter.NewClient(twitter.Config{BaseURL: f.fake.URL, ConsumerKey: key, ConsumerSecret: secret}); err != nil {
		t.Fatal(err)
	}
	f.hook = newRecorder(t)
	ctx := context.Background()
	if f.webhook, err = f.client.RegisterWebhook(ctx, nil, f.hook.srv.URL+"/webhooks/twitter/1"); err != nil {
		t.Fatal(err)
	}
	if err := f.client.Subscribe(ctx, f.handleToken, f.webhook.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) inject(t *testing.T, texts ...string) twittertest.Injection {
	t.Helper()
	var msgs []twittertest.InboundDM
	for _, s := range texts {
		msgs = append(msgs, twittertest.InboundDM{From: "janedoe", To: "AcmeHelp", Text: s})
	}
	res, err := f.fake.InjectDMs(context.Background(), msgs...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func texts(ds []twitter.Delivery) (out [][]string) {
	for _, d := range ds {
		var ts []string
		for _, m := range d.DirectMessages {
			ts = append(ts, m.Text)
		}
		out = append(out, ts)
	}
	return out
}

func TestInjectDeliversSignedDM(t *testing.T) {
	f := newFixture(t)
	res := f.inject(t, "hello")
	if len(res.Deliveries) != 1 || !res.Deliveries[0].OK() || res.Deliveries[0].ForUserID != f.handle.ID {
		t.Fatalf("deliveries = %+v", res.Deliveries)
	}
	got, rejected := f.hook.got()
	if rejected != 0 || len(got) != 1 {
		t.Fatalf("accepted %d, rejected %d", len(got), rejected)
	}
	m := got[0].DirectMessages[0]
	if m.ID != res.EventIDs[0] || m.SenderID != f.customer.ID || m.RecipientID != f.handle.ID || m.Sender == nil || m.Sender.Name != "Jane Doe" {
		t.Errorf("message = %+v", m)
	}
}

func TestDeliveryFaults(t *testing.T) {
	tests := []struct {
		name         string
		faults       twittertest.DeliveryFaults
		wantPosts    int
		wantTexts    [][]string
		wantRejected int
	}{
		{"none", twittertest.DeliveryFaults{}, 3, [][]string{{"one"}, {"two"}, {"three"}}, 0},
		{"duplicate", twittertest.DeliveryFaults{Duplicate: true}, 6, [][]string{{"one"}, {"one"}, {"two"}, {"two"}, {"three"}, {"three"}}, 0},
		{"reorder", twittertest.DeliveryFaults{Reorder: true}, 3, [][]string{{"three"}, {"two"}, {"one"}}, 0},
		{"batch", twittertest.DeliveryFaults{Batch: true}, 1, [][]string{{"one", "two", "three"}}, 0},
		{"batch reordered", twittertest.DeliveryFaults{Batch: true, Reorder: true}, 1, [][]string{{"three", "two", "one"}}, 0},
		{"tamper", twittertest.DeliveryFaults{Tamper: true}, 3, nil, 3},
		{"drop", twittertest.DeliveryFaults{Drop: true}, 0, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.fake.SetDeliveryFaults(tt.faults)
			res := f.inject(t, "one", "two", "three")
			if len(res.Deliveries) != tt.wantPosts || len(res.EventIDs) != 3 {
				t.Fatalf("%d posts for %d events, want %d", len(res.Deliveries), len(res.EventIDs), tt.wantPosts)
			}
			got, rejected := f.hook.got()
			if rejected != tt.wantRejected {
				t.Errorf("rejected %d, want %d", rejected, tt.wantRejected)
			}
			gotTexts := texts(got)
			if len(gotTexts) != len(tt.wantTexts) {
				t.Fatalf("texts %v, want %v", gotTexts, tt.wantTexts)
			}
			for i := range gotTexts {
				if len(gotTexts[i]) != len(tt.wantTexts[i]) {
					t.Fatalf("texts %v, want %v", gotTexts, tt.wantTexts)
				}
				for j := range gotTexts[i] {
					if gotTexts[i][j] != tt.wantTexts[i][j] {
						t.Errorf("texts %v, want %v", gotTexts, tt.wantTexts)
					}
				}
			}
			if tt.faults.Tamper {
				for _, d := range res.Deliveries {
					if d.Status != http.StatusUnauthorized || !d.Tampered {
						t.Errorf("tampered delivery answered %d", d.Status)
					}
				}
			}
			// Whatever happened to deliveries, the DMs are listable.
			page, err := f.client.ListDMEvents(context.Background(), f.handleToken, twitter.ListOptions{ForUserID: f.handle.ID})
			if err != nil || len(page.Messages) != 3 {
				t.Errorf("listed %d messages, %v", len(page.Messages), err)
			}
		})
	}
}

func TestDeliveryRetries(t *testing.T) {
	f := newFixture(t, twittertest.WithRetrySchedule(time.Millisecond, 2*time.Millisecond))
	f.hook.fail.Store(2)
	res := f.inject(t, "persistent")
	if len(res.Deliveries) != 3 {
		t.Fatalf("attempts = %+v", res.Deliveries)
	}
	for i, d := range res.Deliveries {
		want := http.StatusInternalServerError
		if i == 2 {
			want = http.StatusOK
		}
		if d.Attempt != i+1 || d.Status != want {
			t.Errorf("attempt %d: %+v", i+1, d)
		}
	}
	// Without a schedule, a failure is final.
	g := newFixture(t)
	g.hook.fail.Store(1)
	if res := g.inject(t, "once"); len(res.Deliveries) != 1 || res.Deliveries[0].OK() {
		t.Errorf("deliveries = %+v", res.Deliveries)
	}
}

func TestInvalidWebhookGetsNothing(t *testing.T) {
	f := newFixture(t)
	f.fake.InvalidateWebhook(f.webhook.ID)
	if res := f.inject(t, "lost?"); len(res.Deliveries) != 0 {
		t.Errorf("delivered to an invalid webhook: %+v", res.Deliveries)
	}
	ok, err := f.fake.RunCRC(context.Background(), f.webhook.ID)
	if err != nil || !ok {
		t.Fatalf("RunCRC = %v, %v", ok, err)
	}
	if res := f.inject(t, "back"); len(res.Deliveries) != 1 {
		t.Errorf("deliveries after re-validation: %+v", res.Deliveries)
	}
}

func TestTypingReadAndRevoke(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	if _, err := f.fake.InjectTyping(ctx, "janedoe", "AcmeHelp"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.fake.InjectRead(ctx, "janedoe", "AcmeHelp", "123"); err != nil {
		t.Fatal(err)
	}
	res, err := f.fake.RevokeAccess(ctx, key, "AcmeHelp")
	if err != nil || len(res.Deliveries) != 1 {
		t.Fatalf("RevokeAccess = %+v, %v", res, err)
	}
	got, _ := f.hook.got()
	if len(got) != 3 {
		t.Fatalf("got %d deliveries", len(got))
	}
	if ty := got[0].Typing; len(ty) != 1 || ty[0].SenderID != f.customer.ID || ty[0].RecipientID != f.handle.ID || got[0].ForUserID != f.handle.ID {
		t.Errorf("typing = %+v", got[0])
	}
	if rd := got[1].Reads; len(rd) != 1 || rd[0].LastReadEventID != "123" {
		t.Errorf("read = %+v", got[1])
	}
	if rv := got[2].Revocations; len(rv) != 1 || rv[0].UserID != f.handle.ID || rv[0].AppID != f.app.ID {
		t.Errorf("revoke = %+v", got[2])
	}
	// The token is dead and the subscription gone.
	_, err = f.client.UsersMe(ctx, f.handleToken)
	if e, ok := twitter.AsAPIError(err); !ok || !e.TokenInvalid() {
		t.Errorf("UsersMe after revoke: %v", err)
	}
	if hooks := f.fake.Webhooks(); len(hooks[0].Subscribers) != 0 {
		t.Errorf("subscribers after revoke: %v", hooks[0].Subscribers)
	}
}

// TestTwoHandlesInOneConversation: a DM between two subscribed handles
// reaches each with its own for_user_id: an echo for the sender, an inbound
// message for the recipient.
func TestTwoHandlesInOneConversation(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	other := f.fake.AddUser(twittertest.User{ScreenName: "AcmeSales"})
	otherTok, err := f.fake.IssueToken(key, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.client.Subscribe(ctx, otherTok, f.webhook.ID); err != nil {
		t.Fatal(err)
	}
	sent, err := f.client.SendDM(ctx, f.handleToken, twitter.OutgoingDM{RecipientID: other.ID, Text: "internal note"})
	if err != nil {
		t.Fatal(err)
	}
	f.fake.WaitDeliveries()
	got, _ := f.hook.got()
	if len(got) != 2 {
		t.Fatalf("got %d deliveries", len(got))
	}
	seen := map[string]bool{}
	for _, d := range got {
		m := d.DirectMessages[0]
		if m.ID != sent[0].ID {
			t.Errorf("id %s, want %s", m.ID, sent[0].ID)
		}
		seen[d.ForUserID] = true
		if d.ForUserID == f.handle.ID && !m.IsEcho() || d.ForUserID == other.ID && m.IsEcho() {
			t.Errorf("for %s: echo=%v", d.ForUserID, m.IsEcho())
		}
	}
	if !seen[f.handle.ID] || !seen[other.ID] {
		t.Errorf("for_user_ids %v", seen)
	}
}

func TestInjectRaw(t *testing.T) {
	f := newFixture(t)
	body := []byte(`{"for_user_id":"` + f.handle.ID + `","follow_events":[{"type":"follow"}]}`)
	res, err := f.fake.InjectRaw(context.Background(), f.webhook.ID, body)
	if err != nil || len(res.Deliveries) != 1 || !res.Deliveries[0].OK() {
		t.Fatalf("InjectRaw = %+v, %v", res, err)
	}
	if !bytes.Equal(res.Deliveries[0].Body, body) {
		t.Error("body changed")
	}
	if _, err := f.fake.InjectRaw(context.Background(), "nope", body); err == nil {
		t.Error("unknown webhook accepted")
	}
}

// TestStandaloneControlAPI serves the fake on a listener, as `switchboard
// fake-twitter` does, and drives it through the HTTP injection API.
func TestStandaloneControlAPI(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fake := twittertest.New(twittertest.WithLocalWebhookURLs(), twittertest.WithApp(twittertest.App{ConsumerKey: key, ConsumerSecret: secret}),
		twittertest.WithUser(twittertest.User{ScreenName: "AcmeHelp"}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fake.Serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	call := func(method, path string, in, out any) int {
		t.Helper()
		var body io.Reader
		if in != nil {
			b, _ := json.Marshal(in)
			body = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, body)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if out != nil {
			if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
		}
		return resp.StatusCode
	}
	var customer struct {
		ID string `json:"id"`
	}
	if st := call("POST", "/_fake/users", map[string]any{"screen_name": "janedoe", "followers_count": 5}, &customer); st != 201 || customer.ID == "" {
		t.Fatalf("add user: %d %+v", st, customer)
	}
	var tok struct{ Token, Secret string }
	if st := call("POST", "/_fake/tokens", map[string]string{"consumer_key": key, "user": "AcmeHelp"}, &tok); st != 201 {
		t.Fatalf("token: %d", st)
	}
	c, err := twitter.NewClient(twitter.Config{BaseURL: base, ConsumerKey: key, ConsumerSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	hook := newRecorder(t)
	wh, err := c.RegisterWebhook(ctx, nil, hook.srv.URL+"/hook")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe(ctx, twitter.Token{Token: tok.Token, Secret: tok.Secret}, wh.ID); err != nil {
		t.Fatal(err)
	}
	var inj struct {
		EventIDs   []string `json:"event_ids"`
		Deliveries []struct {
			Status int `json:"status"`
		} `json:"deliveries"`
	}
	if st := call("POST", "/_fake/dm", map[string]string{"from": "janedoe", "to": "AcmeHelp", "text": "hi"}, &inj); st != 200 ||
		len(inj.EventIDs) != 1 || len(inj.Deliveries) != 1 || inj.Deliveries[0].Status != 200 {
		t.Fatalf("inject: %d %+v", st, inj)
	}
	var deliveries []map[string]any
	call("GET", "/_fake/deliveries", nil, &deliveries)
	if len(deliveries) != 1 {
		t.Errorf("deliveries = %v", deliveries)
	}
	if st := call("POST", "/_fake/faults", map[string]any{"endpoint": string(twittertest.EndpointUsersMe), "status": 503, "code": 130}, nil); st != 204 {
		t.Errorf("faults: %d", st)
	}
	_, err = c.UsersMe(ctx, twitter.Token{Token: tok.Token, Secret: tok.Secret})
	if e, ok := twitter.AsAPIError(err); !ok || e.Status != 503 {
		t.Errorf("UsersMe with fault: %v", err)
	}
	if got, _ := hook.got(); len(got) != 1 || got[0].DirectMessages[0].Text != "hi" {
		t.Errorf("hook got %+v", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func TestUnknownPathIs404(t *testing.T) {
	fake := twittertest.NewServer()
	defer fake.Close()
	resp, err := http.Get(fake.URL + "/1.1/statuses/home_timeline.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status %d", resp.StatusCode)
	}
}

// TestNativeReplyEcho: a reply the handle wrote in Twitter's own app is an
// echo that Switchboard did not send.
func TestNativeReplyEcho(t *testing.T) {
	f := newFixture(t)
	res, err := f.fake.InjectDM(context.Background(), twittertest.InboundDM{From: "AcmeHelp", To: "janedoe",
		Text: "Answered from the phone", SourceAppID: twittertest.TwitterWebAppID})
	if err != nil || len(res.Deliveries) != 1 {
		t.Fatalf("InjectDM = %+v, %v", res, err)
	}
	got, _ := f.hook.got()
	m := got[0].DirectMessages[0]
	if !m.IsEcho() || m.SentByApp(f.app.ID) || m.SourceApp == nil || m.SourceApp.Name != "Twitter Web App" || m.CustomerID() != f.customer.ID {
		t.Errorf("native reply = %+v", m)
	}
}

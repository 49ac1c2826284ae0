package twitter_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
	"github.com/switchboardhq/switchboard/api"
	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// startSignOn starts a sign-on through the engine and returns the pending
// handle and the authorization URL.
func (c *channel) startSignOn(name string) (twitter.Handle, string) {
	c.t.Helper()
	h, authURL, err := c.acc.StartSignOn(c.ctx, c.admin, c.app.ID, twitter.HandleInput{Name: ptr(name), WorkStreamID: &c.ws.ID})
	if err != nil {
		c.t.Fatalf("start sign-on: %v", err)
	}
	if h.Status != engine.EndpointPending || !strings.HasPrefix(authURL, c.fake.URL+"/oauth/authorize?") {
		c.t.Fatalf("start sign-on: %+v %q", h, authURL)
	}
	return h, authURL
}

// authorize plays the admin on Twitter's page and returns the callback URL
// Twitter redirects to (not followed).
func (c *channel) authorize(authURL string) string {
	c.t.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noFollow.Get(authURL)
	if err != nil {
		c.t.Fatal(err)
	}
	_ = res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, c.srv.URL+twitter.SignOnCallbackPath) {
		c.t.Fatalf("authorize: %d %q", res.StatusCode, loc)
	}
	return loc
}

// page GETs a page and returns its status and body.
func page(t testing.TB, u string) (int, string) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// TestSignOn covers "Sign on to Twitter": the happy path (handle active,
// webhook registered with a real CRC, handle subscribed), a denied
// authorization, a request token expired at Twitter, one expired here, and
// a replayed callback.
func TestSignOnCallback(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		c.fake.AuthorizeAs(c.business.ID)
		h, authURL := c.startSignOn("Acme Help")
		cb := c.authorize(authURL)
		status, body := page(t, cb)
		if status != 200 || !strings.Contains(body, "Connected to Twitter") || !strings.Contains(body, "@AcmeHelp") {
			t.Fatalf("callback page: %d %s", status, body)
		}
		got, err := c.acc.HandleCredentials(c.ctx, h.ID)
		if err != nil || got.Status != engine.EndpointActive || got.UserID != c.business.ID || got.ScreenName != "AcmeHelp" || got.AccessToken.IsZero() {
			t.Fatalf("handle after sign-on: %+v %v", got, err)
		}
		c.noSecrets("callback page", body, got.AccessToken.Reveal(), got.AccessTokenSecret.Reveal())
		hooks := c.fake.Webhooks()
		if len(hooks) != 1 || hooks[0].URL != c.webhookURL() || !hooks[0].Valid || len(hooks[0].Subscribers) != 1 || hooks[0].Subscribers[0] != c.business.ID {
			t.Fatalf("webhooks after sign-on: %+v", hooks)
		}
		if checks := c.fake.CRCChecks(); len(checks) == 0 || !checks[0].Passed {
			t.Errorf("CRC checks: %+v", checks)
		}

		// Replayed: the same callback again finds nothing to finish.
		status, body = page(t, cb)
		if status != 400 || !strings.Contains(body, "already used") {
			t.Errorf("replayed callback: %d %s", status, body)
		}

		// Denied on Twitter: the handle stays pending with the reason.
		c.fake.DenyNextAuthorization()
		denied, authURL := c.startSignOn("Denied")
		status, body = page(t, c.authorize(authURL))
		if status != 400 || !strings.Contains(body, "denied") {
			t.Errorf("denied: %d %s", status, body)
		}
		if h, _ := c.acc.Handle(c.ctx, denied.ID); h.Status != engine.EndpointPending || !strings.Contains(h.StatusReason, "denied") {
			t.Errorf("denied handle: %+v", h)
		}

		// Expired at Twitter between the authorization and the callback.
		other := c.fake.AddUser(twittertest.User{ScreenName: "AcmeSales", Name: "Acme Sales"})
		c.fake.AuthorizeAs(other.ID)
		expired, authURL := c.startSignOn("Expired")
		cb = c.authorize(authURL)
		c.fake.ExpireRequestToken(mustQuery(t, cb, "oauth_token"))
		status, body = page(t, cb)
		if status != 400 || !strings.Contains(body, "expired") {
			t.Errorf("expired at Twitter: %d %s", status, body)
		}
		if h, _ := c.acc.Handle(c.ctx, expired.ID); h.Status != engine.EndpointPending || h.UserID != "" {
			t.Errorf("expired handle: %+v", h)
		}

		// Expired here: the callback came after SignOnTTL.
		late, authURL := c.startSignOn("Late")
		cb = c.authorize(authURL)
		c.clock.Advance(twitter.SignOnTTL + time.Minute)
		status, body = page(t, cb)
		if status != 400 || !strings.Contains(body, "expired") {
			t.Errorf("expired here: %d %s", status, body)
		}
		if h, _ := c.acc.Handle(c.ctx, late.ID); h.Status != engine.EndpointPending {
			t.Errorf("late handle: %+v", h)
		}

		// Revoked on Twitter: disconnected; signing on again reconnects
		// the same handle; another account is refused.
		if _, err := c.fake.RevokeAccess(c.ctx, consumerKey, c.business.ID); err != nil {
			t.Fatal(err)
		}
		if hd, _ := c.acc.Handle(c.ctx, h.ID); hd.Status != engine.EndpointDisconnected {
			t.Fatalf("after revocation: %+v", hd)
		}
		c.fake.AuthorizeAs(other.ID)
		if _, authURL, err := c.acc.SignOnAgain(c.ctx, c.admin, h.ID); err != nil {
			t.Fatal(err)
		} else if status, body = page(t, c.authorize(authURL)); status != 400 || !strings.Contains(body, "this handle is @AcmeHelp") {
			t.Errorf("sign-on again as another account: %d %s", status, body)
		}
		c.fake.AuthorizeAs(c.business.ID)
		_, authURL, err = c.acc.SignOnAgain(c.ctx, c.admin, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if status, body = page(t, c.authorize(authURL)); status != 200 || !strings.Contains(body, "@AcmeHelp") {
			t.Fatalf("sign-on again: %d %s", status, body)
		}
		if hd, _ := c.svc.EndpointHealth(c.ctx, h.ID); hd.Subscription != engine.SubscriptionSubscribed {
			t.Errorf("health after signing on again: %+v", hd)
		}
		if hd, _ := c.acc.Handle(c.ctx, h.ID); hd.Status != engine.EndpointActive || hd.StatusReason != "" {
			t.Errorf("after signing on again: %+v", hd)
		}

		// An incomplete link.
		if status, _ := page(t, c.srv.URL+twitter.SignOnCallbackPath+"?oauth_token=x"); status != 400 {
			t.Errorf("incomplete callback: %d", status)
		}
		c.noSecrets("logs", c.logs.String(), got.AccessToken.Reveal(), got.AccessTokenSecret.Reveal())
	})
}

func mustQuery(t testing.TB, raw, key string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(key)
}

// TestEnsureIdempotent: ensuring and verifying again registers no second
// webhook and no second subscription; verify re-validates an invalid one.
func TestEnsureIdempotent(t *testing.T) {
	t.Parallel()
	forEachChannel(t, func(t *testing.T, c *channel) {
		h := c.connect(c.business)
		for range 3 {
			if err := c.acc.Ensure(c.ctx, h.ID); err != nil {
				t.Fatal(err)
			}
		}
		v, err := c.acc.Verify(c.ctx, c.app.ID)
		if err != nil {
			t.Fatal(err)
		}
		hooks := c.fake.Webhooks()
		if len(hooks) != 1 || len(hooks[0].Subscribers) != 1 {
			t.Fatalf("webhooks: %+v", hooks)
		}
		if v.Source.Webhook != engine.WebhookValid || len(v.Endpoints) != 1 || v.Endpoints[0].Health.Subscription != engine.SubscriptionSubscribed {
			t.Fatalf("verify: %+v", v)
		}
		// Twitter marks the webhook invalid; verify re-validates it and
		// backfills what was missed meanwhile.
		c.fake.InvalidateWebhook(hooks[0].ID)
		if v, err = c.acc.Verify(c.ctx, c.app.ID); err != nil {
			t.Fatal(err)
		}
		if v.Source.Webhook != engine.WebhookValid || !c.fake.Webhooks()[0].Valid {
			t.Fatalf("verify after invalidation: %+v", v.Source)
		}
	})
}

// TestEnsureNeverDeletesAnotherWebhook: a premium environment that already
// has another system's webhook is reported, never deleted.
func TestEnsureNeverDeletesAnotherWebhook(t *testing.T) {
	t.Parallel()
	storagetest.ForEach(t, func(t *testing.T, db *storage.DB) {
		c := newChannel(t, db, twitter.DialectPremium)
		// Another system registered the environment's webhook.
		tok, err := c.fake.IssueToken(consumerKey, c.business.ID)
		if err != nil {
			t.Fatal(err)
		}
		other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			twitter.AnswerCRC(w, r, consumerSecret)
		}))
		defer other.Close()
		client, err := twitter.NewClient(twitter.Config{BaseURL: c.fake.URL, ConsumerKey: consumerKey, ConsumerSecret: consumerSecret,
			Dialect: twitter.DialectPremium, Environment: "prod"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.RegisterWebhook(c.ctx, &tok, other.URL+"/hook"); err != nil {
			t.Fatal(err)
		}
		h, err := c.acc.CreateHandle(c.ctx, c.admin, c.app.ID, twitter.HandleInput{Name: ptr("Acme"), WorkStreamID: &c.ws.ID,
			UserID: ptr(c.business.ID), ScreenName: ptr("AcmeHelp"), AccessToken: ptr(engine.Secret(tok.Token)), AccessTokenSecret: ptr(engine.Secret(tok.Secret))})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.acc.Ensure(c.ctx, h.ID); err == nil {
			t.Fatal("ensure succeeded over another system's webhook")
		}
		if hooks := c.fake.Webhooks(); len(hooks) != 1 || hooks[0].URL != other.URL+"/hook" {
			t.Fatalf("the other system's webhook was touched: %+v", hooks)
		}
		st, err := c.acc.Verify(c.ctx, c.app.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Source.Webhook != engine.WebhookError || !strings.Contains(st.Source.WebhookError, "another URL") {
			t.Errorf("premium verify: %+v", st.Source)
		}
	})
}

// TestPremiumSignOnAndDelivery: the premium dialect, with its environment
// name, registers, subscribes and receives.
func TestPremiumSignOnAndDelivery(t *testing.T) {
	t.Parallel()
	c := newChannel(t, storagetest.SQLite(t), twitter.DialectPremium)
	c.fake.AuthorizeAs(c.business.ID)
	_, authURL := c.startSignOn("Acme Help")
	if status, body := page(t, c.authorize(authURL)); status != 200 || strings.Contains(body, "did not finish") {
		t.Fatalf("callback page: %d %s", status, body)
	}
	if hooks := c.fake.Webhooks(); len(hooks) != 1 || hooks[0].Environment != "prod" || len(hooks[0].Subscribers) != 1 {
		t.Fatalf("webhooks: %+v", hooks)
	}
	if _, err := c.fake.InjectDM(c.ctx, twittertest.InboundDM{From: c.customer.ID, To: c.business.ID, Text: "hello premium"}); err != nil {
		t.Fatal(err)
	}
	if msgs := c.messages(); len(msgs) != 1 || msgs[0].Text != "hello premium" {
		t.Fatalf("messages: %+v", msgs)
	}
}

// TestEndToEndOverHTTP drives the whole sign-on through the public API and
// the callback page, on the complete router, then receives a DM the fake
// server injects; everything over real HTTP.
func TestEndToEndOverHTTP(t *testing.T) {
	t.Parallel()
	storagetest.ForEach(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		logs := &syncBuffer{}
		log := newTestLogger(logs)
		var handler http.Handler
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
		defer srv.Close()
		fake := twittertest.NewServer(twittertest.WithLocalWebhookURLs())
		defer fake.Close()
		fake.AddApp(twittertest.App{Name: "Switchboard", ConsumerKey: consumerKey, ConsumerSecret: consumerSecret, Callbacks: []string{srv.URL + twitter.SignOnCallbackPath}})
		business := fake.AddUser(twittertest.User{ScreenName: "AcmeHelp", Name: "Acme Support"})
		customer := fake.AddUser(twittertest.User{ScreenName: "janedoe", Name: "Jane Doe", FollowersCount: 15000})
		fake.AuthorizeAs(business.ID)

		gw := twitter.NewGateway(twitter.GatewayOptions{BaseURL: fake.URL})
		svc := engine.NewService(db, engine.ServiceOptions{Logger: log, Channels: []engine.Channel{twitter.Channel},
			Senders: map[engine.Channel]engine.Sender{twitter.Channel: twitter.NewSender(gw, db)}})
		acc := twitter.NewAccounts(svc, twitter.AccountsOptions{API: gw, PublicURL: srv.URL, Logger: log})
		admin, err := engine.EnsureAdminKey(ctx, db, engine.SystemClock{}, "e2e-admin-token-0123456789")
		if err != nil {
			t.Fatal(err)
		}
		_ = admin
		webhook := twitter.NewWebhookHandler(acc, log, nil)
		a, err := api.New(api.Options{Logger: log, Keys: db, Service: svc, Twitter: twitter.NewAdmin(acc), Ready: db.Ping, Version: "test", Mounts: []api.Mount{
			{Method: "GET", Path: twitter.WebhookPathPrefix + ":application_id", Summary: "Twitter CRC", Tag: "twitter", Handler: webhook},
			{Method: "POST", Path: twitter.WebhookPathPrefix + ":application_id", Summary: "Twitter events", Tag: "twitter", Handler: webhook, ContentType: "text/plain"},
			{Method: "GET", Path: twitter.SignOnCallbackPath, Summary: "Sign-on callback", Tag: "twitter", Handler: twitter.NewSignOnHandler(acc, log), ContentType: "text/html"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		handler = a

		call := func(method, path string, body any, want int, out any) string {
			t.Helper()
			b, _ := json.Marshal(body)
			req, _ := http.NewRequestWithContext(ctx, method, srv.URL+path, bytes.NewReader(b))
			req.Header.Set("Authorization", "Bearer e2e-admin-token-0123456789")
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body)
			if res.StatusCode != want {
				t.Fatalf("%s %s = %d %s, want %d", method, path, res.StatusCode, raw, want)
			}
			if out != nil {
				if err := json.Unmarshal(raw, out); err != nil {
					t.Fatal(err)
				}
			}
			if strings.Contains(string(raw), consumerSecret) {
				t.Errorf("%s %s shows the consumer secret", method, path)
			}
			return string(raw)
		}
		var q, ws, app struct {
			ID string `json:"id"`
		}
		call("POST", "/api/v1/queues", map[string]any{"name": "General"}, 201, &q)
		call("POST", "/api/v1/workstreams", map[string]any{"name": "Care", "default_queue_id": q.ID}, 201, &ws)
		call("POST", "/api/v1/twitter/applications", map[string]any{"name": "Acme", "consumer_key": consumerKey, "consumer_secret": consumerSecret}, 201, &app)
		var pending struct {
			ID               string `json:"id"`
			Status           string `json:"status"`
			AuthorizationURL string `json:"authorization_url"`
		}
		call("POST", "/api/v1/twitter/applications/"+app.ID+"/handles", map[string]any{"name": "Acme Help", "work_stream_id": ws.ID}, 201, &pending)
		if pending.Status != "pending" || pending.AuthorizationURL == "" {
			t.Fatalf("sign-on answer: %+v", pending)
		}
		// The admin's browser: Twitter's page redirects to the callback page.
		status, body := page(t, pending.AuthorizationURL)
		if status != 200 || !strings.Contains(body, "Connected to Twitter") {
			t.Fatalf("callback page: %d %s", status, body)
		}
		var handle struct {
			Status     string `json:"status"`
			ScreenName string `json:"screen_name"`
			Health     struct {
				Subscription string `json:"subscription"`
			} `json:"health"`
		}
		handleJSON := call("GET", "/api/v1/twitter/handles/"+pending.ID, nil, 200, &handle)
		if handle.Status != "active" || handle.ScreenName != "AcmeHelp" || handle.Health.Subscription != "subscribed" {
			t.Fatalf("handle: %s", handleJSON)
		}
		var verify struct {
			Webhook struct {
				Valid bool `json:"valid"`
			} `json:"webhook"`
			Handles []json.RawMessage `json:"handles"`
		}
		call("POST", "/api/v1/twitter/applications/"+app.ID+"/verify", nil, 200, &verify)
		if !verify.Webhook.Valid || len(verify.Handles) != 1 {
			t.Fatalf("verify: %+v", verify)
		}

		inj, err := fake.InjectDM(ctx, twittertest.InboundDM{From: customer.ID, To: business.ID, Text: "Where is my order?"})
		if err != nil {
			t.Fatal(err)
		}
		if len(inj.Deliveries) != 1 || !inj.Deliveries[0].OK() {
			t.Fatalf("deliveries: %+v", inj.Deliveries)
		}
		var convs struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		call("GET", "/api/v1/conversations", nil, 200, &convs)
		if len(convs.Items) != 1 {
			t.Fatalf("conversations: %+v", convs)
		}
		detail := call("GET", "/api/v1/conversations/"+convs.Items[0].ID, nil, 200, nil)
		if !strings.Contains(detail, "Where is my order?") || !strings.Contains(detail, "janedoe") {
			t.Fatalf("conversation: %s", detail)
		}
		creds, err := acc.HandleCredentials(ctx, engine.EndpointID(pending.ID))
		if err != nil {
			t.Fatal(err)
		}
		for _, where := range []string{body, handleJSON, detail, logs.String()} {
			for _, secret := range []string{consumerSecret, creds.AccessToken.Reveal(), creds.AccessTokenSecret.Reveal()} {
				if strings.Contains(where, secret) {
					t.Errorf("a secret shows: %q in %.200s", secret, where)
				}
			}
		}
	})
}

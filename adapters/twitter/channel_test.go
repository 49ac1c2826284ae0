package twitter_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// testClock is a clock tests move by hand; it starts at the real time,
// as the fake server dates DMs with it.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func ptr[T any](v T) *T { return &v }

// channel is Switchboard's Twitter channel on a real database, serving its
// webhook and sign-on page over HTTP, against the fake Twitter server.
type channel struct {
	t        testing.TB
	ctx      context.Context
	fake     *twittertest.Server
	fakeApp  twittertest.App
	business twittertest.User
	customer twittertest.User
	db       *storage.DB
	svc      *engine.Service
	acc      *twitter.Accounts
	clock    *testClock
	srv      *httptest.Server
	metrics  *twitter.Metrics
	reg      *prometheus.Registry
	logs     *syncBuffer
	admin    engine.Actor
	ws       engine.WorkStream
	app      twitter.Application
}

// syncBuffer is a log sink safe for the handler's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newChannel(t testing.TB, db *storage.DB, dialect twitter.Dialect, opts ...twittertest.Option) *channel {
	t.Helper()
	c := &channel{t: t, ctx: context.Background(), db: db, clock: &testClock{now: time.Now().UTC()}, logs: &syncBuffer{},
		admin: engine.Actor{Name: "test admin", Role: engine.RoleAdmin}, reg: prometheus.NewRegistry()}
	mux := http.NewServeMux()
	c.srv = httptest.NewServer(mux)
	t.Cleanup(c.srv.Close)

	c.fake = twittertest.NewServer(append([]twittertest.Option{twittertest.WithLocalWebhookURLs(), twittertest.WithClock(c.clock.Now)}, opts...)...)
	t.Cleanup(c.fake.Close)
	c.fakeApp = c.fake.AddApp(twittertest.App{Name: "Switchboard", ConsumerKey: consumerKey, ConsumerSecret: consumerSecret,
		Callbacks: []string{c.srv.URL + twitter.SignOnCallbackPath}, Environment: "prod"})
	c.business = c.fake.AddUser(twittertest.User{ScreenName: "AcmeHelp", Name: "Acme Support", Verified: true, FollowersCount: 90000})
	c.customer = c.fake.AddUser(twittertest.User{ScreenName: "janedoe", Name: "Jane Doe", FollowersCount: 15000, Location: "Boulder, CO"})

	log := newTestLogger(c.logs)
	gw := twitter.NewGateway(twitter.GatewayOptions{BaseURL: c.fake.URL, Now: c.clock.Now})
	c.svc = engine.NewService(db, engine.ServiceOptions{Clock: c.clock, Logger: log, Channels: []engine.Channel{twitter.Channel},
		EndpointAuditNames: map[engine.Channel]string{twitter.Channel: twitter.HandleAuditName},
		Senders:            map[engine.Channel]engine.Sender{twitter.Channel: twitter.NewSender(gw, db)}})
	c.acc = twitter.NewAccounts(c.svc, twitter.AccountsOptions{API: gw, PublicURL: c.srv.URL, Logger: log})
	c.metrics = twitter.NewMetrics(c.reg)
	mux.Handle(twitter.WebhookPathPrefix, twitter.NewWebhookHandler(c.acc, log, c.metrics))
	mux.Handle(twitter.SignOnCallbackPath, twitter.NewSignOnHandler(c.acc, log))

	q, err := c.svc.CreateQueue(c.ctx, c.admin, engine.QueueInput{Name: ptr("General")})
	if err != nil {
		t.Fatal(err)
	}
	if c.ws, err = c.svc.CreateWorkStream(c.ctx, c.admin, engine.WorkStreamInput{Name: ptr("Care"), DefaultQueueID: &q.ID}); err != nil {
		t.Fatal(err)
	}
	in := twitter.ApplicationInput{Name: ptr("Acme"), ConsumerKey: ptr(consumerKey), ConsumerSecret: ptr(engine.Secret(consumerSecret)), Dialect: &dialect}
	if dialect == twitter.DialectPremium {
		in.EnvironmentName = ptr("prod")
	}
	if c.app, err = c.acc.CreateApplication(c.ctx, c.admin, in); err != nil {
		t.Fatal(err)
	}
	return c
}

// forEachChannel runs fn on SQLite and PostgreSQL.
func forEachChannel(t *testing.T, fn func(t *testing.T, c *channel), opts ...twittertest.Option) {
	t.Helper()
	storagetest.ForEach(t, func(t *testing.T, db *storage.DB) { fn(t, newChannel(t, db, twitter.DialectV2, opts...)) })
}

// connect adds the business user as a handle with tokens from the
// developer portal (the manual form), and runs ensure.
func (c *channel) connect(user twittertest.User) twitter.Handle {
	c.t.Helper()
	tok, err := c.fake.IssueToken(consumerKey, user.ID)
	if err != nil {
		c.t.Fatal(err)
	}
	h, err := c.acc.CreateHandle(c.ctx, c.admin, c.app.ID, twitter.HandleInput{
		Name: ptr(user.ScreenName), WorkStreamID: &c.ws.ID, UserID: ptr(user.ID), ScreenName: ptr(user.ScreenName),
		AccessToken: ptr(engine.Secret(tok.Token)), AccessTokenSecret: ptr(engine.Secret(tok.Secret))})
	if err != nil {
		c.t.Fatal(err)
	}
	if err := c.acc.Ensure(c.ctx, h.ID); err != nil {
		c.t.Fatalf("ensure: %v", err)
	}
	return h
}

// handleFor adds a handle for a Twitter user id without calling Twitter
// (for the reference's samples, whose users the fake does not know).
func (c *channel) handleFor(userID, name string) twitter.Handle {
	c.t.Helper()
	h, err := c.acc.CreateHandle(c.ctx, c.admin, c.app.ID, twitter.HandleInput{
		Name: ptr(name), WorkStreamID: &c.ws.ID, UserID: ptr(userID), ScreenName: ptr(name),
		AccessToken: ptr(engine.Secret(userID + "-tok")), AccessTokenSecret: ptr(engine.Secret("tok-secret"))})
	if err != nil {
		c.t.Fatal(err)
	}
	return h
}

func (c *channel) webhookURL() string {
	return c.srv.URL + twitter.WebhookPathPrefix + string(c.app.ID)
}

// post delivers body to the webhook with the signature sig ("" for none).
func (c *channel) post(body []byte, sig string) int {
	c.t.Helper()
	req, err := http.NewRequest("POST", c.webhookURL(), bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(twitter.SignatureHeader, sig)
	}
	res, err := c.srv.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	_ = res.Body.Close()
	return res.StatusCode
}

// messages returns every stored message, by conversation.
func (c *channel) messages() []engine.Message {
	c.t.Helper()
	l, err := c.svc.ListConversations(c.ctx, c.admin, engine.ConversationFilter{}, engine.Page{Limit: 500})
	if err != nil {
		c.t.Fatal(err)
	}
	var out []engine.Message
	for _, conv := range l.Items {
		d, err := c.svc.ConversationDetail(c.ctx, c.admin, conv.ID)
		if err != nil {
			c.t.Fatal(err)
		}
		out = append(out, d.Messages...)
	}
	return out
}

func (c *channel) conversations() []engine.Conversation {
	c.t.Helper()
	l, err := c.svc.ListConversations(c.ctx, c.admin, engine.ConversationFilter{}, engine.Page{Limit: 500})
	if err != nil {
		c.t.Fatal(err)
	}
	return l.Items
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// noSecrets fails when the consumer secret or any of extra shows in s.
func (c *channel) noSecrets(where, s string, extra ...string) {
	c.t.Helper()
	for _, sec := range append([]string{consumerSecret}, extra...) {
		if sec != "" && strings.Contains(s, sec) {
			c.t.Errorf("%s shows a secret: %q", where, sec)
		}
	}
}

func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

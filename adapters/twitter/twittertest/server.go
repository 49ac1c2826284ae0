// Package twittertest is a fake Twitter (X) API server for tests: the
// project's own tests, users' tests, and — through `switchboard
// fake-twitter` — manual runs against a standalone process.
//
// It implements the parts of Twitter that Switchboard uses, faithfully
// enough to catch protocol mistakes (reference §13):
//
//   - OAuth 1.0a request token, authorize/authenticate and access token with
//     real HMAC-SHA1 signature verification of every user-context call
//     (consumer and token secrets), single-use expiring request tokens,
//     allow-listed callbacks (403 code 415), app-only bearer tokens;
//   - /2/users/me and /1.1/account/verify_credentials.json;
//   - webhook registration (v2 /2/webhooks and the premium v1.1 paths with
//     an environment name) that performs a real, signed CRC GET against the
//     callback URL and rejects the webhook when the answer is wrong; CRC
//     re-validation on PUT and on demand (RunCRC). As on Twitter, webhook
//     URLs must be https without a port, unless WithLocalWebhookURLs lets
//     test servers on the local machine register http URLs;
//   - errors in each dialect's shape: v2 endpoints answer problems
//     {"title","type","status","detail"}, v1.1 endpoints
//     {"errors":[{"code","message"}]}; authentication comes first, so an
//     unauthenticated call gets 401 even when a fault is armed;
//   - subscriptions in both dialects;
//   - DM send (v2 and v1.1) that validates, stores the DM and delivers the
//     echo event, signed, to the webhooks subscribed for the sender;
//   - DM events as Twitter delivers them (§6.3, §6.4): every link of a
//     text wrapped in t.co with its url entity (expanded_url, display_url,
//     indices); a GIF or video with its preview image (media_url_https)
//     and every variant with content type and bitrate;
//   - DM event lists (/2/dm_events, /1.1/direct_messages/events/list.json)
//     with pagination, as used by backfill;
//   - rate-limit headers on every answer, 429 with code 88 when a window is
//     used up, and the 24-hour headers on DM sends;
//   - fault knobs: failing the next calls of an endpoint (5xx, 349, 150, 89,
//     …), holding DM sends unanswered after storing them (HoldSends), and
//     duplicated, reordered, batched, dropped or tampered deliveries;
//   - an injection API that delivers a customer's DM (or typing, read,
//     revocation events, or raw bodies) to the registered webhooks, signed
//     with the app's consumer secret, and records what each webhook
//     answered. The same API is served over HTTP under /_fake/ for the
//     standalone mode.
//
// Start one with NewServer (on an httptest listener) or New plus Serve (on a
// given listener). Paths are the same on api.twitter.com and api.x.com, so
// point a twitter.Client's BaseURL at Server.URL.
package twittertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter"
)

// App is a Twitter developer application known to the fake server.
type App struct {
	// ID is the numeric app id (source_app_id); generated when empty.
	ID string
	// Name and URL appear in the apps map of echo deliveries.
	Name string
	URL  string
	// ConsumerKey and ConsumerSecret are required.
	ConsumerKey    string
	ConsumerSecret string
	// BearerToken is the app-only token; generated when empty.
	BearerToken string
	// Callbacks allow-lists OAuth callback URLs (compared without their
	// query). Empty allows any.
	Callbacks []string
	// Environment is the premium dialect's environment name; empty accepts
	// any name.
	Environment string
	// OwnerUserID, when set, is the only user whose token may manage
	// premium webhooks.
	OwnerUserID string
	// WebhookLimit caps webhooks per app (v2) — default 1; premium always
	// allows one per environment.
	WebhookLimit int
	// SubscriptionLimit caps subscriptions per webhook; default 15.
	SubscriptionLimit int
}

// String hides the secrets.
func (a App) String() string {
	return fmt.Sprintf("twittertest.App{ID: %q, Name: %q, ConsumerKey: %q}", a.ID, a.Name, a.ConsumerKey)
}

// User is a Twitter account known to the fake server: a business handle or
// a customer.
type User struct {
	// ID is generated when empty.
	ID             string
	ScreenName     string
	Name           string
	Location       string
	Description    string
	Lang           string
	FollowersCount int64
	FriendsCount   int64
	StatusesCount  int64
	Verified       bool
	Protected      bool
	CreatedAt      time.Time
	// ClosedDMs makes DMs to this user fail with code 349.
	ClosedDMs bool
	// RequiresFollow makes DMs to this user fail with code 150.
	RequiresFollow bool
}

// Option configures a Server.
type Option func(*Server)

// WithApp adds an application.
func WithApp(a App) Option { return func(s *Server) { s.addAppLocked(a) } }

// WithUser adds a user.
func WithUser(u User) Option { return func(s *Server) { s.addUserLocked(u) } }

// WithClock replaces time.Now for timestamps, rate-limit windows and
// request-token expiry. OAuth timestamps are still checked against the real
// time, as clients sign with it.
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithWebhookTimeout sets the per-attempt timeout of CRC GETs and deliveries
// (default 3 s).
func WithWebhookTimeout(d time.Duration) Option { return func(s *Server) { s.webhookTimeout = d } }

// WithWebhookClient sets the HTTP client for CRC GETs and deliveries (e.g.
// one that trusts a TLS test server). Redirects are never followed.
func WithWebhookClient(c *http.Client) Option { return func(s *Server) { s.webhookClient = c } }

// WithRetrySchedule makes failed deliveries retry after each of the delays
// (Twitter's enterprise schedule is 3 s, 27 s, 242 s). Default: no retries.
func WithRetrySchedule(delays ...time.Duration) Option {
	return func(s *Server) { s.retries = append([]time.Duration(nil), delays...) }
}

// WithLocalWebhookURLs accepts http webhook URLs and URLs with a port when
// their host is the test machine (localhost, 127.0.0.0/8, ::1), as test
// servers listen. By default the server applies Twitter's rules (§2):
// https and no port, which a local test server cannot meet.
func WithLocalWebhookURLs() Option { return func(s *Server) { s.localURLs = true } }

// WithStrictWebhookURLs applies Twitter's webhook URL rules (https, no
// port) even to local URLs.
//
// Deprecated: strict is the default; this undoes WithLocalWebhookURLs.
func WithStrictWebhookURLs() Option { return func(s *Server) { s.localURLs = false } }

// WithRequestTokenTTL sets how long request tokens live (default 15 min).
func WithRequestTokenTTL(d time.Duration) Option { return func(s *Server) { s.requestTokenTTL = d } }

// WithRateLimit sets the 15-minute window limit of an endpoint (one of the
// Endpoint constants); 0 disables its limit.
func WithRateLimit(endpoint Endpoint, limit int) Option {
	return func(s *Server) { s.limits[endpoint] = limit }
}

// WithEchoBeforeResponse delivers the echo of a sent DM before answering
// the send, to exercise the race of §8 (by default the echo is delivered
// concurrently with the answer).
func WithEchoBeforeResponse() Option { return func(s *Server) { s.echoFirst = true } }

// WithLogger logs requests and deliveries (never secrets).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// Server is a fake Twitter API. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL once the server listens (NewServer, Serve).
	URL string

	mu              sync.Mutex
	now             func() time.Time
	log             *slog.Logger
	webhookTimeout  time.Duration
	webhookClient   *http.Client
	retries         []time.Duration
	localURLs       bool
	echoFirst       bool
	requestTokenTTL time.Duration
	limits          map[Endpoint]int

	apps      map[string]*App // by consumer key
	users     map[string]*User
	tokens    map[string]*accessToken  // by token
	reqTokens map[string]*requestToken // by token
	nonces    map[string]time.Time
	webhooks  map[string]*webhook // by id
	subs      map[string]map[string]bool
	dms       []*dm
	lastID    int64
	windows   map[string]*window
	faults    map[Endpoint][]Fault
	dfaults   DeliveryFaults
	records   []Delivery
	crcs      []CRCCheck
	authAs    string
	denyNext  bool
	hold      chan struct{} // closed by ReleaseSends; nil when sends are not held
	held      int

	pending sync.WaitGroup
	httpSrv *httptest.Server
	handler http.Handler
}

type accessToken struct {
	token, secret string
	consumerKey   string
	userID        string
}

type requestToken struct {
	token, secret string
	consumerKey   string
	callback      string
	created       time.Time
	verifier      string
	userID        string
	used          bool
}

type webhook struct {
	id, url     string
	consumerKey string
	env         string // premium environment, "" for v2
	valid       bool
	created     time.Time
}

type dm struct {
	id          int64
	senderID    string
	recipientID string
	text        string
	created     time.Time
	sourceAppID string
	media       *Media
	quickReply  string
	entitiesURL []string  // the attached media's t.co link
	links       []tcoLink // the text's links, wrapped in t.co
}

// New returns a server that is not listening yet: use Handler, Serve or
// Start.
func New(opts ...Option) *Server {
	s := &Server{
		now:             time.Now,
		webhookTimeout:  3 * time.Second,
		requestTokenTTL: 15 * time.Minute,
		limits:          defaultLimits(),
		apps:            map[string]*App{},
		users:           map[string]*User{},
		tokens:          map[string]*accessToken{},
		reqTokens:       map[string]*requestToken{},
		nonces:          map[string]time.Time{},
		webhooks:        map[string]*webhook{},
		subs:            map[string]map[string]bool{},
		windows:         map[string]*window{},
		faults:          map[Endpoint][]Fault{},
	}
	for _, o := range opts {
		o(s)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.webhookClient == nil {
		s.webhookClient = &http.Client{}
	}
	wc := *s.webhookClient
	wc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	s.webhookClient = &wc
	s.handler = s.routes()
	return s
}

// NewServer starts a fake server on a local httptest listener. Close it
// when done.
func NewServer(opts ...Option) *Server {
	s := New(opts...)
	s.httpSrv = httptest.NewServer(s.handler)
	s.URL = s.httpSrv.URL
	return s
}

// Close waits for deliveries in flight and stops a server started with
// NewServer.
func (s *Server) Close() {
	s.pending.Wait()
	if s.httpSrv != nil {
		s.httpSrv.Close()
	}
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves on ln until ctx is done, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	s.URL = "http://" + ln.Addr().String()
	s.mu.Unlock()
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("fake twitter: serve: %w", err)
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("fake twitter: shutdown: %w", err)
	}
	s.pending.Wait()
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("fake twitter: serve: %w", err)
	}
	return nil
}

// AddApp adds (or replaces) an application and returns it with its
// generated fields.
func (s *Server) AddApp(a App) App {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.addAppLocked(a)
}

func (s *Server) addAppLocked(a App) *App {
	if a.ID == "" {
		a.ID = strconv.FormatInt(1000000+int64(len(s.apps))*7919+randInt(99999), 10)
	}
	if a.BearerToken == "" {
		a.BearerToken = "AAAA" + randHex(24)
	}
	if a.Name == "" {
		a.Name = "App " + a.ID
	}
	if a.WebhookLimit <= 0 {
		a.WebhookLimit = 1
	}
	if a.SubscriptionLimit <= 0 {
		a.SubscriptionLimit = 15
	}
	s.apps[a.ConsumerKey] = &a
	return &a
}

// App returns the application with the consumer key.
func (s *Server) App(consumerKey string) (App, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[consumerKey]
	if !ok {
		return App{}, false
	}
	return *a, true
}

// AddUser adds (or replaces) a user and returns it with its generated
// fields.
func (s *Server) AddUser(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.addUserLocked(u)
}

func (s *Server) addUserLocked(u User) *User {
	if u.ID == "" {
		u.ID = strconv.FormatInt(s.nextIDLocked(), 10)
	}
	if u.ScreenName == "" {
		u.ScreenName = "user" + u.ID
	}
	if u.Name == "" {
		u.Name = u.ScreenName
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = s.now().Add(-365 * 24 * time.Hour).UTC().Truncate(time.Millisecond)
	}
	s.users[u.ID] = &u
	return &u
}

// User returns the user with the id or screen name.
func (s *Server) User(idOrScreenName string) (User, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.findUserLocked(idOrScreenName)
	if u == nil {
		return User{}, false
	}
	return *u, true
}

func (s *Server) findUserLocked(idOrName string) *User {
	if u, ok := s.users[idOrName]; ok {
		return u
	}
	for _, u := range s.users {
		if u.ScreenName == idOrName {
			return u
		}
	}
	return nil
}

// IssueToken mints an access token for the user in the app, as the
// developer portal does ("Access Token and Secret").
func (s *Server) IssueToken(consumerKey, userID string) (twitter.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.apps[consumerKey] == nil {
		return twitter.Token{}, fmt.Errorf("fake twitter: issue token: unknown consumer key")
	}
	u := s.findUserLocked(userID)
	if u == nil {
		return twitter.Token{}, fmt.Errorf("fake twitter: issue token: unknown user %q", userID)
	}
	return s.issueTokenLocked(consumerKey, u.ID), nil
}

func (s *Server) issueTokenLocked(consumerKey, userID string) twitter.Token {
	t := &accessToken{token: userID + "-" + randHex(16), secret: randHex(20), consumerKey: consumerKey, userID: userID}
	s.tokens[t.token] = t
	return twitter.Token{Token: t.token, Secret: t.secret}
}

// InvalidateToken makes the access token fail with code 89 from now on.
func (s *Server) InvalidateToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
}

// AuthorizeAs chooses the user who approves the next authorizations (by id
// or screen name). By default the first user added approves, or the one
// named by the authorize URL's test-only "as" parameter.
func (s *Server) AuthorizeAs(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authAs = user
}

// DenyNextAuthorization makes the next authorization redirect with
// ?denied=<token>, as when the user clicks Cancel.
func (s *Server) DenyNextAuthorization() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denyNext = true
}

// ExpireRequestToken makes a pending request token expired.
func (s *Server) ExpireRequestToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rt := s.reqTokens[token]; rt != nil {
		rt.created = time.Time{}
	}
}

// twepoch is Twitter's snowflake epoch (ms).
const twepoch = 1288834974657

// nextIDLocked returns a time-ordered snowflake id, unique in this server.
func (s *Server) nextIDLocked() int64 {
	id := (s.now().UnixMilli() - twepoch) << 22
	if id <= s.lastID {
		id = s.lastID + 1
	}
	s.lastID = id
	return id
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return hex.EncodeToString(b)
}

func randInt(n int64) int64 {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	var v int64
	for _, c := range b[:7] {
		v = v<<8 | int64(c)
	}
	return v % n
}

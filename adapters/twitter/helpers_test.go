package twitter_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
)

const (
	consumerKey    = "ck-switchboard"
	consumerSecret = "cs-switchboard-secret"
	callbackURL    = "http://switchboard.test/oauth/twitter/callback"
)

// hook is a minimal webhook endpoint, as the adapter's handler will be:
// CRC on GET; signature check, then parse, on POST.
type hook struct {
	secret string
	srv    *httptest.Server

	mu         sync.Mutex
	deliveries []twitter.Delivery
	rejected   int
}

func newHook(t *testing.T, secret string) *hook {
	t.Helper()
	h := &hook{secret: secret}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) URL() string { return h.srv.URL + "/webhooks/twitter/app1" }

func (h *hook) serve(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		tok := r.URL.Query().Get("crc_token")
		if tok == "" {
			http.Error(w, "crc_token missing", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"response_token": twitter.CRCResponse(h.secret, tok)})
	case http.MethodPost:
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 5<<20))
		if err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		if !twitter.VerifySignature(h.secret, body, r.Header.Get(twitter.SignatureHeader)) {
			h.mu.Lock()
			h.rejected++
			h.mu.Unlock()
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		d, err := twitter.ParseDelivery(body)
		if err != nil {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.deliveries = append(h.deliveries, d)
		h.mu.Unlock()
		_, _ = io.WriteString(w, "200 OK")
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (h *hook) got() ([]twitter.Delivery, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]twitter.Delivery(nil), h.deliveries...), h.rejected
}

// env is a fake Twitter with one app, a business handle and a customer.
type env struct {
	fake     *twittertest.Server
	app      twittertest.App
	handle   twittertest.User
	customer twittertest.User
	hook     *hook
}

func newEnv(t *testing.T, opts ...twittertest.Option) *env {
	t.Helper()
	e := &env{}
	e.fake = twittertest.NewServer(append([]twittertest.Option{twittertest.WithLocalWebhookURLs()}, opts...)...)
	t.Cleanup(e.fake.Close)
	e.app = e.fake.AddApp(twittertest.App{Name: "Switchboard", ConsumerKey: consumerKey, ConsumerSecret: consumerSecret,
		Callbacks: []string{callbackURL}, Environment: "prod"})
	e.handle = e.fake.AddUser(twittertest.User{ScreenName: "AcmeHelp", Name: "Acme Support", Verified: true, FollowersCount: 90000})
	e.customer = e.fake.AddUser(twittertest.User{ScreenName: "janedoe", Name: "Jane Doe", FollowersCount: 15000,
		Location: "Boulder, CO", Description: "Customer", Lang: "en"})
	e.hook = newHook(t, consumerSecret)
	return e
}

func (e *env) client(t *testing.T, d twitter.Dialect) *twitter.Client {
	t.Helper()
	c, err := twitter.NewClient(twitter.Config{BaseURL: e.fake.URL, ConsumerKey: consumerKey, ConsumerSecret: consumerSecret,
		Dialect: d, Environment: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) token(t *testing.T, user string) twitter.Token {
	t.Helper()
	tok, err := e.fake.IssueToken(consumerKey, user)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// subscribe registers the hook and subscribes the handle (v2 dialect).
func (e *env) subscribe(t *testing.T, c *twitter.Client, tok twitter.Token) twitter.Webhook {
	t.Helper()
	ctx := context.Background()
	var owner *twitter.Token
	if c.Dialect() == twitter.DialectPremium {
		owner = &tok
	}
	wh, err := c.RegisterWebhook(ctx, owner, e.hook.URL())
	if err != nil {
		t.Fatalf("RegisterWebhook: %v", err)
	}
	if err := c.Subscribe(ctx, tok, wh.ID); err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	return wh
}

func apiErr(t *testing.T, err error) *twitter.APIError {
	t.Helper()
	e, ok := twitter.AsAPIError(err)
	if !ok {
		t.Fatalf("error %v (%T) is not an *APIError", err, err)
	}
	return e
}

func newHookHandler(secret string) http.HandlerFunc {
	h := &hook{secret: secret}
	return h.serve
}

func newServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// forEachServeDB runs fn as two subtests, "sqlite" and "postgres", each
// with the environment of a fresh database: a SQLite file, or a PostgreSQL
// schema with its secret key.
func forEachServeDB(t *testing.T, fn func(t *testing.T, dbEnv []string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, []string{"SWITCHBOARD_DATABASE_URL=" + filepath.Join(t.TempDir(), "switchboard.db")})
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, []string{"SWITCHBOARD_DATABASE_URL=" + storagetest.PostgresURL(t), "SWITCHBOARD_SECRET_KEY=" + strings.Repeat("ab", 32)})
	})
}

// fakeChannel is a fake Twitter server with one application and a
// business account whose portal tokens connect a handle.
type fakeChannel struct {
	*twittertest.Server
	app      twittertest.App
	business twittertest.User
	tok      twitter.Token
}

// newFakeChannel starts a fake Twitter server for a test; name keeps the
// application's credentials apart from other tests'.
func newFakeChannel(t testing.TB, name string, opts ...twittertest.Option) *fakeChannel {
	t.Helper()
	fake := twittertest.NewServer(append([]twittertest.Option{twittertest.WithLocalWebhookURLs()}, opts...)...)
	t.Cleanup(fake.Close)
	app := fake.AddApp(twittertest.App{Name: "Switchboard", ConsumerKey: "ck-" + name, ConsumerSecret: "cs-" + name + "-secret"})
	business := fake.AddUser(twittertest.User{ScreenName: "AcmeHelp", Name: "Acme"})
	tok, err := fake.IssueToken(app.ConsumerKey, business.ID)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeChannel{Server: fake, app: app, business: business, tok: tok}
}

// serviceEnv is the environment of a service that talks to the fake: a
// free local address, known before the service starts so that the public
// URL (which Twitter calls back) can name it, and JSON logs.
func (f *fakeChannel) serviceEnv(t testing.TB, extra ...string) []string {
	t.Helper()
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return append([]string{"SWITCHBOARD_LISTEN=" + addr, "SWITCHBOARD_PUBLIC_URL=http://" + addr, "SWITCHBOARD_LOG_FORMAT=json",
		"SWITCHBOARD_TWITTER_API_URL=" + f.URL}, extra...)
}

// connectHandle creates, through the API at base (…/api/v1), the fake's
// application and a handle of its business account on the work stream,
// with the portal tokens; Twitter is then subscribed to deliver the
// business account's DMs to the service.
func (f *fakeChannel) connectHandle(t testing.TB, base, token, workStreamID string) {
	t.Helper()
	var app struct {
		ID string `json:"id"`
	}
	apiCall(t, "POST", base+"/twitter/applications", token, map[string]any{"name": "Acme", "consumer_key": f.app.ConsumerKey,
		"consumer_secret": f.app.ConsumerSecret}, &app)
	apiCall(t, "POST", base+"/twitter/applications/"+app.ID+"/handles", token, map[string]any{"name": "Acme Help",
		"work_stream_id": workStreamID, "user_id": f.business.ID, "screen_name": f.business.ScreenName,
		"access_token": f.tok.Token, "access_token_secret": f.tok.Secret}, nil)
}

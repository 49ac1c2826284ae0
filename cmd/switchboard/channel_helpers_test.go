package main

import (
	"testing"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
)

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
func newFakeChannel(t *testing.T, name string) *fakeChannel {
	t.Helper()
	fake := twittertest.NewServer()
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
func (f *fakeChannel) serviceEnv(t *testing.T, extra ...string) []string {
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

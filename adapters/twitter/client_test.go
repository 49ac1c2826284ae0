package twitter_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
)

// authorize follows the authorization URL like a browser would, up to the
// redirect to the callback, and returns the callback's query.
func authorize(t *testing.T, authURL string) url.Values {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("authorize: status %d: %s", resp.StatusCode, b)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(loc.String(), callbackURL) {
		t.Fatalf("redirected to %s, want the callback", loc)
	}
	return loc.Query()
}

func TestSignOn(t *testing.T) {
	ctx := context.Background()
	for _, d := range []twitter.Dialect{twitter.DialectV2, twitter.DialectPremium} {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t)
			c := e.client(t, d)
			e.fake.AuthorizeAs(e.handle.ScreenName)
			rt, err := c.RequestToken(ctx, callbackURL)
			if err != nil {
				t.Fatalf("RequestToken: %v", err)
			}
			authURL := c.AuthorizationURL(rt.Token, twitter.AuthorizeOptions{ForceLogin: true})
			if !strings.Contains(authURL, "force_login=true") {
				t.Errorf("authorization URL %s lacks force_login", authURL)
			}
			cb, err := twitter.ParseCallback(authorize(t, authURL))
			if err != nil {
				t.Fatalf("ParseCallback: %v", err)
			}
			if cb.RequestToken != rt.Token {
				t.Fatalf("callback token %q, want %q", cb.RequestToken, rt.Token)
			}
			grant, err := c.AccessToken(ctx, rt, cb.Verifier)
			if err != nil {
				t.Fatalf("AccessToken: %v", err)
			}
			if grant.UserID != e.handle.ID || grant.ScreenName != "AcmeHelp" || grant.Token.Secret == "" {
				t.Errorf("grant = %v %q %q", grant.Token, grant.UserID, grant.ScreenName)
			}
			me, err := c.Me(ctx, grant.Token)
			if err != nil {
				t.Fatalf("Me: %v", err)
			}
			if me.ID != e.handle.ID || me.ScreenName != "AcmeHelp" || me.Name != "Acme Support" || !me.Verified || me.FollowersCount != 90000 {
				t.Errorf("Me = %+v", me)
			}
			// The request token is single use.
			_, err = c.AccessToken(ctx, rt, cb.Verifier)
			if e := apiErr(t, err); e.Status != http.StatusUnauthorized || e.Code != twitter.CodeInvalidToken || !e.Permanent() {
				t.Errorf("replayed request token: %v", err)
			}
		})
	}
}

func TestSignOnFailures(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c := e.client(t, twitter.DialectV2)

	t.Run("denied", func(t *testing.T) {
		rt, err := c.RequestToken(ctx, callbackURL)
		if err != nil {
			t.Fatal(err)
		}
		e.fake.DenyNextAuthorization()
		cb, err := twitter.ParseCallback(authorize(t, c.AuthorizationURL(rt.Token, twitter.AuthorizeOptions{})))
		if !errors.Is(err, twitter.ErrSignOnDenied) || cb.RequestToken != rt.Token {
			t.Errorf("ParseCallback = %+v, %v; want denied for %q", cb, err, rt.Token)
		}
	})
	t.Run("expired request token", func(t *testing.T) {
		rt, err := c.RequestToken(ctx, callbackURL)
		if err != nil {
			t.Fatal(err)
		}
		cb, err := twitter.ParseCallback(authorize(t, c.AuthorizationURL(rt.Token, twitter.AuthorizeOptions{})))
		if err != nil {
			t.Fatal(err)
		}
		e.fake.ExpireRequestToken(rt.Token)
		_, err = c.AccessToken(ctx, rt, cb.Verifier)
		if e := apiErr(t, err); e.Code != twitter.CodeInvalidToken || !e.Permanent() {
			t.Errorf("expired: %v", err)
		}
	})
	t.Run("wrong verifier", func(t *testing.T) {
		rt, err := c.RequestToken(ctx, callbackURL)
		if err != nil {
			t.Fatal(err)
		}
		authorize(t, c.AuthorizationURL(rt.Token, twitter.AuthorizeOptions{}))
		_, err = c.AccessToken(ctx, rt, "not-the-verifier")
		if e := apiErr(t, err); e.Status != http.StatusUnauthorized || !e.Permanent() {
			t.Errorf("wrong verifier: %v", err)
		}
	})
	t.Run("wrong request token secret", func(t *testing.T) {
		rt, err := c.RequestToken(ctx, callbackURL)
		if err != nil {
			t.Fatal(err)
		}
		cb, err := twitter.ParseCallback(authorize(t, c.AuthorizationURL(rt.Token, twitter.AuthorizeOptions{})))
		if err != nil {
			t.Fatal(err)
		}
		rt.Secret = "forged"
		_, err = c.AccessToken(ctx, rt, cb.Verifier)
		if e := apiErr(t, err); e.Code != twitter.CodeCouldNotAuthenticate {
			t.Errorf("forged secret: %v", err)
		}
	})
	t.Run("callback not approved", func(t *testing.T) {
		_, err := c.RequestToken(ctx, "http://evil.test/callback")
		if e := apiErr(t, err); e.Status != http.StatusForbidden || e.Code != twitter.CodeCallbackNotApproved {
			t.Errorf("unapproved callback: %v", err)
		}
	})
	t.Run("wrong consumer secret", func(t *testing.T) {
		bad, err := twitter.NewClient(twitter.Config{BaseURL: e.fake.URL, ConsumerKey: consumerKey, ConsumerSecret: "wrong"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = bad.RequestToken(ctx, callbackURL)
		if e := apiErr(t, err); e.Code != twitter.CodeCouldNotAuthenticate {
			t.Errorf("wrong consumer secret: %v", err)
		}
		if strings.Contains(err.Error(), consumerSecret) || strings.Contains(err.Error(), "wrong") {
			t.Errorf("error shows a secret: %v", err)
		}
		_, err = bad.BearerToken(ctx)
		if e := apiErr(t, err); e.Status != http.StatusForbidden || e.Code != 99 {
			t.Errorf("bearer with wrong secret: %v", err)
		}
	})
	t.Run("malformed callback", func(t *testing.T) {
		if _, err := twitter.ParseCallback(url.Values{"oauth_token": {"x"}}); !errors.Is(err, twitter.ErrMalformed) {
			t.Errorf("ParseCallback without verifier = %v", err)
		}
	})
}

func TestUserTokenFailures(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c := e.client(t, twitter.DialectV2)
	tok := e.token(t, e.handle.ID)

	forged := tok
	forged.Secret = "forged"
	_, err := c.UsersMe(ctx, forged)
	if e := apiErr(t, err); e.Code != twitter.CodeCouldNotAuthenticate {
		t.Errorf("forged token secret: %v", err)
	}
	if strings.Contains(err.Error(), tok.Secret) {
		t.Errorf("error shows the token secret: %v", err)
	}
	e.fake.InvalidateToken(tok.Token)
	_, err = c.UsersMe(ctx, tok)
	if e := apiErr(t, err); !e.TokenInvalid() || !e.Permanent() {
		t.Errorf("revoked token: %v", err)
	}
}

func TestWebhookRegistration(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c := e.client(t, twitter.DialectV2)

	wh, err := c.RegisterWebhook(ctx, nil, e.hook.URL())
	if err != nil {
		t.Fatalf("RegisterWebhook: %v", err)
	}
	if !wh.Valid || wh.URL != e.hook.URL() || wh.ID == "" || wh.CreatedAt.IsZero() {
		t.Errorf("webhook = %+v", wh)
	}
	checks := e.fake.CRCChecks()
	if len(checks) != 1 || !checks[0].Passed {
		t.Fatalf("CRC checks = %+v", checks)
	}
	hooks, err := c.Webhooks(ctx)
	if err != nil || len(hooks) != 1 || hooks[0].ID != wh.ID {
		t.Fatalf("Webhooks = %+v, %v", hooks, err)
	}
	// The same URL twice is refused; so is a second webhook.
	_, err = c.RegisterWebhook(ctx, nil, e.hook.URL())
	if e := apiErr(t, err); e.Reason != twitter.ReasonDuplicateURL {
		t.Errorf("duplicate URL: %v", err)
	}
	// Re-validation: Twitter says invalid, PUT recovers it.
	e.fake.InvalidateWebhook(wh.ID)
	if hooks, _ := c.Webhooks(ctx); hooks[0].Valid {
		t.Error("webhook still valid")
	}
	if err := c.TriggerCRC(ctx, nil, wh.ID); err != nil {
		t.Fatalf("TriggerCRC: %v", err)
	}
	if hooks, _ := c.Webhooks(ctx); !hooks[0].Valid {
		t.Error("webhook not valid after TriggerCRC")
	}
	if err := c.DeleteWebhook(ctx, nil, wh.ID); err != nil {
		t.Fatalf("DeleteWebhook: %v", err)
	}
	if hooks, _ := c.Webhooks(ctx); len(hooks) != 0 {
		t.Errorf("webhooks after delete: %+v", hooks)
	}
	err = c.DeleteWebhook(ctx, nil, wh.ID)
	if e := apiErr(t, err); e.Reason != twitter.ReasonWebhookIDInvalid || !e.Permanent() {
		t.Errorf("delete unknown: %v", err)
	}
}

func TestWebhookRegistrationRejectsBadCRC(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"wrong secret", newHookHandler("not-the-consumer-secret")},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere?"+r.URL.RawQuery, http.StatusMovedPermanently)
		}},
		{"404", http.NotFound},
		{"not json", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }},
		{"slow", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, twittertest.WithWebhookTimeout(200*time.Millisecond))
			srv := newServer(t, tt.handler)
			for _, d := range []twitter.Dialect{twitter.DialectV2, twitter.DialectPremium} {
				c := e.client(t, d)
				tok := e.token(t, e.handle.ID)
				_, err := c.RegisterWebhook(ctx, &tok, srv.URL+"/hook")
				ae := apiErr(t, err)
				if d == twitter.DialectV2 && ae.Reason != twitter.ReasonCRCValidationFailed ||
					d == twitter.DialectPremium && ae.Code != twitter.CodeCRCFailed {
					t.Errorf("%s: RegisterWebhook = %v", d, err)
				}
			}
			if hooks := e.fake.Webhooks(); len(hooks) != 0 {
				t.Errorf("webhooks registered: %+v", hooks)
			}
		})
	}
}

// TestWebhookStrictURLs: by default the fake applies Twitter's webhook URL
// rules (https, no port) to every URL, local ones too; WithLocalWebhookURLs
// relaxes them for the test machine only.
func TestWebhookStrictURLs(t *testing.T) {
	strict := twittertest.NewServer()
	defer strict.Close()
	strict.AddApp(twittertest.App{ConsumerKey: consumerKey, ConsumerSecret: consumerSecret})
	sc, err := twitter.NewClient(twitter.Config{BaseURL: strict.URL, ConsumerKey: consumerKey, ConsumerSecret: consumerSecret})
	if err != nil {
		t.Fatal(err)
	}
	hook := newHook(t, consumerSecret)
	for _, u := range []string{hook.URL(), "http://localhost/hook", "http://example.com/hook", "https://example.com:5000/hook", "not a url", "https://x.test/" + strings.Repeat("a", 200)} {
		_, err := sc.RegisterWebhook(context.Background(), nil, u)
		if e := apiErr(t, err); e.Reason != twitter.ReasonURLValidationFailed || e.Status != http.StatusBadRequest {
			t.Errorf("strict: RegisterWebhook(%q) = %v", u, err)
		}
	}
	e := newEnv(t) // WithLocalWebhookURLs
	c := e.client(t, twitter.DialectV2)
	for _, u := range []string{"http://example.com/hook", "https://example.com:5000/hook", "http://10.0.0.1:8080/hook"} {
		_, err := c.RegisterWebhook(context.Background(), nil, u)
		if e := apiErr(t, err); e.Reason != twitter.ReasonURLValidationFailed {
			t.Errorf("local: RegisterWebhook(%q) = %v", u, err)
		}
	}
	if _, err := c.RegisterWebhook(context.Background(), nil, e.hook.URL()); err != nil {
		t.Errorf("local: RegisterWebhook(%q) = %v", e.hook.URL(), err)
	}
}

// TestConcurrentRegistration registers webhooks for several apps at once:
// the CRC GETs reach webhook handlers while the registrations are in
// flight, and none may deadlock.
func TestConcurrentRegistration(t *testing.T) {
	e := newEnv(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		key, secret := "ck-"+string(rune('a'+i)), "cs-"+string(rune('a'+i))
		e.fake.AddApp(twittertest.App{ConsumerKey: key, ConsumerSecret: secret})
		h := newHook(t, secret)
		c, err := twitter.NewClient(twitter.Config{BaseURL: e.fake.URL, ConsumerKey: key, ConsumerSecret: secret})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.RegisterWebhook(context.Background(), nil, h.URL())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestSubscriptions(t *testing.T) {
	ctx := context.Background()
	for _, d := range []twitter.Dialect{twitter.DialectV2, twitter.DialectPremium} {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t)
			c := e.client(t, d)
			tok := e.token(t, e.handle.ID)
			wh := e.subscribe(t, c, tok)
			// Subscribing again is success (409 / 355 / DuplicateSubscriptionFailed).
			if err := c.Subscribe(ctx, tok, wh.ID); err != nil {
				t.Errorf("second Subscribe: %v", err)
			}
			if ok, err := c.Subscribed(ctx, tok, wh.ID); err != nil || !ok {
				t.Errorf("Subscribed = %v, %v", ok, err)
			}
			other := e.token(t, e.customer.ID)
			if ok, err := c.Subscribed(ctx, other, wh.ID); err != nil || ok {
				t.Errorf("Subscribed(other) = %v, %v", ok, err)
			}
			ids, err := c.Subscriptions(ctx, wh.ID)
			if err != nil || len(ids) != 1 || ids[0] != e.handle.ID {
				t.Errorf("Subscriptions = %v, %v", ids, err)
			}
			if err := c.Unsubscribe(ctx, wh.ID, e.handle.ID); err != nil {
				t.Errorf("Unsubscribe: %v", err)
			}
			if err := c.Unsubscribe(ctx, wh.ID, e.handle.ID); err != nil {
				t.Errorf("second Unsubscribe: %v", err)
			}
			if ok, err := c.Subscribed(ctx, tok, wh.ID); err != nil || ok {
				t.Errorf("Subscribed after Unsubscribe = %v, %v", ok, err)
			}
		})
	}
}

func TestPremiumNeedsOwnerAndEnvironment(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c := e.client(t, twitter.DialectPremium)
	if _, err := c.RegisterWebhook(ctx, nil, e.hook.URL()); !errors.Is(err, twitter.ErrOwnerTokenRequired) {
		t.Errorf("RegisterWebhook without owner = %v", err)
	}
	wrong, err := twitter.NewClient(twitter.Config{BaseURL: e.fake.URL, ConsumerKey: consumerKey, ConsumerSecret: consumerSecret,
		Dialect: twitter.DialectPremium, Environment: "Prod"})
	if err != nil {
		t.Fatal(err)
	}
	tok := e.token(t, e.handle.ID)
	_, err = wrong.RegisterWebhook(ctx, &tok, e.hook.URL())
	if e := apiErr(t, err); e.Code != 200 || e.Status != http.StatusForbidden {
		t.Errorf("wrong environment: %v", err)
	}
	if _, err := twitter.NewClient(twitter.Config{ConsumerKey: "k", ConsumerSecret: "s", Dialect: twitter.DialectPremium}); err == nil {
		t.Error("premium client without environment accepted")
	}
}

func TestSendDMAndEcho(t *testing.T) {
	ctx := context.Background()
	for _, d := range []twitter.Dialect{twitter.DialectV2, twitter.DialectPremium} {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t)
			c := e.client(t, d)
			tok := e.token(t, e.handle.ID)
			e.subscribe(t, c, tok)
			sent, err := c.SendDM(ctx, tok, twitter.OutgoingDM{RecipientID: e.customer.ID, Text: "Hi Jane, we are on it.",
				QuickReply: []twitter.QuickReplyOption{{Label: "Thanks", Metadata: "thanks"}}})
			if err != nil {
				t.Fatalf("SendDM: %v", err)
			}
			if len(sent) != 1 || sent[0].ID == "" || sent[0].RateLimit.Limit == 0 {
				t.Fatalf("sent = %+v", sent)
			}
			if d == twitter.DialectV2 && sent[0].ConversationID == "" {
				t.Error("no conversation id from v2")
			}
			e.fake.WaitDeliveries()
			got, rejected := e.hook.got()
			if rejected != 0 || len(got) != 1 || len(got[0].DirectMessages) != 1 {
				t.Fatalf("deliveries = %+v, rejected %d", got, rejected)
			}
			m := got[0].DirectMessages[0]
			if !m.IsEcho() || m.ID != sent[0].ID || !m.SentByApp(e.app.ID) || m.CustomerID() != e.customer.ID ||
				m.Text != "Hi Jane, we are on it." || m.SourceApp == nil || m.SourceApp.Name != "Switchboard" {
				t.Errorf("echo = %+v", m)
			}
			if c := m.Customer(); c == nil || c.ScreenName != "janedoe" {
				t.Errorf("echo customer = %+v", c)
			}
		})
	}
}

func TestSendDMSplitsLongText(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, twitter.DialectV2)
	tok := e.token(t, e.handle.ID)
	text := strings.Repeat("lorem ipsum ", 2100) // 25,200 characters
	sent, err := c.SendDM(context.Background(), tok, twitter.OutgoingDM{RecipientID: e.customer.ID, Text: text})
	if err != nil {
		t.Fatalf("SendDM: %v", err)
	}
	msgs := e.fake.Messages()
	if len(sent) != 3 || len(msgs) != 3 {
		t.Fatalf("sent %d, stored %d; want 3", len(sent), len(msgs))
	}
	var parts []string
	for i, m := range msgs {
		if n := utf8.RuneCountInString(m.Text); n > twitter.MaxTextLength {
			t.Errorf("part %d has %d characters", i, n)
		}
		if m.ID != sent[i].ID {
			t.Errorf("part %d out of order", i)
		}
		parts = append(parts, m.Text)
	}
	if strings.Join(parts, " ") != strings.TrimSpace(text) {
		t.Error("parts do not make the text")
	}
}

func TestSendDMFailures(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		fault     *twittertest.Fault
		recipient func(e *env) string
		check     func(t *testing.T, e *twitter.APIError, now time.Time)
	}{
		{name: "349 fault", fault: &twittertest.FaultCannotSendToUser, check: func(t *testing.T, e *twitter.APIError, _ time.Time) {
			if e.Code != twitter.CodeCannotSendToUser || !e.Permanent() || e.Retryable() {
				t.Errorf("%v", e)
			}
		}},
		{name: "349 closed DMs", recipient: func(e *env) string {
			return e.fake.AddUser(twittertest.User{ScreenName: "closed", ClosedDMs: true}).ID
		}, check: func(t *testing.T, e *twitter.APIError, _ time.Time) {
			if e.Code != twitter.CodeCannotSendToUser || !e.Permanent() {
				t.Errorf("%v", e)
			}
		}},
		{name: "150 not following", recipient: func(e *env) string {
			return e.fake.AddUser(twittertest.User{ScreenName: "picky", RequiresFollow: true}).ID
		}, check: func(t *testing.T, e *twitter.APIError, _ time.Time) {
			if e.Code != twitter.CodeNotFollowing || !e.Permanent() {
				t.Errorf("%v", e)
			}
		}},
		{name: "unknown recipient", recipient: func(*env) string { return "42" }, check: func(t *testing.T, e *twitter.APIError, _ time.Time) {
			if e.Code != twitter.CodeUserNotFound || !e.Permanent() {
				t.Errorf("%v", e)
			}
		}},
		{name: "89 revoked", fault: &twittertest.FaultInvalidToken, check: func(t *testing.T, e *twitter.APIError, _ time.Time) {
			if !e.TokenInvalid() || !e.Permanent() {
				t.Errorf("%v", e)
			}
		}},
		{name: "500", fault: &twittertest.FaultServerError, check: func(t *testing.T, e *twitter.APIError, _ time.Time) {
			if !e.Retryable() || e.Permanent() || e.RateLimited() {
				t.Errorf("%v", e)
			}
		}},
		{name: "503 over capacity", fault: &twittertest.FaultOverCapacity, check: func(t *testing.T, e *twitter.APIError, _ time.Time) {
			if !e.Retryable() || e.Code != twitter.CodeOverCapacity {
				t.Errorf("%v", e)
			}
		}},
		{name: "429 window", fault: &twittertest.FaultRateLimited, check: func(t *testing.T, e *twitter.APIError, now time.Time) {
			want := now.Add(15*time.Minute + time.Second)
			if !e.RateLimited() || !e.Retryable() || e.AppWide || e.ResetAt.Sub(want).Abs() > 2*time.Second {
				t.Errorf("%v, reset %v want about %v", e, e.ResetAt, want)
			}
		}},
		{name: "429 app day cap", fault: &twittertest.Fault{Status: 429, Code: 88, Message: "Rate limit exceeded", ResetIn: 3 * time.Hour, AppDayCap: true},
			check: func(t *testing.T, e *twitter.APIError, now time.Time) {
				if !e.RateLimited() || !e.AppWide || e.ResetAt.Sub(now.Add(3*time.Hour)).Abs() > 2*time.Second {
					t.Errorf("%v", e)
				}
			}},
		{name: "429 retry-after", fault: &twittertest.Fault{Status: 429, Code: 88, Message: "Rate limit exceeded", ResetIn: 90 * time.Second, RetryAfter: true},
			check: func(t *testing.T, e *twitter.APIError, now time.Time) {
				if !e.RateLimited() || e.AppWide || e.Code != twitter.CodeRateLimited || e.ResetAt.Sub(now.Add(90*time.Second)).Abs() > 2*time.Second {
					t.Errorf("%v", e)
				}
			}},
		{name: "429 user day cap", fault: &twittertest.Fault{Status: 429, Code: 88, ResetIn: 5 * time.Hour, UserDayCap: true},
			check: func(t *testing.T, e *twitter.APIError, now time.Time) {
				if !e.RateLimited() || e.AppWide || e.ResetAt.Sub(now.Add(5*time.Hour)).Abs() > 2*time.Second {
					t.Errorf("%v", e)
				}
			}},
	}
	for _, tt := range tests {
		for _, d := range []twitter.Dialect{twitter.DialectV2, twitter.DialectPremium} {
			t.Run(tt.name+"/"+string(d), func(t *testing.T) {
				e := newEnv(t)
				c := e.client(t, d)
				tok := e.token(t, e.handle.ID)
				to := e.customer.ID
				if tt.recipient != nil {
					to = tt.recipient(e)
				}
				if tt.fault != nil {
					ep := twittertest.EndpointSendDM
					if d == twitter.DialectPremium {
						ep = twittertest.EndpointSendDMv1
					}
					e.fake.FailNext(ep, *tt.fault)
				}
				now := time.Now()
				sent, err := c.SendDM(ctx, tok, twitter.OutgoingDM{RecipientID: to, Text: "hello"})
				if len(sent) != 0 {
					t.Errorf("sent = %+v", sent)
				}
				ae := apiErr(t, err)
				tt.check(t, ae, now)
				if v2 := d == twitter.DialectV2; v2 != (ae.Type != "") {
					t.Errorf("problem type %q in the %s dialect: v2 answers problems, v1.1 error arrays", ae.Type, d)
				}
				if len(e.fake.Messages()) != 0 {
					t.Error("a failed send stored a message")
				}
			})
		}
	}
}

func TestRateLimitWindow(t *testing.T) {
	e := newEnv(t, twittertest.WithRateLimit(twittertest.EndpointUsersMe, 2))
	c := e.client(t, twitter.DialectV2)
	tok := e.token(t, e.handle.ID)
	for range 2 {
		if _, err := c.UsersMe(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.UsersMe(context.Background(), tok)
	ae := apiErr(t, err)
	if !ae.RateLimited() || ae.Code != twitter.CodeRateLimited || ae.ResetAt.Before(time.Now().Add(14*time.Minute)) {
		t.Errorf("third call: %v", err)
	}
	// Another user's window is separate.
	if _, err := c.UsersMe(context.Background(), e.token(t, e.customer.ID)); err != nil {
		t.Errorf("other user: %v", err)
	}
}

func TestInboundDMAndMediaDownload(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c := e.client(t, twitter.DialectV2)
	tok := e.token(t, e.handle.ID)
	e.subscribe(t, c, tok)
	res, err := e.fake.InjectDM(ctx, twittertest.InboundDM{From: "janedoe", To: "AcmeHelp", Text: "here is the receipt #refund",
		Media: &twittertest.Media{Type: "photo"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Deliveries) != 1 || !res.Deliveries[0].OK() {
		t.Fatalf("deliveries = %+v", res.Deliveries)
	}
	got, _ := e.hook.got()
	if len(got) != 1 || got[0].ForUserID != e.handle.ID || len(got[0].DirectMessages) != 1 {
		t.Fatalf("hook got %+v", got)
	}
	m := got[0].DirectMessages[0]
	if m.IsEcho() || m.ID != res.EventIDs[0] || m.DisplayText() != "here is the receipt #refund" ||
		len(m.Media) != 1 || m.Media[0].Type != "photo" || len(m.Hashtags) != 1 || m.Hashtags[0] != "refund" {
		t.Errorf("message = %+v", m)
	}
	if s := m.Sender; s == nil || s.ScreenName != "janedoe" || s.FollowersCount != 15000 || s.Location != "Boulder, CO" || s.Lang != "en" {
		t.Errorf("sender = %+v", s)
	}
	body, ctype, err := c.DownloadMedia(ctx, tok, m.Media[0].URL)
	if err != nil {
		t.Fatalf("DownloadMedia: %v", err)
	}
	b, _ := io.ReadAll(body)
	body.Close()
	if ctype != "image/jpeg" || len(b) == 0 {
		t.Errorf("media %q, %d bytes", ctype, len(b))
	}
	stranger := e.fake.AddUser(twittertest.User{ScreenName: "stranger"})
	if _, _, err := c.DownloadMedia(ctx, e.token(t, stranger.ID), m.Media[0].URL); err == nil {
		t.Error("a non-participant downloaded the media")
	}
}

func TestListDMEvents(t *testing.T) {
	ctx := context.Background()
	for _, d := range []twitter.Dialect{twitter.DialectV2, twitter.DialectPremium} {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t)
			c := e.client(t, d)
			tok := e.token(t, e.handle.ID)
			// Not subscribed: these DMs are never delivered, only listable.
			var want []string
			for i := range 5 {
				res, err := e.fake.InjectDM(ctx, twittertest.InboundDM{From: e.customer.ID, To: e.handle.ID, Text: "message " + string(rune('A'+i))})
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, res.EventIDs...)
			}
			sent, err := c.SendDM(ctx, tok, twitter.OutgoingDM{RecipientID: e.customer.ID, Text: "reply"})
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, sent[0].ID)
			var got []twitter.DirectMessage
			cursor, pages := "", 0
			for {
				page, err := c.ListDMEvents(ctx, tok, twitter.ListOptions{ForUserID: e.handle.ID, Cursor: cursor, Max: 4})
				if err != nil {
					t.Fatalf("ListDMEvents: %v", err)
				}
				pages++
				got = append(got, page.Messages...)
				if page.NextCursor == "" {
					break
				}
				cursor = page.NextCursor
			}
			if pages != 2 || len(got) != 6 {
				t.Fatalf("%d pages, %d messages", pages, len(got))
			}
			for i, m := range got {
				if w := want[len(want)-1-i]; m.ID != w {
					t.Errorf("message %d id %s, want %s (newest first)", i, m.ID, w)
				}
				if m.CreatedAt.IsZero() || m.ForUserID != e.handle.ID {
					t.Errorf("message %d = %+v", i, m)
				}
			}
			if !got[0].IsEcho() || got[0].CustomerID() != e.customer.ID || got[1].IsEcho() || got[1].Text != "message E" {
				t.Errorf("classification: %+v / %+v", got[0], got[1])
			}
			if d == twitter.DialectV2 && (got[1].Sender == nil || got[1].Sender.ScreenName != "janedoe" || got[1].ConversationID == "") {
				t.Errorf("v2 sender/conversation: %+v", got[1])
			}
		})
	}
}

func TestBearerTokenObtainedOnce(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, twitter.DialectV2)
	a, err := c.BearerToken(context.Background())
	if err != nil || a == "" {
		t.Fatalf("BearerToken = %q, %v", a, err)
	}
	if a != e.app.BearerToken {
		t.Error("bearer token differs from the app's")
	}
	if _, err := c.Webhooks(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestTypingAndMarkRead(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, twitter.DialectV2)
	tok := e.token(t, e.handle.ID)
	if err := c.IndicateTyping(context.Background(), tok, e.customer.ID); err != nil {
		t.Errorf("IndicateTyping: %v", err)
	}
	if err := c.MarkRead(context.Background(), tok, e.customer.ID, "123"); err != nil {
		t.Errorf("MarkRead: %v", err)
	}
}

func TestTransportErrorIsRetryable(t *testing.T) {
	srv := newServer(t, http.NotFound)
	base := srv.URL
	srv.Close()
	c, err := twitter.NewClient(twitter.Config{BaseURL: base, ConsumerKey: "k", ConsumerSecret: "s", BearerToken: "b"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Webhooks(context.Background())
	if e := apiErr(t, err); !e.Retryable() || e.Status != 0 {
		t.Errorf("transport error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Webhooks(ctx)
	if e := apiErr(t, err); e.Retryable() {
		t.Errorf("cancelled call is retryable: %v", err)
	}
}

func TestEnsureWebhookAndSubscription(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c := e.client(t, twitter.DialectV2)
	tok := e.token(t, e.handle.ID)
	first, err := c.EnsureWebhook(ctx, nil, e.hook.URL())
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.EnsureWebhook(ctx, nil, e.hook.URL())
	if err != nil || again.ID != first.ID {
		t.Fatalf("second EnsureWebhook = %+v, %v", again, err)
	}
	e.fake.InvalidateWebhook(first.ID)
	revalidated, err := c.EnsureWebhook(ctx, nil, e.hook.URL())
	if err != nil || revalidated.ID != first.ID || !revalidated.Valid || !e.fake.Webhooks()[0].Valid {
		t.Fatalf("EnsureWebhook on an invalid webhook = %+v, %v", revalidated, err)
	}
	for range 2 {
		if err := c.EnsureSubscription(ctx, tok, first.ID); err != nil {
			t.Fatal(err)
		}
	}
	if subs := e.fake.Webhooks()[0].Subscribers; len(subs) != 1 || subs[0] != e.handle.ID {
		t.Errorf("subscribers = %v", subs)
	}

	// Premium: one webhook per environment, never replaced silently.
	p := e.client(t, twitter.DialectPremium)
	if _, err := p.EnsureWebhook(ctx, &tok, e.hook.URL()); err != nil {
		t.Fatal(err)
	}
	other := newHook(t, consumerSecret)
	if _, err := p.EnsureWebhook(ctx, &tok, other.URL()); !errors.Is(err, twitter.ErrEnvironmentTaken) {
		t.Errorf("EnsureWebhook on a taken environment = %v", err)
	}
}

func TestEchoBeforeSendAnswer(t *testing.T) {
	e := newEnv(t, twittertest.WithEchoBeforeResponse())
	c := e.client(t, twitter.DialectV2)
	tok := e.token(t, e.handle.ID)
	e.subscribe(t, c, tok)
	sent, err := c.SendDM(context.Background(), tok, twitter.OutgoingDM{RecipientID: e.customer.ID, Text: "quick"})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := e.hook.got() // no WaitDeliveries: the echo came first
	if len(got) != 1 || got[0].DirectMessages[0].ID != sent[0].ID {
		t.Errorf("echo before answer: %+v", got)
	}
}

func TestPremiumWebhookLifecycle(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	c := e.client(t, twitter.DialectPremium)
	owner := e.token(t, e.handle.ID)
	wh, err := c.RegisterWebhook(ctx, &owner, e.hook.URL())
	if err != nil {
		t.Fatalf("RegisterWebhook: %v", err)
	}
	if !wh.Valid || wh.CreatedAt.IsZero() {
		t.Errorf("webhook = %+v", wh)
	}
	// One webhook per environment.
	other := newHook(t, consumerSecret)
	_, err = c.RegisterWebhook(ctx, &owner, other.URL())
	if e := apiErr(t, err); e.Code != twitter.CodeCRCFailed || !strings.Contains(e.Message, "Too many resources") {
		t.Errorf("second webhook: %v", err)
	}
	hooks, err := c.Webhooks(ctx)
	if err != nil || len(hooks) != 1 || hooks[0].ID != wh.ID {
		t.Fatalf("Webhooks = %+v, %v", hooks, err)
	}
	e.fake.InvalidateWebhook(wh.ID)
	if err := c.TriggerCRC(ctx, &owner, wh.ID); err != nil {
		t.Errorf("TriggerCRC: %v", err)
	}
	if err := c.TriggerCRC(ctx, nil, wh.ID); !errors.Is(err, twitter.ErrOwnerTokenRequired) {
		t.Errorf("TriggerCRC without owner = %v", err)
	}
	if err := c.DeleteWebhook(ctx, &owner, wh.ID); err != nil {
		t.Errorf("DeleteWebhook: %v", err)
	}
	if hooks, _ := c.Webhooks(ctx); len(hooks) != 0 {
		t.Errorf("webhooks after delete: %+v", hooks)
	}
	// Only the app owner may manage webhooks when the app names one.
	e.fake.AddApp(twittertest.App{Name: "Switchboard", ConsumerKey: consumerKey, ConsumerSecret: consumerSecret,
		Environment: "prod", OwnerUserID: e.handle.ID})
	notOwner := e.token(t, e.customer.ID)
	_, err = c.RegisterWebhook(ctx, &notOwner, e.hook.URL())
	if e := apiErr(t, err); e.Code != 261 {
		t.Errorf("non-owner register: %v", err)
	}
}

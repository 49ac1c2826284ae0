package twittertest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dghubble/oauth1"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/twittertest"
)

// caller says how a test request authenticates.
type caller int

const (
	unsigned    caller = iota
	asUser             // OAuth 1.0a with the handle's token
	asBearer           // the app's bearer token
	revokedUser        // OAuth 1.0a with a token Twitter no longer knows
)

// call makes one request to the fake and returns its status, headers and
// decoded JSON body.
func (f *fixture) call(t *testing.T, who caller, method, path, ctype, body string) (int, http.Header, map[string]any) {
	t.Helper()
	ctx := context.Background()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, f.fake.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	hc := http.DefaultClient
	switch who {
	case asUser:
		hc = oauth1.NewConfig(key, secret).Client(ctx, oauth1.NewToken(f.handleToken.Token, f.handleToken.Secret))
	case revokedUser:
		hc = oauth1.NewConfig(key, secret).Client(ctx, oauth1.NewToken(f.handle.ID+"-revoked", "nope"))
	case asBearer:
		req.Header.Set("Authorization", "Bearer "+f.app.BearerToken)
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		out = map[string]any{"_raw": string(b)}
	}
	return res.StatusCode, res.Header, out
}

// wantShape checks an error body against the reference: v2 endpoints answer
// a problem {"title","type","status","detail"} (§9.2, §12), v1.1 endpoints
// {"errors":[{"code","message"}]} (§9.5). For a problem, code is the v1.1
// code its detail must still let the adapter recognise (0: any).
func wantShape(t *testing.T, what string, v2 bool, status, code int, gotStatus int, body map[string]any, kind string) {
	t.Helper()
	if gotStatus != status {
		t.Errorf("%s: status %d, want %d (body %v)", what, gotStatus, status, body)
		return
	}
	if !v2 {
		errs, _ := body["errors"].([]any)
		if len(errs) != 1 || body["title"] != nil {
			t.Errorf("%s: body %v, want v1.1's errors array", what, body)
			return
		}
		e, _ := errs[0].(map[string]any)
		if c, _ := e["code"].(float64); int(c) != code || e["message"] == "" {
			t.Errorf("%s: error %v, want code %d with a message", what, e, code)
		}
		return
	}
	if _, ok := body["errors"]; ok {
		t.Errorf("%s: v2 body %v has v1.1's errors array", what, body)
	}
	title, _ := body["title"].(string)
	typ, _ := body["type"].(string)
	detail, _ := body["detail"].(string)
	st, _ := body["status"].(float64)
	wantType := "about:blank"
	if kind != "" {
		wantType = "https://api.x.com/2/problems/" + kind
	}
	if title == "" || detail == "" || int(st) != status || typ != wantType {
		t.Errorf("%s: problem %v, want title, detail, status %d and type %s", what, body, status, wantType)
	}
}

// endpointCall is one endpoint of the fake with a concrete path.
type endpointCall struct {
	ep     twittertest.Endpoint
	method string
	path   string
	auth   caller // how a legitimate caller authenticates
	ctype  string
	body   string
}

func (f *fixture) endpointCalls() []endpointCall {
	wh := f.webhook.ID
	u := f.handle.ID
	c := f.customer.ID
	const js = "application/json"
	return []endpointCall{
		{twittertest.EndpointUsersMe, "GET", "/2/users/me", asUser, "", ""},
		{twittertest.EndpointVerifyCredentials, "GET", "/1.1/account/verify_credentials.json", asUser, "", ""},
		{twittertest.EndpointCreateWebhook, "POST", "/2/webhooks", asBearer, js, `{"url":"https://example.com/x"}`},
		{twittertest.EndpointListWebhooks, "GET", "/2/webhooks", asBearer, "", ""},
		{twittertest.EndpointValidateWebhook, "PUT", "/2/webhooks/" + wh, asBearer, "", ""},
		{twittertest.EndpointDeleteWebhook, "DELETE", "/2/webhooks/" + wh, asBearer, "", ""},
		{twittertest.EndpointSubscribe, "POST", "/2/account_activity/webhooks/" + wh + "/subscriptions/all", asUser, js, `{}`},
		{twittertest.EndpointCheckSubscription, "GET", "/2/account_activity/webhooks/" + wh + "/subscriptions/all", asUser, "", ""},
		{twittertest.EndpointListSubscriptions, "GET", "/2/account_activity/webhooks/" + wh + "/subscriptions/all/list", asBearer, "", ""},
		{twittertest.EndpointUnsubscribe, "DELETE", "/2/account_activity/webhooks/" + wh + "/subscriptions/" + u + "/all", asBearer, "", ""},
		{twittertest.EndpointCountSubscriptions, "GET", "/2/account_activity/subscriptions/count", asBearer, "", ""},
		{twittertest.EndpointPremiumCreateWebhook, "POST", "/1.1/account_activity/all/prod/webhooks.json?url=https%3A%2F%2Fexample.com%2Fx", asUser, "", ""},
		{twittertest.EndpointPremiumListWebhooks, "GET", "/1.1/account_activity/all/prod/webhooks.json", asBearer, "", ""},
		{twittertest.EndpointPremiumListAllWebhooks, "GET", "/1.1/account_activity/all/webhooks.json", asBearer, "", ""},
		{twittertest.EndpointPremiumValidateWebhook, "PUT", "/1.1/account_activity/all/prod/webhooks/" + wh + ".json", asBearer, "", ""},
		{twittertest.EndpointPremiumDeleteWebhook, "DELETE", "/1.1/account_activity/all/prod/webhooks/" + wh + ".json", asBearer, "", ""},
		{twittertest.EndpointPremiumSubscribe, "POST", "/1.1/account_activity/all/prod/subscriptions.json", asUser, "", ""},
		{twittertest.EndpointPremiumCheckSubscription, "GET", "/1.1/account_activity/all/prod/subscriptions.json", asUser, "", ""},
		{twittertest.EndpointPremiumListSubscriptions, "GET", "/1.1/account_activity/all/prod/subscriptions/list.json", asBearer, "", ""},
		{twittertest.EndpointPremiumUnsubscribe, "DELETE", "/1.1/account_activity/all/prod/subscriptions/" + u + ".json", asBearer, "", ""},
		{twittertest.EndpointPremiumCount, "GET", "/1.1/account_activity/all/subscriptions/count.json", asBearer, "", ""},
		{twittertest.EndpointSendDM, "POST", "/2/dm_conversations/with/" + c + "/messages", asUser, js, `{"text":"hi"}`},
		{twittertest.EndpointSendDMv1, "POST", "/1.1/direct_messages/events/new.json", asUser, js,
			`{"event":{"type":"message_create","message_create":{"target":{"recipient_id":"` + c + `"},"message_data":{"text":"hi"}}}}`},
		{twittertest.EndpointListDMEvents, "GET", "/2/dm_events", asUser, "", ""},
		{twittertest.EndpointListDMv1, "GET", "/1.1/direct_messages/events/list.json", asUser, "", ""},
		{twittertest.EndpointTyping, "POST", "/1.1/direct_messages/indicate_typing.json", asUser, "application/x-www-form-urlencoded", "recipient_id=" + c},
		{twittertest.EndpointMarkRead, "POST", "/1.1/direct_messages/mark_read.json", asUser, "application/x-www-form-urlencoded", "recipient_id=" + c + "&last_read_event_id=1"},
		{twittertest.EndpointMedia, "GET", "/1.1/ton/data/dm/1/2/media.jpg", asUser, "", ""},
	}
}

// TestEndpointErrorShapes checks, for each API endpoint of the fake, the
// status and body shape of an unauthenticated call (401), a call with a
// token Twitter does not know (401, code 89), and a rate-limited call (429
// with x-rate-limit-reset), in v2's problem shape on /2/ paths and v1.1's
// errors array elsewhere.
func TestEndpointErrorShapes(t *testing.T) {
	f := newFixture(t)
	for _, ec := range f.endpointCalls() {
		v2 := strings.HasPrefix(ec.path, "/2/")
		t.Run(string(ec.ep), func(t *testing.T) {
			st, _, body := f.call(t, unsigned, ec.method, ec.path, ec.ctype, ec.body)
			wantShape(t, "unsigned", v2, http.StatusUnauthorized, twitter.CodeCouldNotAuthenticate, st, body, "")

			if ec.auth == asUser {
				st, _, body = f.call(t, revokedUser, ec.method, ec.path, ec.ctype, ec.body)
				wantShape(t, "unknown token", v2, http.StatusUnauthorized, twitter.CodeInvalidToken, st, body, "")
				if v2 && !strings.Contains(body["detail"].(string), "Invalid or expired token") {
					t.Errorf("unknown token: detail %q does not say the token is invalid", body["detail"])
				}
			}

			f.fake.FailNext(ec.ep, twittertest.FaultRateLimited)
			before := time.Now()
			st, hd, body := f.call(t, ec.auth, ec.method, ec.path, ec.ctype, ec.body)
			wantShape(t, "rate limited", v2, http.StatusTooManyRequests, twitter.CodeRateLimited, st, body, "rate-limit-exceeded")
			reset, err := strconv.ParseInt(hd.Get("X-Rate-Limit-Reset"), 10, 64)
			if err != nil || time.Unix(reset, 0).Before(before.Add(14*time.Minute)) || hd.Get("X-Rate-Limit-Remaining") != "0" {
				t.Errorf("rate limited: x-rate-limit-reset %q, remaining %q", hd.Get("X-Rate-Limit-Reset"), hd.Get("X-Rate-Limit-Remaining"))
			}
		})
	}
}

// TestEndpointNotFoundAndBadRequest checks the documented answers to calls
// on things that do not exist and to malformed calls.
func TestEndpointNotFoundAndBadRequest(t *testing.T) {
	f := newFixture(t)
	closed := f.fake.AddUser(twittertest.User{ScreenName: "closed", ClosedDMs: true})
	const js = "application/json"
	v1DM := func(to, text string) string {
		return `{"event":{"type":"message_create","message_create":{"target":{"recipient_id":"` + to + `"},"message_data":{"text":"` + text + `"}}}}`
	}
	for _, tt := range []struct {
		name         string
		who          caller
		method, path string
		ctype, body  string
		status, code int
		kind         string // v2 problem kind, "" for about:blank
		detail       string // in a problem's detail
	}{
		{"v2 unknown path", unsigned, "GET", "/2/tweets/search/stream", "", "", 404, 34, "resource-not-found", ""},
		{"v1.1 unknown path", unsigned, "GET", "/1.1/statuses/home_timeline.json", "", "", 404, 34, "", ""},
		{"v2 unknown webhook", asBearer, "PUT", "/2/webhooks/1234", "", "", 404, 0, "resource-not-found", twitter.ReasonWebhookIDInvalid},
		{"v2 unsubscribe a stranger", asBearer, "DELETE", "/2/account_activity/webhooks/" + f.webhook.ID + "/subscriptions/42/all", "", "", 404, 0, "resource-not-found", twitter.ReasonSubscriptionNotFound},
		{"v1.1 unknown webhook", asBearer, "PUT", "/1.1/account_activity/all/prod/webhooks/1234.json", "", "", 404, 34, "", ""},
		{"v2 DM to an unknown user", asUser, "POST", "/2/dm_conversations/with/42/messages", js, `{"text":"hi"}`, 404, twitter.CodeUserNotFound, "resource-not-found", "User not found"},
		{"v1.1 DM to an unknown user", asUser, "POST", "/1.1/direct_messages/events/new.json", js, v1DM("42", "hi"), 404, twitter.CodeUserNotFound, "", ""},
		{"v2 DM to closed DMs", asUser, "POST", "/2/dm_conversations/with/" + closed.ID + "/messages", js, `{"text":"hi"}`, 403, twitter.CodeCannotSendToUser, "", "cannot send messages to this user"},
		{"v1.1 DM to closed DMs", asUser, "POST", "/1.1/direct_messages/events/new.json", js, v1DM(closed.ID, "hi"), 403, twitter.CodeCannotSendToUser, "", ""},
		{"v2 DM too long", asUser, "POST", "/2/dm_conversations/with/" + f.customer.ID + "/messages", js, `{"text":"` + strings.Repeat("a", twitter.MaxTextLength+1) + `"}`, 403, twitter.CodeTextTooLong, "", "max character limit"},
		{"v2 DM with an unknown field", asUser, "POST", "/2/dm_conversations/with/" + f.customer.ID + "/messages", js, `{"text":"hi","quick_reply":{}}`, 400, 0, "invalid-request", ""},
		{"v2 DM without text or attachment", asUser, "POST", "/2/dm_conversations/with/" + f.customer.ID + "/messages", js, `{}`, 400, 0, "invalid-request", ""},
		{"v2 DM not JSON", asUser, "POST", "/2/dm_conversations/with/" + f.customer.ID + "/messages", "text/plain", `hi`, 400, 0, "invalid-request", ""},
		{"v1.1 DM without recipient", asUser, "POST", "/1.1/direct_messages/events/new.json", js, `{"event":{"type":"message_create"}}`, 400, 214, "", ""},
		{"v2 webhook over http", asBearer, "POST", "/2/webhooks", js, `{"url":"http://example.com/x"}`, 400, 0, "invalid-request", twitter.ReasonURLValidationFailed},
		{"v2 webhook with a port", asBearer, "POST", "/2/webhooks", js, `{"url":"https://example.com:8443/x"}`, 400, 0, "invalid-request", twitter.ReasonURLValidationFailed},
		{"v1.1 webhook with a port", asUser, "POST", "/1.1/account_activity/all/prod/webhooks.json?url=https%3A%2F%2Fexample.com%3A8443%2Fx", "", "", 403, twitter.CodeCRCFailed, "", ""},
		{"v2 list DMs, bad page size", asUser, "GET", "/2/dm_events?max_results=500", "", "", 400, 0, "invalid-request", ""},
		{"v1.1 list DMs, bad count", asUser, "GET", "/1.1/direct_messages/events/list.json?count=500", "", "", 400, 44, "", ""},
		{"v2 subscribe again", asUser, "POST", "/2/account_activity/webhooks/" + f.webhook.ID + "/subscriptions/all", js, `{}`, 409, 0, "duplicate", twitter.ReasonDuplicateSubscription},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v2 := strings.HasPrefix(tt.path, "/2/")
			st, _, body := f.call(t, tt.who, tt.method, tt.path, tt.ctype, tt.body)
			wantShape(t, tt.name, v2, tt.status, tt.code, st, body, tt.kind)
			if d, _ := body["detail"].(string); v2 && tt.detail != "" && !strings.Contains(d, tt.detail) {
				t.Errorf("detail %q, want it to contain %q", d, tt.detail)
			}
		})
	}
}

// TestFaultsFireAfterAuthentication: an armed fault does not answer a call
// Twitter would refuse as unauthenticated; it waits for the next
// authenticated call.
func TestFaultsFireAfterAuthentication(t *testing.T) {
	f := newFixture(t)
	for _, ec := range f.endpointCalls() {
		t.Run(string(ec.ep), func(t *testing.T) {
			f.fake.FailNext(ec.ep, twittertest.Fault{Status: http.StatusServiceUnavailable, Code: twitter.CodeOverCapacity, Message: "Over capacity"})
			if st, _, body := f.call(t, unsigned, ec.method, ec.path, ec.ctype, ec.body); st != http.StatusUnauthorized {
				t.Fatalf("unsigned call with a fault armed: %d %v, want 401", st, body)
			}
			if ec.auth == asUser {
				if st, _, _ := f.call(t, revokedUser, ec.method, ec.path, ec.ctype, ec.body); st != http.StatusUnauthorized {
					t.Fatalf("call with an unknown token and a fault armed: %d, want 401", st)
				}
			}
			if st, _, _ := f.call(t, ec.auth, ec.method, ec.path, ec.ctype, ec.body); st != http.StatusServiceUnavailable {
				t.Fatalf("authenticated call: %d, want the armed 503", st)
			}
		})
	}
	f.fake.FailNext(twittertest.EndpointSendDM, twittertest.FaultRateLimited)
	tok := twitter.Token{Token: f.handle.ID + "-revoked", Secret: "nope"}
	_, err := f.client.SendDM(context.Background(), tok, twitter.OutgoingDM{RecipientID: f.customer.ID, Text: "hi"})
	if e, ok := twitter.AsAPIError(err); !ok || e.Status != http.StatusUnauthorized || !e.TokenInvalid() || e.RateLimited() {
		t.Fatalf("send with a revoked token and a 429 armed: %v; want 401, token invalid", err)
	}
	if _, err := f.client.SendDM(context.Background(), f.handleToken, twitter.OutgoingDM{RecipientID: f.customer.ID, Text: "hi"}); err == nil {
		t.Fatal("the armed 429 did not fire for the authenticated send")
	} else if e, _ := twitter.AsAPIError(err); !e.RateLimited() || e.Code != twitter.CodeRateLimited || e.Type != "https://api.x.com/2/problems/rate-limit-exceeded" {
		t.Fatalf("authenticated send: %+v", e)
	}
}

package api

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

const unknownID = "01JZZZZZZZZZZZZZZZZZZZZZZZ"

// twitterCase is one request of a table-driven Twitter API test.
type twitterCase struct {
	name      string
	method    string
	path      string
	body      string
	wantCode  int
	wantError string // error code
	wantField string
	wantText  string // part of the error message
}

func (tt twitterCase) run(t *testing.T, h *harness) {
	t.Helper()
	t.Run(tt.name, func(t *testing.T) {
		var body any
		if tt.body != "" {
			body = tt.body
		}
		res := h.call(tt.method, tt.path, h.admin, body)
		if res.Code != tt.wantCode {
			t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, res.Code, res.Body, tt.wantCode)
		}
		if tt.wantError != "" && res.errorCode(t) != tt.wantError {
			t.Errorf("error code = %q, want %q", res.errorCode(t), tt.wantError)
		}
		if tt.wantField != "" && res.errorField(t) != tt.wantField {
			t.Errorf("error names field %q, want %q: %s", res.errorField(t), tt.wantField, res.Body)
		}
		if tt.wantText != "" && !strings.Contains(string(res.Body), tt.wantText) {
			t.Errorf("answer %s does not say %q", res.Body, tt.wantText)
		}
		for _, leak := range []string{"consumer_secret\":", "access_token\":", "access_token_secret\":", "s3cr3t"} {
			if strings.Contains(string(res.Body), leak) {
				t.Errorf("answer contains %q: %s", leak, res.Body)
			}
		}
	})
}

// twitterApp creates an application as admin and returns it.
func (h *harness) twitterApp(name string) twitterApplicationResponse {
	h.t.Helper()
	res := h.call("POST", "/api/v1/twitter/applications", h.admin, map[string]any{"name": name, "consumer_key": "key-" + name, "consumer_secret": "s3cr3t-" + name})
	if res.Code != http.StatusCreated {
		h.t.Fatalf("create Twitter application = %d %s", res.Code, res.Body)
	}
	var a twitterApplicationResponse
	res.decode(h.t, &a)
	return a
}

// workStream creates a queue and a work stream and returns the work stream's id.
// signedOnHandle creates a work stream, an application and a handle signed
// on with tokens, and returns the application, the handle's id and the
// handle with its credentials, as the channel sees it.
func (h *harness) signedOnHandle() (twitterApplicationResponse, string, twitter.Handle) {
	h.t.Helper()
	ws := h.workStream("Care")
	app := h.twitterApp("Acme")
	handle := h.create("/api/v1/twitter/applications/"+app.ID+"/handles", map[string]any{"name": "Support", "work_stream_id": ws,
		"user_id": "6253282", "screen_name": "AcmeHelp", "access_token": "6253282-s3cr3t", "access_token_secret": "s3cr3t-secret"})
	hd, err := h.acc.HandleCredentials(context.Background(), engine.EndpointID(handle))
	if err != nil {
		h.t.Fatal(err)
	}
	return app, handle, hd
}

func (h *harness) workStream(name string) string {
	h.t.Helper()
	q := h.create("/api/v1/queues", map[string]any{"name": "Queue " + name})
	return h.create("/api/v1/workstreams", map[string]any{"name": name, "default_queue_id": q})
}

func TestTwitterApplications(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		res := h.call("POST", "/api/v1/twitter/applications", h.admin,
			map[string]any{"name": "Acme", "consumer_key": "ck-acme", "consumer_secret": "s3cr3t-acme", "environment_name": "prod"})
		if res.Code != http.StatusCreated {
			t.Fatalf("create = %d %s", res.Code, res.Body)
		}
		var a twitterApplicationResponse
		res.decode(t, &a)
		want := twitterApplicationResponse{ID: a.ID, Name: "Acme", ConsumerKey: "ck-acme", EnvironmentName: "prod", Dialect: "v2",
			CallbackURL: "https://switchboard.example/webhooks/twitter/" + a.ID, SignOnCallbackURL: "https://switchboard.example/oauth/twitter/callback",
			Enabled: true, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
		if a != want {
			t.Errorf("created:\n got %+v\nwant %+v", a, want)
		}
		if strings.Contains(string(res.Body), "s3cr3t") || strings.Contains(string(res.Body), "consumer_secret") {
			t.Errorf("the answer shows the consumer secret: %s", res.Body)
		}
		other := h.twitterApp("Other")

		const path = "/api/v1/twitter/applications"
		for _, tt := range []twitterCase{
			{name: "premium with environment", method: "POST", path: path, wantCode: 201,
				body: `{"name":"Premium","consumer_key":"ck","consumer_secret":"s3cr3t","environment_name":"dev-Env_1","dialect":"premium"}`},
			{name: "premium without environment", method: "POST", path: path, wantCode: 400, wantField: "environment_name",
				body: `{"name":"P2","consumer_key":"ck","consumer_secret":"s3cr3t","dialect":"premium"}`},
			{name: "bad environment", method: "POST", path: path, wantCode: 400, wantField: "environment_name",
				body: `{"name":"P3","consumer_key":"ck","consumer_secret":"s3cr3t","environment_name":"a b/c"}`},
			{name: "bad dialect", method: "POST", path: path, wantCode: 400, wantField: "dialect",
				body: `{"name":"P4","consumer_key":"ck","consumer_secret":"s3cr3t","dialect":"v1"}`},
			{name: "missing name", method: "POST", path: path, wantCode: 400, wantError: "invalid_request", wantField: "name",
				body: `{"consumer_key":"ck","consumer_secret":"s3cr3t"}`},
			{name: "missing consumer key", method: "POST", path: path, wantCode: 400, wantField: "consumer_key",
				body: `{"name":"X","consumer_secret":"s3cr3t"}`},
			{name: "missing consumer secret", method: "POST", path: path, wantCode: 400, wantField: "consumer_secret",
				body: `{"name":"X","consumer_key":"ck"}`},
			{name: "blank consumer secret", method: "POST", path: path, wantCode: 400, wantField: "consumer_secret",
				body: `{"name":"X","consumer_key":"ck","consumer_secret":"  "}`},
			{name: "consumer secret of the wrong type", method: "POST", path: path, wantCode: 400, wantField: "consumer_secret",
				body: `{"name":"X","consumer_key":"ck","consumer_secret":42}`},
			{name: "unknown field", method: "POST", path: path, wantCode: 400, wantField: "bearer_token",
				body: `{"name":"X","consumer_key":"ck","consumer_secret":"s3cr3t","bearer_token":"s3cr3t-b"}`},
			{name: "duplicate name, other case", method: "POST", path: path, wantCode: 409, wantError: "conflict",
				body: `{"name":"acme","consumer_key":"ck","consumer_secret":"s3cr3t"}`},
			{name: "get", method: "GET", path: path + "/" + a.ID, wantCode: 200},
			{name: "get unknown", method: "GET", path: path + "/" + unknownID, wantCode: 404, wantError: "not_found"},
			{name: "get malformed id", method: "GET", path: path + "/nope", wantCode: 400, wantField: "id"},
			{name: "list", method: "GET", path: path, wantCode: 200},
			{name: "list bad limit", method: "GET", path: path + "?limit=0", wantCode: 400, wantField: "limit"},
			{name: "list bad cursor", method: "GET", path: path + "?cursor=zzz", wantCode: 400, wantField: "cursor"},
			{name: "rename", method: "PATCH", path: path + "/" + a.ID, wantCode: 200, body: `{"name":"Acme Inc"}`},
			{name: "rename to a taken name", method: "PATCH", path: path + "/" + a.ID, wantCode: 409, body: `{"name":"OTHER"}`},
			{name: "disable and go premium", method: "PATCH", path: path + "/" + a.ID, wantCode: 200, body: `{"enabled":false,"dialect":"premium"}`},
			{name: "premium without environment on patch", method: "PATCH", path: path + "/" + other.ID, wantCode: 400, wantField: "environment_name", body: `{"dialect":"premium"}`},
			{name: "rotate credentials", method: "PATCH", path: path + "/" + a.ID, wantCode: 200, body: `{"consumer_key":"ck-acme-2","consumer_secret":"s3cr3t-acme-2"}`},
			{name: "blank consumer key on patch", method: "PATCH", path: path + "/" + a.ID, wantCode: 400, wantField: "consumer_key", body: `{"consumer_key":""}`},
			{name: "bad dialect on patch", method: "PATCH", path: path + "/" + a.ID, wantCode: 400, wantField: "dialect", body: `{"dialect":"v3"}`},
			{name: "patch unknown field", method: "PATCH", path: path + "/" + a.ID, wantCode: 400, wantField: "callback_url", body: `{"callback_url":"https://evil.example"}`},
			{name: "patch unknown", method: "PATCH", path: path + "/" + unknownID, wantCode: 404, body: `{"name":"Y"}`},
			{name: "patch malformed id", method: "PATCH", path: path + "/x", wantCode: 400, wantField: "id", body: `{"name":"Y"}`},
			{name: "delete unknown", method: "DELETE", path: path + "/" + unknownID, wantCode: 404},
			{name: "delete malformed id", method: "DELETE", path: path + "/x", wantCode: 400, wantField: "id"},
			{name: "delete", method: "DELETE", path: path + "/" + other.ID, wantCode: 204},
			{name: "deleted is gone", method: "GET", path: path + "/" + other.ID, wantCode: 404},
		} {
			tt.run(t, h)
		}

		var got twitterApplicationResponse
		h.call("GET", path+"/"+a.ID, h.admin, nil).decode(t, &got)
		if got.Name != "Acme Inc" || got.Enabled || got.Dialect != "premium" || got.ConsumerKey != "ck-acme-2" || got.EnvironmentName != "prod" || got.CallbackURL != want.CallbackURL {
			t.Errorf("after the PATCHes: %+v", got)
		}
		creds, err := h.acc.ApplicationCredentials(context.Background(), engine.SourceID(a.ID))
		if err != nil || creds.ConsumerSecret.Reveal() != "s3cr3t-acme-2" {
			t.Errorf("the adapter reads the consumer secret %v (err %v), want the rotated one", creds.ConsumerSecret.Reveal() == "s3cr3t-acme-2", err)
		}

		var list listResponse[twitterApplicationResponse]
		h.call("GET", path+"?limit=1", h.admin, nil).decode(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != a.ID || list.NextCursor == nil {
			t.Fatalf("first page = %+v", list)
		}
		h.call("GET", path+"?limit=1&cursor="+*list.NextCursor, h.admin, nil).decode(t, &list)
		if len(list.Items) != 1 || list.Items[0].Name != "Premium" || list.NextCursor != nil {
			t.Errorf("second page = %+v", list)
		}
	})
}

func TestTwitterHandles(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		ws := h.workStream("Care")
		ws2 := h.workStream("VIP")
		app := h.twitterApp("Acme")
		app2 := h.twitterApp("Beta")
		handles := "/api/v1/twitter/applications/" + app.ID + "/handles"

		res := h.call("POST", handles, h.admin, map[string]any{"name": "Support", "work_stream_id": ws, "user_id": "6253282", "screen_name": "@AcmeHelp",
			"access_token": "6253282-s3cr3t-token", "access_token_secret": "s3cr3t-token-secret"})
		if res.Code != http.StatusCreated {
			t.Fatalf("create handle = %d %s", res.Code, res.Body)
		}
		var hd twitterHandleResponse
		res.decode(t, &hd)
		want := twitterHandleResponse{ID: hd.ID, ApplicationID: app.ID, Name: "Support", WorkStreamID: ws, UserID: "6253282", ScreenName: "AcmeHelp",
			Status: "active", CreatedAt: hd.CreatedAt, UpdatedAt: hd.UpdatedAt}
		if hd != want {
			t.Errorf("created:\n got %+v\nwant %+v", hd, want)
		}
		second := h.create(handles, map[string]any{"name": "Sales", "work_stream_id": ws, "user_id": "42", "screen_name": "AcmeSales",
			"access_token": "42-s3cr3t", "access_token_secret": "s3cr3t-42"})

		manual := func(name, userID string) string {
			return fmt.Sprintf(`{"name":%q,"work_stream_id":%q,"user_id":%q,"screen_name":"x_1","access_token":"1-s3cr3t","access_token_secret":"s3cr3t-1"}`, name, ws, userID)
		}
		one := "/api/v1/twitter/handles/" + hd.ID
		for _, tt := range []twitterCase{
			{name: "sign-on form is not configured", method: "POST", path: handles, wantCode: 400, wantField: "access_token", wantText: "sign-on",
				body: `{"name":"New","work_stream_id":"` + ws + `"}`},
			{name: "missing user id", method: "POST", path: handles, wantCode: 400, wantField: "user_id",
				body: `{"name":"New","work_stream_id":"` + ws + `","screen_name":"x","access_token":"1-s3cr3t","access_token_secret":"s3cr3t"}`},
			{name: "missing screen name", method: "POST", path: handles, wantCode: 400, wantField: "screen_name",
				body: `{"name":"New","work_stream_id":"` + ws + `","user_id":"7","access_token":"1-s3cr3t","access_token_secret":"s3cr3t"}`},
			{name: "missing tokens", method: "POST", path: handles, wantCode: 400, wantField: "access_token",
				body: `{"name":"New","work_stream_id":"` + ws + `","user_id":"7","screen_name":"x"}`},
			{name: "token without its secret", method: "POST", path: handles, wantCode: 400, wantField: "access_token_secret",
				body: `{"name":"New","work_stream_id":"` + ws + `","user_id":"7","screen_name":"x","access_token":"1-s3cr3t"}`},
			{name: "non-numeric user id", method: "POST", path: handles, wantCode: 400, wantField: "user_id", body: manual("New", "acme")},
			{name: "bad screen name", method: "POST", path: handles, wantCode: 400, wantField: "screen_name",
				body: `{"name":"New","work_stream_id":"` + ws + `","user_id":"7","screen_name":"a b","access_token":"1-s3cr3t","access_token_secret":"s3cr3t"}`},
			{name: "missing name", method: "POST", path: handles, wantCode: 400, wantField: "name",
				body: `{"work_stream_id":"` + ws + `","user_id":"7","screen_name":"x","access_token":"1-s3cr3t","access_token_secret":"s3cr3t"}`},
			{name: "missing work stream", method: "POST", path: handles, wantCode: 400, wantField: "work_stream_id",
				body: `{"name":"New","user_id":"7","screen_name":"x","access_token":"1-s3cr3t","access_token_secret":"s3cr3t"}`},
			{name: "unknown work stream", method: "POST", path: handles, wantCode: 400, wantField: "work_stream_id",
				body: `{"name":"New","work_stream_id":"` + unknownID + `","user_id":"7","screen_name":"x","access_token":"1-s3cr3t","access_token_secret":"s3cr3t"}`},
			{name: "malformed work stream", method: "POST", path: handles, wantCode: 400, wantField: "work_stream_id",
				body: `{"name":"New","work_stream_id":"ws1","user_id":"7","screen_name":"x","access_token":"1-s3cr3t","access_token_secret":"s3cr3t"}`},
			{name: "unknown field", method: "POST", path: handles, wantCode: 400, wantField: "status", body: `{"name":"New","status":"active"}`},
			{name: "duplicate name, other case", method: "POST", path: handles, wantCode: 409, wantError: "conflict", body: manual("SUPPORT", "7")},
			{name: "user already connected", method: "POST", path: handles, wantCode: 409, wantError: "conflict", body: manual("Other", "6253282")},
			{name: "same user in another application", method: "POST", path: "/api/v1/twitter/applications/" + app2.ID + "/handles", wantCode: 201, body: manual("Support", "6253282")},
			{name: "unknown application", method: "POST", path: "/api/v1/twitter/applications/" + unknownID + "/handles", wantCode: 404, body: manual("New", "7")},
			{name: "malformed application id", method: "POST", path: "/api/v1/twitter/applications/x/handles", wantCode: 400, wantField: "id", body: manual("New", "7")},
			{name: "list", method: "GET", path: handles, wantCode: 200},
			{name: "list unknown application", method: "GET", path: "/api/v1/twitter/applications/" + unknownID + "/handles", wantCode: 404},
			{name: "list bad limit", method: "GET", path: handles + "?limit=x", wantCode: 400, wantField: "limit"},
			{name: "get", method: "GET", path: one, wantCode: 200},
			{name: "get unknown", method: "GET", path: "/api/v1/twitter/handles/" + unknownID, wantCode: 404, wantError: "not_found"},
			{name: "get malformed id", method: "GET", path: "/api/v1/twitter/handles/x", wantCode: 400, wantField: "handle_id"},
			{name: "rename and move", method: "PATCH", path: one, wantCode: 200, body: `{"name":"Support EU","work_stream_id":"` + ws2 + `"}`},
			{name: "rename to a taken name", method: "PATCH", path: one, wantCode: 409, body: `{"name":"sales"}`},
			{name: "move to unknown work stream", method: "PATCH", path: one, wantCode: 400, wantField: "work_stream_id", body: `{"work_stream_id":"` + unknownID + `"}`},
			{name: "user id is not changed by PATCH", method: "PATCH", path: one, wantCode: 400, wantField: "user_id", body: `{"user_id":"9"}`},
			{name: "half a token pair", method: "PATCH", path: one, wantCode: 400, wantField: "access_token", body: `{"access_token_secret":"s3cr3t-new"}`},
			{name: "blank token", method: "PATCH", path: one, wantCode: 400, wantField: "access_token", body: `{"access_token":"","access_token_secret":"s3cr3t-new"}`},
			{name: "rotate tokens", method: "PATCH", path: one, wantCode: 200, body: `{"access_token":"6253282-s3cr3t-rotated","access_token_secret":"s3cr3t-rotated"}`},
			{name: "patch unknown", method: "PATCH", path: "/api/v1/twitter/handles/" + unknownID, wantCode: 404, body: `{"name":"Z"}`},
			{name: "delete application with handles", method: "DELETE", path: "/api/v1/twitter/applications/" + app.ID, wantCode: 409, wantError: "conflict"},
			{name: "delete work stream with handles", method: "DELETE", path: "/api/v1/workstreams/" + ws, wantCode: 409, wantError: "conflict"},
			{name: "delete unknown", method: "DELETE", path: "/api/v1/twitter/handles/" + unknownID, wantCode: 404},
			{name: "delete malformed id", method: "DELETE", path: "/api/v1/twitter/handles/x", wantCode: 400, wantField: "handle_id"},
			{name: "delete", method: "DELETE", path: "/api/v1/twitter/handles/" + second, wantCode: 204},
			{name: "deleted is gone", method: "GET", path: "/api/v1/twitter/handles/" + second, wantCode: 404},
		} {
			tt.run(t, h)
		}

		var got twitterHandleResponse
		h.call("GET", one, h.admin, nil).decode(t, &got)
		if got.Name != "Support EU" || got.WorkStreamID != ws2 || got.Status != "active" || got.UserID != "6253282" {
			t.Errorf("after the PATCHes: %+v", got)
		}

		// The adapter's view: routing by for_user_id, with the tokens in clear.
		ctx := context.Background()
		found, err := h.acc.HandleForUser(ctx, engine.SourceID(app.ID), "6253282")
		if err != nil || found.ID != engine.EndpointID(hd.ID) || found.AccessToken.Reveal() != "6253282-s3cr3t-rotated" || found.AccessTokenSecret.Reveal() != "s3cr3t-rotated" {
			t.Errorf("TwitterHandleForUser = %v, %v; want handle %s with the rotated tokens", found, err, hd.ID)
		}
		if _, err := h.acc.HandleForUser(ctx, engine.SourceID(app.ID), "42"); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("the deleted handle's user still routes: %v", err)
		}
		other, err := h.acc.HandleForUser(ctx, engine.SourceID(app2.ID), "6253282")
		if err != nil || other.ApplicationID != engine.SourceID(app2.ID) {
			t.Errorf("the same user in another application routes to %v, %v", other, err)
		}

		// Revocation marks the handle disconnected; new tokens make it active again.
		if err := h.acc.DisconnectUser(ctx, engine.SourceID(app.ID), "6253282", "the user revoked the app's access"); err != nil {
			t.Fatal(err)
		}
		h.call("GET", one, h.admin, nil).decode(t, &got)
		if got.Status != "disconnected" || got.StatusReason != "the user revoked the app's access" {
			t.Errorf("after revocation: %+v", got)
		}
		h.call("PATCH", one, h.admin, `{"access_token":"6253282-s3cr3t-again","access_token_secret":"s3cr3t-again"}`).decode(t, &got)
		if got.Status != "active" || got.StatusReason != "" {
			t.Errorf("after new tokens: %+v", got)
		}

		// With its handle gone the application can be deleted; so can the work stream.
		if res := h.call("DELETE", one, h.admin, nil); res.Code != http.StatusNoContent {
			t.Fatalf("delete handle = %d %s", res.Code, res.Body)
		}
		if res := h.call("DELETE", "/api/v1/twitter/applications/"+app.ID, h.admin, nil); res.Code != http.StatusNoContent {
			t.Fatalf("delete application without handles = %d %s", res.Code, res.Body)
		}
		if res := h.call("DELETE", "/api/v1/workstreams/"+ws2, h.admin, nil); res.Code != http.StatusNoContent {
			t.Fatalf("delete work stream without handles = %d %s", res.Code, res.Body)
		}

		var audit listResponse[auditResponse]
		h.call("GET", "/api/v1/audit?resource=twitter_handle&resource_id="+hd.ID, h.admin, nil).decode(t, &audit)
		var actions []string
		for _, e := range audit.Items {
			actions = append(actions, e.Action)
		}
		if w := []string{"delete", "update", "status", "update", "update", "create"}; !slices.Equal(actions, w) {
			t.Errorf("audit of the handle, newest first = %v, want %v", actions, w)
		}
	})
}

func TestTwitterRoutesAreForAdmins(t *testing.T) {
	db := storagetest.SQLite(t)
	h := newHarness(t, db)
	ws := h.workStream("Care")
	app := h.twitterApp("Acme")
	hd := h.create("/api/v1/twitter/applications/"+app.ID+"/handles", map[string]any{"name": "Support", "work_stream_id": ws, "user_id": "1", "screen_name": "a",
		"access_token": "1-s3cr3t", "access_token_secret": "s3cr3t"})
	q := h.create("/api/v1/queues", map[string]any{"name": "Agents"})
	res := h.call("POST", "/api/v1/agents", h.admin, map[string]any{"name": "Ada", "capacity": 1, "queue_ids": []string{q}})
	if res.Code != http.StatusCreated {
		t.Fatalf("create agent = %d %s", res.Code, res.Body)
	}
	var agent struct {
		Token string `json:"token"`
	}
	res.decode(t, &agent)

	routes := []struct{ method, path, body string }{
		{"POST", "/api/v1/twitter/applications", `{"name":"X","consumer_key":"k","consumer_secret":"s"}`},
		{"GET", "/api/v1/twitter/applications", ""},
		{"GET", "/api/v1/twitter/applications/" + app.ID, ""},
		{"PATCH", "/api/v1/twitter/applications/" + app.ID, `{"name":"Y"}`},
		{"DELETE", "/api/v1/twitter/applications/" + app.ID, ""},
		{"POST", "/api/v1/twitter/applications/" + app.ID + "/handles", `{"name":"X","work_stream_id":"` + ws + `"}`},
		{"GET", "/api/v1/twitter/applications/" + app.ID + "/handles", ""},
		{"GET", "/api/v1/twitter/handles/" + hd, ""},
		{"PATCH", "/api/v1/twitter/handles/" + hd, `{"name":"Y"}`},
		{"DELETE", "/api/v1/twitter/handles/" + hd, ""},
	}
	callers := []struct {
		name  string
		token string
		want  int
	}{
		{"analyst", h.key(engine.RoleAnalyst, ""), http.StatusForbidden},
		{"agent", agent.Token, http.StatusForbidden},
		{"no token", "", http.StatusUnauthorized},
		{"unknown token", "not-a-key", http.StatusUnauthorized},
	}
	for _, c := range callers {
		for _, r := range routes {
			t.Run(c.name+" "+r.method+" "+r.path, func(t *testing.T) {
				var body any
				if r.body != "" {
					body = r.body
				}
				if res := h.call(r.method, r.path, c.token, body); res.Code != c.want {
					t.Errorf("= %d %s, want %d", res.Code, res.Body, c.want)
				}
			})
		}
	}
	if res := h.call("GET", "/api/v1/twitter/handles/"+hd, h.admin, nil); res.Code != http.StatusOK {
		t.Errorf("the handle changed or vanished under refused calls: %d", res.Code)
	}
}

// secretValues are the distinctive secrets of TestTwitterSecretsNeverLeak.
var secretValues = []string{
	"CSECRET-1-qmx84hzv", "CSECRET-2-rotated-pw7k", "CSECRET-3-refused-tz3n",
	"ATOKEN-1-kd92jfa", "ATSECRET-1-zz81lq", "ATOKEN-2-rotated-p0q", "ATSECRET-2-rotated-m3v", "ATOKEN-3-refused-uu1",
}

// leakySteps creates an application and a handle with distinctive secrets,
// rotates them, sends some refused requests that carry secrets, and returns
// every answer body.
func leakySteps(t *testing.T, h *harness) (appID, handleID string, bodies [][]byte) {
	t.Helper()
	ws := h.workStream("Care")
	call := func(method, path, body string, want int) []byte {
		t.Helper()
		res := h.call(method, path, h.admin, body)
		if res.Code != want {
			t.Fatalf("%s %s = %d %s, want %d", method, path, res.Code, res.Body, want)
		}
		bodies = append(bodies, res.Body)
		return res.Body
	}
	var a twitterApplicationResponse
	res := h.call("POST", "/api/v1/twitter/applications", h.admin, `{"name":"Acme","consumer_key":"ck-acme","consumer_secret":"CSECRET-1-qmx84hzv","environment_name":"prod"}`)
	res.decode(t, &a)
	bodies = append(bodies, res.Body)
	app := "/api/v1/twitter/applications/" + a.ID
	var hd twitterHandleResponse
	res = h.call("POST", app+"/handles", h.admin, `{"name":"Support","work_stream_id":"`+ws+`","user_id":"6253282","screen_name":"acme","access_token":"ATOKEN-1-kd92jfa","access_token_secret":"ATSECRET-1-zz81lq"}`)
	res.decode(t, &hd)
	bodies = append(bodies, res.Body)
	handle := "/api/v1/twitter/handles/" + hd.ID

	call("PATCH", app, `{"consumer_secret":"CSECRET-2-rotated-pw7k"}`, 200)
	call("PATCH", handle, `{"access_token":"ATOKEN-2-rotated-p0q","access_token_secret":"ATSECRET-2-rotated-m3v"}`, 200)
	// Refused requests must not echo the secrets they carry.
	call("POST", "/api/v1/twitter/applications", `{"name":"acme","consumer_key":"ck","consumer_secret":"CSECRET-3-refused-tz3n"}`, 409)
	call("POST", "/api/v1/twitter/applications", `{"name":"B","consumer_key":"ck","consumer_secret":"CSECRET-3-refused-tz3n","dialect":"premium"}`, 400)
	call("POST", "/api/v1/twitter/applications", `{"name":"B","consumer_key":"ck","consumer_secret":"CSECRET-3-refused-tz3n","x":1}`, 400)
	call("POST", app+"/handles", `{"name":"Other","work_stream_id":"`+ws+`","user_id":"6253282","screen_name":"acme","access_token":"ATOKEN-3-refused-uu1","access_token_secret":"ATSECRET-1-zz81lq"}`, 409)
	call("PATCH", handle, `{"access_token":"ATOKEN-3-refused-uu1 with blanks","access_token_secret":"x"}`, 400)
	call("PATCH", handle, `{"access_token":"ATOKEN-3-refused-uu1"}`, 400)
	call("GET", app, "", 200)
	call("GET", "/api/v1/twitter/applications", "", 200)
	call("GET", handle, "", 200)
	call("GET", app+"/handles", "", 200)
	call("GET", "/api/v1/audit", "", 200)

	// The adapter gets the rotated values back in clear.
	ctx := context.Background()
	creds, err := h.acc.ApplicationCredentials(ctx, engine.SourceID(a.ID))
	if err != nil || creds.ConsumerSecret.Reveal() != "CSECRET-2-rotated-pw7k" {
		t.Errorf("the stored consumer secret is not the rotated one (err %v)", err)
	}
	hc, err := h.acc.HandleCredentials(ctx, engine.EndpointID(hd.ID))
	if err != nil || hc.AccessToken.Reveal() != "ATOKEN-2-rotated-p0q" || hc.AccessTokenSecret.Reveal() != "ATSECRET-2-rotated-m3v" {
		t.Errorf("the stored tokens are not the rotated ones (err %v)", err)
	}
	// A stray log line of the records masks the secrets.
	slog.New(slog.NewJSONHandler(h.logs, nil)).Info("stray", "app", creds, "handle", hc, "secret", hc.AccessToken)
	fmt.Fprintf(h.logs, "%v %+v %#v %s %v %+v %#v %s\n", creds, creds, creds, creds, hc, hc, hc, hc.AccessTokenSecret)
	return a.ID, hd.ID, bodies
}

// assertNoSecret fails if data contains any of secretValues.
func assertNoSecret(t *testing.T, what string, data []byte) {
	t.Helper()
	for _, s := range secretValues {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("%s contains the secret %q", what, s)
		}
	}
}

func TestTwitterSecretsNeverLeak(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		ctx := context.Background()
		path := storagetest.SQLiteURL(t)
		db, err := storage.Open(ctx, storage.Options{URL: path, SecretKey: storagetest.SecretKey(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.MigrateUp(ctx); err != nil {
			t.Fatal(err)
		}
		h := newHarness(t, db)
		_, _, bodies := leakySteps(t, h)
		for i, b := range bodies {
			assertNoSecret(t, fmt.Sprintf("answer %d", i), b)
		}
		assertNoSecret(t, "the logs", h.logs.Bytes())
		if !strings.Contains(h.logs.String(), "[redacted]") {
			t.Errorf("the stray log lines do not show the mask: %s", h.logs)
		}
		files := []string{path, path + "-wal"}
		check := func(when string) {
			var all []byte
			for _, f := range files {
				data, err := os.ReadFile(f)
				if os.IsNotExist(err) {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, data...)
				assertNoSecret(t, when+" "+f, data)
			}
			// The files are read right: what is not secret is there in clear.
			if !bytes.Contains(all, []byte("ck-acme")) || !bytes.Contains(all, []byte("6253282")) {
				t.Fatalf("%s: the consumer key and user id are not in %v; the check reads the wrong bytes", when, files)
			}
		}
		check("open database")
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		check("closed database")
	})
	t.Run("postgres", func(t *testing.T) {
		ctx := context.Background()
		url := storagetest.PostgresURL(t)
		db, err := storage.Open(ctx, storage.Options{URL: url, SecretKey: storagetest.SecretKey(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.MigrateUp(ctx); err != nil {
			t.Fatal(err)
		}
		h := newHarness(t, db)
		appID, handleID, bodies := leakySteps(t, h)
		for i, b := range bodies {
			assertNoSecret(t, fmt.Sprintf("answer %d", i), b)
		}
		assertNoSecret(t, "the logs", h.logs.Bytes())

		raw, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		var secret, token, tokenSecret string
		if err := raw.QueryRowContext(ctx, `SELECT client_secret FROM sources WHERE id = $1`, appID).Scan(&secret); err != nil {
			t.Fatal(err)
		}
		if err := raw.QueryRowContext(ctx, `SELECT token, token_secret FROM endpoints WHERE id = $1`, handleID).Scan(&token, &tokenSecret); err != nil {
			t.Fatal(err)
		}
		for col, v := range map[string]string{"consumer_secret": secret, "access_token": token, "access_token_secret": tokenSecret} {
			if !strings.HasPrefix(v, "v1:") || len(v) < 40 {
				t.Errorf("%s is stored as %q, not sealed", col, v)
			}
			assertNoSecret(t, "column "+col, []byte(v))
		}
		// Nothing else in the schema holds a secret either (the audit log, say).
		rows, err := raw.QueryContext(ctx, `SELECT t::text FROM sources t UNION ALL SELECT t::text FROM endpoints t UNION ALL SELECT t::text FROM audit_log t`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var row string
			if err := rows.Scan(&row); err != nil {
				t.Fatal(err)
			}
			assertNoSecret(t, "a row", []byte(row))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTwitterRecordsMaskSecrets(t *testing.T) {
	a := twitter.Application{ID: "01A", Name: "Acme", ConsumerKey: "ck", ConsumerSecret: "CSECRET-1-qmx84hzv"}
	hd := twitter.Handle{ID: "01H", Name: "Support", AccessToken: "ATOKEN-1-kd92jfa", AccessTokenSecret: "ATSECRET-1-zz81lq"}
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("app", "app", a, "handle", hd, "secret", a.ConsumerSecret, "ptr", &hd)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("text", "app", a, "handle", hd, "token", hd.AccessToken)
	fmt.Fprintf(&buf, "%v %+v %#v %s %q %v %+v %#v %s %v %v\n", a, a, a, a, a, hd, hd, hd, hd, &hd, []engine.Secret{hd.AccessToken})
	assertNoSecret(t, "printed records", buf.Bytes())
	if !strings.Contains(buf.String(), `"consumer_key":"ck"`) || !strings.Contains(buf.String(), "[redacted]") {
		t.Errorf("the records do not print what is not secret, or not the mask: %s", buf.String())
	}
	if got := a.CallbackURL("https://switchboard.example"); got != "https://switchboard.example/webhooks/twitter/01A" {
		t.Errorf("CallbackURL = %q", got)
	}
}

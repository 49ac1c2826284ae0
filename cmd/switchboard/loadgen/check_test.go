package loadgen

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// apiConversation is a conversation as the fake API serves it.
type apiConversation struct {
	id, customer, queue string
	routed              bool
	events              []string // inbound messages' event ids
}

// fakeAPI serves GET /api/v1/conversations (two to a page, to exercise
// the cursor) and GET /api/v1/conversations/{id} in the service's shapes,
// for the admin token only.
func fakeAPI(t *testing.T, convs []apiConversation) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	auth := func(w http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("Authorization") != "Bearer admin-token" {
			http.Error(w, `{"error":{"code":"unauthorized"}}`, http.StatusUnauthorized)
			return false
		}
		return true
	}
	mux.HandleFunc("GET /api/v1/conversations", func(w http.ResponseWriter, r *http.Request) {
		if !auth(w, r) {
			return
		}
		start := 0
		if c := r.URL.Query().Get("cursor"); c != "" {
			start = slices.IndexFunc(convs, func(cv apiConversation) bool { return cv.id == c })
		}
		end := min(start+2, len(convs))
		page := map[string]any{"items": []any{}, "next_cursor": nil}
		var items []any
		for _, cv := range convs[start:end] {
			items = append(items, map[string]any{"id": cv.id, "customer": map[string]any{"twitter_id": cv.customer}})
		}
		page["items"] = items
		if end < len(convs) {
			page["next_cursor"] = convs[end].id
		}
		_ = json.NewEncoder(w).Encode(page)
	})
	mux.HandleFunc("GET /api/v1/conversations/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !auth(w, r) {
			return
		}
		i := slices.IndexFunc(convs, func(cv apiConversation) bool { return cv.id == r.PathValue("id") })
		if i < 0 {
			http.NotFound(w, r)
			return
		}
		cv := convs[i]
		msgs := []any{map[string]any{"direction": "outbound", "twitter_event_id": "reply-1"}}
		for _, ev := range cv.events {
			msgs = append(msgs, map[string]any{"direction": "inbound", "twitter_event_id": ev})
		}
		detail := map[string]any{"id": cv.id, "queue_id": nil, "customer": map[string]any{"twitter_id": cv.customer},
			"messages": msgs, "routing": []any{}}
		if cv.routed {
			detail["queue_id"] = cv.queue
			detail["routing"] = []any{map[string]any{"queue_id": cv.queue}}
		}
		_ = json.NewEncoder(w).Encode(detail)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestCheck(t *testing.T) {
	// The run: customer c1 sent e1 and e2, c2 sent e3 and e4; e4 was not
	// acknowledged.
	events := []Event{
		{ID: "e1", CustomerID: "c1", HandleID: "h", Acked: true},
		{ID: "e2", CustomerID: "c1", HandleID: "h", Acked: true},
		{ID: "e3", CustomerID: "c2", HandleID: "h", Acked: true},
		{ID: "e4", CustomerID: "c2", HandleID: "h", Acked: false},
	}
	// other is another customer's conversation, which the check ignores.
	other := apiConversation{id: "other", customer: "someone-else", queue: "q", routed: false, events: []string{"x1"}}
	tests := []struct {
		name  string
		convs []apiConversation
		want  CheckResult
	}{
		{"all stored once and routed", []apiConversation{
			{id: "k1", customer: "c1", queue: "q", routed: true, events: []string{"e1", "e2"}},
			other,
			{id: "k2", customer: "c2", queue: "q", routed: true, events: []string{"e3"}},
		}, CheckResult{Acknowledged: 3, Stored: 3, Conversations: 2}},
		{"an unacknowledged event may be stored", []apiConversation{
			{id: "k1", customer: "c1", queue: "q", routed: true, events: []string{"e1", "e2"}},
			{id: "k2", customer: "c2", queue: "q", routed: true, events: []string{"e3", "e4"}},
		}, CheckResult{Acknowledged: 3, Stored: 4, Conversations: 2}},
		{"a missing DM", []apiConversation{
			{id: "k1", customer: "c1", queue: "q", routed: true, events: []string{"e1"}},
			{id: "k2", customer: "c2", queue: "q", routed: true, events: []string{"e3"}},
		}, CheckResult{Acknowledged: 3, Stored: 2, Conversations: 2, Missing: []string{"e2"}}},
		{"a duplicate, also across conversations", []apiConversation{
			{id: "k1", customer: "c1", queue: "q", routed: true, events: []string{"e1", "e2", "e1"}},
			{id: "k2", customer: "c2", queue: "q", routed: true, events: []string{"e3"}},
			{id: "k3", customer: "c2", queue: "q", routed: true, events: []string{"e3"}},
		}, CheckResult{Acknowledged: 3, Stored: 5, Conversations: 3, Duplicates: []string{"e1", "e3"}}},
		{"an extra message and one in the wrong conversation", []apiConversation{
			{id: "k1", customer: "c1", queue: "q", routed: true, events: []string{"e1", "e2", "zz"}},
			{id: "k2", customer: "c2", queue: "q", routed: true, events: []string{"e3", "e1"}},
		}, CheckResult{Acknowledged: 3, Stored: 5, Conversations: 2, Extra: []string{"e1", "zz"}}},
		{"an unrouted conversation", []apiConversation{
			{id: "k1", customer: "c1", queue: "q", routed: true, events: []string{"e1", "e2"}},
			{id: "k2", customer: "c2", queue: "q", routed: false, events: []string{"e3"}},
		}, CheckResult{Acknowledged: 3, Stored: 3, Conversations: 2, Unrouted: []string{"k2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeAPI(t, tt.convs)
			got, err := Checker{APIURL: srv.URL, Token: "admin-token"}.Check(t.Context(), events)
			if err != nil {
				t.Fatal(err)
			}
			if !equalResults(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if got.OK() != equalResults(tt.want, CheckResult{Acknowledged: tt.want.Acknowledged, Stored: tt.want.Stored, Conversations: tt.want.Conversations}) {
				t.Errorf("OK() is %v for %+v", got.OK(), got)
			}
			var out strings.Builder
			got.Report(&out)
			verdict := "passed"
			if !got.OK() {
				verdict = "FAILED"
			}
			if !strings.Contains(out.String(), "Database check through the API: "+verdict) {
				t.Errorf("the report does not say %s:\n%s", verdict, out.String())
			}
		})
	}
}

func TestCheckNeedsTheToken(t *testing.T) {
	srv := fakeAPI(t, nil)
	if _, err := (Checker{APIURL: srv.URL, Token: "wrong"}).Check(t.Context(), nil); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a refused listing gave %v, want an error naming 401", err)
	}
}

func equalResults(a, b CheckResult) bool {
	return a.Acknowledged == b.Acknowledged && a.Stored == b.Stored && a.Conversations == b.Conversations &&
		slices.Equal(a.Missing, b.Missing) && slices.Equal(a.Duplicates, b.Duplicates) &&
		slices.Equal(a.Extra, b.Extra) && slices.Equal(a.Unrouted, b.Unrouted)
}

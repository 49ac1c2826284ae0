package twittertest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Endpoint names an API endpoint for fault injection and rate limits: its
// method and path pattern.
type Endpoint string

// The endpoints the fake server implements.
const (
	EndpointRequestToken       Endpoint = "POST /oauth/request_token"
	EndpointAuthorize          Endpoint = "GET /oauth/authorize"
	EndpointAuthenticate       Endpoint = "GET /oauth/authenticate"
	EndpointAccessToken        Endpoint = "POST /oauth/access_token"
	EndpointBearerToken        Endpoint = "POST /oauth2/token"
	EndpointUsersMe            Endpoint = "GET /2/users/me"
	EndpointVerifyCredentials  Endpoint = "GET /1.1/account/verify_credentials.json"
	EndpointCreateWebhook      Endpoint = "POST /2/webhooks"
	EndpointListWebhooks       Endpoint = "GET /2/webhooks"
	EndpointValidateWebhook    Endpoint = "PUT /2/webhooks/{id}"
	EndpointDeleteWebhook      Endpoint = "DELETE /2/webhooks/{id}"
	EndpointSubscribe          Endpoint = "POST /2/account_activity/webhooks/{id}/subscriptions/all"
	EndpointCheckSubscription  Endpoint = "GET /2/account_activity/webhooks/{id}/subscriptions/all"
	EndpointListSubscriptions  Endpoint = "GET /2/account_activity/webhooks/{id}/subscriptions/all/list"
	EndpointUnsubscribe        Endpoint = "DELETE /2/account_activity/webhooks/{id}/subscriptions/{user_id}/all"
	EndpointCountSubscriptions Endpoint = "GET /2/account_activity/subscriptions/count"

	EndpointPremiumCreateWebhook     Endpoint = "POST /1.1/account_activity/all/{env}/webhooks.json"
	EndpointPremiumListWebhooks      Endpoint = "GET /1.1/account_activity/all/{env}/webhooks.json"
	EndpointPremiumListAllWebhooks   Endpoint = "GET /1.1/account_activity/all/webhooks.json"
	EndpointPremiumValidateWebhook   Endpoint = "PUT /1.1/account_activity/all/{env}/webhooks/{idjson}"
	EndpointPremiumDeleteWebhook     Endpoint = "DELETE /1.1/account_activity/all/{env}/webhooks/{idjson}"
	EndpointPremiumSubscribe         Endpoint = "POST /1.1/account_activity/all/{env}/subscriptions.json"
	EndpointPremiumCheckSubscription Endpoint = "GET /1.1/account_activity/all/{env}/subscriptions.json"
	EndpointPremiumListSubscriptions Endpoint = "GET /1.1/account_activity/all/{env}/subscriptions/list.json"
	EndpointPremiumUnsubscribe       Endpoint = "DELETE /1.1/account_activity/all/{env}/subscriptions/{uidjson}"
	EndpointPremiumCount             Endpoint = "GET /1.1/account_activity/all/subscriptions/count.json"

	EndpointSendDM       Endpoint = "POST /2/dm_conversations/with/{participant_id}/messages"
	EndpointSendDMv1     Endpoint = "POST /1.1/direct_messages/events/new.json"
	EndpointListDMEvents Endpoint = "GET /2/dm_events"
	EndpointListDMv1     Endpoint = "GET /1.1/direct_messages/events/list.json"
	EndpointTyping       Endpoint = "POST /1.1/direct_messages/indicate_typing.json"
	EndpointMarkRead     Endpoint = "POST /1.1/direct_messages/mark_read.json"
	EndpointMedia        Endpoint = "GET /1.1/ton/data/dm/{dm_id}/{media_id}/{name}"
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	api := map[Endpoint]http.HandlerFunc{
		EndpointRequestToken: s.handleRequestToken,
		EndpointAuthorize:    s.handleAuthorize,
		EndpointAuthenticate: s.handleAuthorize,
		EndpointAccessToken:  s.handleAccessToken,
		EndpointBearerToken:  s.handleBearerToken,

		EndpointUsersMe:           s.handleUsersMe,
		EndpointVerifyCredentials: s.handleVerifyCredentials,

		EndpointCreateWebhook:      s.handleCreateWebhook,
		EndpointListWebhooks:       s.handleListWebhooks,
		EndpointValidateWebhook:    s.handleValidateWebhook,
		EndpointDeleteWebhook:      s.handleDeleteWebhook,
		EndpointSubscribe:          s.handleSubscribe,
		EndpointCheckSubscription:  s.handleCheckSubscription,
		EndpointListSubscriptions:  s.handleListSubscriptions,
		EndpointUnsubscribe:        s.handleUnsubscribe,
		EndpointCountSubscriptions: s.handleCountSubscriptions,

		EndpointPremiumCreateWebhook:     s.handlePremiumCreateWebhook,
		EndpointPremiumListWebhooks:      s.handlePremiumListWebhooks,
		EndpointPremiumListAllWebhooks:   s.handlePremiumListWebhooks,
		EndpointPremiumValidateWebhook:   s.handlePremiumValidateWebhook,
		EndpointPremiumDeleteWebhook:     s.handlePremiumDeleteWebhook,
		EndpointPremiumSubscribe:         s.handlePremiumSubscribe,
		EndpointPremiumCheckSubscription: s.handlePremiumCheckSubscription,
		EndpointPremiumListSubscriptions: s.handlePremiumListSubscriptions,
		EndpointPremiumUnsubscribe:       s.handlePremiumUnsubscribe,
		EndpointPremiumCount:             s.handlePremiumCount,

		EndpointSendDM:       s.handleSendDM,
		EndpointSendDMv1:     s.handleSendDMv1,
		EndpointListDMEvents: s.handleListDMEvents,
		EndpointListDMv1:     s.handleListDMv1,
		EndpointTyping:       s.handleTyping,
		EndpointMarkRead:     s.handleMarkRead,
		EndpointMedia:        s.handleMedia,
	}
	for ep, h := range api {
		mux.Handle(string(ep), s.limited(ep, h))
	}
	s.controlRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, 34, "Sorry, that page does not exist.")
	})
	return mux
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeV1Error answers a v1.1 error body: {"errors":[{"code","message"}]}.
func writeV1Error(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{"errors": []map[string]any{{"code": code, "message": msg}}})
}

// isV2 reports whether r calls a v2 endpoint, whose errors are problems.
func isV2(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/2/") }

// writeError answers an error in the shape of r's endpoint: a v2 problem
// (with msg as its detail) for /2/ paths, else v1.1's errors array with
// code. Errors that v1.1 and v2 share (authentication, rate limits,
// recipients) go through it.
func writeError(w http.ResponseWriter, r *http.Request, status, code int, msg string) {
	if !isV2(r) {
		writeV1Error(w, status, code, msg)
		return
	}
	writeProblem(w, status, problemKind(status), "", msg)
}

// problemKind is the v2 problem type Twitter answers a status with
// (reference §9.2, §12): "" stands for about:blank.
func problemKind(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusUnsupportedMediaType:
		return "invalid-request"
	case http.StatusNotFound:
		return "resource-not-found"
	case http.StatusTooManyRequests:
		return "rate-limit-exceeded"
	}
	return ""
}

// problemTitles are the titles of the problem kinds; other problems are
// titled with their status text.
var problemTitles = map[string]string{
	"invalid-request":     "Invalid Request",
	"resource-not-found":  "Not Found Error",
	"rate-limit-exceeded": "Too Many Requests",
	"usage-capped":        "Usage capped",
	"duplicate":           "Conflict",
}

// writeProblem answers a v2 problem {"title","type","status","detail"};
// kind "" is type about:blank. reason (e.g. "CrcValidationFailed") leads the
// detail, as in Twitter's answers.
func writeProblem(w http.ResponseWriter, status int, kind, reason, detail string) {
	title, typ := http.StatusText(status), "about:blank"
	if kind != "" {
		typ = "https://api.x.com/2/problems/" + kind
		if t, ok := problemTitles[kind]; ok {
			title = t
		}
	}
	if reason != "" {
		detail = reason + ": " + detail
	}
	if detail == "" {
		detail = title
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"title": title, "type": typ, "status": status, "detail": detail})
}

// window is a rate-limit window.
type window struct {
	used  int
	reset time.Time
}

func defaultLimits() map[Endpoint]int {
	return map[Endpoint]int{
		EndpointUsersMe: 75, EndpointVerifyCredentials: 75,
		EndpointCreateWebhook: 450, EndpointListWebhooks: 450, EndpointValidateWebhook: 450, EndpointDeleteWebhook: 450,
		EndpointSubscribe: 500, EndpointCheckSubscription: 500, EndpointListSubscriptions: 50, EndpointUnsubscribe: 500,
		EndpointPremiumCreateWebhook: 15, EndpointPremiumValidateWebhook: 15, EndpointPremiumDeleteWebhook: 15,
		EndpointPremiumSubscribe: 500, EndpointPremiumCheckSubscription: 500, EndpointPremiumUnsubscribe: 500,
		EndpointSendDM: 200, EndpointSendDMv1: 200,
		EndpointListDMEvents: 15, EndpointListDMv1: 15,
		EndpointTyping: 1000, EndpointMarkRead: 1000,
	}
}

// Day limits of DM sends (per user and per app), reported in the
// x-user-limit-24hour-* and x-app-limit-24hour-* headers.
const (
	userDayLimit = 1000
	appDayLimit  = 15000
)

// rateKey identifies the caller for rate limiting: the OAuth token (user
// limits) or the bearer token / consumer key (app limits).
func rateKey(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if p, err := parseOAuthHeader(h); err == nil {
		if t := p["oauth_token"]; t != "" {
			return "user:" + t
		}
		return "app:" + p["oauth_consumer_key"]
	}
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		return "bearer:" + tok
	}
	return "anon"
}

// limited wraps an endpoint with authentication, then fault injection and
// rate limiting, and sets the x-rate-limit-* headers.
func (s *Server) limited(ep Endpoint, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.Debug("fake twitter request", "endpoint", string(ep))
		// Twitter authenticates before anything else: an unsigned or
		// wrongly signed call gets 401, not an armed fault or a 429.
		r, ok := s.authenticate(ep, w, r)
		if !ok {
			return
		}
		now := s.now()
		key := rateKey(r)
		s.mu.Lock()
		fault, faulted := s.takeFaultLocked(ep)
		limit := s.limits[ep]
		var win *window
		if limit > 0 {
			win = s.windowLocked(string(ep)+"|"+key, now, 15*time.Minute)
			win.used++
		}
		isDM := ep == EndpointSendDM || ep == EndpointSendDMv1
		var userDay, appDay *window
		if isDM {
			userDay = s.windowLocked("day|user|"+key, now, 24*time.Hour)
			appDay = s.windowLocked("day|app|"+s.consumerKeyOf(r), now, 24*time.Hour)
			userDay.used++
			appDay.used++
		}
		s.mu.Unlock()

		hd := w.Header()
		if win != nil {
			hd.Set("X-Rate-Limit-Limit", strconv.Itoa(limit))
			hd.Set("X-Rate-Limit-Remaining", strconv.Itoa(max(limit-win.used, 0)))
			hd.Set("X-Rate-Limit-Reset", strconv.FormatInt(win.reset.Unix(), 10))
		}
		if isDM {
			hd.Set("X-User-Limit-24hour-Limit", strconv.Itoa(userDayLimit))
			hd.Set("X-User-Limit-24hour-Remaining", strconv.Itoa(max(userDayLimit-userDay.used, 0)))
			hd.Set("X-User-Limit-24hour-Reset", strconv.FormatInt(userDay.reset.Unix(), 10))
			hd.Set("X-App-Limit-24hour-Limit", strconv.Itoa(appDayLimit))
			hd.Set("X-App-Limit-24hour-Remaining", strconv.Itoa(max(appDayLimit-appDay.used, 0)))
			hd.Set("X-App-Limit-24hour-Reset", strconv.FormatInt(appDay.reset.Unix(), 10))
		}
		switch {
		case faulted:
			s.writeFault(w, r, fault, now)
		case win != nil && win.used > limit,
			isDM && (userDay.used > userDayLimit || appDay.used > appDayLimit):
			writeError(w, r, http.StatusTooManyRequests, 88, "Rate limit exceeded")
		default:
			h(w, r)
		}
	})
}

func (s *Server) windowLocked(key string, now time.Time, length time.Duration) *window {
	w := s.windows[key]
	if w == nil || !now.Before(w.reset) {
		w = &window{reset: now.Add(length).Truncate(time.Second)}
		s.windows[key] = w
	}
	return w
}

func (s *Server) consumerKeyOf(r *http.Request) string {
	if p, err := parseOAuthHeader(r.Header.Get("Authorization")); err == nil {
		return p["oauth_consumer_key"]
	}
	return ""
}

// Fault is a failure the fake server answers instead of running an
// endpoint.
type Fault struct {
	// Status is the HTTP status (e.g. 503, 403, 429).
	Status int
	// Code and Message make the error body in the endpoint's shape: v1.1
	// endpoints answer {"errors":[{"code","message"}]}, v2 endpoints a
	// problem {"title","type","status","detail"} with Message as its detail
	// (v2 carries no code; the adapter recognises Twitter's messages).
	Code    int
	Message string
	// ResetIn sets x-rate-limit-reset that far in the future (429s).
	ResetIn time.Duration
	// RetryAfter dates a 429 with a Retry-After header of ResetIn instead
	// of x-rate-limit-reset.
	RetryAfter bool
	// UserDayCap and AppDayCap mark a 429 as the 24-hour cap of the user or
	// of the app (headers x-user-limit-24hour-* / x-app-limit-24hour-*).
	UserDayCap bool
	AppDayCap  bool
	// Times is how many calls fail (default 1; negative: until ClearFaults).
	Times int
}

// Common faults.
var (
	FaultServerError      = Fault{Status: http.StatusInternalServerError, Code: 131, Message: "Internal error"}
	FaultOverCapacity     = Fault{Status: http.StatusServiceUnavailable, Code: 130, Message: "Over capacity"}
	FaultCannotSendToUser = Fault{Status: http.StatusForbidden, Code: 349, Message: "You cannot send messages to this user."}
	FaultNotFollowing     = Fault{Status: http.StatusForbidden, Code: 150, Message: "You cannot send messages to users who are not following you."}
	FaultInvalidToken     = Fault{Status: http.StatusUnauthorized, Code: 89, Message: "Invalid or expired token."}
	FaultAutomated        = Fault{Status: http.StatusForbidden, Code: 226, Message: "This request looks like it might be automated."}
	FaultLocked           = Fault{Status: http.StatusForbidden, Code: 326, Message: "To protect our users from spam and other malicious activity, this account is temporarily locked."}
	FaultRateLimited      = Fault{Status: http.StatusTooManyRequests, Code: 88, Message: "Rate limit exceeded", ResetIn: 15 * time.Minute}
)

// FailNext makes the next f.Times calls of the endpoint answer f.
func (s *Server) FailNext(ep Endpoint, f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[ep] = append(s.faults[ep], f)
}

// ClearFaults removes all pending endpoint faults.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[Endpoint][]Fault{}
}

func (s *Server) takeFaultLocked(ep Endpoint) (Fault, bool) {
	q := s.faults[ep]
	if len(q) == 0 {
		return Fault{}, false
	}
	f := q[0]
	if f.Times > 0 {
		q[0].Times--
		if q[0].Times == 0 {
			s.faults[ep] = q[1:]
		}
	}
	return f, true
}

func (s *Server) writeFault(w http.ResponseWriter, r *http.Request, f Fault, now time.Time) {
	hd := w.Header()
	if f.Status == http.StatusTooManyRequests {
		reset := strconv.FormatInt(now.Add(f.ResetIn).Unix(), 10)
		if f.RetryAfter {
			// Only Retry-After dates this 429: drop the window headers.
			hd.Del("X-Rate-Limit-Limit")
			hd.Del("X-Rate-Limit-Remaining")
			hd.Del("X-Rate-Limit-Reset")
			hd.Set("Retry-After", strconv.Itoa(int(f.ResetIn.Round(time.Second)/time.Second)))
		} else {
			hd.Set("X-Rate-Limit-Remaining", "0")
			hd.Set("X-Rate-Limit-Reset", reset)
		}
		if f.UserDayCap {
			hd.Set("X-User-Limit-24hour-Remaining", "0")
			hd.Set("X-User-Limit-24hour-Reset", reset)
		}
		if f.AppDayCap {
			hd.Set("X-App-Limit-24hour-Remaining", "0")
			hd.Set("X-App-Limit-24hour-Reset", reset)
		}
	}
	msg := f.Message
	if msg == "" {
		msg = http.StatusText(f.Status)
	}
	if !isV2(r) {
		writeV1Error(w, f.Status, f.Code, msg)
		return
	}
	kind := problemKind(f.Status)
	if f.Status == http.StatusTooManyRequests && (f.UserDayCap || f.AppDayCap) {
		kind = "usage-capped"
	}
	writeProblem(w, f.Status, kind, "", msg)
}

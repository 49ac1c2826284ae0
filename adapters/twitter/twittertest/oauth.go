package twittertest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dghubble/oauth1"
)

// maxClockSkew is how far an oauth_timestamp may be from the server's clock
// (Twitter answers 401 code 135 beyond it).
const maxClockSkew = 15 * time.Minute

// parseOAuthHeader splits an `OAuth k="v", …` Authorization header.
func parseOAuthHeader(h string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(h, "OAuth ")
	if !ok {
		return nil, errors.New("not an OAuth header")
	}
	params := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, errors.New("malformed OAuth parameter")
		}
		v = strings.Trim(v, `"`)
		dv, err := url.PathUnescape(v)
		if err != nil {
			return nil, err
		}
		dk, err := url.PathUnescape(k)
		if err != nil {
			return nil, err
		}
		params[dk] = dv
	}
	return params, nil
}

// publicBase is the scheme and host the client signed: lower-case, without
// default ports (§10.4).
func publicBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := strings.ToLower(r.Host)
	if scheme == "http" {
		host = strings.TrimSuffix(host, ":80")
	} else {
		host = strings.TrimSuffix(host, ":443")
	}
	return scheme + "://" + host
}

// signatureParams collects the request's signed parameters: query, form
// body (restored for the handler) and oauth_* header parameters except the
// signature and realm.
func signatureParams(r *http.Request, op map[string]string) (map[string]string, url.Values, error) {
	params := map[string]string{}
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	var form url.Values
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return nil, nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		form, err = url.ParseQuery(string(b))
		if err != nil {
			return nil, nil, err
		}
		for k, v := range form {
			params[k] = v[0]
		}
	}
	for k, v := range op {
		if k != "oauth_signature" && k != "realm" {
			params[k] = v
		}
	}
	return params, form, nil
}

// oauthSignature computes the HMAC-SHA1 signature of r (§10.4).
func oauthSignature(r *http.Request, params map[string]string, consumerSecret, tokenSecret string) string {
	keys := make([]string, 0, len(params))
	enc := make(map[string]string, len(params))
	for k, v := range params {
		ek := oauth1.PercentEncode(k)
		enc[ek] = oauth1.PercentEncode(v)
		keys = append(keys, ek)
	}
	sort.Strings(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = k + "=" + enc[k]
	}
	base := strings.ToUpper(r.Method) + "&" + oauth1.PercentEncode(publicBase(r)+r.URL.EscapedPath()) + "&" +
		oauth1.PercentEncode(strings.Join(pairs, "&"))
	m := hmac.New(sha1.New, []byte(oauth1.PercentEncode(consumerSecret)+"&"+oauth1.PercentEncode(tokenSecret)))
	m.Write([]byte(base))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// oauthRequest is a parsed, not yet verified, OAuth 1.0a request.
type oauthRequest struct {
	header map[string]string // oauth_* parameters of the header
	params map[string]string // all signed parameters
	form   url.Values
}

func (s *Server) parseOAuth(r *http.Request) (*oauthRequest, error) {
	op, err := parseOAuthHeader(r.Header.Get("Authorization"))
	if err != nil {
		return nil, err
	}
	if op["oauth_signature_method"] != "HMAC-SHA1" || op["oauth_consumer_key"] == "" || op["oauth_signature"] == "" {
		return nil, errors.New("unsupported OAuth parameters")
	}
	params, form, err := signatureParams(r, op)
	if err != nil {
		return nil, err
	}
	return &oauthRequest{header: op, params: params, form: form}, nil
}

// verifyLocked checks the signature, timestamp and nonce; it answers the
// error itself and reports false on failure.
func (s *Server) verifyLocked(w http.ResponseWriter, r *http.Request, o *oauthRequest, consumerSecret, tokenSecret string) bool {
	want := oauthSignature(r, o.params, consumerSecret, tokenSecret)
	if !hmac.Equal([]byte(want), []byte(o.header["oauth_signature"])) {
		writeError(w, r, http.StatusUnauthorized, 32, "Could not authenticate you.")
		return false
	}
	ts, err := strconv.ParseInt(o.header["oauth_timestamp"], 10, 64)
	now := time.Now()
	if err != nil || now.Sub(time.Unix(ts, 0)).Abs() > maxClockSkew {
		writeError(w, r, http.StatusUnauthorized, 135, "Timestamp out of bounds.")
		return false
	}
	nk := o.header["oauth_consumer_key"] + "|" + o.header["oauth_nonce"] + "|" + o.header["oauth_timestamp"]
	if _, seen := s.nonces[nk]; seen || o.header["oauth_nonce"] == "" {
		writeError(w, r, http.StatusUnauthorized, 32, "Could not authenticate you.")
		return false
	}
	if len(s.nonces) > 100000 {
		for k, at := range s.nonces {
			if now.Sub(at) > 2*maxClockSkew {
				delete(s.nonces, k)
			}
		}
	}
	s.nonces[nk] = now
	return true
}

// authKind is how an endpoint authenticates its callers.
type authKind int

const (
	authOwn       authKind = iota // the OAuth token endpoints: part of their work
	authUser                      // OAuth 1.0a user context
	authBearer                    // app-only bearer token
	authAppOrUser                 // either
)

// endpointAuth says how each endpoint authenticates (reference §11).
var endpointAuth = map[Endpoint]authKind{
	EndpointUsersMe: authUser, EndpointVerifyCredentials: authUser,
	EndpointCreateWebhook: authAppOrUser, EndpointListWebhooks: authBearer,
	EndpointValidateWebhook: authAppOrUser, EndpointDeleteWebhook: authAppOrUser,
	EndpointSubscribe: authUser, EndpointCheckSubscription: authUser,
	EndpointListSubscriptions: authBearer, EndpointUnsubscribe: authBearer, EndpointCountSubscriptions: authBearer,
	EndpointPremiumCreateWebhook: authUser, EndpointPremiumListWebhooks: authAppOrUser,
	EndpointPremiumListAllWebhooks: authAppOrUser, EndpointPremiumValidateWebhook: authAppOrUser,
	EndpointPremiumDeleteWebhook: authAppOrUser, EndpointPremiumSubscribe: authUser,
	EndpointPremiumCheckSubscription: authUser, EndpointPremiumListSubscriptions: authBearer,
	EndpointPremiumUnsubscribe: authBearer, EndpointPremiumCount: authBearer,
	EndpointSendDM: authUser, EndpointSendDMv1: authUser, EndpointListDMEvents: authUser, EndpointListDMv1: authUser,
	EndpointTyping: authUser, EndpointMarkRead: authUser, EndpointMedia: authUser,
}

// authedKey keys the caller an endpoint authenticated in the request's
// context, so that the handler does not verify (and spend the nonce) twice.
type authedKey struct{}

type authed struct {
	app  *App
	user *User // nil for a bearer
}

// authenticate runs ep's authentication before its faults and rate limit,
// as Twitter does. On failure it has answered and reports false; on
// success the returned request carries the caller. The OAuth token
// endpoints authenticate in their handlers.
func (s *Server) authenticate(ep Endpoint, w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	var a authed
	switch endpointAuth[ep] {
	case authUser:
		a.app, a.user = s.userAuth(w, r)
	case authBearer:
		a.app = s.bearerAuth(w, r)
	case authAppOrUser:
		a.app, a.user = s.appOrUserAuth(w, r)
	default:
		return r, true
	}
	if a.app == nil {
		return r, false
	}
	return r.WithContext(context.WithValue(r.Context(), authedKey{}, a)), true
}

func authedCaller(r *http.Request) (authed, bool) {
	a, ok := r.Context().Value(authedKey{}).(authed)
	return a, ok
}

// userAuth authenticates a user-context request (OAuth 1.0a with an access
// token). On failure it has answered and returns nil.
func (s *Server) userAuth(w http.ResponseWriter, r *http.Request) (*App, *User) {
	if a, ok := authedCaller(r); ok && a.user != nil {
		return a.app, a.user
	}
	o, err := s.parseOAuth(r)
	if err != nil {
		writeError(w, r, http.StatusUnauthorized, 32, "Could not authenticate you.")
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	app := s.apps[o.header["oauth_consumer_key"]]
	if app == nil {
		writeError(w, r, http.StatusUnauthorized, 32, "Could not authenticate you.")
		return nil, nil
	}
	tok := s.tokens[o.header["oauth_token"]]
	if tok == nil || tok.consumerKey != app.ConsumerKey {
		writeError(w, r, http.StatusUnauthorized, 89, "Invalid or expired token.")
		return nil, nil
	}
	if !s.verifyLocked(w, r, o, app.ConsumerSecret, tok.secret) {
		return nil, nil
	}
	u := s.users[tok.userID]
	if u == nil {
		writeError(w, r, http.StatusUnauthorized, 89, "Invalid or expired token.")
		return nil, nil
	}
	return app, u
}

// bearerAuth authenticates an app-only request: 401 as a problem on v2,
// code 32 on v1.1.
func (s *Server) bearerAuth(w http.ResponseWriter, r *http.Request) *App {
	if a, ok := authedCaller(r); ok && a.user == nil && a.app != nil {
		return a.app
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if ok {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, a := range s.apps {
			if hmac.Equal([]byte(a.BearerToken), []byte(tok)) {
				return a
			}
		}
	}
	if isV2(r) {
		writeProblem(w, http.StatusUnauthorized, "", "", "Unauthorized")
	} else {
		writeV1Error(w, http.StatusUnauthorized, 32, "Could not authenticate you.")
	}
	return nil
}

// appOrUserAuth accepts a bearer token or a user context; user is nil for a
// bearer.
func (s *Server) appOrUserAuth(w http.ResponseWriter, r *http.Request) (*App, *User) {
	if a, ok := authedCaller(r); ok {
		return a.app, a.user
	}
	if strings.HasPrefix(r.Header.Get("Authorization"), "OAuth ") {
		return s.userAuth(w, r)
	}
	return s.bearerAuth(w, r), nil
}

func (s *Server) handleRequestToken(w http.ResponseWriter, r *http.Request) {
	o, err := s.parseOAuth(r)
	if err != nil {
		writeV1Error(w, http.StatusUnauthorized, 32, "Could not authenticate you.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	app := s.apps[o.header["oauth_consumer_key"]]
	if app == nil || o.header["oauth_token"] != "" {
		writeV1Error(w, http.StatusUnauthorized, 32, "Could not authenticate you.")
		return
	}
	if !s.verifyLocked(w, r, o, app.ConsumerSecret, "") {
		return
	}
	cb := o.params["oauth_callback"]
	if cb == "" || !callbackAllowed(app.Callbacks, cb) {
		writeV1Error(w, http.StatusForbidden, 415, "Callback URL not approved for this client application. Approved callback URLs can be adjusted in your application settings")
		return
	}
	rt := &requestToken{token: randHex(16), secret: randHex(20), consumerKey: app.ConsumerKey, callback: cb, created: s.now()}
	s.reqTokens[rt.token] = rt
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, url.Values{
		"oauth_token": {rt.token}, "oauth_token_secret": {rt.secret}, "oauth_callback_confirmed": {"true"},
	}.Encode())
}

func callbackAllowed(allowed []string, cb string) bool {
	if cb == "oob" {
		return true
	}
	u, err := url.Parse(cb)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	if len(allowed) == 0 {
		return true
	}
	u.RawQuery, u.Fragment = "", ""
	for _, a := range allowed {
		if au, err := url.Parse(a); err == nil {
			au.RawQuery, au.Fragment = "", ""
			if au.String() == u.String() {
				return true
			}
		}
	}
	return false
}

// handleAuthorize plays the user's consent: it redirects to the callback
// with a verifier (approved by AuthorizeAs's user, the "as" parameter's, or
// the first user) or with denied=<token> (DenyNextAuthorization, or the
// test-only "deny=true" parameter).
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := s.reqTokens[q.Get("oauth_token")]
	if rt == nil || rt.used || s.now().Sub(rt.created) > s.requestTokenTTL {
		http.Error(w, "This page is no longer valid. The request token is invalid or has expired.", http.StatusBadRequest)
		return
	}
	if rt.callback == "oob" {
		http.Error(w, "PIN-based authorization is not supported by the fake server.", http.StatusBadRequest)
		return
	}
	cb, _ := url.Parse(rt.callback)
	cq := cb.Query()
	if s.denyNext || q.Get("deny") == "true" {
		s.denyNext = false
		rt.used = true
		cq.Set("denied", rt.token)
		cb.RawQuery = cq.Encode()
		http.Redirect(w, r, cb.String(), http.StatusFound)
		return
	}
	who := q.Get("as")
	if who == "" {
		who = s.authAs
	}
	var u *User
	if who != "" {
		u = s.findUserLocked(who)
	} else {
		u = s.firstUserLocked()
	}
	if u == nil {
		http.Error(w, "No such user to authorize as.", http.StatusBadRequest)
		return
	}
	rt.userID = u.ID
	rt.verifier = randHex(16)
	cq.Set("oauth_token", rt.token)
	cq.Set("oauth_verifier", rt.verifier)
	cb.RawQuery = cq.Encode()
	http.Redirect(w, r, cb.String(), http.StatusFound)
}

// firstUserLocked returns the user with the smallest id.
func (s *Server) firstUserLocked() *User {
	var first *User
	for _, u := range s.users {
		if first == nil || lessID(u.ID, first.ID) {
			first = u
		}
	}
	return first
}

func lessID(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func (s *Server) handleAccessToken(w http.ResponseWriter, r *http.Request) {
	o, err := s.parseOAuth(r)
	if err != nil {
		writeV1Error(w, http.StatusUnauthorized, 32, "Could not authenticate you.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	app := s.apps[o.header["oauth_consumer_key"]]
	if app == nil {
		writeV1Error(w, http.StatusUnauthorized, 32, "Could not authenticate you.")
		return
	}
	rt := s.reqTokens[o.header["oauth_token"]]
	if rt == nil || rt.consumerKey != app.ConsumerKey {
		writeV1Error(w, http.StatusUnauthorized, 89, "Invalid or expired token.")
		return
	}
	if !s.verifyLocked(w, r, o, app.ConsumerSecret, rt.secret) {
		return
	}
	verifier := o.params["oauth_verifier"]
	switch {
	case rt.used, s.now().Sub(rt.created) > s.requestTokenTTL:
		writeV1Error(w, http.StatusUnauthorized, 89, "Invalid or expired token.")
		return
	case rt.verifier == "" || !hmac.Equal([]byte(verifier), []byte(rt.verifier)):
		http.Error(w, "Error processing your OAuth request: Invalid oauth_verifier parameter", http.StatusUnauthorized)
		return
	}
	rt.used = true
	u := s.users[rt.userID]
	tok := s.issueTokenLocked(app.ConsumerKey, u.ID)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, url.Values{
		"oauth_token": {tok.Token}, "oauth_token_secret": {tok.Secret}, "user_id": {u.ID}, "screen_name": {u.ScreenName},
	}.Encode())
}

func (s *Server) handleBearerToken(w http.ResponseWriter, r *http.Request) {
	key, secret, ok := r.BasicAuth()
	if ok {
		key, _ = url.QueryUnescape(key)
		secret, _ = url.QueryUnescape(secret)
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		writeV1Error(w, http.StatusForbidden, 99, "Unable to verify your credentials")
		return
	}
	s.mu.Lock()
	app := s.apps[key]
	s.mu.Unlock()
	if !ok || app == nil || !hmac.Equal([]byte(app.ConsumerSecret), []byte(secret)) {
		writeV1Error(w, http.StatusForbidden, 99, "Unable to verify your credentials")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token_type": "bearer", "access_token": app.BearerToken})
}

func (s *Server) handleUsersMe(w http.ResponseWriter, r *http.Request) {
	_, u := s.userAuth(w, r)
	if u == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": userV2(u)})
}

func (s *Server) handleVerifyCredentials(w http.ResponseWriter, r *http.Request) {
	_, u := s.userAuth(w, r)
	if u == nil {
		return
	}
	id, _ := strconv.ParseInt(u.ID, 10, 64)
	writeJSON(w, http.StatusOK, map[string]any{
		"id": id, "id_str": u.ID, "name": u.Name, "screen_name": u.ScreenName, "location": u.Location,
		"description": u.Description, "protected": u.Protected, "verified": u.Verified,
		"followers_count": u.FollowersCount, "friends_count": u.FriendsCount, "statuses_count": u.StatusesCount,
		"created_at": u.CreatedAt.UTC().Format(time.RubyDate), "lang": u.Lang,
		"profile_image_url_https": "https://pbs.twimg.com/profile_images/" + u.ID + "/avatar_normal.jpg",
	})
}

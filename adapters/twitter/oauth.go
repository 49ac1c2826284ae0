package twitter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter/internal/wire"
)

// RequestToken is the temporary credential of a sign-on in progress. Keep it
// server-side (about 15 minutes) and use it once.
type RequestToken = Token

// ErrSignOnDenied is returned by ParseCallback when the user cancelled the
// authorization.
var ErrSignOnDenied = errors.New("twitter: sign-on denied by the user")

// RequestToken starts "Sign on to Twitter" (§10): it obtains a request token
// whose authorization will redirect to callbackURL (which must be
// allow-listed in the Twitter app, else code 415).
func (c *Client) RequestToken(ctx context.Context, callbackURL string) (RequestToken, error) {
	const op = "obtain request token"
	cfg := *c.oauth
	cfg.CallbackURL = callbackURL
	ct := &capturingTransport{ctx: ctx, base: c.hc.Transport, op: op, now: c.cfg.Now}
	cfg.HTTPClient = &http.Client{Transport: ct, Timeout: c.hc.Timeout}
	tok, secret, err := cfg.RequestToken()
	if err != nil {
		if ct.apiErr != nil {
			return RequestToken{}, ct.apiErr
		}
		if ct.transportErr != nil {
			return RequestToken{}, &APIError{Op: op, Err: scrubURLError(ct.transportErr)}
		}
		return RequestToken{}, fmt.Errorf("twitter: %s: %w: %v", op, ErrMalformed, err)
	}
	return RequestToken{Token: tok, Secret: secret}, nil
}

// capturingTransport lets dghubble/oauth1's context-less RequestToken run
// under ctx, and keeps a non-2xx answer as a typed *APIError.
type capturingTransport struct {
	ctx          context.Context
	base         http.RoundTripper
	op           string
	now          func() time.Time
	apiErr       *APIError
	transportErr error
}

func (t *capturingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req.WithContext(t.ctx))
	if err != nil {
		t.transportErr = err
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		resp.Body.Close()
		t.apiErr = newAPIError(t.op, resp.StatusCode, resp.Header, b, t.now(), false)
		resp.Body = io.NopCloser(bytes.NewReader(b))
	}
	return resp, nil
}

// AuthorizeOptions adjusts the authorization URL.
type AuthorizeOptions struct {
	// Authenticate uses /oauth/authenticate, which skips the consent screen
	// for users who already approved the app; the default /oauth/authorize
	// always asks.
	Authenticate bool
	// ForceLogin makes the user type their credentials, so that an admin
	// picks the business account rather than a personal one.
	ForceLogin bool
	// ScreenName pre-fills the login form.
	ScreenName string
}

// AuthorizationURL returns the page to send the user's browser to for the
// request token.
func (c *Client) AuthorizationURL(requestToken string, opts AuthorizeOptions) string {
	path := "/oauth/authorize"
	if opts.Authenticate {
		path = "/oauth/authenticate"
	}
	q := url.Values{"oauth_token": {requestToken}}
	if opts.ForceLogin {
		q.Set("force_login", "true")
	}
	if opts.ScreenName != "" {
		q.Set("screen_name", opts.ScreenName)
	}
	return c.base + path + "?" + q.Encode()
}

// Callback is what Twitter's redirect to the callback URL carries.
type Callback struct {
	RequestToken string
	Verifier     string
}

// ParseCallback reads the callback's query. When the user cancelled it
// returns the denied request token and an error wrapping ErrSignOnDenied;
// a callback without token or verifier is an error wrapping ErrMalformed.
// The caller must still check that RequestToken is one it issued.
func ParseCallback(query url.Values) (Callback, error) {
	if d := query.Get("denied"); d != "" {
		return Callback{RequestToken: d}, ErrSignOnDenied
	}
	cb := Callback{RequestToken: query.Get("oauth_token"), Verifier: query.Get("oauth_verifier")}
	if cb.RequestToken == "" || cb.Verifier == "" {
		return Callback{}, fmt.Errorf("twitter: sign-on callback without oauth_token or oauth_verifier: %w", ErrMalformed)
	}
	return cb, nil
}

// AccessGrant is the result of a completed sign-on: the handle's access
// token and who it is.
type AccessGrant struct {
	Token      Token
	UserID     string
	ScreenName string
}

// AccessToken exchanges the request token and the callback's verifier for
// the handle's access token (§10.1 step 3). An expired, used or wrong request
// token or verifier is a permanent *APIError (401): restart the sign-on.
func (c *Client) AccessToken(ctx context.Context, rt RequestToken, verifier string) (AccessGrant, error) {
	const op = "exchange access token"
	res, err := c.do(ctx, request{
		op: op, method: http.MethodPost, path: "/oauth/access_token",
		form: url.Values{"oauth_verifier": {verifier}},
		auth: auth{user: &rt},
	})
	if err != nil {
		return AccessGrant{}, err
	}
	v, err := url.ParseQuery(strings.TrimSpace(string(res.body)))
	if err != nil || v.Get("oauth_token") == "" || v.Get("oauth_token_secret") == "" {
		return AccessGrant{}, fmt.Errorf("twitter: %s: %w: answer lacks the token", op, ErrMalformed)
	}
	return AccessGrant{
		Token:  Token{Token: v.Get("oauth_token"), Secret: v.Get("oauth_token_secret")},
		UserID: v.Get("user_id"), ScreenName: v.Get("screen_name"),
	}, nil
}

const userFields = "id,name,username,created_at,description,location,profile_image_url,protected,verified,public_metrics"

// Me returns the token's user: GET /2/users/me, or for the premium dialect
// (whose legacy apps may lack v2 access) GET
// /1.1/account/verify_credentials.json.
func (c *Client) Me(ctx context.Context, tok Token) (User, error) {
	if c.cfg.Dialect == DialectPremium {
		return c.VerifyCredentials(ctx, tok)
	}
	return c.UsersMe(ctx, tok)
}

// UsersMe calls GET /2/users/me with the token.
func (c *Client) UsersMe(ctx context.Context, tok Token) (User, error) {
	var out struct {
		Data *wire.UserV2 `json:"data"`
	}
	if _, err := c.do(ctx, request{
		op: "read authenticated user", method: http.MethodGet, path: "/2/users/me",
		query: url.Values{"user.fields": {userFields}}, auth: auth{user: &tok}, out: &out,
	}); err != nil {
		return User{}, err
	}
	if out.Data == nil || out.Data.ID == "" {
		return User{}, fmt.Errorf("twitter: read authenticated user: %w: no data.id", ErrMalformed)
	}
	u := userFromV2(*out.Data)
	if out.Data.CreatedAt != "" {
		u.CreatedAt, _ = parseTime(wire.FlexString(out.Data.CreatedAt))
	}
	return *u, nil
}

// VerifyCredentials calls GET /1.1/account/verify_credentials.json.
func (c *Client) VerifyCredentials(ctx context.Context, tok Token) (User, error) {
	var out struct {
		IDStr                string `json:"id_str"`
		Name                 string `json:"name"`
		ScreenName           string `json:"screen_name"`
		Location             string `json:"location"`
		Description          string `json:"description"`
		Protected            bool   `json:"protected"`
		Verified             bool   `json:"verified"`
		FollowersCount       int64  `json:"followers_count"`
		FriendsCount         int64  `json:"friends_count"`
		StatusesCount        int64  `json:"statuses_count"`
		CreatedAt            string `json:"created_at"`
		Lang                 string `json:"lang"`
		ProfileImageURLHTTPS string `json:"profile_image_url_https"`
	}
	if _, err := c.do(ctx, request{
		op: "verify credentials", method: http.MethodGet, path: "/1.1/account/verify_credentials.json",
		query: url.Values{"skip_status": {"true"}}, auth: auth{user: &tok}, out: &out,
	}); err != nil {
		return User{}, err
	}
	if out.IDStr == "" {
		return User{}, fmt.Errorf("twitter: verify credentials: %w: no id_str", ErrMalformed)
	}
	u := User{
		ID: out.IDStr, Name: out.Name, ScreenName: out.ScreenName, Location: out.Location, Description: out.Description,
		Protected: out.Protected, Verified: out.Verified, FollowersCount: out.FollowersCount,
		FriendsCount: out.FriendsCount, StatusesCount: out.StatusesCount, Lang: out.Lang,
		ProfileImageURL: out.ProfileImageURLHTTPS,
	}
	u.CreatedAt, _ = parseTime(wire.FlexString(out.CreatedAt))
	return u, nil
}

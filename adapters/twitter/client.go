package twitter

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/dghubble/oauth1"
)

// DefaultBaseURL is Twitter's API host. api.x.com serves the same API.
const DefaultBaseURL = "https://api.twitter.com"

// defaultTimeout bounds one API call when Config.HTTPClient is nil.
const defaultTimeout = 30 * time.Second

// Dialect chooses which generation of Twitter's API an application uses for
// webhooks, subscriptions, DM sends and DM lists (reference §0).
type Dialect string

const (
	// DialectV2 is the default: /2/webhooks with the app's bearer token,
	// /2/account_activity subscriptions, v2 DM send and /2/dm_events.
	DialectV2 Dialect = "v2"
	// DialectPremium is the legacy v1.1 Account Activity API with an
	// environment name (Config.Environment): webhook calls need the app
	// owner's user token; DMs go through /1.1/direct_messages.
	DialectPremium Dialect = "premium"
)

// Config configures a Client for one Twitter application.
type Config struct {
	// BaseURL is the API root, DefaultBaseURL when empty; tests point it at
	// the fake server.
	BaseURL string
	// ConsumerKey and ConsumerSecret are the application's API key and
	// secret.
	ConsumerKey    string
	ConsumerSecret string
	// BearerToken is the application's app-only token. When empty, the
	// client obtains it with the consumer key and secret on first use.
	BearerToken string
	// Dialect defaults to DialectV2.
	Dialect Dialect
	// Environment is the premium dialect's environment name (case
	// sensitive).
	Environment string
	// HTTPClient makes the calls; its Transport is used under the OAuth 1.0a
	// signer. Defaults to a client with a 30 s timeout.
	HTTPClient *http.Client
	// Now is the clock (time.Now when nil); it only dates rate-limit resets
	// that the answer did not.
	Now func() time.Time
}

// String describes the configuration without its secrets.
func (c Config) String() string {
	return fmt.Sprintf("twitter.Config{BaseURL: %q, ConsumerKey: %q, ConsumerSecret: %s, BearerToken: %s, Dialect: %q, Environment: %q}",
		c.BaseURL, c.ConsumerKey, redact(c.ConsumerSecret), redact(c.BearerToken), c.Dialect, c.Environment)
}

// GoString is String, so that %#v does not print secrets either.
func (c Config) GoString() string { return c.String() }

func redact(s string) string {
	if s == "" {
		return `""`
	}
	return "[redacted]"
}

// Token is a user's OAuth 1.0a access token (or a request token during
// sign-on). Its String hides the secret.
type Token struct {
	Token  string
	Secret string
}

// String shows the token's public prefix (the user id of an access token)
// and hides the rest.
func (t Token) String() string {
	p := t.Token
	if i := strings.IndexByte(p, '-'); i >= 0 {
		p = p[:i+1]
	} else if len(p) > 4 {
		p = p[:4]
	}
	return "twitter.Token(" + p + "…, secret " + redact(t.Secret) + ")"
}

// GoString is String.
func (t Token) GoString() string { return t.String() }

// Client calls Twitter's API for one application. It is safe for
// concurrent use. Calls acting for a handle take its access token.
type Client struct {
	cfg   Config
	base  string
	oauth *oauth1.Config
	hc    *http.Client

	mu     sync.Mutex
	bearer string
}

// NewClient returns a Client for cfg.
func NewClient(cfg Config) (*Client, error) {
	if cfg.ConsumerKey == "" || cfg.ConsumerSecret == "" {
		return nil, errors.New("twitter: new client: consumer key and secret are required")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("twitter: new client: base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	switch cfg.Dialect {
	case "":
		cfg.Dialect = DialectV2
	case DialectV2:
	case DialectPremium:
		if cfg.Environment == "" {
			return nil, errors.New("twitter: new client: the premium dialect needs an environment name")
		}
	default:
		return nil, fmt.Errorf("twitter: new client: unknown dialect %q", cfg.Dialect)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	c := &Client{cfg: cfg, base: base, hc: hc, bearer: cfg.BearerToken}
	c.oauth = &oauth1.Config{
		ConsumerKey:    cfg.ConsumerKey,
		ConsumerSecret: cfg.ConsumerSecret,
		Endpoint: oauth1.Endpoint{
			RequestTokenURL: base + "/oauth/request_token",
			AuthorizeURL:    base + "/oauth/authorize",
			AccessTokenURL:  base + "/oauth/access_token",
		},
		// Set here: oauth1 fills in a missing Noncer on the shared Config
		// each time it builds a client, a data race between concurrent calls.
		Noncer: oauth1.Base64Noncer{},
	}
	return c, nil
}

// String describes the client without its secrets.
func (c *Client) String() string { return "twitter.Client(" + c.cfg.String() + ")" }

// Dialect returns the client's dialect.
func (c *Client) Dialect() Dialect { return c.cfg.Dialect }

// BaseURL returns the API root the client calls.
func (c *Client) BaseURL() string { return c.base }

// auth says how a request is authenticated.
type auth struct {
	user   *Token // OAuth 1.0a user context
	bearer bool   // app-only bearer token
}

// request is one API call.
type request struct {
	op     string
	method string
	path   string
	query  url.Values
	json   any        // JSON body
	form   url.Values // form body (signed)
	auth   auth
	out    any // decoded from a 2xx JSON answer when non-nil
}

// response is a successful answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// httpClientFor returns the HTTP client that signs for a.
func (c *Client) httpClientFor(ctx context.Context, a auth) *http.Client {
	if a.user == nil {
		return c.hc
	}
	signed := c.oauth.Client(context.WithValue(ctx, oauth1.HTTPClient, c.hc), oauth1.NewToken(a.user.Token, a.user.Secret))
	signed.Timeout = c.hc.Timeout
	signed.CheckRedirect = c.hc.CheckRedirect
	signed.Jar = c.hc.Jar
	return signed
}

func (c *Client) do(ctx context.Context, r request) (response, error) {
	u := c.base + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	var ctype string
	switch {
	case r.json != nil:
		b, err := json.Marshal(r.json)
		if err != nil {
			return response{}, &APIError{Op: r.op, Err: fmt.Errorf("encode request: %w", err)}
		}
		body, ctype = bytes.NewReader(b), "application/json"
	case r.form != nil:
		body, ctype = strings.NewReader(r.form.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return response{}, &APIError{Op: r.op, Err: err}
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json")
	if r.auth.bearer {
		tok, err := c.BearerToken(ctx)
		if err != nil {
			return response{}, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.httpClientFor(ctx, r.auth).Do(req)
	if err != nil {
		return response{}, &APIError{Op: r.op, Err: scrubURLError(err)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return response{}, &APIError{Op: r.op, Err: fmt.Errorf("read answer: %w", err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if len(b) > maxErrorBody {
			b = b[:maxErrorBody]
		}
		return response{}, newAPIError(r.op, resp.StatusCode, resp.Header, b, c.cfg.Now(), r.auth.bearer)
	}
	if r.out != nil && len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, r.out); err != nil {
			return response{}, fmt.Errorf("twitter: %s: decode answer: %w: %v", r.op, ErrMalformed, err)
		}
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// scrubURLError keeps the cause of a transport error but drops the URL,
// whose query may carry tokens in some calls.
func scrubURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}

// BearerToken returns the application's app-only bearer token: the
// configured one, or one obtained from POST /oauth2/token (§10.7) and cached.
func (c *Client) BearerToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	tok := c.bearer
	c.mu.Unlock()
	if tok != "" {
		return tok, nil
	}
	const op = "obtain bearer token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/oauth2/token",
		strings.NewReader("grant_type=client_credentials"))
	if err != nil {
		return "", &APIError{Op: op, Err: err}
	}
	cred := url.QueryEscape(c.cfg.ConsumerKey) + ":" + url.QueryEscape(c.cfg.ConsumerSecret)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(cred)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", &APIError{Op: op, Err: scrubURLError(err)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	if err != nil {
		return "", &APIError{Op: op, Err: fmt.Errorf("read answer: %w", err)}
	}
	if resp.StatusCode != http.StatusOK {
		return "", newAPIError(op, resp.StatusCode, resp.Header, b, c.cfg.Now(), true)
	}
	var out struct {
		TokenType   string `json:"token_type"`
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(b, &out); err != nil || !strings.EqualFold(out.TokenType, "bearer") || out.AccessToken == "" {
		return "", fmt.Errorf("twitter: %s: %w: unexpected answer", op, ErrMalformed)
	}
	c.mu.Lock()
	c.bearer = out.AccessToken
	c.mu.Unlock()
	return out.AccessToken, nil
}

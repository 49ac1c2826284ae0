package twitter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/adapters/twitter/internal/wire"
)

// Twitter error codes the adapter acts on (reference §9.5).
const (
	CodeCouldNotAuthenticate = 32  // bad signature or keys
	CodeNotFound             = 34  // page or webhook does not exist
	CodeUserNotFound         = 50  // recipient gone
	CodeRateLimited          = 88  // rate limit exceeded
	CodeInvalidToken         = 89  // invalid or expired token: the handle must sign on again
	CodeDMNotPermitted       = 93  // app lacks DM permission: re-authorize
	CodeOverCapacity         = 130 // retry
	CodeInternalError        = 131 // retry
	CodeNotFollowing         = 150 // recipient does not follow the handle
	CodeCRCFailed            = 214 // webhook URL or CRC failure
	CodeCannotSendToUser     = 349 // recipient's DM settings or block
	CodeTextTooLong          = 354 // text over the limit
	CodeSubscriptionExists   = 355 // subscription already exists
	CodeCallbackNotApproved  = 415 // OAuth callback URL not allow-listed
)

// v2 failure reasons (reference §11.1), matched loosely in error bodies.
const (
	ReasonCRCValidationFailed       = "CrcValidationFailed"
	ReasonURLValidationFailed       = "UrlValidationFailed"
	ReasonDuplicateURL              = "DuplicateUrlFailed"
	ReasonWebhookLimitExceeded      = "WebhookLimitExceeded"
	ReasonWebhookIDInvalid          = "WebhookIdInvalid"
	ReasonDuplicateSubscription     = "DuplicateSubscriptionFailed"
	ReasonSubscriptionLimitExceeded = "SubscriptionLimitExceeded"
	ReasonSubscriptionNotFound      = "SubscriptionNotFound"
)

const (
	minRateLimitWait = 60 * time.Second
	maxErrorMessage  = 300
	maxErrorBody     = 64 << 10
)

var reasons = []string{
	ReasonCRCValidationFailed, ReasonURLValidationFailed, ReasonDuplicateURL, ReasonWebhookLimitExceeded,
	ReasonWebhookIDInvalid, ReasonDuplicateSubscription, ReasonSubscriptionLimitExceeded, ReasonSubscriptionNotFound,
}

// APIError is a failed call to Twitter: an answer other than success, or no
// answer at all (Status 0, Err set). Its methods tell callers what to do:
// wait until ResetAt (RateLimited), retry with backoff (Retryable), ask the
// handle to sign on again (TokenInvalid), or give up (Permanent).
type APIError struct {
	// Op names the call, e.g. "send direct message".
	Op string
	// Status is the HTTP status, 0 when no answer arrived.
	Status int
	// Code is Twitter's first error code, 0 when the body had none.
	Code int
	// Message is Twitter's error text (truncated).
	Message string
	// Reason is a v2 failure reason found in the body, e.g.
	// ReasonCRCValidationFailed.
	Reason string
	// Type is a v2 problem's type, e.g.
	// "https://api.x.com/2/problems/rate-limit-exceeded" or "about:blank";
	// empty for v1.1's error bodies.
	Type string
	// ResetAt is when a rate-limited call may be tried again (§12).
	ResetAt time.Time
	// AppWide is true when the exhausted limit is the application's (its
	// 24-hour cap, or a limit of a call made with the app's bearer token):
	// pause the whole application, not just the handle.
	AppWide bool
	// Err is the transport error when Status is 0.
	Err error
}

// Error describes the failure; it never contains secrets.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("twitter: ")
	b.WriteString(e.Op)
	if e.Status == 0 {
		if e.Err != nil {
			b.WriteString(": ")
			b.WriteString(e.Err.Error())
		}
		return b.String()
	}
	fmt.Fprintf(&b, ": status %d", e.Status)
	if e.Code != 0 {
		fmt.Fprintf(&b, ", code %d", e.Code)
	}
	if e.Reason != "" {
		b.WriteString(", ")
		b.WriteString(e.Reason)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RateLimited() && !e.ResetAt.IsZero() {
		fmt.Fprintf(&b, " (resets at %s", e.ResetAt.UTC().Format(time.RFC3339))
		if e.AppWide {
			b.WriteString(", application-wide")
		}
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the transport error.
func (e *APIError) Unwrap() error { return e.Err }

// RateLimited reports a 429 (or code 88): wait until ResetAt, then retry.
func (e *APIError) RateLimited() bool {
	return e.Status == http.StatusTooManyRequests || e.Code == CodeRateLimited
}

// Retryable reports failures worth retrying: rate limits (after ResetAt),
// 5xx, over-capacity and internal errors, and transport errors other than a
// cancelled or expired context. A DM send that failed with a transport error
// may nevertheless have been delivered (§9.6).
func (e *APIError) Retryable() bool {
	switch {
	case e.RateLimited(), e.Status >= 500, e.Code == CodeOverCapacity, e.Code == CodeInternalError:
		return true
	case e.Status == 0:
		return e.Err != nil && !errors.Is(e.Err, context.Canceled) && !errors.Is(e.Err, context.DeadlineExceeded)
	}
	return false
}

// Permanent reports failures that retrying will not fix (4xx other than
// 429): e.g. 349 and 150 for a recipient, 89 for a revoked token.
func (e *APIError) Permanent() bool { return e.Status != 0 && !e.Retryable() }

// TokenInvalid reports that the user token no longer works (code 89, or 93
// for a token minted without DM permission): mark the handle disconnected.
func (e *APIError) TokenInvalid() bool {
	return e.Code == CodeInvalidToken || e.Code == CodeDMNotPermitted
}

// AsAPIError returns the *APIError in err's chain.
func AsAPIError(err error) (*APIError, bool) {
	var e *APIError
	ok := errors.As(err, &e)
	return e, ok
}

// RateLimit is the rate-limit state an answer reported (§12). Fields are
// zero when the header was absent; the Day fields are -1 when absent.
type RateLimit struct {
	Limit     int
	Remaining int
	Reset     time.Time

	UserDayRemaining int
	UserDayReset     time.Time
	AppDayRemaining  int
	AppDayReset      time.Time
}

func parseRateLimit(h http.Header) RateLimit {
	num := func(k string, def int) int {
		if v, err := strconv.Atoi(strings.TrimSpace(h.Get(k))); err == nil {
			return v
		}
		return def
	}
	epoch := func(k string) time.Time {
		if v, err := strconv.ParseInt(strings.TrimSpace(h.Get(k)), 10, 64); err == nil && v > 0 {
			return time.Unix(v, 0).UTC()
		}
		return time.Time{}
	}
	return RateLimit{
		Limit: num("X-Rate-Limit-Limit", 0), Remaining: num("X-Rate-Limit-Remaining", 0), Reset: epoch("X-Rate-Limit-Reset"),
		UserDayRemaining: num("X-User-Limit-24hour-Remaining", -1), UserDayReset: epoch("X-User-Limit-24hour-Reset"),
		AppDayRemaining: num("X-App-Limit-24hour-Remaining", -1), AppDayReset: epoch("X-App-Limit-24hour-Reset"),
	}
}

// resetAt applies §12's policy to a 429: the user's 24-hour cap, else the
// app's (app-wide), else the window reset plus a second, else Retry-After,
// else a minute from now.
func resetAt(h http.Header, now time.Time) (time.Time, bool) {
	rl := parseRateLimit(h)
	switch {
	case rl.UserDayRemaining == 0 && !rl.UserDayReset.IsZero():
		return rl.UserDayReset, false
	case rl.AppDayRemaining == 0 && !rl.AppDayReset.IsZero():
		return rl.AppDayReset, true
	case !rl.Reset.IsZero():
		return rl.Reset.Add(time.Second), false
	}
	if s, err := strconv.Atoi(strings.TrimSpace(h.Get("Retry-After"))); err == nil && s >= 0 {
		return now.Add(time.Duration(s) * time.Second), false
	}
	return now.Add(minRateLimitWait), false
}

// problemMessages are the texts of the codes the adapter acts on, as
// Twitter words them (§9.5), lower case. A v2 problem carries no code, but
// its detail may repeat the v1.1 message; problemCode finds the code by it.
var problemMessages = []struct {
	text string
	code int
}{
	{"invalid or expired token", CodeInvalidToken},
	{"could not authenticate you", CodeCouldNotAuthenticate},
	{"not allowed to access or delete your direct messages", CodeDMNotPermitted},
	{"timestamp out of bounds", 135},
	{"rate limit exceeded", CodeRateLimited},
	{"over capacity", CodeOverCapacity},
	{"internal error", CodeInternalError},
	{"user not found", CodeUserNotFound},
	{"cannot find specified user", 108},
	{"cannot send messages to users who are not following you", CodeNotFollowing},
	{"cannot send messages to this user", CodeCannotSendToUser},
	{"over the max character limit", CodeTextTooLong},
	{"looks like it might be automated", 226},
	{"temporarily locked", 326},
	{"sorry, that page does not exist", CodeNotFound},
}

// problemCode gives a v2 problem the v1.1 code that means the same, so
// that callers classify both dialects alike: by the message its detail
// repeats, else by its type (rate-limit-exceeded and usage-capped are 88)
// or its status (429 is 88). 0 when nothing says.
func problemCode(p wire.ErrorsBody, status int) int {
	text := strings.ToLower(p.Detail + " " + p.Title)
	for _, m := range problemMessages {
		if strings.Contains(text, m.text) {
			return m.code
		}
	}
	kind := p.Type[strings.LastIndexByte(p.Type, '/')+1:]
	if kind == "rate-limit-exceeded" || kind == "usage-capped" || status == http.StatusTooManyRequests {
		return CodeRateLimited
	}
	return 0
}

// newAPIError builds the error for a non-success answer.
func newAPIError(op string, status int, h http.Header, body []byte, now time.Time, bearer bool) *APIError {
	e := &APIError{Op: op, Status: status}
	var eb wire.ErrorsBody
	if json.Unmarshal(body, &eb) == nil {
		for _, it := range eb.Errors {
			if e.Code == 0 && it.Code != 0 {
				e.Code = it.Code
			}
			if e.Message == "" {
				e.Message = firstNonEmpty(it.Message, it.Detail, it.Title)
			}
		}
		if e.Message == "" {
			e.Message = firstNonEmpty(eb.Detail, eb.Title)
		}
		e.Type = eb.Type
		if e.Code == 0 && (eb.Type != "" || eb.Title != "" || eb.Detail != "") {
			e.Code = problemCode(eb, status)
		}
	} else if utf8.Valid(body) {
		e.Message = strings.TrimSpace(string(body))
	}
	for _, r := range reasons {
		if strings.Contains(string(body), r) {
			e.Reason = r
			break
		}
	}
	e.Message = truncate(e.Message, maxErrorMessage)
	if e.RateLimited() {
		e.ResetAt, e.AppWide = resetAt(h, now)
		e.AppWide = e.AppWide || bearer
	}
	return e
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

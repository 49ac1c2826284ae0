package twitter

import (
	"context"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboardhq/switchboard/engine"
)

// Receiver is what the webhook and the sign-on page call; *Accounts
// implements it.
type Receiver interface {
	ApplicationCredentials(ctx context.Context, id engine.SourceID) (Application, error)
	HandleForUser(ctx context.Context, app engine.SourceID, forUserID string) (Handle, error)
	// ReceiveAll takes a handle's DMs of one delivery, oldest first; each
	// one without an error is committed when it returns.
	ReceiveAll(ctx context.Context, handle Handle, dms []engine.ChannelMessage) ([]engine.ReceiveResult, error)
	DisconnectUser(ctx context.Context, app engine.SourceID, userID, reason string) error
	// TwitterAppID is the application's numeric id on Twitter, "" while
	// Switchboard has not learnt it.
	TwitterAppID(ctx context.Context, app engine.SourceID) (string, error)
	FinishSignOn(ctx context.Context, cb engine.SignOnCallback) (engine.SignOnOutcome, error)
}

var _ Receiver = (*Accounts)(nil)

// Webhook results counted by switchboard_twitter_webhook_deliveries_total.
const (
	resultOK                 = "ok"
	resultBadSignature       = "bad_signature"
	resultMalformed          = "malformed"
	resultTooLarge           = "too_large"
	resultUnknownApplication = "unknown_application"
	resultError              = "error"
)

// Metrics are the Twitter channel's Prometheus metrics.
type Metrics struct {
	deliveries        *prometheus.CounterVec
	signatureFailures prometheus.Counter
	events            *prometheus.CounterVec
	kinds             *prometheus.CounterVec
	unknown           *prometheus.CounterVec
	sends             *prometheus.CounterVec
	rateLimitPauses   prometheus.Counter
}

// NewMetrics registers the channel's metrics with reg (never the global
// registry).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_twitter_webhook_deliveries_total",
			Help: "Webhook POSTs from Twitter, by result (ok, bad_signature, malformed, too_large, unknown_application, error)."}, []string{"result"}),
		signatureFailures: prometheus.NewCounter(prometheus.CounterOpts{Name: "switchboard_twitter_webhook_signature_failures_total",
			Help: "Webhook POSTs rejected for a missing or wrong signature."}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_twitter_webhook_events_total",
			Help: "Events of accepted deliveries, by what was done with them."}, []string{"action"}),
		kinds: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_twitter_webhook_activities_total",
			Help: "Account Activity events of accepted deliveries, by kind (direct_message, direct_message_indicate_typing, direct_message_mark_read, revoke, replay_job_status, follow, unfollow, favorite, tweet_create, tweet_delete, block, unblock, mute, unmute, chat, unknown)."}, []string{"kind"}),
		unknown: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_twitter_webhook_unknown_events_total",
			Help: "Events of a kind Switchboard does not know, in accepted deliveries, by application: Twitter may have added an activity."}, []string{"application_id"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "switchboard_twitter_sends_total",
			Help: "Outbox send attempts, by result (sent, retry, rate_limited, failed, recovered)."}, []string{"result"}),
		rateLimitPauses: prometheus.NewCounter(prometheus.CounterOpts{Name: "switchboard_twitter_rate_limit_pauses_total",
			Help: "Times the outbox paused a handle or application until a rate-limit reset."}),
	}
	reg.MustRegister(m.deliveries, m.signatureFailures, m.events, m.kinds, m.unknown, m.sends, m.rateLimitPauses)
	return m
}

// ObserveSend counts an outbox send result; pass it as
// engine.OutboxOptions.Observe.
func (m *Metrics) ObserveSend(result string) {
	if m == nil {
		return
	}
	m.sends.WithLabelValues(result).Inc()
	if result == engine.SendRateLimited {
		m.rateLimitPauses.Inc()
	}
}

func (m *Metrics) delivery(result string) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(result).Inc()
	if result == resultBadSignature {
		m.signatureFailures.Inc()
	}
}

func (m *Metrics) event(action string) {
	if m != nil {
		m.events.WithLabelValues(action).Inc()
	}
}

func (m *Metrics) kind(kind string, n int) {
	if m != nil && n > 0 {
		m.kinds.WithLabelValues(kind).Add(float64(n))
	}
}

// Event kinds counted by switchboard_twitter_webhook_activities_total.
const (
	kindDM      = "direct_message"
	kindTyping  = "direct_message_indicate_typing"
	kindRead    = "direct_message_mark_read"
	kindRevoke  = "revoke"
	kindReplay  = "replay_job_status"
	kindUnknown = "unknown"
)

// activityKind names the kind of an Account Activity key (or X Activity
// API event type) that Switchboard does not parse: one of a fixed set, so
// that a sender cannot grow the metric's labels; "" for keys that are no
// event (user_has_blocked qualifies a tweet_create_events).
func activityKind(key string) string {
	switch key {
	case "follow_events", "unfollow_events", "favorite_events", "tweet_create_events", "tweet_delete_events",
		"block_events", "unblock_events", "mute_events", "unmute_events":
		return strings.TrimSuffix(key, "_events")
	case "user_has_blocked", "is_blocked_by":
		return ""
	}
	if strings.HasPrefix(key, "chat.") {
		// Encrypted XChat DMs (§6.10): unreadable by a helpdesk.
		return "chat"
	}
	return kindUnknown
}

// countKinds counts the events of an accepted delivery by kind, and warns
// about kinds Switchboard does not know.
func (h *WebhookHandler) countKinds(ctx context.Context, app Application, d Delivery) {
	h.metrics.kind(kindDM, len(d.DirectMessages))
	h.metrics.kind(kindTyping, len(d.Typing))
	h.metrics.kind(kindRead, len(d.Reads))
	h.metrics.kind(kindRevoke, len(d.Revocations))
	if d.ReplayJob != nil {
		h.metrics.kind(kindReplay, 1)
	}
	for _, key := range d.Other {
		n := d.OtherEvents[key]
		if n == 0 {
			n = 1
		}
		kind := activityKind(key)
		if kind == "" {
			continue
		}
		h.metrics.kind(kind, n)
		if kind == kindUnknown {
			if h.metrics != nil {
				h.metrics.unknown.WithLabelValues(string(app.ID)).Add(float64(n))
			}
			if len(key) > 100 {
				key = key[:100]
			}
			h.log.WarnContext(ctx, "webhook: an event of a kind Switchboard does not know was accepted and ignored",
				"application_id", app.ID, "key", key, "events", n)
		}
	}
}

// WebhookHandler serves an application's webhook URL,
// WebhookPathPrefix + application id: the CRC on GET, event
// deliveries on POST. It answers 200 to a POST only once every DM of the
// delivery is committed, and 5xx on any failure so that Twitter delivers
// again.
type WebhookHandler struct {
	ch      Receiver
	log     *slog.Logger
	metrics *Metrics
}

// NewWebhookHandler returns the webhook handler; metrics may be nil.
func NewWebhookHandler(ch Receiver, log *slog.Logger, metrics *Metrics) *WebhookHandler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &WebhookHandler{ch: ch, log: log, metrics: metrics}
}

func plain(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, text+"\n")
}

// ServeHTTP serves GET (CRC) and POST (events).
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := strings.TrimPrefix(r.URL.Path, WebhookPathPrefix)
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		plain(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if id == r.URL.Path || !engine.ValidID(id) {
		h.metrics.delivery(resultUnknownApplication)
		plain(w, http.StatusNotFound, "unknown application")
		return
	}
	app, err := h.ch.ApplicationCredentials(ctx, engine.SourceID(id))
	switch {
	case errors.Is(err, engine.ErrNotFound) || (err == nil && !app.Enabled):
		if r.Method == http.MethodPost {
			h.metrics.delivery(resultUnknownApplication)
		}
		plain(w, http.StatusNotFound, "unknown or disabled application")
		return
	case err != nil:
		h.log.ErrorContext(ctx, "webhook: application lookup failed", "application_id", id, "error", err)
		plain(w, http.StatusServiceUnavailable, "try again")
		return
	}
	if r.Method == http.MethodGet {
		AnswerCRC(w, r, app.ConsumerSecret.Reveal())
		return
	}
	d, _, err := ReadDelivery(w, r, app.ConsumerSecret.Reveal())
	switch {
	case errors.Is(err, ErrTooLarge):
		h.metrics.delivery(resultTooLarge)
		plain(w, http.StatusRequestEntityTooLarge, "body too large")
		return
	case errors.Is(err, ErrBadSignature):
		h.metrics.delivery(resultBadSignature)
		h.log.WarnContext(ctx, "webhook: rejected a POST with a missing or wrong signature", "application_id", app.ID, "remote_addr", r.RemoteAddr)
		plain(w, http.StatusUnauthorized, "bad signature")
		return
	case err != nil:
		h.metrics.delivery(resultMalformed)
		// The reason holds nothing secret: the body is the sender's own,
		// and it is signed.
		h.log.WarnContext(ctx, "webhook: refused a malformed delivery", "application_id", app.ID, "error", err)
		plain(w, http.StatusBadRequest, "malformed delivery: "+err.Error())
		return
	}
	if err := h.process(ctx, app, d); err != nil {
		h.metrics.delivery(resultError)
		h.log.ErrorContext(ctx, "webhook: delivery not stored; Twitter will deliver it again", "application_id", app.ID, "error", err)
		plain(w, http.StatusInternalServerError, "not stored; deliver again")
		return
	}
	h.countKinds(ctx, app, d)
	h.metrics.delivery(resultOK)
	plain(w, http.StatusOK, "200 OK")
}

// process hands every event of a delivery to the engine, oldest first.
func (h *WebhookHandler) process(ctx context.Context, app Application, d Delivery) error {
	dms := append([]DirectMessage(nil), d.DirectMessages...)
	sort.SliceStable(dms, func(i, j int) bool {
		if !dms[i].CreatedAt.Equal(dms[j].CreatedAt) {
			return dms[i].CreatedAt.Before(dms[j].CreatedAt)
		}
		return len(dms[i].ID) < len(dms[j].ID) || (len(dms[i].ID) == len(dms[j].ID) && dms[i].ID < dms[j].ID)
	})
	// The DMs go to the engine in runs of one handle's, so that a delivery
	// of many DMs is stored in one transaction, not one each.
	handles := map[string]*Handle{}
	var (
		run     []engine.ChannelMessage
		runOf   *Handle
		failure error
	)
	flush := func() {
		if len(run) == 0 {
			return
		}
		results, err := h.ch.ReceiveAll(ctx, *runOf, run)
		for _, res := range results {
			if res.Action != "" {
				h.metrics.event(res.Action)
			}
		}
		if err != nil && failure == nil {
			failure = err
		}
		run = run[:0]
	}
	for _, m := range dms {
		forUser := m.ForUserID
		if forUser == "" {
			forUser = d.ForUserID
		}
		hd, ok := handles[forUser]
		if !ok {
			got, err := h.ch.HandleForUser(ctx, app.ID, forUser)
			switch {
			case errors.Is(err, engine.ErrNotFound):
				h.log.WarnContext(ctx, "webhook: a DM for a Twitter user that is no handle of the application was dropped",
					"application_id", app.ID, "for_user_id", forUser, "event_id", m.ID)
			case err != nil:
				return err
			default:
				hd = &got
			}
			handles[forUser] = hd
		}
		if hd == nil {
			h.metrics.event("unrouted")
			continue
		}
		if runOf != hd {
			flush()
			runOf = hd
		}
		run = append(run, channelMessage(m))
	}
	flush()
	if failure != nil {
		return failure
	}
	for range d.Typing {
		h.metrics.event("typing_dropped")
	}
	for range d.Reads {
		h.metrics.event("read_dropped")
	}
	var ownAppID string
	if len(d.Revocations) > 0 {
		var err error
		if ownAppID, err = h.ch.TwitterAppID(ctx, app.ID); err != nil {
			return err
		}
	}
	for _, rv := range d.Revocations {
		// A revocation names the app it revokes; one of another app says
		// nothing about this application's token. Until Switchboard knows
		// its own app id (learnt from its first echo), it cannot tell and
		// trusts the signed delivery.
		if ownAppID != "" && rv.AppID != "" && rv.AppID != ownAppID {
			h.log.WarnContext(ctx, "webhook: a revocation of another Twitter app was ignored; the handle stays connected",
				"application_id", app.ID, "twitter_app_id", ownAppID, "revoked_app_id", rv.AppID, "user_id", rv.UserID)
			h.metrics.event("revoke_other_app")
			continue
		}
		if err := h.ch.DisconnectUser(ctx, app.ID, rv.UserID, "access was revoked on Twitter; sign on again"); err != nil {
			return err
		}
		h.metrics.event("revoked")
	}
	return nil
}

// SignOnHandler serves the OAuth callback page (SignOnCallbackPath):
// it finishes "Sign on to Twitter" and shows the admin a small page saying
// that it worked, or why not. The page never shows a secret.
type SignOnHandler struct {
	ch  Receiver
	log *slog.Logger
}

// NewSignOnHandler returns the callback page handler.
func NewSignOnHandler(ch Receiver, log *slog.Logger) *SignOnHandler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SignOnHandler{ch: ch, log: log}
}

var signOnPage = template.Must(template.New("signon").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} — Switchboard</title></head>
<body>
<h1>{{.Title}}</h1>
{{if .Connected}}<p>The handle <strong>{{.Name}}</strong> is connected to Twitter as <strong>@{{.ScreenName}}</strong>. Its direct messages now come to Switchboard.</p>
{{if .EnsureError}}<p>Setting up the webhook or the subscription did not finish: {{.EnsureError}}. Run "verify" on the application to try again.</p>{{end}}
{{else}}<p>{{.Problem}}</p>{{end}}
<p>You can close this page.</p>
</body></html>
`))

type signOnView struct {
	Title       string
	Connected   bool
	Name        string
	ScreenName  string
	Problem     string
	EnsureError string
}

// ServeHTTP finishes the sign-on of the callback's request token.
func (h *SignOnHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	view := signOnView{Title: "Sign-on to Twitter did not finish"}
	status := http.StatusBadRequest
	cb, err := ParseCallback(r.URL.Query())
	switch {
	case errors.Is(err, ErrSignOnDenied):
		out, ferr := h.ch.FinishSignOn(ctx, engine.SignOnCallback{RequestToken: cb.RequestToken, Denied: true})
		if ferr != nil {
			h.log.ErrorContext(ctx, "sign-on callback failed", "error", ferr)
		}
		view.Problem = SignOnDenied
		if out.Problem != "" {
			view.Problem = out.Problem
		}
	case err != nil:
		view.Problem = "The link from Twitter is incomplete (no request token or verifier). Start the sign-on again from Switchboard."
	default:
		out, ferr := h.ch.FinishSignOn(ctx, engine.SignOnCallback{RequestToken: cb.RequestToken, Verifier: cb.Verifier})
		switch {
		case ferr != nil:
			h.log.ErrorContext(ctx, "sign-on callback failed", "error", ferr)
			status, view.Problem = http.StatusInternalServerError, "Switchboard could not finish the sign-on. Try again in a moment."
		case out.Connected:
			status = http.StatusOK
			view = signOnView{Title: "Connected to Twitter", Connected: true, Name: out.Endpoint.Name, ScreenName: out.Endpoint.Address, EnsureError: out.EnsureError}
		default:
			view.Problem = out.Problem
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if err := signOnPage.Execute(w, view); err != nil {
		h.log.WarnContext(ctx, "sign-on page not written", "error", err)
	}
}

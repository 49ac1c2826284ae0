package twittertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter"
)

// CRCCheck records one challenge-response check the server made.
type CRCCheck struct {
	WebhookURL string
	Token      string
	Status     int
	Passed     bool
	Err        string
	At         time.Time
}

// CRCChecks returns the CRC checks made so far.
func (s *Server) CRCChecks() []CRCCheck {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CRCCheck(nil), s.crcs...)
}

// crc performs a signed CRC GET against webhookURL (§13.6) without holding
// the lock: the callee may be registering the webhook right now.
func (s *Server) crc(ctx context.Context, webhookURL, consumerSecret string) error {
	token := randHex(16)
	q := url.Values{"crc_token": {token}, "nonce": {randHex(8)}}
	raw := q.Encode()
	rec := CRCCheck{WebhookURL: webhookURL, Token: token, At: s.now()}
	err := func() error {
		ctx, cancel := context.WithTimeout(ctx, s.webhookTimeout)
		defer cancel()
		u := webhookURL
		if strings.Contains(u, "?") {
			u += "&" + raw
		} else {
			u += "?" + raw
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		req.Header.Set(twitter.SignatureHeader, twitter.Sign(consumerSecret, []byte(raw)))
		resp, err := s.webhookClient.Do(req)
		if err != nil {
			return fmt.Errorf("CRC GET: %w", err)
		}
		defer resp.Body.Close()
		rec.Status = resp.StatusCode
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("non-200 response code during CRC GET request: %d", resp.StatusCode)
		}
		var body struct {
			ResponseToken string `json:"response_token"`
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if err != nil {
			return fmt.Errorf("CRC GET: %w", err)
		}
		if err := json.Unmarshal(b, &body); err != nil {
			return errors.New("invalid CRC token or json response format")
		}
		if body.ResponseToken != twitter.CRCResponse(consumerSecret, token) {
			return errors.New("invalid response_token")
		}
		return nil
	}()
	rec.Passed = err == nil
	if err != nil {
		rec.Err = err.Error()
	}
	s.mu.Lock()
	s.crcs = append(s.crcs, rec)
	s.mu.Unlock()
	s.log.Info("fake twitter CRC", "url", webhookURL, "passed", rec.Passed, "err", rec.Err)
	return err
}

// RunCRC runs the periodic CRC against a registered webhook now and sets
// its validity from the result, which it returns.
func (s *Server) RunCRC(ctx context.Context, webhookID string) (bool, error) {
	s.mu.Lock()
	wh := s.webhooks[webhookID]
	var secret, u string
	if wh != nil {
		u = wh.url
		secret = s.apps[wh.consumerKey].ConsumerSecret
	}
	s.mu.Unlock()
	if wh == nil {
		return false, fmt.Errorf("fake twitter: run CRC: no webhook %q", webhookID)
	}
	err := s.crc(ctx, u, secret)
	s.mu.Lock()
	wh.valid = err == nil
	s.mu.Unlock()
	return err == nil, nil
}

// InvalidateWebhook marks a webhook invalid, as Twitter does after failed
// CRCs: it receives no deliveries until re-validated.
func (s *Server) InvalidateWebhook(webhookID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if wh := s.webhooks[webhookID]; wh != nil {
		wh.valid = false
	}
}

// WebhookInfo describes a registered webhook.
type WebhookInfo struct {
	ID          string
	URL         string
	ConsumerKey string
	Environment string
	Valid       bool
	Subscribers []string
}

// Webhooks lists the registered webhooks, by id.
func (s *Server) Webhooks() []WebhookInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []WebhookInfo
	for _, wh := range s.webhooks {
		out = append(out, WebhookInfo{ID: wh.id, URL: wh.url, ConsumerKey: wh.consumerKey, Environment: wh.env,
			Valid: wh.valid, Subscribers: s.subscribersLocked(wh.id)})
	}
	sort.Slice(out, func(i, j int) bool { return lessID(out[i].ID, out[j].ID) })
	return out
}

func (s *Server) subscribersLocked(webhookID string) []string {
	var ids []string
	for id := range s.subs[webhookID] {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return lessID(ids[i], ids[j]) })
	return ids
}

// validateURL applies Twitter's webhook URL rules.
func (s *Server) validateURL(raw string) error {
	if len(raw) < 1 || len(raw) > 200 {
		return errors.New("url must be 1 to 200 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return errors.New("url is not a valid URL")
	}
	if s.localURLs && isLocalHost(u.Hostname()) {
		return nil
	}
	if u.Scheme != "https" {
		return errors.New("url must use https")
	}
	if u.Port() != "" {
		return errors.New("url must not contain a port")
	}
	return nil
}

// isLocalHost reports a host of the test machine: localhost or a loopback
// address.
func isLocalHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func webhookJSON(wh *webhook) map[string]any {
	return map[string]any{"id": wh.id, "url": wh.url, "valid": wh.valid,
		"created_at": wh.created.UTC().Format("2006-01-02T15:04:05.000Z")}
}

func (s *Server) handleCreateWebhook(w http.ResponseWriter, r *http.Request) {
	app, _ := s.appOrUserAuth(w, r)
	if app == nil {
		return
	}
	var body struct {
		URL string `json:"url"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&body); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-request", "", "body must be JSON with a url")
		return
	}
	if err := s.validateURL(body.URL); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-request", twitter.ReasonURLValidationFailed, err.Error())
		return
	}
	s.mu.Lock()
	n := 0
	for _, wh := range s.webhooks {
		if wh.consumerKey == app.ConsumerKey && wh.env == "" {
			n++
			if wh.url == body.URL {
				s.mu.Unlock()
				writeProblem(w, http.StatusBadRequest, "invalid-request", twitter.ReasonDuplicateURL, "this URL is already registered")
				return
			}
		}
	}
	limit := app.WebhookLimit
	secret := app.ConsumerSecret
	s.mu.Unlock()
	if n >= limit {
		writeProblem(w, http.StatusBadRequest, "invalid-request", twitter.ReasonWebhookLimitExceeded, "too many webhooks")
		return
	}
	if err := s.crc(r.Context(), body.URL, secret); err != nil {
		writeProblem(w, http.StatusBadRequest, "invalid-request", twitter.ReasonCRCValidationFailed, err.Error())
		return
	}
	s.mu.Lock()
	wh := &webhook{id: strconv.FormatInt(s.nextIDLocked(), 10), url: body.URL, consumerKey: app.ConsumerKey, valid: true, created: s.now()}
	s.webhooks[wh.id] = wh
	out := webhookJSON(wh)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (s *Server) handleListWebhooks(w http.ResponseWriter, r *http.Request) {
	app := s.bearerAuth(w, r)
	if app == nil {
		return
	}
	s.mu.Lock()
	data := []map[string]any{}
	for _, wh := range s.sortedWebhooksLocked(app.ConsumerKey, "") {
		data = append(data, webhookJSON(wh))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "meta": map[string]any{"result_count": len(data)}})
}

// sortedWebhooksLocked returns an app's webhooks of one environment ("" for
// v2, "*" for all premium ones).
func (s *Server) sortedWebhooksLocked(consumerKey, env string) []*webhook {
	var out []*webhook
	for _, wh := range s.webhooks {
		if wh.consumerKey == consumerKey && (wh.env == env || env == "*" && wh.env != "") {
			out = append(out, wh)
		}
	}
	sort.Slice(out, func(i, j int) bool { return lessID(out[i].id, out[j].id) })
	return out
}

// appWebhook finds the app's webhook by id, or answers an error.
func (s *Server) appWebhook(w http.ResponseWriter, app *App, id string, premium bool) *webhook {
	s.mu.Lock()
	wh := s.webhooks[id]
	s.mu.Unlock()
	if wh == nil || wh.consumerKey != app.ConsumerKey {
		if premium {
			writeV1Error(w, http.StatusNotFound, 34, "Webhook does not exist or is associated with a different Twitter application.")
		} else {
			writeProblem(w, http.StatusNotFound, "resource-not-found", twitter.ReasonWebhookIDInvalid, "no such webhook")
		}
		return nil
	}
	return wh
}

func (s *Server) handleValidateWebhook(w http.ResponseWriter, r *http.Request) {
	app, _ := s.appOrUserAuth(w, r)
	if app == nil {
		return
	}
	wh := s.appWebhook(w, app, r.PathValue("id"), false)
	if wh == nil {
		return
	}
	if ok, _ := s.RunCRC(r.Context(), wh.id); !ok {
		writeProblem(w, http.StatusBadRequest, "invalid-request", twitter.ReasonCRCValidationFailed, "the webhook did not answer the CRC")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"valid": true}})
}

func (s *Server) handleDeleteWebhook(w http.ResponseWriter, r *http.Request) {
	app, _ := s.appOrUserAuth(w, r)
	if app == nil {
		return
	}
	wh := s.appWebhook(w, app, r.PathValue("id"), false)
	if wh == nil {
		return
	}
	s.mu.Lock()
	delete(s.webhooks, wh.id)
	delete(s.subs, wh.id)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"deleted": true}})
}

// subscribeLocked adds userID to the webhook; it reports false for an
// existing subscription and an error past the limit.
func (s *Server) subscribeLocked(app *App, webhookID, userID string) (bool, error) {
	set := s.subs[webhookID]
	if set == nil {
		set = map[string]bool{}
		s.subs[webhookID] = set
	}
	if set[userID] {
		return false, nil
	}
	if len(set) >= app.SubscriptionLimit {
		return false, errors.New("subscription limit reached")
	}
	set[userID] = true
	return true, nil
}

func (s *Server) handleSubscribe(w http.ResponseWriter, r *http.Request) {
	app, u := s.userAuth(w, r)
	if u == nil {
		return
	}
	wh := s.appWebhook(w, app, r.PathValue("id"), false)
	if wh == nil {
		return
	}
	s.mu.Lock()
	added, err := s.subscribeLocked(app, wh.id, u.ID)
	s.mu.Unlock()
	switch {
	case err != nil:
		writeProblem(w, http.StatusBadRequest, "invalid-request", twitter.ReasonSubscriptionLimitExceeded, err.Error())
	case !added:
		writeProblem(w, http.StatusConflict, "duplicate", twitter.ReasonDuplicateSubscription, "already subscribed")
	default:
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"subscribed": true}})
	}
}

func (s *Server) handleCheckSubscription(w http.ResponseWriter, r *http.Request) {
	app, u := s.userAuth(w, r)
	if u == nil {
		return
	}
	wh := s.appWebhook(w, app, r.PathValue("id"), false)
	if wh == nil {
		return
	}
	s.mu.Lock()
	sub := s.subs[wh.id][u.ID]
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"subscribed": sub}})
}

func (s *Server) handleListSubscriptions(w http.ResponseWriter, r *http.Request) {
	app := s.bearerAuth(w, r)
	if app == nil {
		return
	}
	wh := s.appWebhook(w, app, r.PathValue("id"), false)
	if wh == nil {
		return
	}
	s.mu.Lock()
	subs := []map[string]string{}
	for _, id := range s.subscribersLocked(wh.id) {
		subs = append(subs, map[string]string{"user_id": id})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"application_id": app.ID, "webhook_id": wh.id, "webhook_url": wh.url, "subscriptions": subs}})
}

func (s *Server) handleUnsubscribe(w http.ResponseWriter, r *http.Request) {
	app := s.bearerAuth(w, r)
	if app == nil {
		return
	}
	wh := s.appWebhook(w, app, r.PathValue("id"), false)
	if wh == nil {
		return
	}
	uid := r.PathValue("user_id")
	s.mu.Lock()
	had := s.subs[wh.id][uid]
	delete(s.subs[wh.id], uid)
	s.mu.Unlock()
	if !had {
		writeProblem(w, http.StatusNotFound, "resource-not-found", twitter.ReasonSubscriptionNotFound, "no such subscription")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"subscribed": false}})
}

func (s *Server) countLocked(app *App) (all int) {
	for id, wh := range s.webhooks {
		if wh.consumerKey == app.ConsumerKey {
			all += len(s.subs[id])
		}
	}
	return all
}

func (s *Server) handleCountSubscriptions(w http.ResponseWriter, r *http.Request) {
	app := s.bearerAuth(w, r)
	if app == nil {
		return
	}
	s.mu.Lock()
	n := s.countLocked(app)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
		"account_name": app.Name, "provisioned_count": strconv.Itoa(app.SubscriptionLimit),
		"subscriptions_count_all": strconv.Itoa(n), "subscriptions_count_direct_messages": strconv.Itoa(n)}})
}

// premiumEnv checks the environment name; it answers 403 code 200 for a
// wrong one.
func premiumEnv(w http.ResponseWriter, app *App, env string) bool {
	if env == "" || app.Environment != "" && app.Environment != env {
		writeV1Error(w, http.StatusForbidden, 200, "Forbidden.")
		return false
	}
	return true
}

// premiumWebhook returns the environment's webhook, nil if none.
func (s *Server) premiumWebhook(app *App, env string) *webhook {
	s.mu.Lock()
	defer s.mu.Unlock()
	if hooks := s.sortedWebhooksLocked(app.ConsumerKey, env); len(hooks) > 0 {
		return hooks[0]
	}
	return nil
}

func premiumWebhookJSON(wh *webhook) map[string]any {
	return map[string]any{"id": wh.id, "url": wh.url, "valid": wh.valid,
		"created_timestamp": wh.created.UTC().Format("2006-01-02 15:04:05 +0000")}
}

func (s *Server) handlePremiumCreateWebhook(w http.ResponseWriter, r *http.Request) {
	app, u := s.userAuth(w, r)
	if u == nil {
		return
	}
	env := r.PathValue("env")
	if !premiumEnv(w, app, env) {
		return
	}
	if app.OwnerUserID != "" && app.OwnerUserID != u.ID {
		writeV1Error(w, http.StatusForbidden, 261, "Application cannot perform write actions.")
		return
	}
	raw := r.URL.Query().Get("url")
	if raw == "" {
		raw = r.PostFormValue("url")
	}
	if err := s.validateURL(raw); err != nil {
		writeV1Error(w, http.StatusForbidden, 214, "Webhook URL does not meet the requirements. "+err.Error())
		return
	}
	if s.premiumWebhook(app, env) != nil {
		writeV1Error(w, http.StatusForbidden, 214, "Too many resources already created.")
		return
	}
	if err := s.crc(r.Context(), raw, app.ConsumerSecret); err != nil {
		writeV1Error(w, http.StatusForbidden, 214, "Webhook URL does not meet the requirements. "+err.Error())
		return
	}
	s.mu.Lock()
	wh := &webhook{id: strconv.FormatInt(s.nextIDLocked(), 10), url: raw, consumerKey: app.ConsumerKey, env: env, valid: true, created: s.now()}
	s.webhooks[wh.id] = wh
	out := premiumWebhookJSON(wh)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handlePremiumListWebhooks(w http.ResponseWriter, r *http.Request) {
	app, _ := s.appOrUserAuth(w, r)
	if app == nil {
		return
	}
	env := r.PathValue("env")
	if env != "" && !premiumEnv(w, app, env) {
		return
	}
	if env == "" {
		env = "*"
	}
	s.mu.Lock()
	out := []map[string]any{}
	for _, wh := range s.sortedWebhooksLocked(app.ConsumerKey, env) {
		out = append(out, premiumWebhookJSON(wh))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handlePremiumValidateWebhook(w http.ResponseWriter, r *http.Request) {
	app, _ := s.appOrUserAuth(w, r)
	if app == nil || !premiumEnv(w, app, r.PathValue("env")) {
		return
	}
	wh := s.appWebhook(w, app, strings.TrimSuffix(r.PathValue("idjson"), ".json"), true)
	if wh == nil {
		return
	}
	if ok, _ := s.RunCRC(r.Context(), wh.id); !ok {
		writeV1Error(w, http.StatusForbidden, 214, "Webhook URL does not meet the requirements. Invalid CRC token or json response format.")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handlePremiumDeleteWebhook(w http.ResponseWriter, r *http.Request) {
	app, _ := s.appOrUserAuth(w, r)
	if app == nil || !premiumEnv(w, app, r.PathValue("env")) {
		return
	}
	wh := s.appWebhook(w, app, strings.TrimSuffix(r.PathValue("idjson"), ".json"), true)
	if wh == nil {
		return
	}
	s.mu.Lock()
	delete(s.webhooks, wh.id)
	delete(s.subs, wh.id)
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handlePremiumSubscribe(w http.ResponseWriter, r *http.Request) {
	app, u := s.userAuth(w, r)
	if u == nil || !premiumEnv(w, app, r.PathValue("env")) {
		return
	}
	wh := s.premiumWebhook(app, r.PathValue("env"))
	if wh == nil {
		writeV1Error(w, http.StatusNotFound, 34, "Webhook does not exist or is associated with a different Twitter application.")
		return
	}
	s.mu.Lock()
	added, err := s.subscribeLocked(app, wh.id, u.ID)
	s.mu.Unlock()
	switch {
	case err != nil:
		writeV1Error(w, http.StatusForbidden, 214, "Too many resources already created.")
	case !added:
		writeV1Error(w, http.StatusConflict, 355, "Subscription already exists.")
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) handlePremiumCheckSubscription(w http.ResponseWriter, r *http.Request) {
	app, u := s.userAuth(w, r)
	if u == nil || !premiumEnv(w, app, r.PathValue("env")) {
		return
	}
	wh := s.premiumWebhook(app, r.PathValue("env"))
	s.mu.Lock()
	sub := wh != nil && s.subs[wh.id][u.ID]
	s.mu.Unlock()
	if !sub {
		writeV1Error(w, http.StatusNotFound, 34, "Sorry, that page does not exist.")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handlePremiumListSubscriptions(w http.ResponseWriter, r *http.Request) {
	app := s.bearerAuth(w, r)
	if app == nil || !premiumEnv(w, app, r.PathValue("env")) {
		return
	}
	subs := []map[string]string{}
	if wh := s.premiumWebhook(app, r.PathValue("env")); wh != nil {
		s.mu.Lock()
		for _, id := range s.subscribersLocked(wh.id) {
			subs = append(subs, map[string]string{"user_id": id})
		}
		s.mu.Unlock()
	}
	writeJSON(w, http.StatusOK, map[string]any{"environment": r.PathValue("env"), "application_id": app.ID, "subscriptions": subs})
}

func (s *Server) handlePremiumUnsubscribe(w http.ResponseWriter, r *http.Request) {
	app := s.bearerAuth(w, r)
	if app == nil || !premiumEnv(w, app, r.PathValue("env")) {
		return
	}
	uid := strings.TrimSuffix(r.PathValue("uidjson"), ".json")
	wh := s.premiumWebhook(app, r.PathValue("env"))
	s.mu.Lock()
	had := wh != nil && s.subs[wh.id][uid]
	if had {
		delete(s.subs[wh.id], uid)
	}
	s.mu.Unlock()
	if !had {
		writeV1Error(w, http.StatusNotFound, 34, "Sorry, that page does not exist.")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handlePremiumCount(w http.ResponseWriter, r *http.Request) {
	app := s.bearerAuth(w, r)
	if app == nil {
		return
	}
	s.mu.Lock()
	n := s.countLocked(app)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"account_name": app.Name,
		"subscriptions_count": strconv.Itoa(n), "provisioned_count": strconv.Itoa(app.SubscriptionLimit)})
}

package twittertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/switchboardhq/switchboard/adapters/twitter"
	"github.com/switchboardhq/switchboard/adapters/twitter/internal/wire"
)

// Delivery records one POST the server made to a webhook, and what the
// webhook answered.
type Delivery struct {
	WebhookID string
	URL       string
	// ForUserID is the subscribed user the body is for ("" for revocations).
	ForUserID string
	Body      []byte
	Signature string
	// Attempt counts from 1; retries (WithRetrySchedule) add attempts.
	Attempt int
	// Status is the webhook's HTTP status, 0 when it did not answer.
	Status   int
	Response string
	Err      string
	// Tampered is set when the body was altered after signing.
	Tampered bool
	At       time.Time
}

// OK reports whether the webhook accepted the delivery (exactly 200).
func (d Delivery) OK() bool { return d.Status == http.StatusOK }

// DeliveryFaults perturb deliveries, as Twitter's delivery may.
type DeliveryFaults struct {
	// Duplicate POSTs every delivery twice.
	Duplicate bool
	// Reorder delivers the events of one injection newest first.
	Reorder bool
	// Batch puts all events of one injection for one webhook and user into
	// a single POST.
	Batch bool
	// Tamper alters each body after signing it.
	Tamper bool
	// Drop stores DMs but delivers nothing (they remain listable, for
	// backfill).
	Drop bool
}

// SetDeliveryFaults replaces the delivery faults.
func (s *Server) SetDeliveryFaults(f DeliveryFaults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dfaults = f
}

// Deliveries returns the deliveries made so far, in order.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.records)
}

// WaitDeliveries waits until the asynchronous deliveries (echoes of sent
// DMs) in flight are done.
func (s *Server) WaitDeliveries() { s.pending.Wait() }

// TwitterWebAppID is the source_app_id of DMs sent from Twitter's own web
// app: inject a DM from a handle with it to play an agent replying natively.
const TwitterWebAppID = "3033300"

// InboundDM is a DM a customer sends to a handle — or, From a handle with
// SourceAppID set, a reply written in another app.
type InboundDM struct {
	// From and To are user ids or screen names.
	From string
	To   string
	Text string
	// Media attaches a photo, GIF or video; its t.co link is appended to
	// the text, as Twitter does.
	Media *Media
	// QuickReplyMetadata makes the DM the answer to a quick-reply option.
	QuickReplyMetadata string
	// SourceAppID is the app the sender used (e.g. TwitterWebAppID); empty
	// for customers' DMs, whose payloads usually carry none.
	SourceAppID string
}

// Injection is the result of an injection.
type Injection struct {
	// EventIDs are the ids of the stored DMs.
	EventIDs []string
	// Deliveries are the POSTs made, with the webhooks' answers.
	Deliveries []Delivery
}

// post is one planned delivery.
type post struct {
	wh        *webhook
	secret    string
	forUserID string
	body      []byte
}

// InjectDM stores a DM from a customer and delivers it, signed, to every
// valid webhook the recipient (and, as an echo, the sender) is subscribed
// to. It returns once the deliveries, with their retries, are done.
func (s *Server) InjectDM(ctx context.Context, m InboundDM) (Injection, error) {
	return s.InjectDMs(ctx, m)
}

// InjectDMs stores several DMs and delivers them; the delivery faults
// Batch and Reorder apply across them.
func (s *Server) InjectDMs(ctx context.Context, msgs ...InboundDM) (Injection, error) {
	s.mu.Lock()
	var stored []*dm
	for _, m := range msgs {
		from, to := s.findUserLocked(m.From), s.findUserLocked(m.To)
		if from == nil || to == nil {
			s.mu.Unlock()
			return Injection{}, fmt.Errorf("fake twitter: inject DM: unknown user %q or %q", m.From, m.To)
		}
		if m.Text == "" && m.Media == nil {
			s.mu.Unlock()
			return Injection{}, fmt.Errorf("fake twitter: inject DM: no text and no media")
		}
		stored = append(stored, s.storeLocked(from.ID, to.ID, m.Text, m.SourceAppID, m.Media, m.QuickReplyMetadata))
	}
	posts := s.planDMsLocked(stored)
	ids := make([]string, len(stored))
	for i, d := range stored {
		ids[i] = strconv.FormatInt(d.id, 10)
	}
	s.mu.Unlock()
	return Injection{EventIDs: ids, Deliveries: s.deliver(ctx, posts)}, nil
}

// planDMsLocked builds the POSTs for stored DMs: for each participant that
// is subscribed, for each of its valid webhooks.
func (s *Server) planDMsLocked(dms []*dm) []post {
	f := s.dfaults
	if f.Drop {
		return nil
	}
	type group struct {
		wh      *webhook
		forUser string
		events  []wire.DMEvent
		users   map[string]wire.User
		apps    map[string]wire.App
	}
	var groups []*group
	byKey := map[string]*group{}
	order := slices.Clone(dms)
	if f.Reorder {
		slices.Reverse(order)
	}
	for i, d := range order {
		for _, uid := range []string{d.recipientID, d.senderID} {
			for _, wh := range s.subscribedWebhooksLocked(uid) {
				key := wh.id + "|" + uid
				if !f.Batch {
					key += "|" + strconv.Itoa(i)
				}
				g := byKey[key]
				if g == nil {
					g = &group{wh: wh, forUser: uid, users: map[string]wire.User{}}
					byKey[key] = g
					groups = append(groups, g)
				}
				g.events = append(g.events, s.dmEventLocked(d))
				for _, id := range []string{d.senderID, d.recipientID} {
					if u := s.users[id]; u != nil {
						g.users[id] = condensedUser(u)
					}
				}
				if d.sourceAppID != "" {
					if g.apps == nil {
						g.apps = map[string]wire.App{}
					}
					g.apps[d.sourceAppID] = s.appWireLocked(d.sourceAppID)
				}
			}
		}
	}
	var posts []post
	for _, g := range groups {
		body, _ := json.Marshal(wire.Payload{ForUserID: g.forUser, DMEvents: g.events, Users: g.users, Apps: g.apps})
		posts = append(posts, post{wh: g.wh, secret: s.apps[g.wh.consumerKey].ConsumerSecret, forUserID: g.forUser, body: body})
	}
	return posts
}

// subscribedWebhooksLocked returns the valid webhooks userID is subscribed
// to, in id order.
func (s *Server) subscribedWebhooksLocked(userID string) []*webhook {
	var out []*webhook
	for id, set := range s.subs {
		if wh := s.webhooks[id]; wh != nil && wh.valid && set[userID] {
			out = append(out, wh)
		}
	}
	slices.SortFunc(out, func(a, b *webhook) int {
		if lessID(a.id, b.id) {
			return -1
		}
		return 1
	})
	return out
}

// deliverEchoAsync delivers the echo of a sent DM without blocking the
// send's answer (the echo may arrive before or after it, as on Twitter), or
// before the answer with WithEchoBeforeResponse.
func (s *Server) deliverEchoAsync(d *dm) {
	s.mu.Lock()
	posts := s.planDMsLocked([]*dm{d})
	s.mu.Unlock()
	if len(posts) == 0 {
		return
	}
	if s.echoFirst {
		s.deliver(context.Background(), posts)
		return
	}
	s.pending.Add(1)
	go func() {
		defer s.pending.Done()
		s.deliver(context.Background(), posts)
	}()
}

// deliver POSTs the planned bodies in order, applying Duplicate and Tamper
// and the retry schedule, and records every attempt.
func (s *Server) deliver(ctx context.Context, posts []post) []Delivery {
	s.mu.Lock()
	f := s.dfaults
	s.mu.Unlock()
	var out []Delivery
	for _, p := range posts {
		n := 1
		if f.Duplicate {
			n = 2
		}
		for range n {
			out = append(out, s.deliverOne(ctx, p, f.Tamper)...)
		}
	}
	return out
}

func (s *Server) deliverOne(ctx context.Context, p post, tamper bool) []Delivery {
	var out []Delivery
	for attempt := 1; ; attempt++ {
		d := s.attempt(ctx, p, tamper, attempt)
		out = append(out, d)
		if d.OK() || attempt > len(s.retries) || ctx.Err() != nil {
			return out
		}
		select {
		case <-ctx.Done():
			return out
		case <-time.After(s.retries[attempt-1]):
		}
	}
}

func (s *Server) attempt(ctx context.Context, p post, tamper bool, attempt int) Delivery {
	sig := twitter.Sign(p.secret, p.body)
	body := p.body
	if tamper {
		body = tamperBody(body)
	}
	d := Delivery{WebhookID: p.wh.id, URL: p.wh.url, ForUserID: p.forUserID, Body: body, Signature: sig,
		Attempt: attempt, Tampered: tamper, At: s.now()}
	func() {
		ctx, cancel := context.WithTimeout(ctx, s.webhookTimeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.wh.url, bytes.NewReader(body))
		if err != nil {
			d.Err = err.Error()
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(twitter.SignatureHeader, sig)
		resp, err := s.webhookClient.Do(req)
		if err != nil {
			d.Err = err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		d.Status, d.Response = resp.StatusCode, string(b)
	}()
	s.mu.Lock()
	s.records = append(s.records, d)
	s.mu.Unlock()
	s.log.Info("fake twitter delivery", "url", d.URL, "for_user_id", d.ForUserID, "attempt", attempt, "status", d.Status, "err", d.Err)
	return d
}

// tamperBody changes the body after it was signed, as a forger would.
func tamperBody(b []byte) []byte {
	if i := bytes.Index(b, []byte(`"text":"`)); i >= 0 {
		j := i + len(`"text":"`)
		return slices.Concat(b[:j], []byte("[tampered] "), b[j:])
	}
	return append(slices.Clone(b), ' ')
}

// InjectTyping delivers a typing indicator from one user to another to the
// webhooks the recipient is subscribed to.
func (s *Server) InjectTyping(ctx context.Context, from, to string) (Injection, error) {
	return s.injectIndicator(ctx, from, to, "")
}

// InjectRead delivers a read receipt: from has read the conversation with
// to up to lastReadEventID.
func (s *Server) InjectRead(ctx context.Context, from, to, lastReadEventID string) (Injection, error) {
	if lastReadEventID == "" {
		return Injection{}, fmt.Errorf("fake twitter: inject read: no last read event id")
	}
	return s.injectIndicator(ctx, from, to, lastReadEventID)
}

func (s *Server) injectIndicator(ctx context.Context, from, to, lastRead string) (Injection, error) {
	s.mu.Lock()
	fu, tu := s.findUserLocked(from), s.findUserLocked(to)
	if fu == nil || tu == nil {
		s.mu.Unlock()
		return Injection{}, fmt.Errorf("fake twitter: inject event: unknown user %q or %q", from, to)
	}
	ev := wire.IndicatorEvent{CreatedTimestamp: wire.FlexString(strconv.FormatInt(s.now().UnixMilli(), 10)),
		SenderID: wire.FlexString(fu.ID), Target: wire.Target{RecipientID: wire.FlexString(tu.ID)}, LastReadEventID: wire.FlexString(lastRead)}
	p := wire.Payload{ForUserID: tu.ID, Users: map[string]wire.User{fu.ID: condensedUser(fu), tu.ID: condensedUser(tu)}}
	if lastRead == "" {
		p.TypingEvents = []wire.IndicatorEvent{ev}
	} else {
		p.ReadEvents = []wire.IndicatorEvent{ev}
	}
	body, _ := json.Marshal(p)
	var posts []post
	if !s.dfaults.Drop {
		for _, wh := range s.subscribedWebhooksLocked(tu.ID) {
			posts = append(posts, post{wh: wh, secret: s.apps[wh.consumerKey].ConsumerSecret, forUserID: tu.ID, body: body})
		}
	}
	s.mu.Unlock()
	return Injection{Deliveries: s.deliver(ctx, posts)}, nil
}

// RevokeAccess plays a user revoking the app in their settings: the user's
// tokens for the app stop working (code 89), their subscriptions to the
// app's webhooks are deleted, and a user_event revoke is delivered to those
// webhooks.
func (s *Server) RevokeAccess(ctx context.Context, consumerKey, user string) (Injection, error) {
	s.mu.Lock()
	app, u := s.apps[consumerKey], s.findUserLocked(user)
	if app == nil || u == nil {
		s.mu.Unlock()
		return Injection{}, fmt.Errorf("fake twitter: revoke access: unknown app or user %q", user)
	}
	for k, t := range s.tokens {
		if t.consumerKey == consumerKey && t.userID == u.ID {
			delete(s.tokens, k)
		}
	}
	var ue wire.UserEvent
	ue.Revoke = &wire.Revoke{DateTime: s.now().UTC().Format("2006-01-02T15:04:05-07:00")}
	ue.Revoke.Target.AppID = wire.FlexString(app.ID)
	ue.Revoke.Source.UserID = wire.FlexString(u.ID)
	body, _ := json.Marshal(wire.Payload{UserEvent: &ue})
	var posts []post
	for id, set := range s.subs {
		wh := s.webhooks[id]
		if wh == nil || wh.consumerKey != consumerKey || !set[u.ID] {
			continue
		}
		delete(set, u.ID)
		if wh.valid && !s.dfaults.Drop {
			posts = append(posts, post{wh: wh, secret: app.ConsumerSecret, body: body})
		}
	}
	s.mu.Unlock()
	return Injection{Deliveries: s.deliver(ctx, posts)}, nil
}

// InjectRaw delivers body as is, signed with the webhook's app secret.
func (s *Server) InjectRaw(ctx context.Context, webhookID string, body []byte) (Injection, error) {
	s.mu.Lock()
	wh := s.webhooks[webhookID]
	if wh == nil {
		s.mu.Unlock()
		return Injection{}, fmt.Errorf("fake twitter: inject raw: no webhook %q", webhookID)
	}
	p := post{wh: wh, secret: s.apps[wh.consumerKey].ConsumerSecret, body: slices.Clone(body)}
	s.mu.Unlock()
	return Injection{Deliveries: s.deliver(ctx, []post{p})}, nil
}

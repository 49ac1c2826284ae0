package webchat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switchboardhq/switchboard/engine"
)

// PathPrefix is where the channel is served: the widgets' message and
// stream endpoints are under it.
const PathPrefix = "/webchat/widgets/"

// MaxMessageBytes bounds a relayed message's body.
const MaxMessageBytes = 64 << 10

// MaxTextLength bounds a visitor's message, in characters.
const MaxTextLength = 10000

// Engine is the part of the engine the channel calls; *engine.Service
// implements it.
type Engine interface {
	ChannelEndpointCredentials(ctx context.Context, ch engine.Channel, id engine.EndpointID) (engine.Endpoint, error)
	Ingest(ctx context.Context, in engine.InboundMessage) (engine.IngestResult, error)
	DeliveredTo(ctx context.Context, endpoint engine.EndpointID, customerID string, after engine.MessageID) ([]engine.Message, error)
}

var _ Engine = (*engine.Service)(nil)

// Options configure the channel.
type Options struct {
	Logger *slog.Logger
	// Now is the clock signatures are checked against (default time.Now).
	Now func() time.Time
	// Poll is how often a stream looks for replies that another replica
	// sent (default 2 s); replies sent in this process wake it at once.
	Poll time.Duration
	// Heartbeat is how often an idle stream writes a comment, so that
	// proxies keep it open (default 15 s).
	Heartbeat time.Duration
}

// Webchat is the channel: its HTTP handler and its Sender share the
// streams they wake.
type Webchat struct {
	log  *slog.Logger
	opts Options
	hub  *hub
}

// New returns the channel. Its Sender goes to the engine; its Handler
// serves the widgets over that engine.
func New(opts Options) *Webchat {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 15 * time.Second
	}
	return &Webchat{log: opts.Logger, opts: opts, hub: newHub()}
}

// Handler serves the widgets' endpoints under PathPrefix.
func (c *Webchat) Handler(eng Engine) http.Handler { return &handler{Webchat: c, eng: eng} }

type handler struct {
	*Webchat
	eng Engine
}

// Sender returns the channel's engine.Sender.
func (c *Webchat) Sender() *Sender { return &Sender{hub: c.hub} }

// inbound is a relayed message as the site sends it.
type inbound struct {
	ID      string `json:"id"`
	Visitor struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Language string `json:"language"`
	} `json:"visitor"`
	Text   string    `json:"text"`
	SentAt time.Time `json:"sent_at"`
}

// validate says what is wrong with a relayed message, naming the field.
func (m inbound) validate() error {
	switch {
	case strings.TrimSpace(m.ID) == "":
		return errors.New("id is required: the site's id for the message, the same when it is relayed again")
	case len(m.ID) > 200:
		return errors.New("id is longer than 200 characters")
	case strings.TrimSpace(m.Visitor.ID) == "":
		return errors.New("visitor.id is required: the site's id for the visitor")
	case len(m.Visitor.ID) > 200:
		return errors.New("visitor.id is longer than 200 characters")
	case strings.TrimSpace(m.Text) == "":
		return errors.New("text is required")
	case utf8.RuneCountInString(m.Text) > MaxTextLength:
		return fmt.Errorf("text is %d characters long; the limit is %d", utf8.RuneCountInString(m.Text), MaxTextLength)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func problem(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// ServeHTTP serves POST …/{widget}/messages and GET
// …/{widget}/visitors/{visitor}/events.
func (c *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, PathPrefix), "/")
	switch {
	case len(parts) == 2 && parts[1] == "messages":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			problem(w, http.StatusMethodNotAllowed, "relay messages with POST")
			return
		}
		c.receive(w, r, engine.EndpointID(parts[0]))
	case len(parts) == 4 && parts[1] == "visitors" && parts[3] == "events":
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", "GET")
			problem(w, http.StatusMethodNotAllowed, "open the stream with GET")
			return
		}
		c.stream(w, r, engine.EndpointID(parts[0]), parts[2])
	default:
		problem(w, http.StatusNotFound, "no such web-chat path: use "+PathPrefix+"{widget}/messages or "+PathPrefix+"{widget}/visitors/{visitor}/events")
	}
}

// widget reads a widget with its secret; false when the answer is written.
func (c *handler) widget(w http.ResponseWriter, r *http.Request, id engine.EndpointID) (engine.Endpoint, bool) {
	if !engine.ValidID(string(id)) {
		problem(w, http.StatusNotFound, "unknown widget")
		return engine.Endpoint{}, false
	}
	ep, err := c.eng.ChannelEndpointCredentials(r.Context(), Channel, id)
	switch {
	case errors.Is(err, engine.ErrNotFound):
		problem(w, http.StatusNotFound, "unknown widget")
		return engine.Endpoint{}, false
	case err != nil:
		c.log.ErrorContext(r.Context(), "webchat: reading the widget failed", "widget_id", id, "error", err)
		problem(w, http.StatusServiceUnavailable, "the widget could not be read; try again")
		return engine.Endpoint{}, false
	case ep.Status != engine.EndpointActive:
		problem(w, http.StatusForbidden, fmt.Sprintf("the widget is %s", ep.Status))
		return engine.Endpoint{}, false
	}
	return ep, true
}

// receive verifies a relayed message and ingests it; 200 means it is stored.
func (c *handler) receive(w http.ResponseWriter, r *http.Request, id engine.EndpointID) {
	ctx := r.Context()
	ep, ok := c.widget(w, r, id)
	if !ok {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxMessageBytes))
	if err != nil {
		problem(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", MaxMessageBytes))
		return
	}
	if err := verifyMessage(ep.Token.Reveal(), r.Header.Get("X-Switchboard-Timestamp"), r.Header.Get("X-Switchboard-Signature"), body, c.opts.Now()); err != nil {
		problem(w, http.StatusUnauthorized, err.Error())
		return
	}
	var m inbound
	if err := json.Unmarshal(body, &m); err != nil {
		problem(w, http.StatusBadRequest, "the body is not a message: "+err.Error())
		return
	}
	if err := m.validate(); err != nil {
		problem(w, http.StatusBadRequest, err.Error())
		return
	}
	sentAt := m.SentAt
	if sentAt.IsZero() || sentAt.After(c.opts.Now()) {
		sentAt = c.opts.Now()
	}
	res, err := c.eng.Ingest(ctx, engine.InboundMessage{
		SourceID: ep.SourceID, EndpointID: ep.ID, ExternalID: m.ID, SentAt: sentAt, Text: m.Text,
		Customer: engine.CustomerProfile{Channel: Channel, ExternalID: m.Visitor.ID, Name: strings.TrimSpace(m.Visitor.Name)},
		Language: m.Visitor.Language,
	})
	switch {
	case errors.Is(err, engine.ErrInvalid):
		problem(w, http.StatusBadRequest, err.Error())
		return
	case err != nil:
		// Not stored: the site relays it again.
		c.log.ErrorContext(ctx, "webchat: storing a message failed", "widget_id", id, "error", err)
		problem(w, http.StatusServiceUnavailable, "the message was not stored; relay it again")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversation_id": res.ConversationID, "message_id": res.MessageID, "duplicate": res.Duplicate})
}

// reply is a reply as the visitor's stream shows it.
type reply struct {
	ID     engine.MessageID `json:"id"`
	Text   string           `json:"text"`
	SentAt time.Time        `json:"sent_at"`
}

// stream sends the visitor the replies after Last-Event-ID, then each new
// one as it is handed over, until the visitor leaves.
func (c *handler) stream(w http.ResponseWriter, r *http.Request, id engine.EndpointID, visitor string) {
	ctx := r.Context()
	ep, ok := c.widget(w, r, id)
	if !ok {
		return
	}
	q := r.URL.Query()
	if err := verifyVisitor(ep.Token.Reveal(), visitor, q.Get("expires"), q.Get("token"), c.opts.Now()); err != nil {
		problem(w, http.StatusUnauthorized, err.Error())
		return
	}
	flusher, ok := w.(http.Flusher)
	if !ok {
		problem(w, http.StatusInternalServerError, "streaming is not supported here")
		return
	}
	after := engine.MessageID(r.Header.Get("Last-Event-ID"))
	woken, stop := c.hub.subscribe(ep.ID, visitor)
	defer stop()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	// The token, not a cookie, is the credential: any site may open it.
	h.Set("Access-Control-Allow-Origin", "*")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, ": connected\n\n")
	flusher.Flush()

	poll := time.NewTicker(c.opts.Poll)
	defer poll.Stop()
	beat := time.NewTicker(c.opts.Heartbeat)
	defer beat.Stop()
	for {
		msgs, err := c.eng.DeliveredTo(ctx, ep.ID, visitor, after)
		if err != nil {
			if ctx.Err() == nil {
				c.log.ErrorContext(ctx, "webchat: reading replies failed", "widget_id", id, "error", err)
			}
			return // the browser reconnects with its Last-Event-ID
		}
		for _, m := range msgs {
			data, _ := json.Marshal(reply{ID: m.ID, Text: m.Text, SentAt: m.SentAt})
			if _, err := fmt.Fprintf(w, "id: %s\nevent: message\ndata: %s\n\n", m.ID, data); err != nil {
				return
			}
			after = m.ID
		}
		if len(msgs) > 0 {
			flusher.Flush()
			continue // there may be more
		}
		select {
		case <-ctx.Done():
			return
		case <-woken:
		case <-poll.C:
		case <-beat.C:
			if _, err := io.WriteString(w, ": ping\n\n"); err != nil {
				return
			}
			flusher.Flush()
		}
	}
}

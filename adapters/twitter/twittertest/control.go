package twittertest

import (
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// ControlPrefix is the path prefix of the HTTP injection and control API of
// the standalone mode. It needs no authentication: never expose a fake
// server beyond a test machine.
const ControlPrefix = "/_fake/"

func decodeControl(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v); err != nil {
		http.Error(w, "invalid JSON: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

// deliveryJSON is the control API's view of a Delivery.
type deliveryJSON struct {
	WebhookID string    `json:"webhook_id"`
	URL       string    `json:"url"`
	ForUserID string    `json:"for_user_id,omitempty"`
	Body      string    `json:"body"`
	Attempt   int       `json:"attempt"`
	Status    int       `json:"status"`
	Response  string    `json:"response,omitempty"`
	Err       string    `json:"error,omitempty"`
	Tampered  bool      `json:"tampered,omitempty"`
	At        time.Time `json:"at"`
}

func deliveriesJSON(ds []Delivery) []deliveryJSON {
	out := make([]deliveryJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, deliveryJSON{WebhookID: d.WebhookID, URL: d.URL, ForUserID: d.ForUserID, Body: string(d.Body),
			Attempt: d.Attempt, Status: d.Status, Response: d.Response, Err: d.Err, Tampered: d.Tampered, At: d.At})
	}
	return out
}

func injectionJSON(in Injection) map[string]any {
	return map[string]any{"event_ids": in.EventIDs, "deliveries": deliveriesJSON(in.Deliveries)}
}

type userJSON struct {
	ID             string `json:"id"`
	ScreenName     string `json:"screen_name"`
	Name           string `json:"name"`
	Location       string `json:"location,omitempty"`
	Description    string `json:"description,omitempty"`
	FollowersCount int64  `json:"followers_count"`
	FriendsCount   int64  `json:"friends_count"`
	Verified       bool   `json:"verified"`
	Protected      bool   `json:"protected"`
	Lang           string `json:"lang,omitempty"`
	ClosedDMs      bool   `json:"closed_dms,omitempty"`
	RequiresFollow bool   `json:"requires_follow,omitempty"`
}

// controlRoutes serves the injection API over HTTP:
//
//	POST /_fake/users            {"screen_name", "name", …}        → the user
//	POST /_fake/tokens           {"consumer_key", "user"}           → {"token", "secret"}
//	POST /_fake/authorize-as     {"user"}
//	POST /_fake/dm               {"from", "to", "text", "media_type", "quick_reply_metadata"} → deliveries
//	POST /_fake/typing           {"from", "to"}
//	POST /_fake/read             {"from", "to", "last_read_event_id"}
//	POST /_fake/revoke           {"consumer_key", "user"}
//	POST /_fake/crc              {"webhook_id"}                     → {"valid"}
//	POST /_fake/faults           {"endpoint", "status", "code", "message", "times"}
//	POST /_fake/delivery-faults  {"duplicate", "reorder", "batch", "tamper", "drop"}
//	GET  /_fake/deliveries, /_fake/messages, /_fake/webhooks
func (s *Server) controlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+ControlPrefix+"users", func(w http.ResponseWriter, r *http.Request) {
		var in userJSON
		if !decodeControl(w, r, &in) {
			return
		}
		u := s.AddUser(User{ID: in.ID, ScreenName: in.ScreenName, Name: in.Name, Location: in.Location,
			Description: in.Description, FollowersCount: in.FollowersCount, FriendsCount: in.FriendsCount,
			Verified: in.Verified, Protected: in.Protected, Lang: in.Lang, ClosedDMs: in.ClosedDMs, RequiresFollow: in.RequiresFollow})
		in.ID, in.ScreenName, in.Name = u.ID, u.ScreenName, u.Name
		writeJSON(w, http.StatusCreated, in)
	})
	mux.HandleFunc("POST "+ControlPrefix+"tokens", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ConsumerKey string `json:"consumer_key"`
			User        string `json:"user"`
		}
		if !decodeControl(w, r, &in) {
			return
		}
		tok, err := s.IssueToken(in.ConsumerKey, in.User)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusCreated, map[string]string{"token": tok.Token, "secret": tok.Secret})
	})
	mux.HandleFunc("POST "+ControlPrefix+"authorize-as", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			User string `json:"user"`
		}
		if !decodeControl(w, r, &in) {
			return
		}
		s.AuthorizeAs(in.User)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST "+ControlPrefix+"dm", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			From               string `json:"from"`
			To                 string `json:"to"`
			Text               string `json:"text"`
			MediaType          string `json:"media_type"`
			QuickReplyMetadata string `json:"quick_reply_metadata"`
		}
		if !decodeControl(w, r, &in) {
			return
		}
		m := InboundDM{From: in.From, To: in.To, Text: in.Text, QuickReplyMetadata: in.QuickReplyMetadata}
		if in.MediaType != "" {
			m.Media = &Media{Type: in.MediaType}
		}
		res, err := s.InjectDM(r.Context(), m)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusOK, injectionJSON(res))
	})
	mux.HandleFunc("POST "+ControlPrefix+"typing", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ From, To string }
		if !decodeControl(w, r, &in) {
			return
		}
		res, err := s.InjectTyping(r.Context(), in.From, in.To)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusOK, injectionJSON(res))
	})
	mux.HandleFunc("POST "+ControlPrefix+"read", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			From            string `json:"from"`
			To              string `json:"to"`
			LastReadEventID string `json:"last_read_event_id"`
		}
		if !decodeControl(w, r, &in) {
			return
		}
		res, err := s.InjectRead(r.Context(), in.From, in.To, in.LastReadEventID)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusOK, injectionJSON(res))
	})
	mux.HandleFunc("POST "+ControlPrefix+"revoke", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ConsumerKey string `json:"consumer_key"`
			User        string `json:"user"`
		}
		if !decodeControl(w, r, &in) {
			return
		}
		res, err := s.RevokeAccess(r.Context(), in.ConsumerKey, in.User)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		writeJSON(w, http.StatusOK, injectionJSON(res))
	})
	mux.HandleFunc("POST "+ControlPrefix+"crc", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			WebhookID string `json:"webhook_id"`
		}
		if !decodeControl(w, r, &in) {
			return
		}
		ok, err := s.RunCRC(r.Context(), in.WebhookID)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"valid": ok})
	})
	mux.HandleFunc("POST "+ControlPrefix+"faults", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Endpoint string `json:"endpoint"`
			Status   int    `json:"status"`
			Code     int    `json:"code"`
			Message  string `json:"message"`
			Times    int    `json:"times"`
			ResetIn  string `json:"reset_in"`
		}
		if !decodeControl(w, r, &in) {
			return
		}
		f := Fault{Status: in.Status, Code: in.Code, Message: in.Message, Times: in.Times}
		if in.ResetIn != "" {
			d, err := time.ParseDuration(in.ResetIn)
			if err != nil {
				http.Error(w, "reset_in: "+err.Error(), http.StatusBadRequest)
				return
			}
			f.ResetIn = d
		}
		if in.Endpoint == "" || f.Status < 400 {
			http.Error(w, "endpoint and a status ≥ 400 are required", http.StatusBadRequest)
			return
		}
		s.FailNext(Endpoint(in.Endpoint), f)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST "+ControlPrefix+"delivery-faults", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Duplicate, Reorder, Batch, Tamper, Drop bool
		}
		if !decodeControl(w, r, &in) {
			return
		}
		s.SetDeliveryFaults(DeliveryFaults(in))
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET "+ControlPrefix+"deliveries", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, deliveriesJSON(s.Deliveries()))
	})
	mux.HandleFunc("GET "+ControlPrefix+"messages", func(w http.ResponseWriter, r *http.Request) {
		type msg struct {
			ID          string    `json:"id"`
			SenderID    string    `json:"sender_id"`
			RecipientID string    `json:"recipient_id"`
			Text        string    `json:"text"`
			CreatedAt   time.Time `json:"created_at"`
			SourceAppID string    `json:"source_app_id,omitempty"`
			MediaURL    string    `json:"media_url,omitempty"`
		}
		out := []msg{}
		for _, m := range s.Messages() {
			out = append(out, msg(m))
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET "+ControlPrefix+"webhooks", func(w http.ResponseWriter, r *http.Request) {
		type hook struct {
			ID          string   `json:"id"`
			URL         string   `json:"url"`
			ConsumerKey string   `json:"consumer_key"`
			Environment string   `json:"environment,omitempty"`
			Valid       bool     `json:"valid"`
			Subscribers []string `json:"subscribers"`
		}
		out := []hook{}
		for _, h := range s.Webhooks() {
			out = append(out, hook(h))
		}
		writeJSON(w, http.StatusOK, out)
	})
}

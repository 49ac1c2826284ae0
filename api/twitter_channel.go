package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

// handleHealthResponse is a handle's channel health: its subscription to
// the application's webhook and its newest event.
type handleHealthResponse struct {
	Subscription      string  `json:"subscription"`
	SubscriptionError string  `json:"subscription_error"`
	LastEventAt       *string `json:"last_event_at"`
	CheckedAt         *string `json:"checked_at"`
	// SilentSince is set while a handle that usually receives DMs has
	// received nothing for longer than the silent-handle alarm's threshold
	// (SWITCHBOARD_TWITTER_SILENT_AFTER): its last event's time.
	SilentSince *string `json:"silent_since"`
}

func optionalTimestamp(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := timestamp(*t)
	return &s
}

func toHandleHealthResponse(h engine.EndpointHealth) *handleHealthResponse {
	return &handleHealthResponse{Subscription: h.Subscription, SubscriptionError: h.SubscriptionError,
		LastEventAt: optionalTimestamp(h.LastEventAt), CheckedAt: optionalTimestamp(h.CheckedAt)}
}

// handleHealth reads a handle's health for an answer; a failure leaves it
// out (and is logged) rather than failing the request.
func (s *Server) handleHealth(c *gin.Context, id engine.EndpointID) *handleHealthResponse {
	h, err := s.svc.EndpointHealth(c.Request.Context(), id)
	if err != nil {
		s.log.WarnContext(c.Request.Context(), "handle health unavailable", "handle_id", id, "error", err.Error())
		return nil
	}
	res := toHandleHealthResponse(h)
	since, err := s.twitter.HandleSilentSince(c.Request.Context(), id)
	if err != nil {
		s.log.WarnContext(c.Request.Context(), "handle silence unavailable", "handle_id", id, "error", err.Error())
	}
	res.SilentSince = optionalTimestamp(since)
	return res
}

// webhookResponse is an application's webhook state.
type webhookResponse struct {
	ID        string  `json:"id"`
	URL       string  `json:"url"`
	State     string  `json:"state"` // valid, invalid, error, unknown
	Valid     bool    `json:"valid"`
	Error     string  `json:"error"`
	CheckedAt *string `json:"checked_at"`
}

type verifyHandleResponse struct {
	twitterHandleResponse
}

type backfillResponse struct {
	HandleID string  `json:"handle_id"`
	Pages    int     `json:"pages"`
	Listed   int     `json:"listed"`
	Ingested int     `json:"ingested"`
	Echoes   int     `json:"echoes"`
	Known    int     `json:"known"`
	Complete bool    `json:"complete"`
	RetryAt  *string `json:"retry_at"`
	Error    string  `json:"error"`
}

func toBackfillResponse(r engine.BackfillResult) backfillResponse {
	return backfillResponse{HandleID: string(r.EndpointID), Pages: r.Pages, Listed: r.Listed, Ingested: r.Ingested, Echoes: r.Echoes,
		Known: r.Known, Complete: r.Complete, RetryAt: optionalTimestamp(r.RetryAt), Error: r.Error}
}

// verifyResponse reports an application's webhook and each handle's
// subscription after re-running the checks.
type verifyResponse struct {
	ApplicationID string                 `json:"application_id"`
	Webhook       webhookResponse        `json:"webhook"`
	Handles       []verifyHandleResponse `json:"handles"`
	// Backfilled lists the backfills run because the webhook became valid
	// again.
	Backfilled []backfillResponse `json:"backfilled"`
}

func (s *Server) twitterChannelRoutes(g *gin.RouterGroup) {
	const tag = "twitter"
	s.route(g, route{Method: "POST", Path: "/twitter/applications/:id/verify", Summary: "Re-run the webhook and subscription checks; report the webhook's validity and each handle's subscription", Tag: tag, Roles: admins,
		Response: verifyResponse{}, Status: http.StatusOK}, s.verifyTwitterApplication)
	s.route(g, route{Method: "POST", Path: "/twitter/handles/:handle_id/sign-on", Summary: "Sign the handle on to Twitter again (e.g. after its access was revoked): answers the authorization URL", Tag: tag, Roles: admins,
		Response: twitterHandleResponse{}, Status: http.StatusOK}, s.signOnAgain)
	s.route(g, route{Method: "POST", Path: "/twitter/handles/:handle_id/backfill", Summary: "Read the handle's recent DMs from Twitter and store those the webhook missed", Tag: tag, Roles: admins,
		Response: backfillResponse{}, Status: http.StatusOK}, s.backfillTwitterHandle)
}

func (s *Server) verifyTwitterApplication(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	v, err := s.twitter.Verify(c.Request.Context(), engine.SourceID(id))
	if err != nil {
		return nil, err
	}
	a := v.Source
	res := verifyResponse{ApplicationID: id, Handles: []verifyHandleResponse{}, Backfilled: []backfillResponse{},
		Webhook: webhookResponse{ID: a.WebhookID, URL: a.WebhookURL, State: a.Webhook, Valid: a.Webhook == engine.WebhookValid,
			Error: a.WebhookError, CheckedAt: optionalTimestamp(a.CheckedAt)}}
	for _, h := range v.Endpoints {
		r := toTwitterHandleResponse(h.Endpoint)
		r.Health = toHandleHealthResponse(h.Health)
		res.Handles = append(res.Handles, verifyHandleResponse{r})
	}
	for _, b := range v.Backfilled {
		res.Backfilled = append(res.Backfilled, toBackfillResponse(b))
	}
	return res, nil
}

func (s *Server) backfillTwitterHandle(c *gin.Context) (any, error) {
	id, err := handleParam(c)
	if err != nil {
		return nil, err
	}
	r, err := s.twitter.Backfill(c.Request.Context(), id)
	return toBackfillResponse(r), err
}

func (s *Server) signOnAgain(c *gin.Context) (any, error) {
	id, err := handleParam(c)
	if err != nil {
		return nil, err
	}
	h, authURL, err := s.twitter.SignOnAgain(c.Request.Context(), actor(c), id)
	if err != nil {
		return nil, err
	}
	res := toTwitterHandleResponse(h)
	res.AuthorizationURL = authURL
	return res, nil
}

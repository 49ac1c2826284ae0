package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

// TwitterAdmin administers the Twitter channel; adapters/twitter's Admin
// implements it. Applications are the engine's sources (their environment
// name and dialect among its settings), handles its endpoints (the user id
// their external id, the screen name their address). No answer holds a
// secret.
type TwitterAdmin interface {
	// Configured reports whether Twitter can be called (sign-on, ensure).
	Configured() bool
	// CallbackURL is an application's webhook URL, which Twitter calls.
	CallbackURL(app engine.SourceID) string
	// SignOnCallbackURL is where Twitter sends a person back after "Sign on
	// to Twitter": the callback URL to allow-list in the developer portal.
	SignOnCallbackURL() string
	// HandleSilentSince is when a usually busy handle fell silent, when its
	// silence is an alarm (its webhook or subscription may be broken).
	HandleSilentSince(ctx context.Context, id engine.EndpointID) (*time.Time, error)
	CreateApplication(ctx context.Context, actor engine.Actor, in engine.SourceInput) (engine.Source, error)
	Application(ctx context.Context, id engine.SourceID) (engine.Source, error)
	ListApplications(ctx context.Context, p engine.Page) (engine.List[engine.Source], error)
	UpdateApplication(ctx context.Context, actor engine.Actor, id engine.SourceID, in engine.SourceInput) (engine.Source, error)
	DeleteApplication(ctx context.Context, actor engine.Actor, id engine.SourceID) error
	CreateHandle(ctx context.Context, actor engine.Actor, app engine.SourceID, in engine.EndpointInput) (engine.Endpoint, error)
	StartSignOn(ctx context.Context, actor engine.Actor, app engine.SourceID, in engine.EndpointInput) (engine.Endpoint, string, error)
	SignOnAgain(ctx context.Context, actor engine.Actor, id engine.EndpointID) (engine.Endpoint, string, error)
	Handle(ctx context.Context, id engine.EndpointID) (engine.Endpoint, error)
	ListHandles(ctx context.Context, app engine.SourceID, p engine.Page) (engine.List[engine.Endpoint], error)
	UpdateHandle(ctx context.Context, actor engine.Actor, id engine.EndpointID, in engine.EndpointInput) (engine.Endpoint, error)
	DeleteHandle(ctx context.Context, actor engine.Actor, id engine.EndpointID) error
	Ensure(ctx context.Context, id engine.EndpointID) error
	Verify(ctx context.Context, app engine.SourceID) (engine.SourceVerification, error)
	Backfill(ctx context.Context, id engine.EndpointID) (engine.BackfillResult, error)
}

// The settings of a Twitter application's source.
const (
	settingEnvironmentName = "environment_name"
	settingDialect         = "dialect"
)

// twitterApplicationRequest creates or changes a Twitter application. The
// consumer secret is write-only: no answer contains it.
type twitterApplicationRequest struct {
	Name            *string `json:"name"`
	ConsumerKey     *string `json:"consumer_key"`
	ConsumerSecret  *string `json:"consumer_secret"`
	EnvironmentName *string `json:"environment_name"`
	Dialect         *string `json:"dialect"`
	Enabled         *bool   `json:"enabled"`
}

func (r twitterApplicationRequest) input() engine.SourceInput {
	in := engine.SourceInput{Name: r.Name, ClientKey: r.ConsumerKey, ClientSecret: secretPtr(r.ConsumerSecret), Enabled: r.Enabled,
		Settings: map[string]string{}}
	if r.EnvironmentName != nil {
		in.Settings[settingEnvironmentName] = *r.EnvironmentName
	}
	if r.Dialect != nil {
		in.Settings[settingDialect] = *r.Dialect
	}
	return in
}

type twitterApplicationResponse struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	ConsumerKey     string `json:"consumer_key"`
	EnvironmentName string `json:"environment_name"`
	Dialect         string `json:"dialect"`
	// CallbackURL is the webhook URL that Twitter calls with the
	// application's Account Activity events.
	CallbackURL string `json:"callback_url"`
	// SignOnCallbackURL is the OAuth callback URL to allow-list in the
	// application's settings in the developer portal.
	SignOnCallbackURL string `json:"sign_on_callback_url"`
	Enabled           bool   `json:"enabled"`
	CreatedAt         string `json:"created_at"`
	UpdatedAt         string `json:"updated_at"`
}

func (s *Server) toTwitterApplicationResponse(a engine.Source) twitterApplicationResponse {
	return twitterApplicationResponse{
		ID: string(a.ID), Name: a.Name, ConsumerKey: a.ClientKey, EnvironmentName: a.Settings[settingEnvironmentName], Dialect: a.Settings[settingDialect],
		CallbackURL: s.twitter.CallbackURL(a.ID), SignOnCallbackURL: s.twitter.SignOnCallbackURL(), Enabled: a.Enabled, CreatedAt: timestamp(a.CreatedAt), UpdatedAt: timestamp(a.UpdatedAt),
	}
}

// twitterHandleRequest connects a handle: {name, work_stream_id} starts
// "Sign on to Twitter"; with user_id, screen_name and the token pair from
// the developer portal (write-only) the handle is active at once.
type twitterHandleRequest struct {
	Name              *string `json:"name"`
	WorkStreamID      *string `json:"work_stream_id"`
	UserID            *string `json:"user_id"`
	ScreenName        *string `json:"screen_name"`
	AccessToken       *string `json:"access_token"`
	AccessTokenSecret *string `json:"access_token_secret"`
}

// twitterHandleUpdate changes a handle: its name, its work stream, or its
// token pair (write-only).
type twitterHandleUpdate struct {
	Name              *string `json:"name"`
	WorkStreamID      *string `json:"work_stream_id"`
	AccessToken       *string `json:"access_token"`
	AccessTokenSecret *string `json:"access_token_secret"`
}

func (r twitterHandleRequest) input() (engine.EndpointInput, error) {
	in := engine.EndpointInput{Name: r.Name, ExternalID: r.UserID, Address: r.ScreenName,
		Token: secretPtr(r.AccessToken), TokenSecret: secretPtr(r.AccessTokenSecret)}
	if r.WorkStreamID != nil {
		if !engine.ValidID(*r.WorkStreamID) {
			return in, engine.FieldError("work_stream_id", "%q is not a valid id", *r.WorkStreamID)
		}
		w := engine.WorkStreamID(*r.WorkStreamID)
		in.WorkStreamID = &w
	}
	return in, nil
}

func (r twitterHandleUpdate) input() (engine.EndpointInput, error) {
	return twitterHandleRequest{Name: r.Name, WorkStreamID: r.WorkStreamID, AccessToken: r.AccessToken, AccessTokenSecret: r.AccessTokenSecret}.input()
}

func secretPtr(s *string) *engine.Secret {
	if s == nil {
		return nil
	}
	v := engine.Secret(*s)
	return &v
}

type twitterHandleResponse struct {
	ID            string `json:"id"`
	ApplicationID string `json:"application_id"`
	Name          string `json:"name"`
	WorkStreamID  string `json:"work_stream_id"`
	UserID        string `json:"user_id"`
	ScreenName    string `json:"screen_name"`
	Status        string `json:"status"`
	StatusReason  string `json:"status_reason"`
	CreatedAt     string `json:"created_at"`
	UpdatedAt     string `json:"updated_at"`
	// AuthorizationURL is where the admin authorizes a sign-on (pending
	// handles, in the answer that starts it).
	AuthorizationURL string `json:"authorization_url,omitempty"`
	// Health is the handle's channel health (when reading one handle).
	Health *handleHealthResponse `json:"health,omitempty"`
}

func toTwitterHandleResponse(h engine.Endpoint) twitterHandleResponse {
	return twitterHandleResponse{
		ID: string(h.ID), ApplicationID: string(h.SourceID), Name: h.Name, WorkStreamID: string(h.WorkStreamID),
		UserID: h.ExternalID, ScreenName: h.Address, Status: string(h.Status), StatusReason: h.StatusReason,
		CreatedAt: timestamp(h.CreatedAt), UpdatedAt: timestamp(h.UpdatedAt),
	}
}

func (s *Server) twitterRoutes(g *gin.RouterGroup) {
	const tag = "twitter"
	s.route(g, route{Method: "POST", Path: "/twitter/applications", Summary: "Add a Twitter application (its consumer secret is write-only)", Tag: tag, Roles: admins,
		Request: twitterApplicationRequest{}, Response: twitterApplicationResponse{}, Status: http.StatusCreated}, withBody(s.createTwitterApplication))
	s.route(g, route{Method: "GET", Path: "/twitter/applications", Summary: "List Twitter applications", Tag: tag, Roles: admins,
		Response: listResponse[twitterApplicationResponse]{}, Status: http.StatusOK, Query: pageQuery}, listing(func(c *gin.Context, p engine.Page) (engine.List[engine.Source], error) {
		return s.twitter.ListApplications(c.Request.Context(), p)
	}, s.toTwitterApplicationResponse))
	s.route(g, route{Method: "GET", Path: "/twitter/applications/:id", Summary: "Get a Twitter application", Tag: tag, Roles: admins,
		Response: twitterApplicationResponse{}, Status: http.StatusOK}, s.getTwitterApplication)
	s.route(g, route{Method: "PATCH", Path: "/twitter/applications/:id", Summary: "Change a Twitter application or rotate its consumer credentials", Tag: tag, Roles: admins,
		Request: twitterApplicationRequest{}, Response: twitterApplicationResponse{}, Status: http.StatusOK}, withBody(s.updateTwitterApplication))
	s.route(g, route{Method: "DELETE", Path: "/twitter/applications/:id", Summary: "Delete a Twitter application without handles", Tag: tag, Roles: admins,
		Status: http.StatusNoContent}, s.deleteTwitterApplication)

	s.route(g, route{Method: "POST", Path: "/twitter/applications/:id/handles", Summary: "Connect a handle: {name, work_stream_id} starts Sign on to Twitter (answer: pending, authorization_url); with tokens from the developer portal (write-only) it is active at once", Tag: tag, Roles: admins,
		Request: twitterHandleRequest{}, Response: twitterHandleResponse{}, Status: http.StatusCreated}, withBody(s.createTwitterHandle))
	s.route(g, route{Method: "GET", Path: "/twitter/applications/:id/handles", Summary: "List an application's handles", Tag: tag, Roles: admins,
		Response: listResponse[twitterHandleResponse]{}, Status: http.StatusOK, Query: pageQuery}, listing(s.listTwitterHandles, handleWithHealth.response))
	s.route(g, route{Method: "GET", Path: "/twitter/handles/:handle_id", Summary: "Get a handle", Tag: tag, Roles: admins,
		Response: twitterHandleResponse{}, Status: http.StatusOK}, s.getTwitterHandle)
	s.route(g, route{Method: "PATCH", Path: "/twitter/handles/:handle_id", Summary: "Change a handle or replace its tokens", Tag: tag, Roles: admins,
		Request: twitterHandleUpdate{}, Response: twitterHandleResponse{}, Status: http.StatusOK}, withBody(s.updateTwitterHandle))
	s.route(g, route{Method: "DELETE", Path: "/twitter/handles/:handle_id", Summary: "Delete a handle", Tag: tag, Roles: admins,
		Status: http.StatusNoContent}, s.deleteTwitterHandle)
	s.twitterChannelRoutes(g)
}

// handleParam reads the handle id of the path.
func handleParam(c *gin.Context) (engine.EndpointID, error) {
	id, err := pathID(c, "handle_id", "handle_id")
	return engine.EndpointID(id), err
}

func (s *Server) createTwitterApplication(c *gin.Context, req twitterApplicationRequest) (any, error) {
	a, err := s.twitter.CreateApplication(c.Request.Context(), actor(c), req.input())
	return s.toTwitterApplicationResponse(a), err
}

func (s *Server) getTwitterApplication(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	a, err := s.twitter.Application(c.Request.Context(), engine.SourceID(id))
	return s.toTwitterApplicationResponse(a), err
}

func (s *Server) updateTwitterApplication(c *gin.Context, req twitterApplicationRequest) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	a, err := s.twitter.UpdateApplication(c.Request.Context(), actor(c), engine.SourceID(id), req.input())
	return s.toTwitterApplicationResponse(a), err
}

func (s *Server) deleteTwitterApplication(c *gin.Context) (any, error) {
	id, err := idParam(c)
	if err != nil {
		return nil, err
	}
	return nil, s.twitter.DeleteApplication(c.Request.Context(), actor(c), engine.SourceID(id))
}

func (s *Server) createTwitterHandle(c *gin.Context, req twitterHandleRequest) (any, error) {
	app, err := idParam(c)
	if err != nil {
		return nil, err
	}
	in, err := req.input()
	if err != nil {
		return nil, err
	}
	if req.UserID == nil && req.ScreenName == nil && req.AccessToken == nil && req.AccessTokenSecret == nil {
		h, authURL, err := s.twitter.StartSignOn(c.Request.Context(), actor(c), engine.SourceID(app), in)
		if err != nil {
			return nil, err
		}
		res := toTwitterHandleResponse(h)
		res.AuthorizationURL = authURL
		return res, nil
	}
	h, err := s.twitter.CreateHandle(c.Request.Context(), actor(c), engine.SourceID(app), in)
	if err != nil {
		return nil, err
	}
	res := toTwitterHandleResponse(h)
	if s.twitter.Configured() {
		// The handle is stored; a failed ensure is recorded in its health
		// (shown below) and retried by verify.
		if err := s.twitter.Ensure(c.Request.Context(), h.ID); err != nil {
			s.log.WarnContext(c.Request.Context(), "ensure after connecting a handle failed", "handle_id", h.ID, "error", err.Error())
		}
		res.Health = s.handleHealth(c, h.ID)
	}
	return res, nil
}

// handleWithHealth is a listed handle with its health, read per handle.
type handleWithHealth struct {
	handle engine.Endpoint
	health *handleHealthResponse
}

func (h handleWithHealth) response() twitterHandleResponse {
	res := toTwitterHandleResponse(h.handle)
	res.Health = h.health
	return res
}

func (s *Server) listTwitterHandles(c *gin.Context, page engine.Page) (engine.List[handleWithHealth], error) {
	app, err := idParam(c)
	if err != nil {
		return engine.List[handleWithHealth]{}, err
	}
	l, err := s.twitter.ListHandles(c.Request.Context(), engine.SourceID(app), page)
	if err != nil {
		return engine.List[handleWithHealth]{}, err
	}
	out := engine.List[handleWithHealth]{Items: make([]handleWithHealth, len(l.Items)), Next: l.Next}
	for i, h := range l.Items {
		out.Items[i] = handleWithHealth{handle: h, health: s.handleHealth(c, h.ID)}
	}
	return out, nil
}

func (s *Server) getTwitterHandle(c *gin.Context) (any, error) {
	id, err := handleParam(c)
	if err != nil {
		return nil, err
	}
	h, err := s.twitter.Handle(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	res := toTwitterHandleResponse(h)
	res.Health = s.handleHealth(c, h.ID)
	return res, nil
}

func (s *Server) updateTwitterHandle(c *gin.Context, req twitterHandleUpdate) (any, error) {
	id, err := handleParam(c)
	if err != nil {
		return nil, err
	}
	in, err := req.input()
	if err != nil {
		return nil, err
	}
	h, err := s.twitter.UpdateHandle(c.Request.Context(), actor(c), id, in)
	return toTwitterHandleResponse(h), err
}

func (s *Server) deleteTwitterHandle(c *gin.Context) (any, error) {
	id, err := handleParam(c)
	if err != nil {
		return nil, err
	}
	return nil, s.twitter.DeleteHandle(c.Request.Context(), actor(c), id)
}

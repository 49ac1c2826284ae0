package twitter

import (
	"context"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// The settings an application keeps on its source.
const (
	SettingEnvironmentName = "environment_name"
	SettingDialect         = "dialect"
)

// Admin is Accounts as the API calls it: applications are the engine's
// sources (their environment name and dialect among its settings),
// handles its endpoints (the user id its external id, the screen name its
// address), and inputs the engine's. No answer holds a secret.
type Admin struct{ acc *Accounts }

// NewAdmin returns the API's view of acc.
func NewAdmin(acc *Accounts) Admin { return Admin{acc: acc} }

func applicationInputOf(in engine.SourceInput) ApplicationInput {
	out := ApplicationInput{Name: in.Name, ConsumerKey: in.ClientKey, ConsumerSecret: in.ClientSecret, Enabled: in.Enabled}
	if v, ok := in.Settings[SettingEnvironmentName]; ok {
		out.EnvironmentName = &v
	}
	if v, ok := in.Settings[SettingDialect]; ok {
		d := Dialect(v)
		out.Dialect = &d
	}
	return out
}

func handleInputOf(in engine.EndpointInput) HandleInput {
	return HandleInput{Name: in.Name, WorkStreamID: in.WorkStreamID, UserID: in.ExternalID, ScreenName: in.Address,
		AccessToken: in.Token, AccessTokenSecret: in.TokenSecret}
}

func sourcesOf(l engine.List[Application], err error) (engine.List[engine.Source], error) {
	out := engine.List[engine.Source]{Items: make([]engine.Source, len(l.Items)), Next: l.Next}
	for i, a := range l.Items {
		out.Items[i] = a.source()
	}
	return out, err
}

func endpointsOf(l engine.List[Handle], err error) (engine.List[engine.Endpoint], error) {
	out := engine.List[engine.Endpoint]{Items: make([]engine.Endpoint, len(l.Items)), Next: l.Next}
	for i, h := range l.Items {
		out.Items[i] = h.endpoint()
	}
	return out, err
}

// Configured reports whether Twitter can be called (sign-on, ensure).
func (a Admin) Configured() bool { return a.acc.Configured() }

// CallbackURL is the webhook URL of an application.
func (a Admin) CallbackURL(app engine.SourceID) string {
	return a.acc.CallbackURL(Application{ID: app})
}

// HandleSilentSince is when an active, usually busy handle fell silent,
// when its silence is an alarm; nil otherwise.
func (a Admin) HandleSilentSince(ctx context.Context, id engine.EndpointID) (*time.Time, error) {
	since, silent, err := a.acc.Silent(ctx, id)
	if err != nil || !silent {
		return nil, err
	}
	return &since, nil
}

// SignOnCallbackURL is the OAuth callback URL of this service.
func (a Admin) SignOnCallbackURL() string { return a.acc.SignOnCallbackURL() }

// CreateApplication stores an application.
func (a Admin) CreateApplication(ctx context.Context, actor engine.Actor, in engine.SourceInput) (engine.Source, error) {
	app, err := a.acc.CreateApplication(ctx, actor, applicationInputOf(in))
	return app.source(), err
}

// Application returns one application.
func (a Admin) Application(ctx context.Context, id engine.SourceID) (engine.Source, error) {
	app, err := a.acc.Application(ctx, id)
	return app.source(), err
}

// ListApplications lists applications in creation order.
func (a Admin) ListApplications(ctx context.Context, p engine.Page) (engine.List[engine.Source], error) {
	return sourcesOf(a.acc.ListApplications(ctx, p))
}

// UpdateApplication changes an application or rotates its credentials.
func (a Admin) UpdateApplication(ctx context.Context, actor engine.Actor, id engine.SourceID, in engine.SourceInput) (engine.Source, error) {
	app, err := a.acc.UpdateApplication(ctx, actor, id, applicationInputOf(in))
	return app.source(), err
}

// DeleteApplication deletes an application without handles.
func (a Admin) DeleteApplication(ctx context.Context, actor engine.Actor, id engine.SourceID) error {
	return a.acc.DeleteApplication(ctx, actor, id)
}

// CreateHandle connects a handle with tokens from the developer portal.
func (a Admin) CreateHandle(ctx context.Context, actor engine.Actor, app engine.SourceID, in engine.EndpointInput) (engine.Endpoint, error) {
	h, err := a.acc.CreateHandle(ctx, actor, app, handleInputOf(in))
	return h.endpoint(), err
}

// StartSignOn begins "Sign on to Twitter" for a new handle; it answers the
// pending handle and the authorization URL.
func (a Admin) StartSignOn(ctx context.Context, actor engine.Actor, app engine.SourceID, in engine.EndpointInput) (engine.Endpoint, string, error) {
	h, url, err := a.acc.StartSignOn(ctx, actor, app, handleInputOf(in))
	return h.endpoint(), url, err
}

// SignOnAgain starts a new sign-on for an existing handle.
func (a Admin) SignOnAgain(ctx context.Context, actor engine.Actor, id engine.EndpointID) (engine.Endpoint, string, error) {
	h, url, err := a.acc.SignOnAgain(ctx, actor, id)
	return h.endpoint(), url, err
}

// Handle returns one handle.
func (a Admin) Handle(ctx context.Context, id engine.EndpointID) (engine.Endpoint, error) {
	h, err := a.acc.Handle(ctx, id)
	return h.endpoint(), err
}

// ListHandles lists an application's handles in creation order.
func (a Admin) ListHandles(ctx context.Context, app engine.SourceID, p engine.Page) (engine.List[engine.Endpoint], error) {
	return endpointsOf(a.acc.ListHandles(ctx, app, p))
}

// UpdateHandle changes a handle or replaces its tokens.
func (a Admin) UpdateHandle(ctx context.Context, actor engine.Actor, id engine.EndpointID, in engine.EndpointInput) (engine.Endpoint, error) {
	h, err := a.acc.UpdateHandle(ctx, actor, id, handleInputOf(in))
	return h.endpoint(), err
}

// DeleteHandle deletes a handle.
func (a Admin) DeleteHandle(ctx context.Context, actor engine.Actor, id engine.EndpointID) error {
	return a.acc.DeleteHandle(ctx, actor, id)
}

// Ensure runs the webhook and subscription "ensure" for an active handle.
func (a Admin) Ensure(ctx context.Context, id engine.EndpointID) error { return a.acc.Ensure(ctx, id) }

// Verify re-runs an application's checks.
func (a Admin) Verify(ctx context.Context, app engine.SourceID) (engine.SourceVerification, error) {
	return a.acc.Verify(ctx, app)
}

// Backfill reads a handle's recent DMs back from Twitter.
func (a Admin) Backfill(ctx context.Context, id engine.EndpointID) (engine.BackfillResult, error) {
	return a.acc.Backfill(ctx, id)
}

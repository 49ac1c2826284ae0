package twitter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/switchboardhq/switchboard/engine"
)

// Application is a Twitter developer App whose credentials sign
// requests and verify webhooks. ConsumerSecret is write-only for API clients:
// only the adapter reads it, to sign and verify.
type Application struct {
	ID              engine.SourceID
	Name            string
	ConsumerKey     string // not secret: it travels in every OAuth header
	ConsumerSecret  engine.Secret
	EnvironmentName string // the premium dialect's environment label (case sensitive)
	Dialect         Dialect
	Enabled         bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// WebhookPathPrefix is the path under the public URL where Twitter calls an
// application's webhook: the prefix followed by the application's id.
const WebhookPathPrefix = "/webhooks/twitter/"

// CallbackURL is the application's webhook URL under publicURL (given
// without a trailing slash).
func (a Application) CallbackURL(publicURL string) string {
	return strings.TrimSuffix(publicURL, "/") + WebhookPathPrefix + string(a.ID)
}

// String describes the application without its consumer secret.
func (a Application) String() string {
	return fmt.Sprintf("Application{ID:%s Name:%q ConsumerKey:%q ConsumerSecret:%s EnvironmentName:%q Dialect:%s Enabled:%t}",
		a.ID, a.Name, a.ConsumerKey, a.ConsumerSecret, a.EnvironmentName, a.Dialect, a.Enabled)
}

// GoString is String, so that %#v masks the secret too.
func (a Application) GoString() string { return a.String() }

// LogValue logs the application without its consumer secret.
func (a Application) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", string(a.ID)), slog.String("name", a.Name), slog.String("consumer_key", a.ConsumerKey),
		slog.String("consumer_secret", a.ConsumerSecret.String()), slog.String("environment_name", a.EnvironmentName),
		slog.String("dialect", string(a.Dialect)), slog.Bool("enabled", a.Enabled))
}

// withoutSecrets returns a copy fit for the API: the secret is gone.
func (a Application) withoutSecrets() Application {
	a.ConsumerSecret = ""
	return a
}

// Handle is a business's Twitter account, connected through an
// application; its DMs go to a work stream. The access token and its secret
// are write-only for API clients.
type Handle struct {
	ID                engine.EndpointID
	ApplicationID     engine.SourceID
	Name              string
	WorkStreamID      engine.WorkStreamID
	UserID            string // Twitter's numeric user id, as a string; empty while pending
	ScreenName        string // without the @
	AccessToken       engine.Secret
	AccessTokenSecret engine.Secret
	Status            engine.EndpointStatus
	StatusReason      string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// String describes the handle without its tokens.
func (h Handle) String() string {
	return fmt.Sprintf("Handle{ID:%s ApplicationID:%s Name:%q WorkStreamID:%s UserID:%q ScreenName:%q AccessToken:%s AccessTokenSecret:%s Status:%s StatusReason:%q}",
		h.ID, h.ApplicationID, h.Name, h.WorkStreamID, h.UserID, h.ScreenName, h.AccessToken, h.AccessTokenSecret, h.Status, h.StatusReason)
}

// GoString is String, so that %#v masks the tokens too.
func (h Handle) GoString() string { return h.String() }

// LogValue logs the handle without its tokens.
func (h Handle) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", string(h.ID)), slog.String("application_id", string(h.ApplicationID)), slog.String("name", h.Name),
		slog.String("work_stream_id", string(h.WorkStreamID)), slog.String("user_id", h.UserID), slog.String("screen_name", h.ScreenName),
		slog.String("access_token", h.AccessToken.String()), slog.String("access_token_secret", h.AccessTokenSecret.String()),
		slog.String("status", string(h.Status)), slog.String("status_reason", h.StatusReason))
}

// withoutSecrets returns a copy fit for the API: the tokens are gone.
func (h Handle) withoutSecrets() Handle {
	h.AccessToken, h.AccessTokenSecret = "", ""
	return h
}

// twitterRecords reads and writes Twitter's applications and handles as the
// sources and endpoints of the Twitter channel, in Twitter's words: a
// record of another channel is not found, and a conflict names
// applications and handles.
type twitterRecords struct{ st engine.EndpointStore }

func twitterOf(st engine.EndpointStore) twitterRecords { return twitterRecords{st} }

// source is the application as the engine keeps it.
func (a Application) source() engine.Source {
	return engine.Source{ID: a.ID, Channel: Channel, Name: a.Name, ClientKey: a.ConsumerKey, ClientSecret: a.ConsumerSecret,
		Settings: map[string]string{SettingEnvironmentName: a.EnvironmentName, SettingDialect: string(a.Dialect)},
		Enabled:  a.Enabled, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// applicationOf reads an application out of its source.
func applicationOf(s engine.Source) Application {
	return Application{ID: s.ID, Name: s.Name, ConsumerKey: s.ClientKey, ConsumerSecret: s.ClientSecret,
		EnvironmentName: s.Settings[SettingEnvironmentName], Dialect: Dialect(s.Settings[SettingDialect]), Enabled: s.Enabled,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// endpoint is the handle as the engine keeps it.
func (h Handle) endpoint() engine.Endpoint {
	return engine.Endpoint{ID: h.ID, SourceID: h.ApplicationID, Channel: Channel, Name: h.Name, WorkStreamID: h.WorkStreamID,
		ExternalID: h.UserID, Address: h.ScreenName, Token: h.AccessToken, TokenSecret: h.AccessTokenSecret,
		Status: h.Status, StatusReason: h.StatusReason, CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt}
}

// handleOf reads a handle out of its endpoint.
func handleOf(e engine.Endpoint) Handle {
	return Handle{ID: e.ID, ApplicationID: e.SourceID, Name: e.Name, WorkStreamID: e.WorkStreamID, UserID: e.ExternalID,
		ScreenName: e.Address, AccessToken: e.Token, AccessTokenSecret: e.TokenSecret, Status: e.Status, StatusReason: e.StatusReason,
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

// inTwitterWords rewrites a store's not-found and conflict errors about
// sources and endpoints as the Twitter API's clients know them; an empty
// message keeps the store's.
func inTwitterWords(err error, notFound, conflict string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, engine.ErrNotFound) && notFound != "":
		return &engine.Error{Kind: engine.ErrNotFound, Message: notFound}
	case errors.Is(err, engine.ErrConflict) && conflict != "":
		return &engine.Error{Kind: engine.ErrConflict, Message: conflict}
	}
	return err
}

const (
	noApplication  = "no Twitter application has the id %q"
	noHandle       = "no Twitter handle has the id %q"
	appNameTaken   = "a Twitter application named %q already exists"
	handleConflict = "the application already has a handle named %q or one for Twitter user %q"
)

func (r twitterRecords) CreateApplication(ctx context.Context, a Application) error {
	return inTwitterWords(r.st.CreateSource(ctx, a.source()), "", fmt.Sprintf(appNameTaken, a.Name))
}

func (r twitterRecords) Application(ctx context.Context, id engine.SourceID) (Application, error) {
	s, err := r.st.Source(ctx, id)
	if err == nil && s.Channel != Channel {
		err = engine.Errorf(engine.ErrNotFound, "source %s is not Twitter's", id)
	}
	if err != nil {
		return Application{}, inTwitterWords(err, fmt.Sprintf(noApplication, id), "")
	}
	return applicationOf(s), nil
}

// ListApplications lists the applications in creation order.
func (r twitterRecords) ListApplications(ctx context.Context, p engine.Page) (engine.List[Application], error) {
	l, err := r.st.ListSources(ctx, Channel, p)
	if err != nil {
		return engine.List[Application]{}, err
	}
	out := engine.List[Application]{Items: make([]Application, len(l.Items)), Next: l.Next}
	for i, s := range l.Items {
		out.Items[i] = applicationOf(s)
	}
	return out, nil
}

func (r twitterRecords) UpdateApplication(ctx context.Context, a Application) error {
	return inTwitterWords(r.st.UpdateSource(ctx, a.source()), fmt.Sprintf(noApplication, a.ID), fmt.Sprintf(appNameTaken, a.Name))
}

func (r twitterRecords) DeleteApplication(ctx context.Context, id engine.SourceID) error {
	if _, err := r.Application(ctx, id); err != nil {
		return err
	}
	return inTwitterWords(r.st.DeleteSource(ctx, id), fmt.Sprintf(noApplication, id),
		fmt.Sprintf("Twitter application %s still has handles; delete them first", id))
}

func (r twitterRecords) CreateHandle(ctx context.Context, h Handle) error {
	return inTwitterWords(r.st.CreateEndpoint(ctx, h.endpoint()), "", fmt.Sprintf(handleConflict, h.Name, h.UserID))
}

func (r twitterRecords) Handle(ctx context.Context, id engine.EndpointID) (Handle, error) {
	e, err := r.st.Endpoint(ctx, id)
	if err == nil && e.Channel != Channel {
		err = engine.Errorf(engine.ErrNotFound, "endpoint %s is not Twitter's", id)
	}
	if err != nil {
		return Handle{}, inTwitterWords(err, fmt.Sprintf(noHandle, id), "")
	}
	return handleOf(e), nil
}

// ListHandles lists the handles of one application in creation order.
func (r twitterRecords) ListHandles(ctx context.Context, app engine.SourceID, p engine.Page) (engine.List[Handle], error) {
	l, err := r.st.ListEndpoints(ctx, app, p)
	if err != nil {
		return engine.List[Handle]{}, err
	}
	out := engine.List[Handle]{Items: make([]Handle, len(l.Items)), Next: l.Next}
	for i, e := range l.Items {
		out.Items[i] = handleOf(e)
	}
	return out, nil
}

func (r twitterRecords) UpdateHandle(ctx context.Context, h Handle) error {
	return inTwitterWords(r.st.UpdateEndpoint(ctx, h.endpoint()), fmt.Sprintf(noHandle, h.ID), fmt.Sprintf(handleConflict, h.Name, h.UserID))
}

func (r twitterRecords) DeleteHandle(ctx context.Context, id engine.EndpointID) error {
	return inTwitterWords(r.st.DeleteEndpoint(ctx, id), fmt.Sprintf(noHandle, id),
		fmt.Sprintf("Twitter handle %s is in use (a conversation refers to it)", id))
}

// HandleByUserID finds the handle of app whose Twitter user id is
// userID (the webhook's for_user_id); none is ErrNotFound.
func (r twitterRecords) HandleByUserID(ctx context.Context, app engine.SourceID, userID string) (Handle, error) {
	if userID == "" {
		return Handle{}, engine.Errorf(engine.ErrNotFound, "no Twitter user id given")
	}
	e, err := r.st.EndpointByExternalID(ctx, app, userID)
	if err != nil {
		return Handle{}, inTwitterWords(err, fmt.Sprintf("Twitter application %s has no handle for Twitter user %q", app, userID), "")
	}
	return handleOf(e), nil
}

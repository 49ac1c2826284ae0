package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// TwitterDialect selects the flavour of Twitter's API an application uses
// for webhooks, subscriptions and DMs.
type TwitterDialect string

// The dialects: v2 (the default) and the premium Account Activity API,
// which addresses webhooks through the application's environment name.
const (
	DialectV2      TwitterDialect = "v2"
	DialectPremium TwitterDialect = "premium"
)

// TwitterApplication is a Twitter developer App whose credentials sign
// requests and verify webhooks. ConsumerSecret is write-only for API clients:
// the engine hands it only to the Twitter adapter.
type TwitterApplication struct {
	ID              SourceID
	Name            string
	ConsumerKey     string // not secret: it travels in every OAuth header
	ConsumerSecret  Secret
	EnvironmentName string // the premium dialect's environment label (case sensitive)
	Dialect         TwitterDialect
	Enabled         bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// WebhookPathPrefix is the path under the public URL where Twitter calls an
// application's webhook: the prefix followed by the application's id.
const WebhookPathPrefix = "/webhooks/twitter/"

// CallbackURL is the application's webhook URL under publicURL (given
// without a trailing slash).
func (a TwitterApplication) CallbackURL(publicURL string) string {
	return strings.TrimSuffix(publicURL, "/") + WebhookPathPrefix + string(a.ID)
}

// String describes the application without its consumer secret.
func (a TwitterApplication) String() string {
	return fmt.Sprintf("TwitterApplication{ID:%s Name:%q ConsumerKey:%q ConsumerSecret:%s EnvironmentName:%q Dialect:%s Enabled:%t}",
		a.ID, a.Name, a.ConsumerKey, a.ConsumerSecret, a.EnvironmentName, a.Dialect, a.Enabled)
}

// GoString is String, so that %#v masks the secret too.
func (a TwitterApplication) GoString() string { return a.String() }

// LogValue logs the application without its consumer secret.
func (a TwitterApplication) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", string(a.ID)), slog.String("name", a.Name), slog.String("consumer_key", a.ConsumerKey),
		slog.String("consumer_secret", a.ConsumerSecret.String()), slog.String("environment_name", a.EnvironmentName),
		slog.String("dialect", string(a.Dialect)), slog.Bool("enabled", a.Enabled))
}

// withoutSecrets returns a copy fit for the API: the secret is gone.
func (a TwitterApplication) withoutSecrets() TwitterApplication {
	a.ConsumerSecret = ""
	return a
}

// TwitterHandle is a business's Twitter account, connected through an
// application; its DMs go to a work stream. The access token and its secret
// are write-only for API clients.
type TwitterHandle struct {
	ID                EndpointID
	ApplicationID     SourceID
	Name              string
	WorkStreamID      WorkStreamID
	UserID            string // Twitter's numeric user id, as a string; empty while pending
	ScreenName        string // without the @
	AccessToken       Secret
	AccessTokenSecret Secret
	Status            EndpointStatus
	StatusReason      string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// String describes the handle without its tokens.
func (h TwitterHandle) String() string {
	return fmt.Sprintf("TwitterHandle{ID:%s ApplicationID:%s Name:%q WorkStreamID:%s UserID:%q ScreenName:%q AccessToken:%s AccessTokenSecret:%s Status:%s StatusReason:%q}",
		h.ID, h.ApplicationID, h.Name, h.WorkStreamID, h.UserID, h.ScreenName, h.AccessToken, h.AccessTokenSecret, h.Status, h.StatusReason)
}

// GoString is String, so that %#v masks the tokens too.
func (h TwitterHandle) GoString() string { return h.String() }

// LogValue logs the handle without its tokens.
func (h TwitterHandle) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", string(h.ID)), slog.String("application_id", string(h.ApplicationID)), slog.String("name", h.Name),
		slog.String("work_stream_id", string(h.WorkStreamID)), slog.String("user_id", h.UserID), slog.String("screen_name", h.ScreenName),
		slog.String("access_token", h.AccessToken.String()), slog.String("access_token_secret", h.AccessTokenSecret.String()),
		slog.String("status", string(h.Status)), slog.String("status_reason", h.StatusReason))
}

// withoutSecrets returns a copy fit for the API: the tokens are gone.
func (h TwitterHandle) withoutSecrets() TwitterHandle {
	h.AccessToken, h.AccessTokenSecret = "", ""
	return h
}

// The Twitter channel's key among the engine's channels.
const ChannelTwitter Channel = "twitter"

// twitterRecords reads and writes Twitter's applications and handles as the
// sources and endpoints of the Twitter channel, in Twitter's words: a
// record of another channel is not found, and a conflict names
// applications and handles.
type twitterRecords struct{ st EndpointStore }

func twitterOf(st EndpointStore) twitterRecords { return twitterRecords{st} }

// source is the application as the engine keeps it.
func (a TwitterApplication) source() Source {
	return Source{ID: a.ID, Channel: ChannelTwitter, Name: a.Name, ClientKey: a.ConsumerKey, ClientSecret: a.ConsumerSecret,
		Settings: map[string]string{"environment_name": a.EnvironmentName, "dialect": string(a.Dialect)},
		Enabled:  a.Enabled, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// TwitterApplicationOf reads an application out of its source.
func TwitterApplicationOf(s Source) TwitterApplication {
	return TwitterApplication{ID: s.ID, Name: s.Name, ConsumerKey: s.ClientKey, ConsumerSecret: s.ClientSecret,
		EnvironmentName: s.Settings["environment_name"], Dialect: TwitterDialect(s.Settings["dialect"]), Enabled: s.Enabled,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// endpoint is the handle as the engine keeps it.
func (h TwitterHandle) endpoint() Endpoint {
	return Endpoint{ID: h.ID, SourceID: h.ApplicationID, Channel: ChannelTwitter, Name: h.Name, WorkStreamID: h.WorkStreamID,
		ExternalID: h.UserID, Address: h.ScreenName, Token: h.AccessToken, TokenSecret: h.AccessTokenSecret,
		Status: h.Status, StatusReason: h.StatusReason, CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt}
}

// TwitterHandleOf reads a handle out of its endpoint.
func TwitterHandleOf(e Endpoint) TwitterHandle {
	return TwitterHandle{ID: e.ID, ApplicationID: e.SourceID, Name: e.Name, WorkStreamID: e.WorkStreamID, UserID: e.ExternalID,
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
	case errors.Is(err, ErrNotFound) && notFound != "":
		return &Error{Kind: ErrNotFound, Message: notFound}
	case errors.Is(err, ErrConflict) && conflict != "":
		return &Error{Kind: ErrConflict, Message: conflict}
	}
	return err
}

const (
	noApplication  = "no Twitter application has the id %q"
	noHandle       = "no Twitter handle has the id %q"
	appNameTaken   = "a Twitter application named %q already exists"
	handleConflict = "the application already has a handle named %q or one for Twitter user %q"
)

func (r twitterRecords) CreateTwitterApplication(ctx context.Context, a TwitterApplication) error {
	return inTwitterWords(r.st.CreateSource(ctx, a.source()), "", fmt.Sprintf(appNameTaken, a.Name))
}

func (r twitterRecords) TwitterApplication(ctx context.Context, id SourceID) (TwitterApplication, error) {
	s, err := r.st.Source(ctx, id)
	if err == nil && s.Channel != ChannelTwitter {
		err = Errorf(ErrNotFound, "source %s is not Twitter's", id)
	}
	if err != nil {
		return TwitterApplication{}, inTwitterWords(err, fmt.Sprintf(noApplication, id), "")
	}
	return TwitterApplicationOf(s), nil
}

// ListTwitterApplications lists the applications in creation order.
func (r twitterRecords) ListTwitterApplications(ctx context.Context, p Page) (List[TwitterApplication], error) {
	l, err := r.st.ListSources(ctx, ChannelTwitter, p)
	if err != nil {
		return List[TwitterApplication]{}, err
	}
	out := List[TwitterApplication]{Items: make([]TwitterApplication, len(l.Items)), Next: l.Next}
	for i, s := range l.Items {
		out.Items[i] = TwitterApplicationOf(s)
	}
	return out, nil
}

func (r twitterRecords) UpdateTwitterApplication(ctx context.Context, a TwitterApplication) error {
	return inTwitterWords(r.st.UpdateSource(ctx, a.source()), fmt.Sprintf(noApplication, a.ID), fmt.Sprintf(appNameTaken, a.Name))
}

func (r twitterRecords) DeleteTwitterApplication(ctx context.Context, id SourceID) error {
	if _, err := r.TwitterApplication(ctx, id); err != nil {
		return err
	}
	return inTwitterWords(r.st.DeleteSource(ctx, id), fmt.Sprintf(noApplication, id),
		fmt.Sprintf("Twitter application %s still has handles; delete them first", id))
}

func (r twitterRecords) CreateTwitterHandle(ctx context.Context, h TwitterHandle) error {
	return inTwitterWords(r.st.CreateEndpoint(ctx, h.endpoint()), "", fmt.Sprintf(handleConflict, h.Name, h.UserID))
}

func (r twitterRecords) TwitterHandle(ctx context.Context, id EndpointID) (TwitterHandle, error) {
	e, err := r.st.Endpoint(ctx, id)
	if err == nil && e.Channel != ChannelTwitter {
		err = Errorf(ErrNotFound, "endpoint %s is not Twitter's", id)
	}
	if err != nil {
		return TwitterHandle{}, inTwitterWords(err, fmt.Sprintf(noHandle, id), "")
	}
	return TwitterHandleOf(e), nil
}

// ListTwitterHandles lists the handles of one application in creation order.
func (r twitterRecords) ListTwitterHandles(ctx context.Context, app SourceID, p Page) (List[TwitterHandle], error) {
	l, err := r.st.ListEndpoints(ctx, app, p)
	if err != nil {
		return List[TwitterHandle]{}, err
	}
	out := List[TwitterHandle]{Items: make([]TwitterHandle, len(l.Items)), Next: l.Next}
	for i, e := range l.Items {
		out.Items[i] = TwitterHandleOf(e)
	}
	return out, nil
}

func (r twitterRecords) UpdateTwitterHandle(ctx context.Context, h TwitterHandle) error {
	return inTwitterWords(r.st.UpdateEndpoint(ctx, h.endpoint()), fmt.Sprintf(noHandle, h.ID), fmt.Sprintf(handleConflict, h.Name, h.UserID))
}

func (r twitterRecords) DeleteTwitterHandle(ctx context.Context, id EndpointID) error {
	return inTwitterWords(r.st.DeleteEndpoint(ctx, id), fmt.Sprintf(noHandle, id),
		fmt.Sprintf("Twitter handle %s is in use (a conversation refers to it)", id))
}

// TwitterHandleByUserID finds the handle of app whose Twitter user id is
// userID (the webhook's for_user_id); none is ErrNotFound.
func (r twitterRecords) TwitterHandleByUserID(ctx context.Context, app SourceID, userID string) (TwitterHandle, error) {
	if userID == "" {
		return TwitterHandle{}, Errorf(ErrNotFound, "no Twitter user id given")
	}
	e, err := r.st.EndpointByExternalID(ctx, app, userID)
	if err != nil {
		return TwitterHandle{}, inTwitterWords(err, fmt.Sprintf("Twitter application %s has no handle for Twitter user %q", app, userID), "")
	}
	return TwitterHandleOf(e), nil
}

// TwitterApplicationInput is what a client sets on an application; nil
// fields keep their current value (or the default, on create).
type TwitterApplicationInput struct {
	Name            *string
	ConsumerKey     *string
	ConsumerSecret  *Secret
	EnvironmentName *string
	Dialect         *TwitterDialect
	Enabled         *bool
}

// checkCredential validates a credential pasted from the developer portal:
// surrounding blanks are dropped; it must not be empty, contain blanks or
// be longer than 500 characters.
func checkCredential(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return "", FieldError(field, "is required")
	case len(v) > 500:
		return "", FieldError(field, "is longer than 500 characters")
	case strings.IndexFunc(v, unicode.IsSpace) >= 0:
		return "", FieldError(field, "must not contain blanks")
	}
	return v, nil
}

// apply sets the fields of in on a and validates the result.
func (in TwitterApplicationInput) apply(a *TwitterApplication) error {
	if in.Name != nil {
		name, err := checkName("name", *in.Name)
		if err != nil {
			return err
		}
		a.Name = name
	}
	if in.ConsumerKey != nil {
		v, err := checkCredential("consumer_key", *in.ConsumerKey)
		if err != nil {
			return err
		}
		a.ConsumerKey = v
	}
	if in.ConsumerSecret != nil {
		v, err := checkCredential("consumer_secret", in.ConsumerSecret.Reveal())
		if err != nil {
			return err
		}
		a.ConsumerSecret = Secret(v)
	}
	if in.EnvironmentName != nil {
		env := strings.TrimSpace(*in.EnvironmentName)
		switch {
		case utf8.RuneCountInString(env) > 100:
			return FieldError("environment_name", "is longer than 100 characters")
		case strings.IndexFunc(env, func(r rune) bool {
			return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_'))
		}) >= 0:
			return FieldError("environment_name", "may hold only letters, digits, - and _ (it is the environment label of the developer portal, case sensitive)")
		}
		a.EnvironmentName = env
	}
	if in.Dialect != nil {
		if *in.Dialect != DialectV2 && *in.Dialect != DialectPremium {
			return FieldError("dialect", "%q is neither v2 nor premium", *in.Dialect)
		}
		a.Dialect = *in.Dialect
	}
	if in.Enabled != nil {
		a.Enabled = *in.Enabled
	}
	switch {
	case a.Name == "":
		return FieldError("name", "is required")
	case a.ConsumerKey == "":
		return FieldError("consumer_key", "is required")
	case a.ConsumerSecret == "":
		return FieldError("consumer_secret", "is required")
	case a.Dialect == DialectPremium && a.EnvironmentName == "":
		return FieldError("environment_name", "is required with the premium dialect")
	}
	return nil
}

// CreateTwitterApplication stores an application: enabled, v2 dialect
// unless in says otherwise. The answer holds no secret.
func (s *Service) CreateTwitterApplication(ctx context.Context, actor Actor, in TwitterApplicationInput) (TwitterApplication, error) {
	now := s.clock.Now()
	a := TwitterApplication{ID: SourceID(NewID(now)), Dialect: DialectV2, Enabled: true, CreatedAt: now, UpdatedAt: now}
	err := s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		if err := in.apply(&a); err != nil {
			return AuditEntry{}, err
		}
		if err := twitterOf(tx).CreateTwitterApplication(ctx, a); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "create", Resource: "twitter_application", ResourceID: string(a.ID), Summary: fmt.Sprintf("created Twitter application %q", a.Name)}, nil
	})
	if err != nil {
		return TwitterApplication{}, err
	}
	return a.withoutSecrets(), nil
}

// TwitterApplication returns one application without its secret.
func (s *Service) TwitterApplication(ctx context.Context, id SourceID) (TwitterApplication, error) {
	a, err := twitterOf(s.store).TwitterApplication(ctx, id)
	return a.withoutSecrets(), err
}

// ListTwitterApplications lists applications in creation order, without
// their secrets.
func (s *Service) ListTwitterApplications(ctx context.Context, p Page) (List[TwitterApplication], error) {
	l, err := twitterOf(s.store).ListTwitterApplications(ctx, p.normalized())
	for i := range l.Items {
		l.Items[i] = l.Items[i].withoutSecrets()
	}
	return l, err
}

// UpdateTwitterApplication changes the fields set in in; a consumer key or
// secret set there replaces (rotates) the stored one. The answer holds no
// secret.
func (s *Service) UpdateTwitterApplication(ctx context.Context, actor Actor, id SourceID, in TwitterApplicationInput) (TwitterApplication, error) {
	var a TwitterApplication
	err := s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		var err error
		if a, err = twitterOf(tx).TwitterApplication(ctx, id); err != nil {
			return AuditEntry{}, err
		}
		if err := in.apply(&a); err != nil {
			return AuditEntry{}, err
		}
		a.UpdatedAt = s.clock.Now()
		if err := twitterOf(tx).UpdateTwitterApplication(ctx, a); err != nil {
			return AuditEntry{}, err
		}
		summary := fmt.Sprintf("updated Twitter application %q", a.Name)
		if in.ConsumerKey != nil || in.ConsumerSecret != nil {
			summary += " (rotated its consumer credentials)"
		}
		return AuditEntry{Action: "update", Resource: "twitter_application", ResourceID: string(id), Summary: summary}, nil
	})
	if err != nil {
		return TwitterApplication{}, err
	}
	return a.withoutSecrets(), nil
}

// DeleteTwitterApplication deletes an application without handles.
func (s *Service) DeleteTwitterApplication(ctx context.Context, actor Actor, id SourceID) error {
	return s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		a, err := twitterOf(tx).TwitterApplication(ctx, id)
		if err != nil {
			return AuditEntry{}, err
		}
		handles, err := twitterOf(tx).ListTwitterHandles(ctx, id, Page{Limit: 1})
		if err != nil {
			return AuditEntry{}, err
		}
		if len(handles.Items) > 0 {
			return AuditEntry{}, Errorf(ErrConflict, "Twitter application %q still has handles; delete them first", a.Name)
		}
		if err := twitterOf(tx).DeleteTwitterApplication(ctx, id); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "delete", Resource: "twitter_application", ResourceID: string(id), Summary: fmt.Sprintf("deleted Twitter application %q", a.Name)}, nil
	})
}

// TwitterHandleInput is what a client sets on a handle; nil fields keep
// their current value. The access token and its secret go together.
type TwitterHandleInput struct {
	Name              *string
	WorkStreamID      *WorkStreamID
	UserID            *string
	ScreenName        *string
	AccessToken       *Secret
	AccessTokenSecret *Secret
}

// hasManualFields reports whether in carries any part of the manual form.
func (in TwitterHandleInput) hasManualFields() bool {
	return in.UserID != nil || in.ScreenName != nil || in.AccessToken != nil || in.AccessTokenSecret != nil
}

// checkUserID validates Twitter's numeric user id.
func checkUserID(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", FieldError("user_id", "is required")
	}
	if len(v) > 20 || strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return "", FieldError("user_id", "must be Twitter's numeric user id (digits only), not %q", v)
	}
	return v, nil
}

// checkScreenName validates a screen name; a leading @ is dropped.
func checkScreenName(v string) (string, error) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "@")
	if v == "" {
		return "", FieldError("screen_name", "is required")
	}
	if len(v) > 50 || strings.IndexFunc(v, func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'))
	}) >= 0 {
		return "", FieldError("screen_name", "%q is not a Twitter screen name (letters, digits and _)", v)
	}
	return v, nil
}

// apply sets the fields of in on h and validates the result: the work
// stream must exist, and the tokens come as a pair.
func (in TwitterHandleInput) apply(ctx context.Context, tx Tx, h *TwitterHandle) error {
	if in.Name != nil {
		name, err := checkName("name", *in.Name)
		if err != nil {
			return err
		}
		h.Name = name
	}
	if in.WorkStreamID != nil {
		if _, err := tx.WorkStream(ctx, *in.WorkStreamID); err != nil {
			if errors.Is(err, ErrNotFound) {
				return FieldError("work_stream_id", "no work stream has the id %q", *in.WorkStreamID)
			}
			return err
		}
		h.WorkStreamID = *in.WorkStreamID
	}
	if in.UserID != nil {
		v, err := checkUserID(*in.UserID)
		if err != nil {
			return err
		}
		h.UserID = v
	}
	if in.ScreenName != nil {
		v, err := checkScreenName(*in.ScreenName)
		if err != nil {
			return err
		}
		h.ScreenName = v
	}
	if (in.AccessToken == nil) != (in.AccessTokenSecret == nil) {
		if in.AccessToken == nil {
			return FieldError("access_token", "is required with access_token_secret (the token and its secret are replaced together)")
		}
		return FieldError("access_token_secret", "is required with access_token (the token and its secret are replaced together)")
	}
	if in.AccessToken != nil {
		tok, err := checkCredential("access_token", in.AccessToken.Reveal())
		if err != nil {
			return err
		}
		sec, err := checkCredential("access_token_secret", in.AccessTokenSecret.Reveal())
		if err != nil {
			return err
		}
		h.AccessToken, h.AccessTokenSecret = Secret(tok), Secret(sec)
	}
	switch {
	case h.Name == "":
		return FieldError("name", "is required")
	case h.WorkStreamID == "":
		return FieldError("work_stream_id", "is required")
	}
	return nil
}

// checkUserFree refuses a Twitter user id already bound to another handle
// of the same application.
func checkUserFree(ctx context.Context, tx Tx, h TwitterHandle) error {
	if h.UserID == "" {
		return nil
	}
	other, err := twitterOf(tx).TwitterHandleByUserID(ctx, h.ApplicationID, h.UserID)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return err
	case other.ID != h.ID:
		return Errorf(ErrConflict, "Twitter user %s is already connected to this application as handle %q", h.UserID, other.Name)
	}
	return nil
}

// CreateTwitterHandle connects a handle to an application. Today only the
// manual form exists: user id, screen name and the access token pair from
// the developer portal; the handle is active at once. The answer holds no
// token.
func (s *Service) CreateTwitterHandle(ctx context.Context, actor Actor, app SourceID, in TwitterHandleInput) (TwitterHandle, error) {
	now := s.clock.Now()
	h := TwitterHandle{ID: EndpointID(NewID(now)), ApplicationID: app, Status: EndpointActive, CreatedAt: now, UpdatedAt: now}
	err := s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		a, err := twitterOf(tx).TwitterApplication(ctx, app)
		if err != nil {
			return AuditEntry{}, err
		}
		if err := in.apply(ctx, tx, &h); err != nil {
			return AuditEntry{}, err
		}
		if !in.hasManualFields() {
			return AuditEntry{}, FieldError("access_token",
				"is required: sign-on to Twitter is not configured yet, so a handle needs user_id, screen_name, access_token and access_token_secret from the developer portal")
		}
		switch {
		case in.UserID == nil:
			return AuditEntry{}, FieldError("user_id", "is required with tokens from the developer portal")
		case in.ScreenName == nil:
			return AuditEntry{}, FieldError("screen_name", "is required with tokens from the developer portal")
		case in.AccessToken == nil:
			return AuditEntry{}, FieldError("access_token", "is required with tokens from the developer portal")
		}
		if err := checkUserFree(ctx, tx, h); err != nil {
			return AuditEntry{}, err
		}
		if err := twitterOf(tx).CreateTwitterHandle(ctx, h); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "create", Resource: "twitter_handle", ResourceID: string(h.ID),
			Summary: fmt.Sprintf("connected handle %q (@%s) to Twitter application %q", h.Name, h.ScreenName, a.Name)}, nil
	})
	if err != nil {
		return TwitterHandle{}, err
	}
	return h.withoutSecrets(), nil
}

// TwitterHandle returns one handle without its tokens.
func (s *Service) TwitterHandle(ctx context.Context, id EndpointID) (TwitterHandle, error) {
	h, err := twitterOf(s.store).TwitterHandle(ctx, id)
	return h.withoutSecrets(), err
}

// ListTwitterHandles lists an application's handles in creation order,
// without their tokens. An unknown application is ErrNotFound.
func (s *Service) ListTwitterHandles(ctx context.Context, app SourceID, p Page) (List[TwitterHandle], error) {
	if _, err := twitterOf(s.store).TwitterApplication(ctx, app); err != nil {
		return List[TwitterHandle]{}, err
	}
	l, err := twitterOf(s.store).ListTwitterHandles(ctx, app, p.normalized())
	for i := range l.Items {
		l.Items[i] = l.Items[i].withoutSecrets()
	}
	return l, err
}

// UpdateTwitterHandle changes the fields set in in. A new token pair
// replaces the stored one and makes a disconnected handle active again.
// The answer holds no token.
func (s *Service) UpdateTwitterHandle(ctx context.Context, actor Actor, id EndpointID, in TwitterHandleInput) (TwitterHandle, error) {
	var h TwitterHandle
	err := s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		var err error
		if h, err = twitterOf(tx).TwitterHandle(ctx, id); err != nil {
			return AuditEntry{}, err
		}
		if err := in.apply(ctx, tx, &h); err != nil {
			return AuditEntry{}, err
		}
		summary := fmt.Sprintf("updated handle %q", h.Name)
		if in.AccessToken != nil {
			if h.UserID == "" {
				return AuditEntry{}, FieldError("access_token", "the handle has no Twitter user yet; finish signing on to Twitter first")
			}
			h.Status, h.StatusReason = EndpointActive, ""
			summary += " (rotated its access token)"
		}
		if err := checkUserFree(ctx, tx, h); err != nil {
			return AuditEntry{}, err
		}
		h.UpdatedAt = s.clock.Now()
		if err := twitterOf(tx).UpdateTwitterHandle(ctx, h); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "update", Resource: "twitter_handle", ResourceID: string(id), Summary: summary}, nil
	})
	if err != nil {
		return TwitterHandle{}, err
	}
	return h.withoutSecrets(), nil
}

// DeleteTwitterHandle deletes a handle.
func (s *Service) DeleteTwitterHandle(ctx context.Context, actor Actor, id EndpointID) error {
	return s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		h, err := twitterOf(tx).TwitterHandle(ctx, id)
		if err != nil {
			return AuditEntry{}, err
		}
		if err := twitterOf(tx).DeleteTwitterHandle(ctx, id); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "delete", Resource: "twitter_handle", ResourceID: string(id), Summary: fmt.Sprintf("deleted handle %q (@%s)", h.Name, h.ScreenName)}, nil
	})
}

// The methods below serve the Twitter adapter: their answers carry the
// secrets in clear (as Secret values, masked when printed). They must never
// reach an API response.

// TwitterApplicationCredentials returns an application with its consumer
// secret, for the CRC check, webhook signatures and OAuth signing.
func (s *Service) TwitterApplicationCredentials(ctx context.Context, id SourceID) (TwitterApplication, error) {
	return twitterOf(s.store).TwitterApplication(ctx, id)
}

// TwitterHandleCredentials returns a handle with its access token pair,
// for signing requests in the handle's name.
func (s *Service) TwitterHandleCredentials(ctx context.Context, id EndpointID) (TwitterHandle, error) {
	return twitterOf(s.store).TwitterHandle(ctx, id)
}

// TwitterHandlesWithCredentials lists an application's handles with their
// access token pairs (for subscribing them and for backfill).
func (s *Service) TwitterHandlesWithCredentials(ctx context.Context, app SourceID, p Page) (List[TwitterHandle], error) {
	return twitterOf(s.store).ListTwitterHandles(ctx, app, p.normalized())
}

// TwitterHandleForUser finds the handle of application app whose Twitter
// user id is forUserID (a webhook's for_user_id), with its tokens. None is
// ErrNotFound.
func (s *Service) TwitterHandleForUser(ctx context.Context, app SourceID, forUserID string) (TwitterHandle, error) {
	return twitterOf(s.store).TwitterHandleByUserID(ctx, app, forUserID)
}

// SetTwitterHandleStatus records where a handle stands with Twitter, e.g.
// disconnected with the reason when its tokens were revoked. The reason is
// shown to API clients: it must hold no secret.
func (s *Service) SetTwitterHandleStatus(ctx context.Context, actor Actor, id EndpointID, status EndpointStatus, reason string) error {
	switch status {
	case EndpointPending, EndpointActive, EndpointDisconnected:
	default:
		return FieldError("status", "%q is not pending, active or disconnected", status)
	}
	return s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		h, err := twitterOf(tx).TwitterHandle(ctx, id)
		if err != nil {
			return AuditEntry{}, err
		}
		h.Status, h.StatusReason, h.UpdatedAt = status, reason, s.clock.Now()
		if err := twitterOf(tx).UpdateTwitterHandle(ctx, h); err != nil {
			return AuditEntry{}, err
		}
		summary := fmt.Sprintf("handle %q is %s", h.Name, status)
		if reason != "" {
			summary += ": " + reason
		}
		return AuditEntry{Action: "status", Resource: "twitter_handle", ResourceID: string(id), Summary: summary}, nil
	})
}

// TwitterCallbackURL returns the webhook URL of an application under this
// service's public URL.
func (s *Service) TwitterCallbackURL(a TwitterApplication) string {
	return a.CallbackURL(s.publicURL)
}

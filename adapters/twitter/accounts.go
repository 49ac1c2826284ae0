package twitter

import (
	"github.com/switchboardhq/switchboard/engine"

	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Accounts administers the Twitter channel: its applications (the
// engine's sources) and their handles (its endpoints), "Sign on to
// Twitter", the webhook and subscription "ensure" steps, backfill, echo
// matching and the channel's health. Its answers to the API hold no secret;
// the methods that return credentials serve the adapter itself.
type Accounts struct {
	eng       *engine.Service
	api       API // nil when Twitter cannot be called (no gateway)
	publicURL string
	silence   SilenceRule
	log       *slog.Logger
}

// AccountsOptions configure Accounts.
type AccountsOptions struct {
	// API is Twitter (a Gateway); nil leaves sign-on, ensure, verify and
	// backfill unavailable: handles are then added with tokens from the
	// developer portal.
	API API
	// PublicURL is the base of the URLs Twitter calls (no trailing slash).
	PublicURL string
	// Silence says when a handle's silence is an alarm; zero fields take
	// DefaultSilentAfter and DefaultSilentBusyMin.
	Silence SilenceRule
	// Logger receives the channel's logs; nil discards them.
	Logger *slog.Logger
}

// NewAccounts returns the Twitter channel's administration over eng.
func NewAccounts(eng *engine.Service, opts AccountsOptions) *Accounts {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Silence.After <= 0 {
		opts.Silence.After = DefaultSilentAfter
	}
	if opts.Silence.BusyMin <= 0 {
		opts.Silence.BusyMin = DefaultSilentBusyMin
	}
	return &Accounts{eng: eng, api: opts.API, publicURL: opts.PublicURL, silence: opts.Silence, log: opts.Logger}
}

// ApplicationInput is what a client sets on an application; nil
// fields keep their current value (or the default, on create).
type ApplicationInput struct {
	Name            *string
	ConsumerKey     *string
	ConsumerSecret  *engine.Secret
	EnvironmentName *string
	Dialect         *Dialect
	Enabled         *bool
}

// checkCredential validates a credential pasted from the developer portal:
// surrounding blanks are dropped; it must not be empty, contain blanks or
// be longer than 500 characters.
func checkCredential(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return "", engine.FieldError(field, "is required")
	case len(v) > 500:
		return "", engine.FieldError(field, "is longer than 500 characters")
	case strings.IndexFunc(v, unicode.IsSpace) >= 0:
		return "", engine.FieldError(field, "must not contain blanks")
	}
	return v, nil
}

// apply sets the fields of in on a and validates the result.
func (in ApplicationInput) apply(a *Application) error {
	if in.Name != nil {
		name, err := engine.CheckName("name", *in.Name)
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
		a.ConsumerSecret = engine.Secret(v)
	}
	if in.EnvironmentName != nil {
		env := strings.TrimSpace(*in.EnvironmentName)
		switch {
		case utf8.RuneCountInString(env) > 100:
			return engine.FieldError("environment_name", "is longer than 100 characters")
		case strings.IndexFunc(env, func(r rune) bool {
			return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_'))
		}) >= 0:
			return engine.FieldError("environment_name", "may hold only letters, digits, - and _ (it is the environment label of the developer portal, case sensitive)")
		}
		a.EnvironmentName = env
	}
	if in.Dialect != nil {
		if *in.Dialect != DialectV2 && *in.Dialect != DialectPremium {
			return engine.FieldError("dialect", "%q is neither v2 nor premium", *in.Dialect)
		}
		a.Dialect = *in.Dialect
	}
	if in.Enabled != nil {
		a.Enabled = *in.Enabled
	}
	switch {
	case a.Name == "":
		return engine.FieldError("name", "is required")
	case a.ConsumerKey == "":
		return engine.FieldError("consumer_key", "is required")
	case a.ConsumerSecret == "":
		return engine.FieldError("consumer_secret", "is required")
	case a.Dialect == DialectPremium && a.EnvironmentName == "":
		return engine.FieldError("environment_name", "is required with the premium dialect")
	}
	return nil
}

// CreateApplication stores an application: enabled, v2 dialect
// unless in says otherwise. The answer holds no secret.
func (ac *Accounts) CreateApplication(ctx context.Context, actor engine.Actor, in ApplicationInput) (Application, error) {
	now := ac.eng.Now()
	a := Application{ID: engine.SourceID(engine.NewID(now)), Dialect: DialectV2, Enabled: true, CreatedAt: now, UpdatedAt: now}
	err := ac.eng.WriteChannel(ctx, actor, func(tx engine.ChannelTx) (engine.AuditEntry, error) {
		if err := in.apply(&a); err != nil {
			return engine.AuditEntry{}, err
		}
		if err := twitterOf(tx).CreateApplication(ctx, a); err != nil {
			return engine.AuditEntry{}, err
		}
		return engine.AuditEntry{Action: "create", Resource: "twitter_application", ResourceID: string(a.ID), Summary: fmt.Sprintf("created Twitter application %q", a.Name)}, nil
	})
	if err != nil {
		return Application{}, err
	}
	return a.withoutSecrets(), nil
}

// Application returns one application without its secret.
func (ac *Accounts) Application(ctx context.Context, id engine.SourceID) (Application, error) {
	a, err := twitterOf(ac.eng.ChannelRecords()).Application(ctx, id)
	return a.withoutSecrets(), err
}

// ListApplications lists applications in creation order, without
// their secrets.
func (ac *Accounts) ListApplications(ctx context.Context, p engine.Page) (engine.List[Application], error) {
	l, err := twitterOf(ac.eng.ChannelRecords()).ListApplications(ctx, p.Normalized())
	for i := range l.Items {
		l.Items[i] = l.Items[i].withoutSecrets()
	}
	return l, err
}

// UpdateApplication changes the fields set in in; a consumer key or
// secret set there replaces (rotates) the stored one. The answer holds no
// secret.
func (ac *Accounts) UpdateApplication(ctx context.Context, actor engine.Actor, id engine.SourceID, in ApplicationInput) (Application, error) {
	var a Application
	err := ac.eng.WriteChannel(ctx, actor, func(tx engine.ChannelTx) (engine.AuditEntry, error) {
		var err error
		if a, err = twitterOf(tx).Application(ctx, id); err != nil {
			return engine.AuditEntry{}, err
		}
		if err := in.apply(&a); err != nil {
			return engine.AuditEntry{}, err
		}
		a.UpdatedAt = ac.eng.Now()
		if err := twitterOf(tx).UpdateApplication(ctx, a); err != nil {
			return engine.AuditEntry{}, err
		}
		summary := fmt.Sprintf("updated Twitter application %q", a.Name)
		if in.ConsumerKey != nil || in.ConsumerSecret != nil {
			summary += " (rotated its consumer credentials)"
		}
		return engine.AuditEntry{Action: "update", Resource: "twitter_application", ResourceID: string(id), Summary: summary}, nil
	})
	if err != nil {
		return Application{}, err
	}
	return a.withoutSecrets(), nil
}

// DeleteApplication deletes an application without handles.
func (ac *Accounts) DeleteApplication(ctx context.Context, actor engine.Actor, id engine.SourceID) error {
	return ac.eng.WriteChannel(ctx, actor, func(tx engine.ChannelTx) (engine.AuditEntry, error) {
		a, err := twitterOf(tx).Application(ctx, id)
		if err != nil {
			return engine.AuditEntry{}, err
		}
		handles, err := twitterOf(tx).ListHandles(ctx, id, engine.Page{Limit: 1})
		if err != nil {
			return engine.AuditEntry{}, err
		}
		if len(handles.Items) > 0 {
			return engine.AuditEntry{}, engine.Errorf(engine.ErrConflict, "Twitter application %q still has handles; delete them first", a.Name)
		}
		if err := twitterOf(tx).DeleteApplication(ctx, id); err != nil {
			return engine.AuditEntry{}, err
		}
		return engine.AuditEntry{Action: "delete", Resource: "twitter_application", ResourceID: string(id), Summary: fmt.Sprintf("deleted Twitter application %q", a.Name)}, nil
	})
}

// HandleInput is what a client sets on a handle; nil fields keep
// their current value. The access token and its secret go together.
type HandleInput struct {
	Name              *string
	WorkStreamID      *engine.WorkStreamID
	UserID            *string
	ScreenName        *string
	AccessToken       *engine.Secret
	AccessTokenSecret *engine.Secret
}

// hasManualFields reports whether in carries any part of the manual form.
func (in HandleInput) hasManualFields() bool {
	return in.UserID != nil || in.ScreenName != nil || in.AccessToken != nil || in.AccessTokenSecret != nil
}

// checkUserID validates Twitter's numeric user id.
func checkUserID(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", engine.FieldError("user_id", "is required")
	}
	if len(v) > 20 || strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return "", engine.FieldError("user_id", "must be Twitter's numeric user id (digits only), not %q", v)
	}
	return v, nil
}

// checkScreenName validates a screen name; a leading @ is dropped.
func checkScreenName(v string) (string, error) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "@")
	if v == "" {
		return "", engine.FieldError("screen_name", "is required")
	}
	if len(v) > 50 || strings.IndexFunc(v, func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'))
	}) >= 0 {
		return "", engine.FieldError("screen_name", "%q is not a Twitter screen name (letters, digits and _)", v)
	}
	return v, nil
}

// apply sets the fields of in on h and validates the result: the work
// stream must exist, and the tokens come as a pair.
func (in HandleInput) apply(ctx context.Context, tx engine.ChannelTx, h *Handle) error {
	if in.Name != nil {
		name, err := engine.CheckName("name", *in.Name)
		if err != nil {
			return err
		}
		h.Name = name
	}
	if in.WorkStreamID != nil {
		if _, err := tx.WorkStream(ctx, *in.WorkStreamID); err != nil {
			if errors.Is(err, engine.ErrNotFound) {
				return engine.FieldError("work_stream_id", "no work stream has the id %q", *in.WorkStreamID)
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
			return engine.FieldError("access_token", "is required with access_token_secret (the token and its secret are replaced together)")
		}
		return engine.FieldError("access_token_secret", "is required with access_token (the token and its secret are replaced together)")
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
		h.AccessToken, h.AccessTokenSecret = engine.Secret(tok), engine.Secret(sec)
	}
	switch {
	case h.Name == "":
		return engine.FieldError("name", "is required")
	case h.WorkStreamID == "":
		return engine.FieldError("work_stream_id", "is required")
	}
	return nil
}

// checkUserFree refuses a Twitter user id already bound to another handle
// of the same application.
func checkUserFree(ctx context.Context, tx engine.ChannelTx, h Handle) error {
	if h.UserID == "" {
		return nil
	}
	other, err := twitterOf(tx).HandleByUserID(ctx, h.ApplicationID, h.UserID)
	switch {
	case errors.Is(err, engine.ErrNotFound):
		return nil
	case err != nil:
		return err
	case other.ID != h.ID:
		return engine.Errorf(engine.ErrConflict, "Twitter user %s is already connected to this application as handle %q", h.UserID, other.Name)
	}
	return nil
}

// CreateHandle connects a handle to an application. Today only the
// manual form exists: user id, screen name and the access token pair from
// the developer portal; the handle is active at once. The answer holds no
// token.
func (ac *Accounts) CreateHandle(ctx context.Context, actor engine.Actor, app engine.SourceID, in HandleInput) (Handle, error) {
	now := ac.eng.Now()
	h := Handle{ID: engine.EndpointID(engine.NewID(now)), ApplicationID: app, Status: engine.EndpointActive, CreatedAt: now, UpdatedAt: now}
	err := ac.eng.WriteChannel(ctx, actor, func(tx engine.ChannelTx) (engine.AuditEntry, error) {
		a, err := twitterOf(tx).Application(ctx, app)
		if err != nil {
			return engine.AuditEntry{}, err
		}
		if err := in.apply(ctx, tx, &h); err != nil {
			return engine.AuditEntry{}, err
		}
		if !in.hasManualFields() {
			return engine.AuditEntry{}, engine.FieldError("access_token",
				"is required: sign-on to Twitter is not configured yet, so a handle needs user_id, screen_name, access_token and access_token_secret from the developer portal")
		}
		switch {
		case in.UserID == nil:
			return engine.AuditEntry{}, engine.FieldError("user_id", "is required with tokens from the developer portal")
		case in.ScreenName == nil:
			return engine.AuditEntry{}, engine.FieldError("screen_name", "is required with tokens from the developer portal")
		case in.AccessToken == nil:
			return engine.AuditEntry{}, engine.FieldError("access_token", "is required with tokens from the developer portal")
		}
		if err := checkUserFree(ctx, tx, h); err != nil {
			return engine.AuditEntry{}, err
		}
		if err := twitterOf(tx).CreateHandle(ctx, h); err != nil {
			return engine.AuditEntry{}, err
		}
		return engine.AuditEntry{Action: "create", Resource: HandleAuditName, ResourceID: string(h.ID),
			Summary: fmt.Sprintf("connected handle %q (@%s) to Twitter application %q", h.Name, h.ScreenName, a.Name)}, nil
	})
	if err != nil {
		return Handle{}, err
	}
	return h.withoutSecrets(), nil
}

// Handle returns one handle without its tokens.
func (ac *Accounts) Handle(ctx context.Context, id engine.EndpointID) (Handle, error) {
	h, err := twitterOf(ac.eng.ChannelRecords()).Handle(ctx, id)
	return h.withoutSecrets(), err
}

// ListHandles lists an application's handles in creation order,
// without their tokens. An unknown application is ErrNotFound.
func (ac *Accounts) ListHandles(ctx context.Context, app engine.SourceID, p engine.Page) (engine.List[Handle], error) {
	if _, err := twitterOf(ac.eng.ChannelRecords()).Application(ctx, app); err != nil {
		return engine.List[Handle]{}, err
	}
	l, err := twitterOf(ac.eng.ChannelRecords()).ListHandles(ctx, app, p.Normalized())
	for i := range l.Items {
		l.Items[i] = l.Items[i].withoutSecrets()
	}
	return l, err
}

// UpdateHandle changes the fields set in in. A new token pair
// replaces the stored one and makes a disconnected handle active again.
// The answer holds no token.
func (ac *Accounts) UpdateHandle(ctx context.Context, actor engine.Actor, id engine.EndpointID, in HandleInput) (Handle, error) {
	var h Handle
	err := ac.eng.WriteChannel(ctx, actor, func(tx engine.ChannelTx) (engine.AuditEntry, error) {
		var err error
		if h, err = twitterOf(tx).Handle(ctx, id); err != nil {
			return engine.AuditEntry{}, err
		}
		if err := in.apply(ctx, tx, &h); err != nil {
			return engine.AuditEntry{}, err
		}
		summary := fmt.Sprintf("updated handle %q", h.Name)
		if in.AccessToken != nil {
			if h.UserID == "" {
				return engine.AuditEntry{}, engine.FieldError("access_token", "the handle has no Twitter user yet; finish signing on to Twitter first")
			}
			h.Status, h.StatusReason = engine.EndpointActive, ""
			summary += " (rotated its access token)"
		}
		if err := checkUserFree(ctx, tx, h); err != nil {
			return engine.AuditEntry{}, err
		}
		h.UpdatedAt = ac.eng.Now()
		if err := twitterOf(tx).UpdateHandle(ctx, h); err != nil {
			return engine.AuditEntry{}, err
		}
		return engine.AuditEntry{Action: "update", Resource: HandleAuditName, ResourceID: string(id), Summary: summary}, nil
	})
	if err != nil {
		return Handle{}, err
	}
	return h.withoutSecrets(), nil
}

// DeleteHandle deletes a handle.
func (ac *Accounts) DeleteHandle(ctx context.Context, actor engine.Actor, id engine.EndpointID) error {
	return ac.eng.WriteChannel(ctx, actor, func(tx engine.ChannelTx) (engine.AuditEntry, error) {
		h, err := twitterOf(tx).Handle(ctx, id)
		if err != nil {
			return engine.AuditEntry{}, err
		}
		if err := twitterOf(tx).DeleteHandle(ctx, id); err != nil {
			return engine.AuditEntry{}, err
		}
		return engine.AuditEntry{Action: "delete", Resource: HandleAuditName, ResourceID: string(id), Summary: fmt.Sprintf("deleted handle %q (@%s)", h.Name, h.ScreenName)}, nil
	})
}

// The methods below serve the Twitter adapter: their answers carry the
// secrets in clear (as Secret values, masked when printed). They must never
// reach an API response.

// ApplicationCredentials returns an application with its consumer
// secret, for the CRC check, webhook signatures and OAuth signing.
func (ac *Accounts) ApplicationCredentials(ctx context.Context, id engine.SourceID) (Application, error) {
	return twitterOf(ac.eng.ChannelRecords()).Application(ctx, id)
}

// HandleCredentials returns a handle with its access token pair,
// for signing requests in the handle's name.
func (ac *Accounts) HandleCredentials(ctx context.Context, id engine.EndpointID) (Handle, error) {
	return twitterOf(ac.eng.ChannelRecords()).Handle(ctx, id)
}

// HandleForUser finds the handle of application app whose Twitter
// user id is forUserID (a webhook's for_user_id), with its tokens. None is
// ErrNotFound.
func (ac *Accounts) HandleForUser(ctx context.Context, app engine.SourceID, forUserID string) (Handle, error) {
	return twitterOf(ac.eng.ChannelRecords()).HandleByUserID(ctx, app, forUserID)
}

// CallbackURL returns the webhook URL of an application under this
// service's public URL.
func (ac *Accounts) CallbackURL(a Application) string {
	return a.CallbackURL(ac.publicURL)
}

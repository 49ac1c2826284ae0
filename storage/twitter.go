package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/switchboardhq/switchboard/engine"
)

// Sealed columns. Each value is sealed with the context
// "table.column:row id", so a sealed value copied to another row or column
// does not open.
const (
	colConsumerSecret    = "twitter_applications.consumer_secret"
	colAccessToken       = "twitter_handles.access_token"
	colAccessTokenSecret = "twitter_handles.access_token_secret"
)

// sealField seals a secret for column col of row id; an empty secret stays
// empty (a pending handle has no tokens yet).
func (r *repo) sealField(s engine.Secret, col, id string) (string, error) {
	if s.IsZero() {
		return "", nil
	}
	sealed, err := r.box.seal(s.Reveal(), col+":"+id)
	if err != nil {
		return "", fmt.Errorf("seal %s of %s: %w", col, id, err)
	}
	return sealed, nil
}

// openField opens what sealField stored.
func (r *repo) openField(sealed, col, id string) (engine.Secret, error) {
	if sealed == "" {
		return "", nil
	}
	plain, err := r.box.open(sealed, col+":"+id)
	if err != nil {
		return "", fmt.Errorf("open %s of %s: %w", col, id, err)
	}
	return engine.Secret(plain), nil
}

type twitterApplicationRow struct {
	ID              string `gorm:"primaryKey"`
	Name            string
	ConsumerKey     string
	ConsumerSecret  string // sealed
	EnvironmentName string
	Dialect         string
	Enabled         bool
	CreatedAt       time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt       time.Time `gorm:"autoUpdateTime:false"` // the engine's clock, not gorm's
}

func (twitterApplicationRow) TableName() string { return "twitter_applications" }

func (r *repo) toTwitterApplicationRow(a engine.TwitterApplication) (twitterApplicationRow, error) {
	sealed, err := r.sealField(a.ConsumerSecret, colConsumerSecret, string(a.ID))
	if err != nil {
		return twitterApplicationRow{}, err
	}
	return twitterApplicationRow{
		ID: string(a.ID), Name: a.Name, ConsumerKey: a.ConsumerKey, ConsumerSecret: sealed, EnvironmentName: a.EnvironmentName,
		Dialect: string(a.Dialect), Enabled: a.Enabled, CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
	}, nil
}

func (r *repo) toEngineTwitterApplication(row twitterApplicationRow) (engine.TwitterApplication, error) {
	secret, err := r.openField(row.ConsumerSecret, colConsumerSecret, row.ID)
	if err != nil {
		return engine.TwitterApplication{}, err
	}
	return engine.TwitterApplication{
		ID: engine.SourceID(row.ID), Name: row.Name, ConsumerKey: row.ConsumerKey, ConsumerSecret: secret,
		EnvironmentName: row.EnvironmentName, Dialect: engine.TwitterDialect(row.Dialect), Enabled: row.Enabled,
		CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC(),
	}, nil
}

func notFoundApplication(id engine.SourceID) error {
	return engine.Errorf(engine.ErrNotFound, "no Twitter application has the id %q", id)
}

// CreateTwitterApplication stores a new application, its consumer secret sealed.
func (r *repo) CreateTwitterApplication(ctx context.Context, a engine.TwitterApplication) error {
	row, err := r.toTwitterApplicationRow(a)
	if err != nil {
		return err
	}
	if err := r.db(ctx).Create(&row).Error; err != nil {
		return translate(err, "create Twitter application", "a Twitter application named %q already exists", a.Name)
	}
	return nil
}

// TwitterApplication returns one application with its consumer secret opened.
func (r *repo) TwitterApplication(ctx context.Context, id engine.SourceID) (engine.TwitterApplication, error) {
	// Every webhook delivery reads its application: a raw read, as gorm's
	// query building costs more than the database's work.
	var row twitterApplicationRow
	err := r.rawRow(ctx, `SELECT id, name, consumer_key, consumer_secret, environment_name, dialect, enabled, created_at, updated_at
		FROM twitter_applications WHERE id = ?`, string(id)).Scan(&row.ID, &row.Name, &row.ConsumerKey, &row.ConsumerSecret,
		&row.EnvironmentName, &row.Dialect, &row.Enabled, &row.CreatedAt, &row.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return engine.TwitterApplication{}, notFoundApplication(id)
	}
	if err != nil {
		return engine.TwitterApplication{}, fmt.Errorf("get Twitter application: %w", err)
	}
	return r.toEngineTwitterApplication(row)
}

// ListTwitterApplications lists applications in creation order.
func (r *repo) ListTwitterApplications(ctx context.Context, p engine.Page) (engine.List[engine.TwitterApplication], error) {
	var rows []twitterApplicationRow
	if err := paged(r.db(ctx).Model(&twitterApplicationRow{}), p, false).Find(&rows).Error; err != nil {
		return engine.List[engine.TwitterApplication]{}, fmt.Errorf("list Twitter applications: %w", err)
	}
	return pageOfOpened(rows, p, r.toEngineTwitterApplication, func(r twitterApplicationRow) string { return r.ID })
}

// UpdateTwitterApplication saves a changed application, sealing its
// consumer secret afresh.
func (r *repo) UpdateTwitterApplication(ctx context.Context, a engine.TwitterApplication) error {
	row, err := r.toTwitterApplicationRow(a)
	if err != nil {
		return err
	}
	res := r.db(ctx).Model(&twitterApplicationRow{}).Where("id = ?", row.ID).Select("*").Omit("id", "created_at").Updates(&row)
	if res.Error != nil {
		return translate(res.Error, "update Twitter application", "a Twitter application named %q already exists", a.Name)
	}
	if res.RowsAffected == 0 {
		return notFoundApplication(a.ID)
	}
	return nil
}

// DeleteTwitterApplication deletes an application; one with handles is ErrConflict.
func (r *repo) DeleteTwitterApplication(ctx context.Context, id engine.SourceID) error {
	res := r.db(ctx).Where("id = ?", string(id)).Delete(&twitterApplicationRow{})
	if res.Error != nil {
		if errors.Is(res.Error, gorm.ErrForeignKeyViolated) {
			return engine.Errorf(engine.ErrConflict, "Twitter application %s still has handles; delete them first", id)
		}
		return fmt.Errorf("delete Twitter application: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return notFoundApplication(id)
	}
	return nil
}

type twitterHandleRow struct {
	ID                string `gorm:"primaryKey"`
	ApplicationID     string
	Name              string
	WorkStreamID      string
	UserID            string
	ScreenName        string
	AccessToken       string // sealed
	AccessTokenSecret string // sealed
	Status            string
	StatusReason      string
	CreatedAt         time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt         time.Time `gorm:"autoUpdateTime:false"` // the engine's clock, not gorm's
}

func (twitterHandleRow) TableName() string { return "twitter_handles" }

func (r *repo) toTwitterHandleRow(h engine.TwitterHandle) (twitterHandleRow, error) {
	token, err := r.sealField(h.AccessToken, colAccessToken, string(h.ID))
	if err != nil {
		return twitterHandleRow{}, err
	}
	secret, err := r.sealField(h.AccessTokenSecret, colAccessTokenSecret, string(h.ID))
	if err != nil {
		return twitterHandleRow{}, err
	}
	return twitterHandleRow{
		ID: string(h.ID), ApplicationID: string(h.ApplicationID), Name: h.Name, WorkStreamID: string(h.WorkStreamID),
		UserID: h.UserID, ScreenName: h.ScreenName, AccessToken: token, AccessTokenSecret: secret,
		Status: string(h.Status), StatusReason: h.StatusReason, CreatedAt: h.CreatedAt.UTC(), UpdatedAt: h.UpdatedAt.UTC(),
	}, nil
}

func (r *repo) toEngineTwitterHandle(row twitterHandleRow) (engine.TwitterHandle, error) {
	token, err := r.openField(row.AccessToken, colAccessToken, row.ID)
	if err != nil {
		return engine.TwitterHandle{}, err
	}
	secret, err := r.openField(row.AccessTokenSecret, colAccessTokenSecret, row.ID)
	if err != nil {
		return engine.TwitterHandle{}, err
	}
	return engine.TwitterHandle{
		ID: engine.EndpointID(row.ID), ApplicationID: engine.SourceID(row.ApplicationID), Name: row.Name,
		WorkStreamID: engine.WorkStreamID(row.WorkStreamID), UserID: row.UserID, ScreenName: row.ScreenName,
		AccessToken: token, AccessTokenSecret: secret, Status: engine.HandleStatus(row.Status), StatusReason: row.StatusReason,
		CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC(),
	}, nil
}

func notFoundHandle(id engine.EndpointID) error {
	return engine.Errorf(engine.ErrNotFound, "no Twitter handle has the id %q", id)
}

// handleConflict is the message of a unique violation on twitter_handles.
const handleConflict = "the application already has a handle named %q or one for Twitter user %q"

// CreateTwitterHandle stores a new handle, its tokens sealed.
func (r *repo) CreateTwitterHandle(ctx context.Context, h engine.TwitterHandle) error {
	row, err := r.toTwitterHandleRow(h)
	if err != nil {
		return err
	}
	if err := r.db(ctx).Create(&row).Error; err != nil {
		return translate(err, "create Twitter handle", handleConflict, h.Name, h.UserID)
	}
	return nil
}

// TwitterHandle returns one handle with its tokens opened.
func (r *repo) TwitterHandle(ctx context.Context, id engine.EndpointID) (engine.TwitterHandle, error) {
	row, err := scanTwitterHandle(r.rawRow(ctx, `SELECT `+twitterHandleColumns+` FROM twitter_handles WHERE id = ?`, string(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return engine.TwitterHandle{}, notFoundHandle(id)
	}
	if err != nil {
		return engine.TwitterHandle{}, fmt.Errorf("get Twitter handle: %w", err)
	}
	return r.toEngineTwitterHandle(row)
}

// twitterHandleColumns are the columns scanTwitterHandle reads. Every
// webhook delivery reads its handle: a raw read, as gorm's query building
// costs more than the database's work.
const twitterHandleColumns = `id, application_id, name, work_stream_id, user_id, screen_name, access_token, access_token_secret,
	status, status_reason, created_at, updated_at`

func scanTwitterHandle(row *sql.Row) (twitterHandleRow, error) {
	var h twitterHandleRow
	err := row.Scan(&h.ID, &h.ApplicationID, &h.Name, &h.WorkStreamID, &h.UserID, &h.ScreenName, &h.AccessToken, &h.AccessTokenSecret,
		&h.Status, &h.StatusReason, &h.CreatedAt, &h.UpdatedAt)
	return h, err
}

// ListTwitterHandles lists one application's handles in creation order.
func (r *repo) ListTwitterHandles(ctx context.Context, app engine.SourceID, p engine.Page) (engine.List[engine.TwitterHandle], error) {
	var rows []twitterHandleRow
	q := r.db(ctx).Model(&twitterHandleRow{}).Where("application_id = ?", string(app))
	if err := paged(q, p, false).Find(&rows).Error; err != nil {
		return engine.List[engine.TwitterHandle]{}, fmt.Errorf("list Twitter handles: %w", err)
	}
	return pageOfOpened(rows, p, r.toEngineTwitterHandle, func(r twitterHandleRow) string { return r.ID })
}

// UpdateTwitterHandle saves a changed handle, sealing its tokens afresh.
func (r *repo) UpdateTwitterHandle(ctx context.Context, h engine.TwitterHandle) error {
	row, err := r.toTwitterHandleRow(h)
	if err != nil {
		return err
	}
	res := r.db(ctx).Model(&twitterHandleRow{}).Where("id = ?", row.ID).Select("*").Omit("id", "application_id", "created_at").Updates(&row)
	if res.Error != nil {
		return translate(res.Error, "update Twitter handle", handleConflict, h.Name, h.UserID)
	}
	if res.RowsAffected == 0 {
		return notFoundHandle(h.ID)
	}
	return nil
}

// DeleteTwitterHandle deletes a handle.
func (r *repo) DeleteTwitterHandle(ctx context.Context, id engine.EndpointID) error {
	res := r.db(ctx).Where("id = ?", string(id)).Delete(&twitterHandleRow{})
	if res.Error != nil {
		if errors.Is(res.Error, gorm.ErrForeignKeyViolated) {
			return engine.Errorf(engine.ErrConflict, "Twitter handle %s is in use (a conversation refers to it)", id)
		}
		return fmt.Errorf("delete Twitter handle: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return notFoundHandle(id)
	}
	return nil
}

// TwitterHandleByUserID finds the handle of app connected as Twitter user userID.
func (r *repo) TwitterHandleByUserID(ctx context.Context, app engine.SourceID, userID string) (engine.TwitterHandle, error) {
	if userID == "" {
		return engine.TwitterHandle{}, engine.Errorf(engine.ErrNotFound, "no Twitter user id given")
	}
	row, err := scanTwitterHandle(r.rawRow(ctx, `SELECT `+twitterHandleColumns+` FROM twitter_handles
		WHERE application_id = ? AND user_id = ?`, string(app), userID))
	if errors.Is(err, sql.ErrNoRows) {
		return engine.TwitterHandle{}, engine.Errorf(engine.ErrNotFound, "Twitter application %s has no handle for Twitter user %q", app, userID)
	}
	if err != nil {
		return engine.TwitterHandle{}, fmt.Errorf("find Twitter handle by user id: %w", err)
	}
	return r.toEngineTwitterHandle(row)
}

// pageOfOpened is pageOf for rows whose conversion can fail (a sealed
// secret that does not open).
func pageOfOpened[R, T any](rows []R, p engine.Page, convert func(R) (T, error), id func(R) string) (engine.List[T], error) {
	var firstErr error
	l := pageOf(rows, p, func(row R) T {
		v, err := convert(row)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v
	}, id)
	if firstErr != nil {
		return engine.List[T]{}, firstErr
	}
	return l, nil
}

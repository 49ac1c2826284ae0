package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/switchboardhq/switchboard/engine"
)

// Sealed columns. Each value is sealed with the context "column:row id", so
// that a sealed value copied to another row or column does not open. The
// contexts keep the names the columns had when Twitter was the only
// channel, so that the secrets stored then still open.
const (
	colClientSecret = "twitter_applications.consumer_secret"
	colToken        = "twitter_handles.access_token"
	colTokenSecret  = "twitter_handles.access_token_secret"
)

// sealField seals a secret for column col of row id; an empty secret stays
// empty (a pending endpoint has no credentials yet).
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

type sourceRow struct {
	ID           string `gorm:"primaryKey"`
	Channel      string
	Name         string
	ClientKey    string
	ClientSecret string // sealed
	Settings     string // JSON object of strings
	Enabled      bool
	CreatedAt    time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt    time.Time `gorm:"autoUpdateTime:false"` // the engine's clock, not gorm's
}

func (sourceRow) TableName() string { return "sources" }

func (r *repo) toSourceRow(s engine.Source) (sourceRow, error) {
	sealed, err := r.sealField(s.ClientSecret, colClientSecret, string(s.ID))
	if err != nil {
		return sourceRow{}, err
	}
	return sourceRow{
		ID: string(s.ID), Channel: string(s.Channel), Name: s.Name, ClientKey: s.ClientKey, ClientSecret: sealed,
		Settings: jsonText(s.Settings, "{}"), Enabled: s.Enabled, CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(),
	}, nil
}

func (r *repo) toEngineSource(row sourceRow) (engine.Source, error) {
	secret, err := r.openField(row.ClientSecret, colClientSecret, row.ID)
	if err != nil {
		return engine.Source{}, err
	}
	s := engine.Source{
		ID: engine.SourceID(row.ID), Channel: engine.Channel(row.Channel), Name: row.Name, ClientKey: row.ClientKey,
		ClientSecret: secret, Settings: map[string]string{}, Enabled: row.Enabled, CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC(),
	}
	if err := json.Unmarshal([]byte(row.Settings), &s.Settings); err != nil {
		return engine.Source{}, fmt.Errorf("source %s: its settings are not a JSON object: %w", row.ID, err)
	}
	return s, nil
}

func notFoundSource(id engine.SourceID) error {
	return engine.Errorf(engine.ErrNotFound, "no source has the id %q", id)
}

// CreateSource stores a new source, its client secret sealed.
func (r *repo) CreateSource(ctx context.Context, s engine.Source) error {
	row, err := r.toSourceRow(s)
	if err != nil {
		return err
	}
	if err := r.db(ctx).Create(&row).Error; err != nil {
		return translate(err, "create source", "a %s source named %q already exists", s.Channel, s.Name)
	}
	return nil
}

// Source returns one source with its client secret opened.
func (r *repo) Source(ctx context.Context, id engine.SourceID) (engine.Source, error) {
	// Every webhook delivery reads its source: kept for a moment outside
	// transactions (lookups.go), and a raw read, as gorm's query building
	// costs more than the database's work.
	return r.cachedSource(id, func() (engine.Source, error) { return r.readSource(ctx, id) })
}

func (r *repo) readSource(ctx context.Context, id engine.SourceID) (engine.Source, error) {
	var row sourceRow
	err := r.rawRow(ctx, `SELECT id, channel, name, client_key, client_secret, settings, enabled, created_at, updated_at
		FROM sources WHERE id = ?`, string(id)).Scan(&row.ID, &row.Channel, &row.Name, &row.ClientKey, &row.ClientSecret,
		&row.Settings, &row.Enabled, &row.CreatedAt, &row.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return engine.Source{}, notFoundSource(id)
	}
	if err != nil {
		return engine.Source{}, fmt.Errorf("get source: %w", err)
	}
	return r.toEngineSource(row)
}

// ListSources lists a channel's sources in creation order.
func (r *repo) ListSources(ctx context.Context, ch engine.Channel, p engine.Page) (engine.List[engine.Source], error) {
	var rows []sourceRow
	if err := paged(r.db(ctx).Model(&sourceRow{}).Where("channel = ?", string(ch)), p, false).Find(&rows).Error; err != nil {
		return engine.List[engine.Source]{}, fmt.Errorf("list sources: %w", err)
	}
	return pageOfOpened(rows, p, r.toEngineSource, func(r sourceRow) string { return r.ID })
}

// UpdateSource saves a changed source, sealing its client secret afresh.
func (r *repo) UpdateSource(ctx context.Context, s engine.Source) error {
	row, err := r.toSourceRow(s)
	if err != nil {
		return err
	}
	return r.writeLookups(ctx, func(r *repo) error {
		res := r.db(ctx).Model(&sourceRow{}).Where("id = ?", row.ID).Select("*").Omit("id", "channel", "created_at").Updates(&row)
		if res.Error != nil {
			return translate(res.Error, "update source", "a %s source named %q already exists", s.Channel, s.Name)
		}
		if res.RowsAffected == 0 {
			return notFoundSource(s.ID)
		}
		return nil
	})
}

// DeleteSource deletes a source; one with endpoints is ErrConflict.
func (r *repo) DeleteSource(ctx context.Context, id engine.SourceID) error {
	return r.writeLookups(ctx, func(r *repo) error {
		res := r.db(ctx).Where("id = ?", string(id)).Delete(&sourceRow{})
		if res.Error != nil {
			if errors.Is(res.Error, gorm.ErrForeignKeyViolated) {
				return engine.Errorf(engine.ErrConflict, "source %s still has endpoints; delete them first", id)
			}
			return fmt.Errorf("delete source: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return notFoundSource(id)
		}
		return nil
	})
}

type endpointRow struct {
	ID           string `gorm:"primaryKey"`
	SourceID     string
	Channel      string
	Name         string
	WorkStreamID string
	ExternalID   string
	Address      string
	Token        string // sealed
	TokenSecret  string // sealed
	Status       string
	StatusReason string
	CreatedAt    time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt    time.Time `gorm:"autoUpdateTime:false"` // the engine's clock, not gorm's
}

func (endpointRow) TableName() string { return "endpoints" }

func (r *repo) toEndpointRow(e engine.Endpoint) (endpointRow, error) {
	token, err := r.sealField(e.Token, colToken, string(e.ID))
	if err != nil {
		return endpointRow{}, err
	}
	secret, err := r.sealField(e.TokenSecret, colTokenSecret, string(e.ID))
	if err != nil {
		return endpointRow{}, err
	}
	return endpointRow{
		ID: string(e.ID), SourceID: string(e.SourceID), Channel: string(e.Channel), Name: e.Name, WorkStreamID: string(e.WorkStreamID),
		ExternalID: e.ExternalID, Address: e.Address, Token: token, TokenSecret: secret,
		Status: string(e.Status), StatusReason: e.StatusReason, CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC(),
	}, nil
}

func (r *repo) toEngineEndpoint(row endpointRow) (engine.Endpoint, error) {
	token, err := r.openField(row.Token, colToken, row.ID)
	if err != nil {
		return engine.Endpoint{}, err
	}
	secret, err := r.openField(row.TokenSecret, colTokenSecret, row.ID)
	if err != nil {
		return engine.Endpoint{}, err
	}
	return engine.Endpoint{
		ID: engine.EndpointID(row.ID), SourceID: engine.SourceID(row.SourceID), Channel: engine.Channel(row.Channel), Name: row.Name,
		WorkStreamID: engine.WorkStreamID(row.WorkStreamID), ExternalID: row.ExternalID, Address: row.Address,
		Token: token, TokenSecret: secret, Status: engine.EndpointStatus(row.Status), StatusReason: row.StatusReason,
		CreatedAt: row.CreatedAt.UTC(), UpdatedAt: row.UpdatedAt.UTC(),
	}, nil
}

func notFoundEndpoint(id engine.EndpointID) error {
	return engine.Errorf(engine.ErrNotFound, "no endpoint has the id %q", id)
}

// endpointConflict is the message of a unique violation on endpoints.
const endpointConflict = "the source already has an endpoint named %q or one whose id on the channel is %q"

// CreateEndpoint stores a new endpoint, its credentials sealed.
func (r *repo) CreateEndpoint(ctx context.Context, e engine.Endpoint) error {
	row, err := r.toEndpointRow(e)
	if err != nil {
		return err
	}
	if err := r.db(ctx).Create(&row).Error; err != nil {
		return translate(err, "create endpoint", endpointConflict, e.Name, e.ExternalID)
	}
	return nil
}

// endpointColumns are the columns scanEndpoint reads. Every webhook
// delivery and every send reads its endpoint: a raw read, as gorm's query
// building costs more than the database's work.
const endpointColumns = `id, source_id, channel, name, work_stream_id, external_id, address, token, token_secret,
	status, status_reason, created_at, updated_at`

func scanEndpoint(row *sql.Row) (endpointRow, error) {
	var e endpointRow
	err := row.Scan(&e.ID, &e.SourceID, &e.Channel, &e.Name, &e.WorkStreamID, &e.ExternalID, &e.Address, &e.Token, &e.TokenSecret,
		&e.Status, &e.StatusReason, &e.CreatedAt, &e.UpdatedAt)
	return e, err
}

// Endpoint returns one endpoint with its credentials opened.
func (r *repo) Endpoint(ctx context.Context, id engine.EndpointID) (engine.Endpoint, error) {
	row, err := scanEndpoint(r.rawRow(ctx, `SELECT `+endpointColumns+` FROM endpoints WHERE id = ?`, string(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return engine.Endpoint{}, notFoundEndpoint(id)
	}
	if err != nil {
		return engine.Endpoint{}, fmt.Errorf("get endpoint: %w", err)
	}
	return r.toEngineEndpoint(row)
}

// ListEndpoints lists one source's endpoints in creation order.
func (r *repo) ListEndpoints(ctx context.Context, source engine.SourceID, p engine.Page) (engine.List[engine.Endpoint], error) {
	var rows []endpointRow
	q := r.db(ctx).Model(&endpointRow{}).Where("source_id = ?", string(source))
	if err := paged(q, p, false).Find(&rows).Error; err != nil {
		return engine.List[engine.Endpoint]{}, fmt.Errorf("list endpoints: %w", err)
	}
	return pageOfOpened(rows, p, r.toEngineEndpoint, func(r endpointRow) string { return r.ID })
}

// ListChannelEndpoints lists one channel's endpoints in creation order.
func (r *repo) ListChannelEndpoints(ctx context.Context, ch engine.Channel, p engine.Page) (engine.List[engine.Endpoint], error) {
	var rows []endpointRow
	q := r.db(ctx).Model(&endpointRow{}).Where("channel = ?", string(ch))
	if err := paged(q, p, false).Find(&rows).Error; err != nil {
		return engine.List[engine.Endpoint]{}, fmt.Errorf("list endpoints: %w", err)
	}
	return pageOfOpened(rows, p, r.toEngineEndpoint, func(r endpointRow) string { return r.ID })
}

// UpdateEndpoint saves a changed endpoint, sealing its credentials afresh.
func (r *repo) UpdateEndpoint(ctx context.Context, e engine.Endpoint) error {
	row, err := r.toEndpointRow(e)
	if err != nil {
		return err
	}
	return r.writeLookups(ctx, func(r *repo) error {
		res := r.db(ctx).Model(&endpointRow{}).Where("id = ?", row.ID).Select("*").Omit("id", "source_id", "channel", "created_at").Updates(&row)
		if res.Error != nil {
			return translate(res.Error, "update endpoint", endpointConflict, e.Name, e.ExternalID)
		}
		if res.RowsAffected == 0 {
			return notFoundEndpoint(e.ID)
		}
		return nil
	})
}

// DeleteEndpoint deletes an endpoint; one a conversation refers to is
// ErrConflict.
func (r *repo) DeleteEndpoint(ctx context.Context, id engine.EndpointID) error {
	return r.writeLookups(ctx, func(r *repo) error {
		res := r.db(ctx).Where("id = ?", string(id)).Delete(&endpointRow{})
		if res.Error != nil {
			if errors.Is(res.Error, gorm.ErrForeignKeyViolated) {
				return engine.Errorf(engine.ErrConflict, "endpoint %s is in use (a conversation refers to it)", id)
			}
			return fmt.Errorf("delete endpoint: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return notFoundEndpoint(id)
		}
		return nil
	})
}

// EndpointByExternalID finds the endpoint of a source whose id on the
// channel is externalID.
func (r *repo) EndpointByExternalID(ctx context.Context, source engine.SourceID, externalID string) (engine.Endpoint, error) {
	// Every webhook delivery reads its endpoint: kept for a moment outside
	// transactions (lookups.go).
	return r.cachedEndpointByExternalID(externalKey{source, externalID}, func() (engine.Endpoint, error) {
		return r.readEndpointByExternalID(ctx, source, externalID)
	})
}

func (r *repo) readEndpointByExternalID(ctx context.Context, source engine.SourceID, externalID string) (engine.Endpoint, error) {
	row, err := scanEndpoint(r.rawRow(ctx, `SELECT `+endpointColumns+` FROM endpoints
		WHERE source_id = ? AND external_id = ?`, string(source), externalID))
	if errors.Is(err, sql.ErrNoRows) {
		return engine.Endpoint{}, engine.Errorf(engine.ErrNotFound, "source %s has no endpoint whose id on the channel is %q", source, externalID)
	}
	if err != nil {
		return engine.Endpoint{}, fmt.Errorf("find endpoint by external id: %w", err)
	}
	return r.toEngineEndpoint(row)
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

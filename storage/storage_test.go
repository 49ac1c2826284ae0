package storage_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

func TestMigrationsRoundTrip(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		status, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(status) == 0 {
			t.Fatal("no migrations listed")
		}
		for _, m := range status {
			if !m.Applied {
				t.Errorf("migration %d %s not applied after MigrateUp", m.Version, m.Name)
			}
		}
		if _, err := db.MigrateDown(ctx, 0); err != nil {
			t.Fatalf("migrate down to 0: %v", err)
		}
		status, err = db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range status {
			if m.Applied {
				t.Errorf("migration %d %s still applied after MigrateDown(0)", m.Version, m.Name)
			}
		}
		if _, err := db.CountActiveKeys(ctx, engine.RoleAdmin); err == nil {
			t.Error("api_keys still answers after all migrations were rolled back")
		}
		res, err := db.MigrateUp(ctx)
		if err != nil {
			t.Fatalf("migrate up again: %v", err)
		}
		if len(res) != len(status) {
			t.Errorf("migrate up applied %d migrations, want %d", len(res), len(status))
		}
		if _, err := db.CountActiveKeys(ctx, engine.RoleAdmin); err != nil {
			t.Errorf("api_keys unusable after round trip: %v", err)
		}
	})
}

func TestAPIKeys(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
		key := engine.APIKey{ID: engine.APIKeyID(engine.NewID(now)), Name: "ops", Role: engine.RoleAnalyst, TokenHash: engine.HashToken("t1"), CreatedAt: now}
		if err := db.CreateAPIKey(ctx, key); err != nil {
			t.Fatal(err)
		}
		got, err := db.APIKeyByTokenHash(ctx, engine.HashToken("t1"))
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != key.ID || got.Name != "ops" || got.Role != engine.RoleAnalyst || !got.CreatedAt.Equal(now) {
			t.Errorf("APIKeyByTokenHash = %+v, want %+v", got, key)
		}
		if _, err := db.APIKeyByTokenHash(ctx, engine.HashToken("other")); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("unknown hash: err = %v, want ErrNotFound", err)
		}
		dup := key
		dup.ID = engine.APIKeyID(engine.NewID(now))
		dup.TokenHash = engine.HashToken("t2")
		if err := db.CreateAPIKey(ctx, dup); !errors.Is(err, engine.ErrConflict) {
			t.Errorf("duplicate name: err = %v, want ErrConflict", err)
		}
		if err := db.SetAPIKeyTokenHash(ctx, key.ID, engine.HashToken("t3")); err != nil {
			t.Fatal(err)
		}
		if _, err := db.APIKeyByName(ctx, "ops"); err != nil {
			t.Errorf("APIKeyByName: %v", err)
		}
		if _, err := db.APIKeyByTokenHash(ctx, engine.HashToken("t1")); !errors.Is(err, engine.ErrNotFound) {
			t.Errorf("old token still matches after rotation: %v", err)
		}
		if n, err := db.CountActiveKeys(ctx, engine.RoleAnalyst); err != nil || n != 1 {
			t.Errorf("CountActiveKeys = %d, %v; want 1", n, err)
		}
	})
}

func TestDataSurvivesReopen(t *testing.T) {
	for _, tc := range []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return storagetest.SQLiteURL(t) }},
		{"postgres", func(t *testing.T) string { return storagetest.PostgresURL(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			url, secret := tc.url(t), storagetest.SecretKey(t)
			db, err := storage.Open(ctx, storage.Options{URL: url, SecretKey: secret})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.MigrateUp(ctx); err != nil {
				t.Fatal(err)
			}
			generated, err := engine.EnsureAdminKey(ctx, db, engine.SystemClock{}, "")
			if err != nil || generated == "" {
				t.Fatalf("EnsureAdminKey = %q, %v; want a generated token", generated, err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db, err = storage.Open(ctx, storage.Options{URL: url, SecretKey: secret})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if res, err := db.MigrateUp(ctx); err != nil || len(res) != 0 {
				t.Fatalf("second MigrateUp = %v, %v; want nothing to do", res, err)
			}
			if _, err := engine.Authenticate(ctx, db, generated); err != nil {
				t.Errorf("token from before the restart: %v", err)
			}
		})
	}
}

// TestMigrateNamesAMissingSchema: a database URL whose search_path names
// no existing schema stops the migrations with an error that says so.
func TestMigrateNamesAMissingSchema(t *testing.T) {
	u, err := url.Parse(storagetest.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", "no_such_schema_for_switchboard")
	u.RawQuery = q.Encode()
	ctx := context.Background()
	db, err := storage.Open(ctx, storage.Options{URL: u.String(), SecretKey: storagetest.SecretKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.MigrateUp(ctx)
	if err == nil || !strings.Contains(err.Error(), "no schema of the search_path (no_such_schema_for_switchboard) exists") {
		t.Errorf("migrating into a missing schema: %v", err)
	}
}

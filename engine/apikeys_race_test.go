package engine_test

import (
	"context"
	"testing"

	"github.com/switchboardhq/switchboard/engine"
	"github.com/switchboardhq/switchboard/storage"
	"github.com/switchboardhq/switchboard/storage/storagetest"
)

// staleKeys is a replica's view of the keys read before another replica's
// bootstrap key committed: its first reads find no admin key.
type staleKeys struct {
	engine.KeyStore
	stale int // reads still to answer as if no key existed
}

func (s *staleKeys) CountActiveKeys(ctx context.Context, role engine.Role) (int, error) {
	if s.stale > 0 {
		s.stale--
		return 0, nil
	}
	return s.KeyStore.CountActiveKeys(ctx, role)
}

func (s *staleKeys) APIKeyByName(ctx context.Context, name string) (engine.APIKey, error) {
	if s.stale > 0 {
		s.stale--
		return engine.APIKey{}, engine.Errorf(engine.ErrNotFound, "no key named %q", name)
	}
	return s.KeyStore.APIKeyByName(ctx, name)
}

// TestReplicasStartingTogetherMakeOneAdminKey: two replicas start on an
// empty database at once. The first creates the bootstrap admin key and
// shows its token; the second, which had read no key, starts all the same
// without a second token; with a configured token it points the key at it.
func TestReplicasStartingTogetherMakeOneAdminKey(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		first, err := engine.EnsureAdminKey(ctx, db, engine.SystemClock{}, "")
		if err != nil || first == "" {
			t.Fatalf("first replica: %q, %v; want a generated token", first, err)
		}
		second, err := engine.EnsureAdminKey(ctx, &staleKeys{KeyStore: db, stale: 1}, engine.SystemClock{}, "")
		if err != nil || second != "" {
			t.Fatalf("second replica: %q, %v; want no token and no error", second, err)
		}
		if n, err := db.CountActiveKeys(ctx, engine.RoleAdmin); err != nil || n != 1 {
			t.Errorf("%d admin keys (%v), want 1", n, err)
		}
		if _, err := engine.Authenticate(ctx, db, first); err != nil {
			t.Errorf("the first replica's token: %v", err)
		}

		const configured = "configured-admin-token-0123456789"
		if _, err := engine.EnsureAdminKey(ctx, &staleKeys{KeyStore: db, stale: 1}, engine.SystemClock{}, configured); err != nil {
			t.Fatalf("a replica with a configured token that had read no key: %v", err)
		}
		if _, err := engine.Authenticate(ctx, db, configured); err != nil {
			t.Errorf("the configured token: %v", err)
		}
	})
}

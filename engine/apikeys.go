package engine

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Role is what an API key may do.
type Role string

// The roles of DESIGN.md: admin (everything), analyst (work streams, rules,
// queues; read conversations), agent (its own presence, conversations and queues).
const (
	RoleAdmin   Role = "admin"
	RoleAnalyst Role = "analyst"
	RoleAgent   Role = "agent"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case RoleAdmin, RoleAnalyst, RoleAgent:
		return true
	}
	return false
}

// BootstrapKeyName names the admin key that SWITCHBOARD_ADMIN_TOKEN (or the
// token generated at first start) provides.
const BootstrapKeyName = "bootstrap admin"

// APIKey is a bearer credential. The token itself is never stored: only its
// SHA-256 hash, which is enough because tokens carry 256 random bits.
type APIKey struct {
	ID        APIKeyID
	Name      string
	Role      Role
	AgentID   AgentID // set for RoleAgent keys
	TokenHash string
	CreatedAt time.Time
	RevokedAt *time.Time
}

// KeyStore persists API keys. Implementations return ErrNotFound when no
// key matches.
type KeyStore interface {
	// CreateAPIKey stores a new key.
	CreateAPIKey(ctx context.Context, key APIKey) error
	// APIKeyByTokenHash returns the unrevoked key with that token hash.
	APIKeyByTokenHash(ctx context.Context, tokenHash string) (APIKey, error)
	// APIKeyByName returns the unrevoked key with that name.
	APIKeyByName(ctx context.Context, name string) (APIKey, error)
	// SetAPIKeyTokenHash replaces the token hash of a key.
	SetAPIKeyTokenHash(ctx context.Context, id APIKeyID, tokenHash string) error
	// CountActiveKeys counts unrevoked keys of a role.
	CountActiveKeys(ctx context.Context, role Role) (int, error)
	// APIKey returns a key by id, revoked or not.
	APIKey(ctx context.Context, id APIKeyID) (APIKey, error)
	// ListAPIKeys lists keys in creation order, revoked ones included.
	ListAPIKeys(ctx context.Context, p Page) (List[APIKey], error)
	// RevokeAPIKey marks a key revoked; it no longer authenticates.
	RevokeAPIKey(ctx context.Context, id APIKeyID, at time.Time) error
}

// tokenPrefix marks Switchboard tokens, so a leaked one is recognisable by
// secret scanners.
const tokenPrefix = "sb_"

// NewToken returns a new random bearer token (256 bits).
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new token: %w", err)
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken returns the stored form of a token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Authenticate returns the key a bearer token belongs to, or ErrUnauthenticated.
func Authenticate(ctx context.Context, keys KeyStore, token string) (APIKey, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return APIKey{}, Errorf(ErrUnauthenticated, "missing bearer token")
	}
	hash := HashToken(token)
	key, err := keys.APIKeyByTokenHash(ctx, hash)
	if errors.Is(err, ErrNotFound) {
		return APIKey{}, Errorf(ErrUnauthenticated, "unknown or revoked token")
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("authenticate: %w", err)
	}
	// The lookup matched on the hash; compare again in constant time so the
	// decision never depends on how a database compares strings.
	if subtle.ConstantTimeCompare([]byte(key.TokenHash), []byte(hash)) != 1 {
		return APIKey{}, Errorf(ErrUnauthenticated, "unknown or revoked token")
	}
	return key, nil
}

// EnsureAdminKey makes sure an admin can reach the API. With a configured
// token, the bootstrap admin key is created or re-pointed at that token.
// Without one, a token is generated only when no admin key exists at all; it
// is returned so the caller can show it once, and is never stored in clear.
// Replicas starting together may race: the bootstrap key's name is unique,
// so one of them creates it, and the others find it (no second token).
func EnsureAdminKey(ctx context.Context, keys KeyStore, clock Clock, configured string) (generated string, err error) {
	if configured != "" {
		hash := HashToken(configured)
		for attempt := 0; ; attempt++ {
			existing, err := keys.APIKeyByName(ctx, BootstrapKeyName)
			switch {
			case err == nil:
				if existing.TokenHash != hash {
					if err := keys.SetAPIKeyTokenHash(ctx, existing.ID, hash); err != nil {
						return "", fmt.Errorf("ensure admin key: %w", err)
					}
				}
				return "", nil
			case errors.Is(err, ErrNotFound):
				err := createBootstrapKey(ctx, keys, clock, hash)
				if errors.Is(err, ErrConflict) && attempt == 0 {
					continue // another replica created it meanwhile: point it at this token
				}
				return "", err
			default:
				return "", fmt.Errorf("ensure admin key: %w", err)
			}
		}
	}
	n, err := keys.CountActiveKeys(ctx, RoleAdmin)
	if err != nil {
		return "", fmt.Errorf("ensure admin key: %w", err)
	}
	if n > 0 {
		return "", nil
	}
	token, err := NewToken()
	if err != nil {
		return "", err
	}
	if err := createBootstrapKey(ctx, keys, clock, HashToken(token)); err != nil {
		if errors.Is(err, ErrConflict) {
			// Another replica created the bootstrap key meanwhile and shows
			// its token; this one has none to show.
			return "", nil
		}
		return "", err
	}
	return token, nil
}

func createBootstrapKey(ctx context.Context, keys KeyStore, clock Clock, hash string) error {
	now := clock.Now()
	key := APIKey{ID: APIKeyID(NewID(now)), Name: BootstrapKeyName, Role: RoleAdmin, TokenHash: hash, CreatedAt: now}
	if err := keys.CreateAPIKey(ctx, key); err != nil {
		return fmt.Errorf("create bootstrap admin key: %w", err)
	}
	return nil
}

// APIKeyInput is what an admin sets on a new key.
type APIKeyInput struct {
	Name    string
	Role    Role
	AgentID AgentID
}

// CreateAPIKey creates a key and returns its token, shown this once.
func (s *Service) CreateAPIKey(ctx context.Context, actor Actor, in APIKeyInput) (APIKey, string, error) {
	name, err := checkName("name", in.Name)
	if err != nil {
		return APIKey{}, "", err
	}
	if !in.Role.Valid() {
		return APIKey{}, "", FieldError("role", "%q is not admin, analyst or agent", in.Role)
	}
	if in.Role == RoleAgent && in.AgentID == "" {
		return APIKey{}, "", FieldError("agent_id", "is required for a key of the agent role")
	}
	if in.Role != RoleAgent && in.AgentID != "" {
		return APIKey{}, "", FieldError("agent_id", "belongs only to keys of the agent role")
	}
	token, err := NewToken()
	if err != nil {
		return APIKey{}, "", err
	}
	now := s.clock.Now()
	key := APIKey{ID: APIKeyID(NewID(now)), Name: name, Role: in.Role, AgentID: in.AgentID, TokenHash: HashToken(token), CreatedAt: now}
	err = s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		if in.AgentID != "" {
			if _, err := tx.Agent(ctx, in.AgentID); err != nil {
				if errors.Is(err, ErrNotFound) {
					return AuditEntry{}, FieldError("agent_id", "no agent has the id %q", in.AgentID)
				}
				return AuditEntry{}, err
			}
		}
		if err := tx.CreateAPIKey(ctx, key); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "create", Resource: "api_key", ResourceID: string(key.ID), Summary: fmt.Sprintf("created %s key %q", key.Role, key.Name)}, nil
	})
	if err != nil {
		return APIKey{}, "", err
	}
	return key, token, nil
}

// ListAPIKeys lists keys in creation order; tokens are never part of them.
func (s *Service) ListAPIKeys(ctx context.Context, p Page) (List[APIKey], error) {
	return s.store.ListAPIKeys(ctx, p.Normalized())
}

// RevokeAPIKey revokes a key. The last admin key cannot be revoked, so that
// the API always has an administrator.
func (s *Service) RevokeAPIKey(ctx context.Context, actor Actor, id APIKeyID) error {
	return s.write(ctx, actor, func(tx Tx) (AuditEntry, error) {
		key, err := tx.APIKey(ctx, id)
		if err != nil {
			return AuditEntry{}, err
		}
		if key.RevokedAt != nil {
			return AuditEntry{}, Errorf(ErrConflict, "API key %q is already revoked", key.Name)
		}
		if key.Role == RoleAdmin {
			n, err := tx.CountActiveKeys(ctx, RoleAdmin)
			if err != nil {
				return AuditEntry{}, err
			}
			if n <= 1 {
				return AuditEntry{}, Errorf(ErrConflict, "API key %q is the last admin key; create another admin key first", key.Name)
			}
		}
		if err := tx.RevokeAPIKey(ctx, id, s.clock.Now()); err != nil {
			return AuditEntry{}, err
		}
		return AuditEntry{Action: "revoke", Resource: "api_key", ResourceID: string(id), Summary: fmt.Sprintf("revoked %s key %q", key.Role, key.Name)}, nil
	})
}

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
func EnsureAdminKey(ctx context.Context, keys KeyStore, clock Clock, configured string) (generated string, err error) {
	if configured != "" {
		hash := HashToken(configured)
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
			return "", createBootstrapKey(ctx, keys, clock, hash)
		default:
			return "", fmt.Errorf("ensure admin key: %w", err)
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

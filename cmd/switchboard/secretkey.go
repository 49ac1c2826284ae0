package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/switchboardhq/switchboard/storage"
)

// resolveSecretKey returns the key that seals stored secrets and a masked
// description of where it came from. On SQLite without a configured key, a
// key file beside the database is read, or created with mode 0600; on
// PostgreSQL the key must be configured, because replicas must share it.
func resolveSecretKey(cfg *config) ([]byte, string, error) {
	if cfg.secret != nil {
		return cfg.secret, "from SWITCHBOARD_SECRET_KEY (masked)", nil
	}
	if cfg.database.Dialect == storage.Postgres {
		return nil, "", errors.New("SWITCHBOARD_SECRET_KEY: required with PostgreSQL (replicas must share it); generate one with: openssl rand -hex 32")
	}
	path := cfg.database.Path + ".key"
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		key, err := parseSecretKey(string(data))
		if err != nil {
			return nil, "", fmt.Errorf("secret key file %s: %w", path, err)
		}
		return key, "from file " + path, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, "", fmt.Errorf("secret key file: %w", err)
	}
	if dir := filepath.Dir(path); dir != "." {
		if _, err := os.Stat(dir); err != nil {
			return nil, "", fmt.Errorf("SWITCHBOARD_DATABASE_URL: directory %s does not exist", dir)
		}
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, "", fmt.Errorf("generate secret key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, "", fmt.Errorf("create secret key file: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, "", fmt.Errorf("write secret key file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, "", fmt.Errorf("write secret key file %s: %w", path, err)
	}
	return key, "generated into file " + path, nil
}

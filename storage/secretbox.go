package storage

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// sealedPrefix versions the sealed format, so the key or algorithm can change
// later without guessing what a stored value is.
const sealedPrefix = "v1:"

// secretBox seals secrets with AES-256-GCM before they are stored.
type secretBox struct {
	aead cipher.AEAD
}

func newSecretBox(key []byte) (*secretBox, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret key: need 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return &secretBox{aead: aead}, nil
}

// seal encrypts plaintext; context binds the ciphertext to where it is
// stored (table, column and row id), so a sealed value copied to another row
// does not open.
func (b *secretBox) seal(plaintext, context string) (string, error) {
	if b == nil {
		return "", errNoSecretKey
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal secret: %w", err)
	}
	out := b.aead.Seal(nonce, nonce, []byte(plaintext), []byte(context))
	return sealedPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// errNoSecretKey means the database was opened without a secret key.
var errNoSecretKey = errors.New("no secret key configured (SWITCHBOARD_SECRET_KEY)")

// errSecretKey means a stored secret does not open with the configured key.
var errSecretKey = errors.New("stored secret does not open with SWITCHBOARD_SECRET_KEY (was the key changed?)")

func (b *secretBox) open(sealed, context string) (string, error) {
	if b == nil {
		return "", errNoSecretKey
	}
	raw, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", fmt.Errorf("open secret: unknown format")
	}
	data, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(data) < b.aead.NonceSize() {
		return "", fmt.Errorf("open secret: malformed value")
	}
	nonce, ciphertext := data[:b.aead.NonceSize()], data[b.aead.NonceSize():]
	plain, err := b.aead.Open(nil, nonce, ciphertext, []byte(context))
	if err != nil {
		return "", errSecretKey
	}
	return string(plain), nil
}

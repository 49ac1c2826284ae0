package twitter

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// SignatureHeader is the header Twitter signs webhook requests with: event
// POSTs over the raw body, CRC GETs over the raw query string (§4, §3.3).
const SignatureHeader = "X-Twitter-Webhooks-Signature"

const signaturePrefix = "sha256="

// Sign returns "sha256=" + base64(HMAC-SHA256(consumerSecret, message)): the
// value of SignatureHeader for a body, and the CRC response token for a
// crc_token. The fake server signs deliveries with it.
func Sign(consumerSecret string, message []byte) string {
	m := hmac.New(sha256.New, []byte(consumerSecret))
	m.Write(message)
	return signaturePrefix + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// CRCResponse answers a challenge-response check (§3): the value of
// "response_token" for crcToken, keyed with the application's consumer
// secret. crcToken is the URL-decoded crc_token query value.
func CRCResponse(consumerSecret, crcToken string) string {
	return Sign(consumerSecret, []byte(crcToken))
}

// VerifySignature reports whether header (the value of SignatureHeader) is the
// signature of body under consumerSecret. body must be the raw request bytes,
// before any decoding. It compares in constant time, and a missing, malformed
// or wrong header, or an empty consumer secret, is false.
func VerifySignature(consumerSecret string, body []byte, header string) bool {
	if consumerSecret == "" {
		return false
	}
	header = strings.TrimSpace(header)
	if len(header) < len(signaturePrefix) || !strings.EqualFold(header[:len(signaturePrefix)], signaturePrefix) {
		return false
	}
	got, err := base64.StdEncoding.DecodeString(header[len(signaturePrefix):])
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(consumerSecret))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

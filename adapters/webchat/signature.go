package webchat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxClockSkew is how far a signed request's timestamp may be from the
// service's clock: older requests are refused as replays.
const MaxClockSkew = 5 * time.Minute

// signaturePrefix versions the signature scheme.
const signaturePrefix = "v1="

func mac(secret string, parts ...string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strings.Join(parts, ".")))
	return hex.EncodeToString(m.Sum(nil))
}

// SignMessage returns the X-Switchboard-Signature header of a message body
// relayed at timestamp (Unix seconds) by a site holding secret.
func SignMessage(secret string, timestamp int64, body []byte) string {
	return signaturePrefix + mac(secret, strconv.FormatInt(timestamp, 10), string(body))
}

// VisitorToken returns the token that lets a visitor's browser open its
// reply stream until expires (Unix seconds).
func VisitorToken(secret, visitorID string, expires int64) string {
	return mac(secret, "visitor", visitorID, strconv.FormatInt(expires, 10))
}

// errSignature is every signature failure: the answer does not say which
// part was wrong.
var errSignature = errors.New("the signature does not match the widget's secret")

// verifyMessage checks a relayed message's timestamp and signature.
func verifyMessage(secret, timestamp, signature string, body []byte, now time.Time) error {
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return fmt.Errorf("X-Switchboard-Timestamp must be Unix seconds, not %q", timestamp)
	}
	if skew := now.Sub(time.Unix(ts, 0)); skew > MaxClockSkew || skew < -MaxClockSkew {
		return fmt.Errorf("X-Switchboard-Timestamp is %s from the service's clock; more than %s is refused as a replay", skew.Round(time.Second), MaxClockSkew)
	}
	if !hmac.Equal([]byte(signature), []byte(SignMessage(secret, ts, body))) {
		return errSignature
	}
	return nil
}

// verifyVisitor checks a stream's token and that it has not expired.
func verifyVisitor(secret, visitorID, expires, token string, now time.Time) error {
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil {
		return fmt.Errorf("expires must be Unix seconds, not %q", expires)
	}
	if now.After(time.Unix(exp, 0)) {
		return errors.New("the visitor's token has expired: sign a new one")
	}
	if !hmac.Equal([]byte(token), []byte(VisitorToken(secret, visitorID, exp))) {
		return errSignature
	}
	return nil
}

package twitter

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// MaxDeliveryBytes caps the body of a webhook POST that ReadDelivery reads.
const MaxDeliveryBytes = 5 << 20

// ErrBadSignature is returned by ReadDelivery for a POST whose signature is
// missing or wrong: answer 401 and store nothing.
var ErrBadSignature = errors.New("twitter: missing or invalid webhook signature")

// ErrTooLarge is returned by ReadDelivery for a body over MaxDeliveryBytes.
var ErrTooLarge = errors.New("twitter: webhook body too large")

// AnswerCRC answers a webhook GET: 200 with {"response_token": …} for the
// crc_token parameter, keyed with consumerSecret, or 400 when crc_token is
// missing. It needs no lock and no database, as Twitter allows only a few
// seconds (§3).
func AnswerCRC(w http.ResponseWriter, r *http.Request, consumerSecret string) {
	tok := r.URL.Query().Get("crc_token")
	if tok == "" {
		http.Error(w, "crc_token missing", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(map[string]string{"response_token": CRCResponse(consumerSecret, tok)})
}

// ReadDelivery reads a webhook POST: the body (at most MaxDeliveryBytes),
// then its signature against consumerSecret, then — only when the signature
// holds — the payload. It returns the raw body too, for storing it before
// processing. Errors: ErrTooLarge (answer 413), ErrBadSignature (401),
// ErrMalformed (400), or a read error (400).
func ReadDelivery(w http.ResponseWriter, r *http.Request, consumerSecret string) (Delivery, []byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxDeliveryBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return Delivery{}, nil, ErrTooLarge
		}
		return Delivery{}, nil, fmt.Errorf("twitter: read webhook body: %w", err)
	}
	if !VerifySignature(consumerSecret, body, r.Header.Get(SignatureHeader)) {
		return Delivery{}, nil, ErrBadSignature
	}
	d, err := ParseDelivery(body)
	if err != nil {
		return Delivery{}, body, err
	}
	return d, body, nil
}

package twitter

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestAnswerCRC(t *testing.T) {
	rec := httptest.NewRecorder()
	AnswerCRC(rec, httptest.NewRequest("GET", "/webhooks/twitter/1?crc_token=foo&nonce=x", nil), "consumer-secret")
	var body struct {
		ResponseToken string `json:"response_token"`
	}
	if err := json.NewDecoder(rec.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" ||
		body.ResponseToken != "sha256=DcTy7IecOE1nIXA5KRcZ3lAsoNWL9GefbVQ+nWXIK0Q=" {
		t.Errorf("AnswerCRC: %d %q %+v", rec.Code, rec.Header().Get("Content-Type"), body)
	}
	rec = httptest.NewRecorder()
	AnswerCRC(rec, httptest.NewRequest("GET", "/webhooks/twitter/1", nil), "consumer-secret")
	if rec.Code != http.StatusBadRequest {
		t.Errorf("missing crc_token: %d", rec.Code)
	}
}

func TestReadDelivery(t *testing.T) {
	const secret = "s3cret"
	good := readSample(t, "text_dm.json")
	tests := []struct {
		name    string
		body    []byte
		sig     string
		wantErr error
	}{
		{"good", good, Sign(secret, good), nil},
		{"missing signature", good, "", ErrBadSignature},
		{"wrong secret", good, Sign("other", good), ErrBadSignature},
		{"tampered body", bytes.Replace(good, []byte("Hello"), []byte("Hallo"), 1), Sign(secret, good), ErrBadSignature},
		{"signed garbage", []byte("[1,2"), Sign(secret, []byte("[1,2")), ErrMalformed},
		{"too large", bytes.Repeat([]byte(" "), MaxDeliveryBytes+1), "", ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/webhooks/twitter/1", bytes.NewReader(tt.body))
			if tt.sig != "" {
				r.Header.Set("x-twitter-webhooks-signature", tt.sig)
			}
			d, raw, err := ReadDelivery(httptest.NewRecorder(), r, secret)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && (len(d.DirectMessages) != 1 || !bytes.Equal(raw, good)) {
				t.Errorf("delivery = %+v", d)
			}
		})
	}
}

func TestRetryPolicy(t *testing.T) {
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 10: 5 * time.Minute, 99: 5 * time.Minute} {
		for range 20 {
			if d := RetryDelay(attempt); d < want/2 || d > want {
				t.Errorf("RetryDelay(%d) = %v, want in [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
	now := time.Unix(1700000000, 0)
	reset := now.Add(10 * time.Minute)
	tests := []struct {
		name    string
		err     error
		ok      bool
		atLeast time.Time
		exactly time.Time
	}{
		{"rate limited waits for the reset", &APIError{Status: 429, Code: 88, ResetAt: reset}, true, time.Time{}, reset},
		{"5xx backs off", &APIError{Status: 503}, true, now.Add(500 * time.Millisecond), time.Time{}},
		{"network backs off", &APIError{Err: errors.New("connection reset")}, true, now.Add(500 * time.Millisecond), time.Time{}},
		{"349 is final", &APIError{Status: 403, Code: 349}, false, time.Time{}, time.Time{}},
		{"89 is final", &APIError{Status: 401, Code: 89}, false, time.Time{}, time.Time{}},
		{"other errors are final", errors.New("boom"), false, time.Time{}, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, ok := RetryAt(tt.err, 1, now)
			if ok != tt.ok || !tt.exactly.IsZero() && !at.Equal(tt.exactly) || !tt.atLeast.IsZero() && at.Before(tt.atLeast) {
				t.Errorf("RetryAt = %v, %v", at, ok)
			}
		})
	}
	if !strings.Contains((&APIError{Op: "send", Status: 429, ResetAt: reset, AppWide: true}).Error(), "application-wide") {
		t.Error("rate-limit error does not say it is app-wide")
	}
}

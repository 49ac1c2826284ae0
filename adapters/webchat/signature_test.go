package webchat

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestVerifyMessage(t *testing.T) {
	now := time.Unix(1_733_558_400, 0)
	body := []byte(`{"id":"m-1","visitor":{"id":"v-1"},"text":"hi"}`)
	ts := now.Unix()
	tests := []struct {
		name, timestamp, signature string
		body                       []byte
		wantErr                    string // "" for valid
	}{
		{name: "signed", timestamp: fmt.Sprint(ts), signature: SignMessage("s3cret", ts, body), body: body},
		{name: "skew within five minutes", timestamp: fmt.Sprint(ts - 299), signature: SignMessage("s3cret", ts-299, body), body: body},
		{name: "another secret", timestamp: fmt.Sprint(ts), signature: SignMessage("other", ts, body), body: body, wantErr: "does not match"},
		{name: "body changed", timestamp: fmt.Sprint(ts), signature: SignMessage("s3cret", ts, body), body: []byte(`{"text":"evil"}`), wantErr: "does not match"},
		{name: "timestamp changed", timestamp: fmt.Sprint(ts - 1), signature: SignMessage("s3cret", ts, body), body: body, wantErr: "does not match"},
		{name: "replayed an hour later", timestamp: fmt.Sprint(ts - 3600), signature: SignMessage("s3cret", ts-3600, body), body: body, wantErr: "replay"},
		{name: "from the future", timestamp: fmt.Sprint(ts + 3600), signature: SignMessage("s3cret", ts+3600, body), body: body, wantErr: "replay"},
		{name: "no timestamp", signature: SignMessage("s3cret", ts, body), body: body, wantErr: "Unix seconds"},
		{name: "no signature", timestamp: fmt.Sprint(ts), body: body, wantErr: "does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verifyMessage("s3cret", tt.timestamp, tt.signature, tt.body, now)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("verifyMessage = %v, want it accepted", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("verifyMessage = %v, want an error saying %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error names the secret: %v", err)
			}
		})
	}
}

func TestVerifyVisitor(t *testing.T) {
	now := time.Unix(1_733_558_400, 0)
	exp := now.Add(time.Hour).Unix()
	tests := []struct {
		name, visitor, expires, token string
		wantErr                       string
	}{
		{name: "signed", visitor: "v-1", expires: fmt.Sprint(exp), token: VisitorToken("s3cret", "v-1", exp)},
		{name: "another visitor's token", visitor: "v-2", expires: fmt.Sprint(exp), token: VisitorToken("s3cret", "v-1", exp), wantErr: "does not match"},
		{name: "expiry pushed back", visitor: "v-1", expires: fmt.Sprint(exp + 3600), token: VisitorToken("s3cret", "v-1", exp), wantErr: "does not match"},
		{name: "expired", visitor: "v-1", expires: fmt.Sprint(now.Unix() - 1), token: VisitorToken("s3cret", "v-1", now.Unix()-1), wantErr: "expired"},
		{name: "no expiry", visitor: "v-1", token: VisitorToken("s3cret", "v-1", exp), wantErr: "Unix seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verifyVisitor("s3cret", tt.visitor, tt.expires, tt.token, now)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("verifyVisitor = %v, want it accepted", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("verifyVisitor = %v, want an error saying %q", err, tt.wantErr)
			}
		})
	}
}

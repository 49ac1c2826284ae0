package twitter

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestSplitText(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		limit int
		want  []string
	}{
		{"empty", "  ", 10, nil},
		{"fits", "hello", 10, []string{"hello"}},
		{"exact", "0123456789", 10, []string{"0123456789"}},
		{"at space", "hello world again", 12, []string{"hello world", "again"}},
		{"at newline", "line one is here\nline two", 20, []string{"line one is here", "line two"}},
		{"no space", "abcdefghijkl", 5, []string{"abcde", "fghij", "kl"}},
		{"runes", "ééééé", 2, []string{"éé", "éé", "é"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, SplitText(tt.text, tt.limit)); diff != "" {
				t.Errorf("SplitText (-want +got):\n%s", diff)
			}
		})
	}
	long := strings.Repeat("word ", 4500) // 22,500 characters
	parts := SplitText(long, MaxTextLength)
	if len(parts) != 3 {
		t.Fatalf("got %d parts, want 3", len(parts))
	}
	for _, p := range parts {
		if n := utf8.RuneCountInString(p); n > MaxTextLength {
			t.Errorf("part of %d characters", n)
		}
	}
	if got := strings.Join(parts, " "); got != strings.TrimSpace(long) {
		t.Error("parts do not join back to the text")
	}
}

func TestAPIErrorClassification(t *testing.T) {
	now := time.Unix(1700000000, 0)
	h := func(kv ...string) http.Header {
		hd := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			hd.Set(kv[i], kv[i+1])
		}
		return hd
	}
	tests := []struct {
		name                            string
		status                          int
		header                          http.Header
		body                            string
		bearer                          bool
		code                            int
		retry, perm, limited, tokenGone bool
		reset                           time.Time
		appWide                         bool
		reason                          string
	}{
		{name: "349", status: 403, body: `{"errors":[{"code":349,"message":"You cannot send messages to this user."}]}`, code: 349, perm: true},
		{name: "150", status: 403, body: `{"errors":[{"code":150,"message":"not following"}]}`, code: 150, perm: true},
		{name: "89", status: 401, body: `{"errors":[{"code":89,"message":"Invalid or expired token."}]}`, code: 89, perm: true, tokenGone: true},
		{name: "500", status: 500, body: `oops`, retry: true},
		{name: "503 over capacity", status: 503, body: `{"errors":[{"code":130,"message":"Over capacity"}]}`, code: 130, retry: true},
		{name: "429 window", status: 429, header: h("X-Rate-Limit-Reset", "1700000900", "X-Rate-Limit-Remaining", "0"),
			body: `{"errors":[{"code":88,"message":"Rate limit exceeded"}]}`, code: 88, retry: true, limited: true, reset: time.Unix(1700000901, 0)},
		{name: "429 user day cap", status: 429, header: h("X-Rate-Limit-Reset", "1700000900", "X-User-Limit-24hour-Remaining", "0", "X-User-Limit-24hour-Reset", "1700050000"),
			retry: true, limited: true, reset: time.Unix(1700050000, 0)},
		{name: "429 app day cap", status: 429, header: h("X-Rate-Limit-Reset", "1700000900", "X-User-Limit-24hour-Remaining", "3", "X-App-Limit-24hour-Remaining", "0", "X-App-Limit-24hour-Reset", "1700060000"),
			retry: true, limited: true, reset: time.Unix(1700060000, 0), appWide: true},
		{name: "429 no headers", status: 429, retry: true, limited: true, reset: now.Add(time.Minute)},
		{name: "429 bearer", status: 429, bearer: true, header: h("X-Rate-Limit-Reset", "1700000900"), retry: true, limited: true, reset: time.Unix(1700000901, 0), appWide: true},
		{name: "v2 problem", status: 400, body: `{"title":"Invalid Request","detail":"CrcValidationFailed: Invalid response_token","type":"https://api.x.com/2/problems/invalid-request"}`,
			perm: true, reason: ReasonCRCValidationFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hd := tt.header
			if hd == nil {
				hd = http.Header{}
			}
			e := newAPIError("op", tt.status, hd, []byte(tt.body), now, tt.bearer)
			if e.Code != tt.code || e.Retryable() != tt.retry || e.Permanent() != tt.perm || e.RateLimited() != tt.limited ||
				e.TokenInvalid() != tt.tokenGone || !e.ResetAt.Equal(tt.reset) || e.AppWide != tt.appWide || e.Reason != tt.reason {
				t.Errorf("got %+v (retry %v perm %v limited %v token %v)", e, e.Retryable(), e.Permanent(), e.RateLimited(), e.TokenInvalid())
			}
			if e.Error() == "" {
				t.Error("empty message")
			}
		})
	}
}

func TestSecretsNotPrinted(t *testing.T) {
	cfg := Config{ConsumerKey: "ck", ConsumerSecret: "very-secret-cs", BearerToken: "very-secret-bearer"}
	tok := Token{Token: "123-very-secret-token", Secret: "very-secret-ts"}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{cfg.String(), fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg), fmt.Sprintf("%v %+v %#v", tok, tok, tok), fmt.Sprint(c)} {
		if strings.Contains(s, "very-secret") {
			t.Errorf("secret printed: %s", s)
		}
	}
}

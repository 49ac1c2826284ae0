package storage

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		name        string
		url         string
		wantDialect Dialect
		wantPath    string
		wantErr     string
	}{
		{name: "bare path is SQLite", url: "switchboard.db", wantDialect: SQLite, wantPath: "switchboard.db"},
		{name: "sqlite scheme", url: "sqlite:///var/lib/sb.db", wantDialect: SQLite, wantPath: "/var/lib/sb.db"},
		{name: "sqlite colon", url: "sqlite:data/sb.db", wantDialect: SQLite, wantPath: "data/sb.db"},
		{name: "file URI", url: "file:sb.db?mode=rwc", wantDialect: SQLite, wantPath: "sb.db"},
		{name: "postgres", url: "postgres://u:pw@localhost:5432/db", wantDialect: Postgres},
		{name: "postgresql", url: "postgresql://localhost/db", wantDialect: Postgres},
		{name: "empty", url: " ", wantErr: "empty database URL"},
		{name: "memory is refused", url: ":memory:", wantErr: "SQLite needs a file path"},
		{name: "unknown scheme", url: "mysql://localhost/db", wantErr: `unsupported database "mysql://"`},
		{name: "postgres without host", url: "postgres:///db", wantErr: "has no host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := ParseURL(tt.url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseURL(%q) error = %v, want it to contain %q", tt.url, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tt.url, err)
			}
			if loc.Dialect != tt.wantDialect || loc.Path != tt.wantPath {
				t.Errorf("ParseURL(%q) = %s %q, want %s %q", tt.url, loc.Dialect, loc.Path, tt.wantDialect, tt.wantPath)
			}
		})
	}
}

func TestParseURLRedactsPassword(t *testing.T) {
	loc, err := ParseURL("postgres://app:hunter2@db.internal:5432/sb")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(loc.Redacted, "hunter2") {
		t.Errorf("Redacted = %q shows the password", loc.Redacted)
	}
}

func TestSecretBox(t *testing.T) {
	key := make([]byte, 32)
	key[0] = 1
	box, err := newSecretBox(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := box.seal("consumer-secret", "twitter_applications.consumer_secret:1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "consumer-secret") {
		t.Fatalf("sealed value %q contains the plaintext", sealed)
	}
	got, err := box.open(sealed, "twitter_applications.consumer_secret:1")
	if err != nil || got != "consumer-secret" {
		t.Fatalf("open = %q, %v; want the plaintext back", got, err)
	}
	if _, err := box.open(sealed, "twitter_applications.consumer_secret:2"); err == nil {
		t.Error("a sealed value moved to another row opened; it must not")
	}
	other := make([]byte, 32)
	otherBox, _ := newSecretBox(other)
	if _, err := otherBox.open(sealed, "twitter_applications.consumer_secret:1"); err != errSecretKey {
		t.Errorf("open with another key = %v, want errSecretKey", err)
	}
	if _, err := newSecretBox(make([]byte, 16)); err == nil {
		t.Error("a 16-byte key was accepted; the key must be 32 bytes")
	}
}

// The multi-row conversation statements count their placeholders by
// conversationColumnCount: it must name every column of the list.
func TestConversationColumnCount(t *testing.T) {
	if n := len(strings.Split(conversationColumns, ",")); n != conversationColumnCount {
		t.Errorf("conversationColumns names %d columns, conversationColumnCount says %d", n, conversationColumnCount)
	}
	if n := len(conversationRow{}.values()); n != conversationColumnCount {
		t.Errorf("a conversation row has %d values, conversationColumnCount says %d", n, conversationColumnCount)
	}
}

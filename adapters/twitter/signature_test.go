package twitter

import "testing"

func TestCRCResponseVectors(t *testing.T) {
	// §3.5 of the reference.
	tests := []struct {
		name, secret, token, want string
	}{
		{"autohook json", "test", `{"test_number":1,"test_string":"two"}`, "sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI="},
		{"autohook query", "test", "test=1&other_test=2", "sha256=25Cu3iwbbiqBTwQRzcKJZwisjf736V2Q8UaTlkfLSoc="},
		{"devrel gist", "z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu", "9b4507b3-9040-4669-9ca3-6b94edb50553", "sha256=Cytd4Sq+NvEcV3MMrXxWJGJx5A+y/lXzzU2Maartkx8="},
		{"simple", "consumer-secret", "foo", "sha256=DcTy7IecOE1nIXA5KRcZ3lAsoNWL9GefbVQ+nWXIK0Q="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CRCResponse(tt.secret, tt.token); got != tt.want {
				t.Errorf("CRCResponse(%q, %q) = %q, want %q", tt.secret, tt.token, got, tt.want)
			}
		})
	}
}

func TestVerifySignature(t *testing.T) {
	const secret = "test"
	body := []byte(`{"test_number":1,"test_string":"two"}`)
	good := "sha256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI="
	tests := []struct {
		name   string
		secret string
		body   []byte
		header string
		want   bool
	}{
		{"good", secret, body, good, true},
		{"good with upper-case prefix", secret, body, "SHA256=YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI=", true},
		{"missing header", secret, body, "", false},
		{"prefix only", secret, body, "sha256=", false},
		{"no prefix", secret, body, "YWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI=", false},
		{"not base64", secret, body, "sha256=!!!", false},
		{"tampered body", secret, []byte(`{"test_number":2,"test_string":"two"}`), good, false},
		{"tampered signature", secret, body, "sha256=ZWHphPn/JFq43jkF0y4/w8R/SelmLjvpunhVFY8JhlI=", false},
		{"wrong secret", "other", body, good, false},
		{"empty secret", "", body, Sign("", body), false},
		{"truncated signature", secret, body, good[:20], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VerifySignature(tt.secret, tt.body, tt.header); got != tt.want {
				t.Errorf("VerifySignature = %v, want %v", got, tt.want)
			}
		})
	}
}

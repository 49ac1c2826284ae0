package twittertest

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestOAuthSignatureVectors checks the verifier against the reference's
// §10.4 vectors (Twitter's documented examples).
func TestOAuthSignatureVectors(t *testing.T) {
	tests := []struct {
		name, method, url, form           string
		oauth                             map[string]string
		consumerSecret, tokenSecret, want string
	}{
		{
			name: "request token", method: "POST", url: "https://api.twitter.com/oauth/request_token",
			oauth: map[string]string{"oauth_consumer_key": "cChZNFj6T5R0TigYB9yd1w", "oauth_callback": "http://localhost/sign-in-with-twitter/",
				"oauth_nonce": "ea9ec8429b68d6b77cd5600adbbb0456", "oauth_timestamp": "1318467427",
				"oauth_signature_method": "HMAC-SHA1", "oauth_version": "1.0"},
			consumerSecret: "L8qq9PZyRg6ieKGEKhZolGC0vJWLw8iEJ88DRdyOg", want: "F1Li3tvehgcraF8DMJ7OyxO4w9Y=",
		},
		{
			name: "access token", method: "POST", url: "https://api.twitter.com/oauth/access_token",
			oauth: map[string]string{"oauth_consumer_key": "cChZNFj6T5R0TigYB9yd1w", "oauth_token": "NPcudxy0yU5T3tBzho7iCotZ3cnetKwcTIRlX0iwRl0",
				"oauth_verifier": "uw7NjWHT6OJ1MpJOXsHfNxoAhPKpgI8BlYDhxEjIBY", "oauth_nonce": "a9900fe68e2573b27a37f10fbad6a755",
				"oauth_timestamp": "1318467427", "oauth_signature_method": "HMAC-SHA1", "oauth_version": "1.0"},
			consumerSecret: "L8qq9PZyRg6ieKGEKhZolGC0vJWLw8iEJ88DRdyOg", tokenSecret: "veNRnAWe6inFuo8o2u8SLLZLjolYDmDP7SzL0YfYI",
			want: "39cipBtIOHEEnybAR4sATQTpl2I=",
		},
		{
			name: "signed request with form body", method: "POST", url: "https://api.twitter.com/1/statuses/update.json?include_entities=true",
			form: "status=Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21",
			oauth: map[string]string{"oauth_consumer_key": "xvz1evFS4wEEPTGEFPHBog", "oauth_token": "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
				"oauth_nonce": "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", "oauth_timestamp": "1318622958",
				"oauth_signature_method": "HMAC-SHA1", "oauth_version": "1.0"},
			consumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw", tokenSecret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
			want: "tnnArxj06cWHq44gCs1OSKk/jLY=",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.url, strings.NewReader(tt.form))
			if tt.form != "" {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			params, _, err := signatureParams(r, tt.oauth)
			if err != nil {
				t.Fatal(err)
			}
			if got := oauthSignature(r, params, tt.consumerSecret, tt.tokenSecret); got != tt.want {
				t.Errorf("signature = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseOAuthHeader(t *testing.T) {
	p, err := parseOAuthHeader(`OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", oauth_nonce="kYjz%2BVBB", oauth_signature="tnnArxj06cWHq44gCs1OSKk%2FjLY%3D"`)
	if err != nil {
		t.Fatal(err)
	}
	if p["oauth_nonce"] != "kYjz+VBB" || p["oauth_signature"] != "tnnArxj06cWHq44gCs1OSKk/jLY=" {
		t.Errorf("parsed %v", p)
	}
	for _, bad := range []string{"", "Bearer x", "OAuth novalue", `OAuth a="%zz"`} {
		if _, err := parseOAuthHeader(bad); err == nil {
			t.Errorf("parseOAuthHeader(%q) accepted", bad)
		}
	}
}

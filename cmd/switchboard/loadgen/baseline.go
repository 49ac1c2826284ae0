package loadgen

import (
	"io"
	"net/http"

	"github.com/switchboardhq/switchboard/adapters/twitter"
)

// SignatureOnly is the baseline webhook: it reads a POST's body, verifies
// its signature with consumerSecret as the real webhook does, and answers
// 200, or 401 for a missing or wrong signature. It stores nothing, so the
// same deliveries against it measure what HTTP, signing and the load
// generator itself cost.
func SignatureOnly(consumerSecret string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		if !twitter.VerifySignature(consumerSecret, body, r.Header.Get(twitter.SignatureHeader)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, "200 OK")
	})
}

package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

const callerKeyKey = "api_key"

// authenticate requires a valid bearer token and remembers whose it is.
func (s *Server) authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		token, ok := bearerToken(c.GetHeader("Authorization"))
		if !ok {
			c.Header("WWW-Authenticate", `Bearer realm="switchboard"`)
			s.abort(c, http.StatusUnauthorized, "unauthenticated", "missing bearer token: send Authorization: Bearer <token>", nil)
			return
		}
		key, err := engine.Authenticate(c.Request.Context(), s.keys, token)
		if err != nil {
			c.Header("WWW-Authenticate", `Bearer realm="switchboard", error="invalid_token"`)
			s.writeError(c, err)
			return
		}
		c.Set(callerKeyKey, key)
		c.Next()
	}
}

// bearerToken reads "Bearer <token>" (the scheme is case-insensitive).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

func callerKey(c *gin.Context) engine.APIKey {
	v, _ := c.Get(callerKeyKey)
	key, _ := v.(engine.APIKey)
	return key
}

// actor is who the caller is, for the engine's audit log.
func actor(c *gin.Context) engine.Actor { return engine.ActorOf(callerKey(c)) }

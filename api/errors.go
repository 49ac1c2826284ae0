package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/switchboardhq/switchboard/engine"
)

// errorBody is the JSON shape of every error answer.
type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Details   []any  `json:"details"`
	RequestID string `json:"request_id,omitempty"`
}

// kindStatus is the one table from the engine's error kinds to HTTP.
var kindStatus = []struct {
	kind   error
	status int
	code   string
}{
	{engine.ErrInvalid, http.StatusBadRequest, "invalid_request"},
	{engine.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated"},
	{engine.ErrForbidden, http.StatusForbidden, "forbidden"},
	{engine.ErrNotFound, http.StatusNotFound, "not_found"},
	{engine.ErrConflict, http.StatusConflict, "conflict"},
	{engine.ErrUnavailable, http.StatusServiceUnavailable, "unavailable"},
}

// writeError answers with the status and body that err calls for, and logs
// the cause of anything unexpected.
func (s *Server) writeError(c *gin.Context, err error) {
	var maxBytes *http.MaxBytesError
	if errors.As(err, &maxBytes) {
		s.abort(c, http.StatusRequestEntityTooLarge, "too_large", "request body is larger than the limit", nil)
		return
	}
	var ruleErr *engine.RuleError
	if errors.As(err, &ruleErr) {
		s.abort(c, http.StatusUnprocessableEntity, "rule_invalid", ruleErr.Error(), ruleErrorDetails(ruleErr))
		return
	}
	var domain *engine.Error
	if errors.As(err, &domain) {
		for _, ks := range kindStatus {
			if errors.Is(domain.Kind, ks.kind) {
				details := make([]any, 0, len(domain.Details))
				for _, d := range domain.Details {
					details = append(details, d)
				}
				s.abort(c, ks.status, ks.code, domain.Message, details)
				return
			}
		}
	}
	s.log.LogAttrs(c.Request.Context(), slog.LevelError, "request failed",
		slog.String("request_id", requestID(c)), slog.String("route", c.FullPath()), slog.String("error", err.Error()))
	s.abort(c, http.StatusInternalServerError, "internal", "internal error; quote the request id when reporting it", nil)
}

// abort writes an error body and stops the handler chain.
func (s *Server) abort(c *gin.Context, status int, code, message string, details []any) {
	if details == nil {
		details = []any{}
	}
	c.AbortWithStatusJSON(status, errorBody{Error: errorPayload{Code: code, Message: message, Details: details, RequestID: requestID(c)}})
}

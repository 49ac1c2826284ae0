package engine

import (
	"errors"
	"fmt"
)

// Error kinds. Callers match them with errors.Is; every *Error unwraps to its
// kind, and the API maps each kind to one HTTP status.
var (
	// ErrInvalid: the request is malformed or breaks a rule of the domain.
	ErrInvalid = errors.New("invalid")
	// ErrNotFound: the named resource does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the request clashes with the current state (a duplicate
	// name, deleting what is in use, a state move that is not allowed).
	ErrConflict = errors.New("conflict")
	// ErrUnauthenticated: no credentials, or credentials that match no key.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: valid credentials without the right to do this.
	ErrForbidden = errors.New("forbidden")
	// ErrUnavailable: a dependency (the database, a channel) cannot be reached now.
	ErrUnavailable = errors.New("unavailable")
)

// Detail points at one problem inside a request, such as a field.
type Detail struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Error is a domain error: a kind, a message meant for the user of the API,
// and optional details. Cause, when set, is for logs only.
type Error struct {
	Kind    error
	Message string
	Details []Detail
	Cause   error
}

// Error returns the user-facing message.
func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Message + ": " + e.Cause.Error()
	}
	return e.Message
}

// Unwrap lets errors.Is match both the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Cause != nil {
		return []error{e.Kind, e.Cause}
	}
	return []error{e.Kind}
}

// Errorf builds an *Error of the given kind with a formatted message.
func Errorf(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// FieldError builds an ErrInvalid error that names the offending field.
func FieldError(field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Kind: ErrInvalid, Message: field + ": " + msg, Details: []Detail{{Field: field, Message: msg}}}
}

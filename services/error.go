package services

import (
	"errors"
	"fmt"
)

// Code classifies an Error; the API maps each to one HTTP status.
type Code string

const (
	Invalid            Code = "invalid"             // malformed or failing validation
	Unauthenticated    Code = "unauthenticated"     // no valid credentials
	Forbidden          Code = "forbidden"           // not allowed to act
	NotFound           Code = "not_found"           // no such resource (or not visible)
	Conflict           Code = "conflict"            // clashes with current state
	PreconditionFailed Code = "precondition_failed" // stale version
	Unprocessable      Code = "unprocessable"       // well-formed but unacceptable
	TooLarge           Code = "too_large"           // body over the limit
	UnsupportedMedia   Code = "unsupported_media"   // wrong Content-Type
	RateLimited        Code = "rate_limited"        // slow down
	Unavailable        Code = "unavailable"         // a dependency is down
)

// Error is a failure the caller can act on. Its Message is safe to show to
// the caller; anything else (wrapped causes) stays in the logs.
type Error struct {
	Code    Code
	Message string
	// Fields names the invalid input fields and why, when Code is Invalid.
	Fields map[string]string
	// Err is the underlying cause, for logs only.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first Error in err's chain, or "" for an
// unexpected error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

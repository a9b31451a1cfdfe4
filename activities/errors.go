package activities

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/xentri/xentri/services"
)

// Final maps a domain error to Temporal's retry semantics, in this one
// place: a services.Error that no retry can mend (invalid input, a
// permission refused, something gone) becomes a non-retryable application
// error of the matching type; anything else (a database or network
// failure) stays retryable under the activity's policy. Services thus know
// nothing of Temporal.
func Final(err error) error { return finalAs(err, nil) }

// finalAs is Final with some types renamed for one activity (its workflow
// tells "the lead is gone" from other not-founds, say).
func finalAs(err error, rename map[string]string) error {
	if err == nil {
		return nil
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return err // already decided
	}
	var kind string
	switch services.ErrorCode(err) {
	case services.Invalid, services.Unprocessable, services.TooLarge, services.UnsupportedMedia:
		kind = ErrInvalidInput
	case services.Forbidden, services.Unauthenticated:
		kind = ErrForbidden
	case services.NotFound:
		kind = ErrNotFound
	default:
		return err
	}
	if to, ok := rename[kind]; ok {
		kind = to
	}
	return temporal.NewNonRetryableApplicationError(err.Error(), kind, err)
}

package activities

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/brief/extract"
)

// TestEngineErrorsMapToRetrySemantics: a final engine error is not retried,
// a rate limit waits as long as the endpoint asked, a domain error is as
// Final makes it, and anything else stays retryable under the policy.
func TestEngineErrorsMapToRetrySemantics(t *testing.T) {
	final := engineError(fmt.Errorf("openai: 401: %w", extract.ErrFinal))
	var appErr *temporal.ApplicationError
	if !errors.As(final, &appErr) || !appErr.NonRetryable() || appErr.Type() != ErrExtractionFailed {
		t.Fatalf("a final engine error = %v, want non-retryable %s", final, ErrExtractionFailed)
	}

	limited := engineError(fmt.Errorf("extract: %w", &extract.RateLimitedError{RetryAfter: 7 * time.Second, Err: errors.New("429")}))
	if !errors.As(limited, &appErr) || appErr.NonRetryable() || appErr.NextRetryDelay() != 7*time.Second {
		t.Fatalf("a rate limit = %v, want retryable after 7s", limited)
	}
	unsaid := engineError(&extract.RateLimitedError{Err: errors.New("429")})
	if errors.As(unsaid, &appErr) {
		t.Fatalf("a rate limit without Retry-After = %v, want the policy's backoff", unsaid)
	}

	invalid := engineError(services.Errorf(services.Invalid, "no such session"))
	if !errors.As(invalid, &appErr) || !appErr.NonRetryable() || appErr.Type() != ErrInvalidInput {
		t.Fatalf("a domain error = %v, want non-retryable %s", invalid, ErrInvalidInput)
	}
	if plain := engineError(errors.New("connection reset")); errors.As(plain, &appErr) {
		t.Fatalf("a network error = %v, want it left to the retry policy", plain)
	}
	if engineError(nil) != nil {
		t.Fatal("nil became an error")
	}
}

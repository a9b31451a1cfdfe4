package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Application error types activities return for final failures: Temporal
// does not retry them, whatever the policy.
const (
	ErrInvalidInput = "InvalidInput"     // the input can never succeed
	ErrForbidden    = "PermissionDenied" // the org or token may not do this
	ErrNotFound     = "NotFound"         // what the activity works on is gone
	ErrLeadGone     = "LeadGone"         // the lead was deleted
)

// final lists the error types no policy retries: a fresh slice each call,
// so one caller's append never reaches another's policy.
func final() []string {
	return []string{ErrInvalidInput, ErrForbidden, ErrNotFound, ErrLeadGone}
}

// The named activity options, one per kind of dependency. A workflow picks
// the one that matches what its activity talks to:
//
//	ctx = workflow.WithActivityOptions(ctx, activities.DatabaseOptions())
//
// Each call returns fresh options with a retry policy of their own: the
// policy is a pointer, so a shared one changed by one workflow would change
// every workflow's retries.
//
// Long activities (object storage transfers, LLM calls) must heartbeat
// (KeepAlive) within HeartbeatTimeout, so a worker that died mid-call is
// noticed in seconds rather than at the end of StartToCloseTimeout.

// DatabaseOptions: Postgres only. Quick; retried for a few minutes, which
// rides out a failover or a restart.
func DatabaseOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			MaximumAttempts: 10, NonRetryableErrorTypes: final(),
		},
	}
}

// ObjectStorageOptions: S3 reads and writes (site builds, uploads).
func ObjectStorageOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		HeartbeatTimeout:    30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: 2 * time.Minute,
			MaximumAttempts: 8, NonRetryableErrorTypes: final(),
		},
	}
}

// HTTPOptions: outbound HTTP to third parties (n8n, webhooks, DNS and
// hosting APIs), which may be down for a while: retried for about an hour
// with a capped backoff.
func HTTPOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute,
			MaximumAttempts: 12, NonRetryableErrorTypes: final(),
		},
	}
}

// LLMOptions: a hosted model's completion. Slow and rate-limited: heartbeats
// while the answer streams, few attempts, long pauses (a 429 is worth
// waiting out, not hammering).
func LLMOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 3 * time.Minute,
		HeartbeatTimeout:    20 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: 10 * time.Second, BackoffCoefficient: 3, MaximumInterval: 5 * time.Minute,
			MaximumAttempts: 5, NonRetryableErrorTypes: final(),
		},
	}
}

// LocalDatabaseOptions: a short local activity (Postgres and in-process
// work, such as a co-pilot turn with the rules engine), run inside the
// workflow task so it costs no activity task round trip; retried like
// DatabaseOptions.
func LocalDatabaseOptions() workflow.LocalActivityOptions {
	return workflow.LocalActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			MaximumAttempts: 10, NonRetryableErrorTypes: final(),
		},
	}
}

// KeepAlive heartbeats every interval until the returned stop is called
// (or ctx ends), for a long activity blocked in one call, such as an
// upload or a model's answer. Call stop before returning.
func KeepAlive(ctx context.Context, every time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

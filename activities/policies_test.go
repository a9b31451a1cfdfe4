package activities_test

import (
	"context"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/xentri/xentri/activities"
)

// TestEveryPolicyIsBoundedAndKeepsFinalErrorsFinal: each named option has a
// timeout and a retry limit, never retries validation, permission or
// not-found errors, and the long kinds ask for heartbeats.
func TestEveryPolicyIsBoundedAndKeepsFinalErrorsFinal(t *testing.T) {
	for name, o := range map[string]workflow.ActivityOptions{
		"database": activities.DatabaseOptions(), "object storage": activities.ObjectStorageOptions(),
		"http": activities.HTTPOptions(), "llm": activities.LLMOptions(),
	} {
		if o.StartToCloseTimeout <= 0 || o.RetryPolicy == nil || o.RetryPolicy.MaximumAttempts <= 0 || o.RetryPolicy.MaximumInterval <= 0 {
			t.Errorf("%s: unbounded %+v", name, o)
			continue
		}
		for _, final := range []string{activities.ErrInvalidInput, activities.ErrForbidden, activities.ErrNotFound} {
			if !slices.Contains(o.RetryPolicy.NonRetryableErrorTypes, final) {
				t.Errorf("%s retries %s", name, final)
			}
		}
	}
	for name, o := range map[string]workflow.ActivityOptions{"object storage": activities.ObjectStorageOptions(), "llm": activities.LLMOptions()} {
		if o.HeartbeatTimeout <= 0 || o.HeartbeatTimeout >= o.StartToCloseTimeout {
			t.Errorf("%s: heartbeat timeout %s, want one shorter than %s", name, o.HeartbeatTimeout, o.StartToCloseTimeout)
		}
	}
}

// TestEveryPolicyIsFreshEachCall: what one workflow does to the options it
// got (more attempts, another final error type) reaches no other call, of
// the same kind or another: each call has its own policy and its own list.
func TestEveryPolicyIsFreshEachCall(t *testing.T) {
	t.Parallel()
	kinds := map[string]func() workflow.ActivityOptions{
		"database": activities.DatabaseOptions, "object storage": activities.ObjectStorageOptions,
		"http": activities.HTTPOptions, "llm": activities.LLMOptions,
	}
	want := map[string]temporal.RetryPolicy{}
	for name, options := range kinds {
		p := *options().RetryPolicy
		p.NonRetryableErrorTypes = slices.Clone(p.NonRetryableErrorTypes)
		want[name] = p
	}
	for name, options := range kinds {
		o := options()
		o.RetryPolicy.MaximumAttempts = 1000
		o.RetryPolicy.NonRetryableErrorTypes[0] = "Retried"
		o.RetryPolicy.NonRetryableErrorTypes = append(o.RetryPolicy.NonRetryableErrorTypes, "Extra")
		for other, options := range kinds {
			if got := *options().RetryPolicy; !reflect.DeepEqual(got, want[other]) {
				t.Errorf("after a change to what %s returned, %s returns %+v, want %+v", name, other, got, want[other])
			}
		}
	}
}

// TestDependencyNamesAreFreshEachCall: the Diagnostics workflow reads the
// list; a caller's change to the one it got must not reach it.
func TestDependencyNamesAreFreshEachCall(t *testing.T) {
	t.Parallel()
	want := slices.Clone(activities.DependencyNames())
	got := activities.DependencyNames()
	got[0] = "mutated"
	if again := activities.DependencyNames(); !slices.Equal(again, want) {
		t.Fatalf("after a change to one call's list, the next returns %v, want %v", again, want)
	}
}

// slowCall stands for an upload or a model's answer: one long blocking call,
// kept alive by KeepAlive.
func slowCall(ctx context.Context) error {
	stop := activities.KeepAlive(ctx, 50*time.Millisecond)
	defer stop()
	time.Sleep(3 * time.Second)
	return nil
}

func callSlowly(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute, HeartbeatTimeout: time.Second,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	return workflow.ExecuteActivity(ctx, slowCall).Get(ctx, nil)
}

// TestKeepAliveHeartbeatsUntilStopped: a call blocking three times longer
// than the heartbeat timeout is not timed out, because KeepAlive heartbeats
// for it (without, the activity fails with a heartbeat timeout).
func TestKeepAliveHeartbeatsUntilStopped(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(slowCall)
	var beats atomic.Int32
	env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) { beats.Add(1) })
	env.ExecuteWorkflow(callSlowly)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("the activity: %v", err)
	}
	if beats.Load() == 0 {
		t.Fatal("no heartbeat reached Temporal")
	}
}

package workflows_test

import (
	"context"
	"errors"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/workflows"
)

func TestDiagnosticsReportsEachCheck(t *testing.T) {
	t.Parallel()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	a := &activities.Diagnostics{Pings: map[string]func(context.Context) error{
		"postgres":       func(context.Context) error { return nil },
		"redis":          func(context.Context) error { return errors.New("connection refused") },
		"object_storage": func(context.Context) error { return nil },
	}}
	env.RegisterActivity(a)
	env.ExecuteWorkflow(workflows.Diagnostics, workflows.DiagnosticsInput{})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res workflows.DiagnosticsResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"postgres": "ok", "redis": "connection refused", "object_storage": "ok"}
	for k, v := range want {
		if res.Checks[k] != v {
			t.Errorf("check %s = %q, want %q", k, res.Checks[k], v)
		}
	}
}

func TestDiagnosticsRefusesAnUnknownCheckWithoutRetrying(t *testing.T) {
	t.Parallel()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(&activities.Diagnostics{})
	env.ExecuteWorkflow(workflows.Diagnostics, workflows.DiagnosticsInput{Checks: []string{"postgres", "mainframe"}})
	err := env.GetWorkflowError()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != "InvalidInput" || !appErr.NonRetryable() {
		t.Fatalf("got %v, want a non-retryable InvalidInput error", err)
	}
}

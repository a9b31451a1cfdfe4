package main

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/internal/testenv"
)

// resetProbe greets twice through an activity, so that its history has
// three completed workflow tasks to reset to, and a result that shows
// whether a new run redid the work the same way.
func resetProbe(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	for range 2 {
		if err := workflow.ExecuteActivity(ctx, greet, name).Get(ctx, &name); err != nil {
			return "", err
		}
	}
	return name, nil
}

func greet(_ context.Context, name string) (string, error) { return "hello " + name, nil }

// TestWorkflowsShowAndReset runs a workflow on a real worker, shows it,
// resets it, and checks that the new run carries on from the reset point to
// the same result; mistakes are one line on stderr and exit 1.
func TestWorkflowsShowAndReset(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	addr := testenv.Temporal(t)
	c, err := itemporal.Dial(ctx, addr, "default", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A task queue of the test's own, so no other worker picks up its tasks.
	queue := "test-workflows-" + uuid.NewString()
	w := sdkworker.New(c, queue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(resetProbe, workflow.RegisterOptions{Name: "ResetProbe"})
	w.RegisterActivity(greet)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	id := "test-reset/" + uuid.NewString()
	wf, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: queue,
		TypedSearchAttributes: itemporal.Attributes(itemporal.PlatformOrg, "system", "test")}, "ResetProbe", "xentri")
	if err != nil {
		t.Fatal(err)
	}
	var result string
	if err := wf.Get(ctx, &result); err != nil || result != "hello hello xentri" {
		t.Fatalf("the first run: %q, %v", result, err)
	}
	// The completed workflow tasks, read without the code under test.
	var completed []string
	for it := c.GetWorkflowHistory(ctx, id, wf.GetRunID(), false, 0); it.HasNext(); {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
			completed = append(completed, strconv.FormatInt(e.GetEventId(), 10))
		}
	}
	if len(completed) != 3 {
		t.Fatalf("WorkflowTaskCompleted events %v, want 3", completed)
	}

	env := map[string]string{"TEMPORAL_ADDRESS": addr, "XENTRI_TEMPORAL_UI_URL": "http://temporal-ui.test"}

	// show: the run, its search attributes and every completed task.
	code, out, errOut := xentriCLI(env, "workflows", "show", "--workflow-id", id)
	if code != 0 {
		t.Fatalf("show exited %d: %s", code, errOut)
	}
	t.Logf("xentri workflows show:\n%s", out)
	for _, want := range []string{wf.GetRunID(), "ResetProbe", "Completed", queue} {
		if !strings.Contains(out, want) {
			t.Errorf("show does not say %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?m)^\s+XentriOrgId\s+` + itemporal.PlatformOrg + `$`).MatchString(out) {
		t.Errorf("show does not list XentriOrgId:\n%s", out)
	}
	for _, ev := range completed {
		if !regexp.MustCompile(`(?m)^\s+` + ev + `\s+WorkflowTaskCompleted\s`).MatchString(out) {
			t.Errorf("show does not list WorkflowTaskCompleted %s:\n%s", ev, out)
		}
	}
	for ev, label := range map[string]string{completed[0]: "first-workflow-task", completed[2]: "last-workflow-task"} {
		if !regexp.MustCompile(`(?m)^\s+` + ev + `\s+WorkflowTaskCompleted\s.*\s` + label + `$`).MatchString(out) {
			t.Errorf("show does not label event %s %s:\n%s", ev, label, out)
		}
	}

	// --dry-run names the point and leaves the workflow alone.
	code, out, errOut = xentriCLI(env, "workflows", "reset", "--workflow-id", id, "--to", "first-workflow-task", "--dry-run")
	if code != 0 || !strings.Contains(out, "to event "+completed[0]+" ") {
		t.Fatalf("dry run exited %d: %s%s", code, out, errOut)
	}
	t.Logf("xentri workflows reset --dry-run:\n%s", out)
	if d, err := c.DescribeWorkflow(ctx, id, ""); err != nil || d.WorkflowExecution.RunID != wf.GetRunID() {
		t.Fatalf("after a dry run the latest run is %v (%v), want %s", d, err, wf.GetRunID())
	}

	// reset (to the last workflow task): a new run that completes the same way.
	code, out, errOut = xentriCLI(env, "workflows", "reset", "--workflow-id", id, "--reason", "test")
	if code != 0 {
		t.Fatalf("reset exited %d: %s", code, errOut)
	}
	t.Logf("xentri workflows reset:\n%s", out)
	m := regexp.MustCompile(`new run id: (\S+)`).FindStringSubmatch(out)
	if m == nil || m[1] == wf.GetRunID() {
		t.Fatalf("reset printed no new run id:\n%s", out)
	}
	newRun := m[1]
	if link := "http://temporal-ui.test/namespaces/default/workflows/" + url.PathEscape(id) + "/" + newRun; !strings.Contains(out, link) {
		t.Errorf("reset printed no link %s:\n%s", link, out)
	}
	var again string
	if err := c.GetWorkflow(ctx, id, newRun).Get(ctx, &again); err != nil || again != result {
		t.Fatalf("the reset run: %q, %v; want %q", again, err, result)
	}
	// The new run's history is the old one's up to the last completed task,
	// which it replaces with the reset, recorded with the reason.
	var reset bool
	for it := c.GetWorkflowHistory(ctx, id, newRun, false, 0); it.HasNext(); {
		e, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := e.GetWorkflowTaskFailedEventAttributes(); a.GetCause() == enumspb.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW {
			reset = strconv.FormatInt(e.GetEventId(), 10) == completed[2] && a.GetBaseRunId() == wf.GetRunID() &&
				a.GetNewRunId() == newRun && a.GetFailure().GetMessage() == "test"
		}
	}
	if !reset {
		t.Errorf("the new run's history has no reset at event %s from run %s", completed[2], wf.GetRunID())
	}

	// The old run, shown, says where its history went on.
	code, out, errOut = xentriCLI(env, "workflows", "show", "--workflow-id", id, "--run-id", wf.GetRunID())
	if code != 0 || !regexp.MustCompile(`(?m)^reset to run\s+`+newRun+`$`).MatchString(out) {
		t.Errorf("show of the old run exited %d, does not name the new run %s:\n%s%s", code, newRun, out, errOut)
	}

	// Mistakes: one line on stderr, exit 1.
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"reset", "--workflow-id", id, "--run-id", wf.GetRunID(), "--to", "999", "--reason", "test"},
			[]string{"--to 999", strings.Join(completed, ", ")}},
		{[]string{"reset", "--workflow-id", id, "--run-id", wf.GetRunID(), "--to", "yesterday", "--reason", "test"},
			[]string{"--to", "last-workflow-task"}},
		{[]string{"reset", "--workflow-id", id}, []string{"--reason is required"}},
		{[]string{"reset", "--workflow-id", "no-such-workflow", "--reason", "test"}, []string{`no workflow "no-such-workflow"`}},
		{[]string{"show", "--workflow-id", "no-such-workflow"}, []string{`no workflow "no-such-workflow"`}},
	} {
		code, out, errOut := xentriCLI(env, append([]string{"workflows"}, tc.args...)...)
		t.Logf("%v: %s", tc.args, errOut)
		line := strings.TrimSuffix(errOut, "\n")
		if code != 1 || out != "" || strings.Contains(line, "\n") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 1, nothing, one line", tc.args, code, out, errOut)
		}
		for _, want := range tc.want {
			if !strings.Contains(line, want) {
				t.Errorf("%v: %q does not say %q", tc.args, line, want)
			}
		}
	}
}

// xentriCLI runs the command line with env as its whole environment, and
// returns its exit code and what it wrote to stdout and stderr.
func xentriCLI(env map[string]string, args ...string) (int, string, string) {
	stdout, stderr := &testenv.Buffer{}, &testenv.Buffer{}
	code := run(context.Background(), args, func(k string) string { return env[k] }, stdout, stderr)
	return code, stdout.String(), stderr.String()
}

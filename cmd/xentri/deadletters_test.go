package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"

	"github.com/xentri/xentri/internal/cache"
	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/ops"
	"github.com/xentri/xentri/workflows"
)

// TestAFailedWorkflowLeavesOneDeadLetterThatRedriveCompletes: a workflow
// that fails for good leaves exactly one dead letter (row, event); re-drive
// with a fixed input starts a new run that completes.
func TestAFailedWorkflowLeavesOneDeadLetterThatRedriveCompletes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole stack")
	}
	env := devEnv(t, t.TempDir())
	env["TEMPORAL_ADDRESS"] = testenv.Temporal(t)
	env["XENTRI_OPERATOR_TOKEN"] = "operator-token-of-the-dead-letters-test"
	env["XENTRI_TEMPORAL_UI_URL"] = "http://127.0.0.1:8233"
	run := startDev(t, env)
	token, org := run.signUp(t, "ops@example.test")
	auth := map[string]string{"Authorization": "Bearer " + token, "X-Org-Id": org}

	c, err := itemporal.Dial(context.Background(), env["TEMPORAL_ADDRESS"], "default", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	id := fail(t, c, "test-failing/"+org, org)

	var letters []ops.DeadLetter
	for start := time.Now(); time.Since(start) < 10*time.Second && len(letters) == 0; time.Sleep(100 * time.Millisecond) {
		letters, _ = tryData[[]ops.DeadLetter](call(t, "GET", run.url("/api/v1/ops/dead-letters"), "", auth))
	}
	if len(letters) != 1 {
		t.Fatalf("%d dead letters, want 1", len(letters))
	}
	letter := letters[0]
	if letter.ID == uuid.Nil || letter.WorkflowID != id || letter.FailureType != "InvalidInput" || !strings.Contains(letter.FailureMessage, "mainframe") {
		t.Fatalf("dead letter = %+v", letter)
	}

	// Announced too: xentri.workflow.failed.v1 on xentri:dlq.
	rdb, _ := cache.Connect(env["REDIS_URL"])
	defer rdb.Close()
	entries, _ := rdb.XRange(context.Background(), "xentri:dlq", "-", "+").Result()
	if len(entries) != 1 || entries[0].Values["type"] != "xentri.workflow.failed.v1" {
		t.Errorf("xentri:dlq holds %v", entries)
	}

	redrive := run.url("/api/v1/ops/dead-letters/" + letter.ID.String() + "/redrive")
	res := call(t, "POST", redrive, `{"input":[{"checks":["postgres"]}]}`, auth)
	redrivenLetter, _ := tryData[ops.DeadLetter](res)
	if res.status != http.StatusAccepted || redrivenLetter.Status != "redriven" || redrivenLetter.RedriveRunID == nil {
		t.Fatalf("redrive: %d %s", res.status, res.raw)
	}
	if link := redrivenLetter.TemporalUIURL; !strings.HasPrefix(link, "http://127.0.0.1:8233/namespaces/default/workflows/test-failing%2F") {
		t.Errorf("the redrive answer links %q, not the workflow in Temporal UI", link)
	}
	var out workflows.DiagnosticsResult
	if err := c.GetWorkflow(context.Background(), id, *redrivenLetter.RedriveRunID).Get(context.Background(), &out); err != nil || out.Checks["postgres"] != "ok" {
		t.Fatalf("the re-driven run: %+v, %v", out, err)
	}
	// xentri replay of the real runs passes with this code.
	out2 := &testenv.Buffer{}
	if code := run2(t, []string{"replay", "--workflow-id", id}, map[string]string{"TEMPORAL_ADDRESS": env["TEMPORAL_ADDRESS"]}, out2); code != 0 || !strings.Contains(out2.String(), "deterministic") {
		t.Errorf("xentri replay exited %d: %s", code, out2)
	}
	if res := call(t, "POST", redrive, ``, auth); res.status != http.StatusConflict {
		t.Errorf("a second redrive: %d, want 409", res.status)
	}
	if open := decodeData[[]ops.DeadLetter](t, call(t, "GET", run.url("/api/v1/ops/dead-letters?status=open"), "", auth)); len(open) != 0 {
		t.Errorf("%d open dead letters after the redrive", len(open))
	}

	// The platform operator sees it across orgs, by API and by xentri dlq.
	operator := map[string]string{"Authorization": "Bearer " + env["XENTRI_OPERATOR_TOKEN"]}
	all := call(t, "GET", run.url("/api/v1/system/dead-letters?org_id="+org), "", operator)
	if rows, _ := tryData[[]ops.DeadLetter](all); all.status != http.StatusOK || len(rows) != 1 || rows[0].Status != "redriven" {
		t.Fatalf("operator list: %d %s", all.status, all.raw)
	}
	if res := call(t, "GET", run.url("/api/v1/system/dead-letters?status=bogus"), "", operator); res.status != http.StatusBadRequest {
		t.Errorf("an unknown status: %d, want 400", res.status)
	}
	if res := call(t, "GET", run.url("/api/v1/system/dead-letters"), "", auth); res.status != http.StatusUnauthorized {
		t.Errorf("an org owner's token on the operator view: %d, want 401", res.status)
	}
	cli := map[string]string{"TEMPORAL_ADDRESS": env["TEMPORAL_ADDRESS"], "DATABASE_URL": env["DATABASE_URL"]}
	second := fail(t, c, "test-failing-2/"+org, org)
	var listed []ops.DeadLetter
	for start := time.Now(); time.Since(start) < 10*time.Second && len(listed) == 0; time.Sleep(100 * time.Millisecond) {
		out := &testenv.Buffer{}
		if code := run2(t, []string{"dlq", "list", "--org", org, "--json"}, cli, out); code != 0 {
			t.Fatalf("xentri dlq list exited %d: %s", code, out)
		}
		_ = json.Unmarshal([]byte(out.String()), &listed)
	}
	if len(listed) != 1 || listed[0].ID == uuid.Nil || listed[0].WorkflowID != second {
		t.Fatalf("xentri dlq list = %+v, want the one open letter of %s", listed, second)
	}
	letterID := listed[0].ID.String()
	shown := &testenv.Buffer{}
	if code := run2(t, []string{"dlq", "show", letterID}, cli, shown); code != 0 || !strings.Contains(shown.String(), "mainframe") {
		t.Errorf("xentri dlq show exited %d: %s", code, shown)
	}
	redriven := &testenv.Buffer{}
	if code := run2(t, []string{"dlq", "redrive", letterID, "--input", `[{"checks":["redis"]}]`}, cli, redriven); code != 0 || !strings.Contains(redriven.String(), "new run") {
		t.Fatalf("xentri dlq redrive exited %d: %s", code, redriven)
	}
	var res2 workflows.DiagnosticsResult
	if err := c.GetWorkflow(context.Background(), second, "").Get(context.Background(), &res2); err != nil || res2.Checks["redis"] != "ok" {
		t.Fatalf("the run re-driven by xentri dlq: %+v, %v", res2, err)
	}
	if desc, err := c.DescribeWorkflow(context.Background(), second, ""); err != nil {
		t.Fatal(err)
	} else if kind, _ := desc.TypedSearchAttributes.GetKeyword(itemporal.Kind); kind != "org" {
		t.Errorf("the re-driven run's XentriKind = %q, want the failed run's", kind)
	}
	if code := run2(t, []string{"dlq", "discard", letterID}, cli, &testenv.Buffer{}); code != 1 {
		t.Errorf("discarding a re-driven letter exited %d, want 1", code)
	}
	// A letter nobody will re-drive is discarded: by xentri dlq, then by the
	// operator's API; the operator's show follows each.
	third := letterOf(t, run, operator, org, fail(t, c, "test-failing-3/"+org, org))
	if res := call(t, "GET", run.url("/api/v1/system/dead-letters/"+third), "", operator); res.status != http.StatusOK ||
		letterIn(res).Status != "open" || !strings.Contains(letterIn(res).FailureMessage, "mainframe") {
		t.Fatalf("operator show: %d %s", res.status, res.raw)
	}
	discarded := &testenv.Buffer{}
	if code := run2(t, []string{"dlq", "discard", third}, cli, discarded); code != 0 || !strings.Contains(discarded.String(), "discarded") {
		t.Fatalf("xentri dlq discard exited %d: %s", code, discarded)
	}
	if res := call(t, "GET", run.url("/api/v1/system/dead-letters/"+third), "", operator); res.status != http.StatusOK || letterIn(res).Status != "discarded" {
		t.Errorf("operator show after xentri dlq discard: %d %s", res.status, res.raw)
	}
	if res := call(t, "POST", run.url("/api/v1/system/dead-letters/"+third+"/redrive"), "", operator); res.status != http.StatusConflict {
		t.Errorf("re-driving a discarded letter: %d %s, want 409", res.status, res.raw)
	}
	fourth := letterOf(t, run, operator, org, fail(t, c, "test-failing-4/"+org, org))
	if res := call(t, "POST", run.url("/api/v1/system/dead-letters/"+fourth+"/discard"), "", operator); res.status != http.StatusOK || letterIn(res).Status != "discarded" {
		t.Fatalf("operator discard: %d %s", res.status, res.raw)
	}
	if res := call(t, "GET", run.url("/api/v1/system/dead-letters/"+uuid.NewString()), "", operator); res.status != http.StatusNotFound {
		t.Errorf("operator show of an unknown letter: %d, want 404", res.status)
	}
}

// letterIn is the dead letter an answer holds, or the zero one when it
// holds none.
func letterIn(r apiResult) ops.DeadLetter {
	l, _ := tryData[ops.DeadLetter](r)
	return l
}

// letterOf waits for the dead letter of workflowID to reach the operator's
// list of org and returns its id.
func letterOf(t *testing.T, run *devRun, operator map[string]string, org, workflowID string) string {
	t.Helper()
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(100 * time.Millisecond) {
		rows, _ := tryData[[]ops.DeadLetter](call(t, "GET", run.url("/api/v1/system/dead-letters?org_id="+org), "", operator))
		for _, r := range rows {
			if r.WorkflowID == workflowID {
				if r.ID == uuid.Nil {
					t.Fatalf("the dead letter of %s has no id", workflowID)
				}
				return r.ID.String()
			}
		}
	}
	t.Fatalf("no dead letter of %s reached the operator's list", workflowID)
	return ""
}

// fail runs a Diagnostics workflow of org that fails for good (an unknown
// check) and returns its id.
func fail(t *testing.T, c client.Client, id, org string) string {
	t.Helper()
	wf, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: id, TaskQueue: "xentri",
		TypedSearchAttributes: itemporal.Attributes(org, "org", org)},
		workflows.Diagnostics, workflows.DiagnosticsInput{Checks: []string{"mainframe"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := wf.Get(context.Background(), nil); err == nil {
		t.Fatalf("%s did not fail", id)
	}
	return id
}

// run2 runs the xentri command line with env as its whole environment.
func run2(t *testing.T, args []string, env map[string]string, stdout *testenv.Buffer) int {
	t.Helper()
	return run(context.Background(), args, func(k string) string { return env[k] }, stdout, &testenv.Buffer{})
}

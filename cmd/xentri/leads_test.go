package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	enumspb "go.temporal.io/api/enums/v1"

	itemporal "github.com/xentri/xentri/internal/temporal"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/workflows"
)

// TestALeadGetsItsFollowUps: creating a lead starts lead-followup/{id},
// findable by org and lead; marking the lead won ends it.
func TestALeadGetsItsFollowUps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole stack")
	}
	env := devEnv(t, t.TempDir())
	env["TEMPORAL_ADDRESS"] = testenv.Temporal(t)
	env["XENTRI_TEMPORAL_UI_URL"] = "http://127.0.0.1:8233"
	run := startDev(t, env)

	res := call(t, "POST", run.url("/api/v1/auth/signup"), `{"email":"sales@example.test","password":"correct horse battery"}`, nil)
	d := res.data()
	token := d["session"].(map[string]any)["access_token"].(string)
	org := d["org"].(map[string]any)["id"].(string)
	auth := map[string]string{"Authorization": "Bearer " + token, "X-Org-Id": org}

	res = call(t, "POST", run.url("/api/v1/leads"), `{"name":"Grace","email":"grace@example.test"}`, auth)
	if res.status != http.StatusCreated {
		t.Fatalf("create lead: %d %s", res.status, res.raw)
	}
	lead := res.data()
	wf, _ := lead["followup_workflow"].(map[string]any)
	if wf == nil || wf["id"] != "lead-followup/"+lead["id"].(string) || !strings.Contains(wf["temporal_ui_url"].(string), "/workflows/lead-followup%2F") {
		t.Fatalf("the answer does not name the follow-up workflow: %s", res.raw)
	}
	id := wf["id"].(string)

	c, err := itemporal.Dial(context.Background(), env["TEMPORAL_ADDRESS"], "default", zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	desc, err := c.DescribeWorkflow(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := desc.TypedSearchAttributes.GetKeyword(itemporal.OrgID); o != org {
		t.Errorf("XentriOrgId = %q, want %s", o, org)
	}
	if l, _ := desc.TypedSearchAttributes.GetKeyword(itemporal.LeadID); l != lead["id"] {
		t.Errorf("XentriLeadId = %q", l)
	}

	// The follow-ups: none recorded yet, three to come; a snooze moves the
	// next one.
	leadURL := run.url("/api/v1/leads/" + lead["id"].(string))
	view := call(t, "GET", leadURL+"/followups", "", auth)
	up, _ := view.data()["upcoming"].([]any)
	if view.status != 200 || len(up) != 3 || len(view.data()["past"].([]any)) != 0 {
		t.Fatalf("followups: %d %s", view.status, view.raw)
	}
	until := time.Now().Add(50 * time.Hour).UTC().Truncate(time.Second)
	if res := call(t, "POST", leadURL+"/followups/snooze", `{"until":"`+until.Format(time.RFC3339)+`"}`, auth); res.status != http.StatusNoContent {
		t.Fatalf("snooze: %d %s", res.status, res.raw)
	}
	moved := false
	for start := time.Now(); time.Since(start) < 5*time.Second && !moved; time.Sleep(50 * time.Millisecond) {
		view = call(t, "GET", leadURL+"/followups", "", auth)
		if up, _ := view.data()["upcoming"].([]any); len(up) > 0 {
			due, _ := time.Parse(time.RFC3339Nano, up[0].(map[string]any)["due_at"].(string))
			moved = due.Equal(until)
		}
	}
	if !moved {
		t.Fatalf("the snooze did not move the next follow-up: %s", view.raw)
	}
	if res := call(t, "POST", leadURL+"/followups/snooze", `{"until":"2020-01-01T00:00:00Z"}`, auth); res.status != http.StatusBadRequest {
		t.Errorf("a snooze into the past: %d", res.status)
	}

	// n8n asking for the lead's follow-ups finds the running workflow.
	tok := call(t, "POST", run.url("/api/v1/orgs/"+org+"/tokens"), `{"name":"n8n","scopes":["workflows:start"]}`, auth).data()["token"].(string)
	hook := run.url("/api/v1/hooks/n8n/workflows/lead.followup")
	res = call(t, "POST", hook, `{"org_id":"`+org+`","input":{"lead_id":"`+lead["id"].(string)+`"}}`, map[string]string{"Authorization": "Bearer " + tok})
	if res.status != http.StatusAccepted || res.data()["workflow_id"] != id || res.data()["run_id"] != desc.WorkflowExecution.RunID {
		t.Fatalf("hook lead.followup: %d %s (want the running %s %s)", res.status, res.raw, id, desc.WorkflowExecution.RunID)
	}
	if res := call(t, "POST", hook, `{"org_id":"`+org+`","input":{"lead_id":"not-a-uuid"}}`, map[string]string{"Authorization": "Bearer " + tok}); res.status != http.StatusBadRequest {
		t.Errorf("hook with a malformed lead id: %d %s", res.status, res.raw)
	}
	if res := call(t, "POST", hook, `{"org_id":"`+org+`","input":{"lead_id":"`+lead["id"].(string)+`","org_id":"`+org+`"}}`, map[string]string{"Authorization": "Bearer " + tok}); res.status != http.StatusBadRequest {
		t.Errorf("hook input naming an org: %d %s", res.status, res.raw)
	}

	// Won: the committed event reaches the workflow, which ends.
	if res := call(t, "POST", run.url("/api/v1/leads/"+lead["id"].(string)+"/status"), `{"status":"won"}`, auth); res.status != 200 {
		t.Fatalf("won: %d %s", res.status, res.raw)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		desc, _ = c.DescribeWorkflow(context.Background(), id, "")
		if desc != nil && desc.Status == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			var st workflows.FUState
			if err := c.GetWorkflow(context.Background(), id, "").Get(context.Background(), &st); err != nil || st.Ended != "won" {
				t.Fatalf("result %+v, %v; want ended won", st, err)
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	raw, _ := json.Marshal(desc)
	t.Fatalf("the workflow did not end after the lead was won: %s", raw)
}
